// Package plan computes execution plans: which tables of a pipelines
// project a deploy creates, recreates, restarts or starts, and why, from
// the selection, the git change set and the target's current state. A plan
// is a value: it is rendered as text or JSON, saved to a file, checked for
// staleness and executed later by package executor. Nothing here talks to
// a target.
package plan

import (
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// Action is what a step does to its table.
type Action string

const (
	// ActionCreate creates the missing table (DDL) and starts its DML.
	ActionCreate Action = "create"
	// ActionRecreate drops the table, creates it again and starts its DML:
	// its topic and its state are rebuilt from scratch.
	ActionRecreate Action = "recreate"
	// ActionRestart stops the running DML and starts the one of the file.
	ActionRestart Action = "restart"
	// ActionStart starts the DML of an existing table that has no healthy
	// DML (missing, FAILED, STOPPED).
	ActionStart Action = "start"
	// ActionNone leaves the table alone.
	ActionNone Action = "none"
	// ActionExcluded marks a table the selection excluded: shown, never run.
	ActionExcluded Action = "excluded"
	// ActionDrop (undeploy) deletes the DML statement and drops the table.
	ActionDrop Action = "drop"
	// ActionKeep (undeploy) keeps a selected table that running pipelines
	// outside the selection still read.
	ActionKeep Action = "keep"
)

// Acts reports whether the executor runs statements for the action.
func (a Action) Acts() bool {
	switch a {
	case ActionCreate, ActionRecreate, ActionRestart, ActionStart, ActionDrop, ActionCreateExternal, ActionDropExternal:
		return true
	}
	return false
}

// StatementRef names one statement a step submits.
type StatementRef struct {
	Kind deployers.StatementKind `json:"kind"`
	Name string                  `json:"name"`
}

// Step is what the plan does to one table.
type Step struct {
	Table   string             `json:"table"`
	Product string             `json:"product"`
	Type    pipeline.TableType `json:"type"`
	Action  Action             `json:"action"`
	Reason  string             `json:"reason"`
	// Statements are the DDL and DML statements the step submits, in order
	// (empty when the step does not act).
	Statements []StatementRef `json:"statements"`
	// After are the acting steps this one waits for, sorted: its nearest
	// acting ancestors in the plan (through steps that do not act).
	After []string `json:"after"`
	// Stateful says whether the table's DML keeps Flink state.
	Stateful bool     `json:"stateful,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Drop is the helper statement that drops the table (recreate, drop).
	Drop string `json:"drop,omitempty"`
	// Replaces are statements running now that the step deletes before it
	// submits its own: the table's current DML and, before a drop, the DML
	// of the tables that read it. Sorted.
	Replaces []string `json:"replaces,omitempty"`
	// DropOnFailure says the step drops the table it created again when
	// the table's DML fails to start, so a failed first deploy leaves no
	// half-created table behind (create steps with a DDL and a DML).
	DropOnFailure bool `json:"drop_on_failure,omitempty"`
}

// Statement returns the name of the step's statement of that kind, or "".
func (s *Step) Statement(kind deployers.StatementKind) string {
	for _, st := range s.Statements {
		if st.Kind == kind {
			return st.Name
		}
	}
	return ""
}

// Summary counts steps by action.
type Summary struct {
	Create    int `json:"create"`
	Recreate  int `json:"recreate"`
	Restart   int `json:"restart"`
	Start     int `json:"start"`
	Unchanged int `json:"unchanged"`
	Excluded  int `json:"excluded"`
	Drop      int `json:"drop,omitempty"`
	Keep      int `json:"keep,omitempty"`
}

// Changes is the number of steps that act.
func (s Summary) Changes() int { return s.Create + s.Recreate + s.Restart + s.Start + s.Drop }

// Fingerprint identifies what a plan was computed from, so a saved plan can
// be refused when either moved.
type Fingerprint struct {
	// Pipelines hashes the SQL files of the plan's tables.
	Pipelines string `json:"pipelines"`
	// State hashes what the target reported for the plan's tables.
	State string `json:"state"`
}

// Kind of plan.
const (
	KindDeploy   = "deploy"
	KindUndeploy = "undeploy"
)

// FormatVersion is the version of the plan file format.
const FormatVersion = 1

// Plan is an execution plan. Steps are in a topological order: every step
// comes after the steps it waits for (reversed for undeploy plans).
type Plan struct {
	Version     int         `json:"version"`
	Kind        string      `json:"kind"`
	Target      string      `json:"target"`
	Environment string      `json:"environment"`
	CreatedAt   time.Time   `json:"created_at"`
	Fingerprint Fingerprint `json:"fingerprint"`
	Steps       []Step      `json:"steps"`
	// Externals are the external inputs the plan's tables read, sorted by
	// name: never steps, never counted in the summary.
	Externals []External `json:"externals,omitempty"`
	Summary   Summary    `json:"summary"`
	Warnings  []string   `json:"warnings,omitempty"`
}

// Step returns the step of a table, or nil.
func (p *Plan) Step(table string) *Step {
	for i := range p.Steps {
		if p.Steps[i].Table == table {
			return &p.Steps[i]
		}
	}
	return nil
}

// HasChanges reports whether any step acts.
func (p *Plan) HasChanges() bool { return p.Summary.Changes() > 0 }

func summarize(steps []Step) Summary {
	var s Summary
	for _, st := range steps {
		switch st.Action {
		case ActionCreate:
			s.Create++
		case ActionRecreate:
			s.Recreate++
		case ActionRestart:
			s.Restart++
		case ActionStart:
			s.Start++
		case ActionExcluded:
			s.Excluded++
		case ActionDrop:
			s.Drop++
		case ActionKeep:
			s.Keep++
		default:
			s.Unchanged++
		}
	}
	return s
}
