package plan

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// unreportedState is a table's state on a target that reports neither its
// DDL nor its DML SQL, so the change set decides.
func unreportedState(name string, exists, running, hasDML bool) (deployers.TableState, bool) {
	if !exists {
		return deployers.TableState{}, false
	}
	st := deployers.TableState{Table: name, Exists: true}
	if hasDML {
		phase := deployers.PhaseFailed
		if running {
			phase = deployers.PhaseRunning
		}
		st.DML = &deployers.Statement{Name: "dml-" + name, Table: name, Kind: deployers.KindDML, Phase: phase}
	}
	return st, true
}

// TestChangedRuleMatchesBuild: ChangedRule says what Build does to a
// selected table whose SQL the target does not report, for every change
// kind, file layout, state and flag that the rule reads.
func TestChangedRuleMatchesBuild(t *testing.T) {
	kinds := []Change{
		{},
		{Kind: ChangeDDL, Schema: "compatible"},
		{Kind: ChangeDDL, Schema: "breaking"},
		{Kind: ChangeDDL},
		{Kind: ChangeDML},
		{Kind: ChangeAdded},
		{Kind: ChangeRenamed},
		{Kind: ChangeRenamed, Content: "ddl"},
		{Kind: ChangeRenamed, Content: "dml"},
	}
	flags := []Options{{}, {Force: true}, {DMLOnly: true}, {Force: true, DMLOnly: true}, {MayStartDescendants: true}}
	n := 0
	for _, ch := range kinds {
		for _, files := range [][2]bool{{true, true}, {true, false}, {false, true}} {
			for _, state := range [][2]bool{{false, false}, {true, false}, {true, true}} {
				for _, opts := range flags {
					c := Changed{Change: ch, HasDDL: files[0], HasDML: files[1], Exists: state[0], Running: state[1]}
					name := fmt.Sprintf("%+v/%+v", c, opts)
					tb := &pipeline.Table{Name: "t", Type: pipeline.TypeIntermediate, Product: "p", Folder: "intermediates/p/t"}
					if c.HasDDL {
						tb.DDLPath = tb.Folder + "/sql-scripts/ddl.t.sql"
					}
					if c.HasDML {
						tb.DMLPath = tb.Folder + "/sql-scripts/dml.t.sql"
					}
					g, err := dag.Build(&pipeline.Project{Tables: []*pipeline.Table{tb}, ByName: map[string]*pipeline.Table{"t": tb}})
					if err != nil {
						t.Fatal(err)
					}
					state := map[string]deployers.TableState{}
					if st, ok := unreportedState("t", c.Exists, c.Running, c.HasDML); ok {
						state["t"] = st
					}
					var changes map[string]Change
					if ch.Kind != "" {
						changes = map[string]Change{"t": ch}
					}
					p, err := Build(context.Background(), g, Inputs{
						Selected: []string{"t"}, Changes: changes, State: state, Options: opts, Naming: testNaming,
						Target: deployers.Info{Target: "local", Environment: "dev"}, Now: time.Unix(0, 0),
					})
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if got, want := p.Steps[0].Action, ChangedRule(c, opts).Action; got != want {
						t.Errorf("%s: Build plans %s (%s), ChangedRule says %s", name, got, p.Steps[0].Reason, want)
					}
					n++
				}
			}
		}
	}
	if n != 9*3*3*5 {
		t.Fatalf("%d combinations checked", n)
	}
}

// TestDescendantRule pins the rule's table: what forces, what merely
// acts, and where the flags and the state change the action.
func TestDescendantRule(t *testing.T) {
	running := Descendant{HasDML: true, Exists: true, Running: true, InScope: true}
	with := func(f func(*Descendant)) Descendant { d := running; f(&d); return d }
	stateful := with(func(d *Descendant) { d.Stateful = true })
	missing := with(func(d *Descendant) { d.Exists, d.Running = false, false })
	failed := with(func(d *Descendant) { d.Running = false })
	noDML := with(func(d *Descendant) { d.HasDML, d.Running = false, false })
	excluded := with(func(d *Descendant) { d.Excluded = true })
	outside := with(func(d *Descendant) { d.InScope = false })
	cases := []struct {
		name  string
		reach Reach
		d     Descendant
		may   bool
		want  Outcome
	}{
		{"no acting parent", ReachNone, stateful, true, Outcome{Action: ActionNone}},
		{"forced stateless restarts and forces", ReachForced, running, false, Outcome{ActionRestart, true}},
		{"forced stateful recreates", ReachForced, stateful, false, Outcome{ActionRecreate, true}},
		{"forced missing is created", ReachForced, missing, false, Outcome{ActionCreate, true}},
		{"forced failed is started", ReachForced, failed, false, Outcome{ActionStart, true}},
		{"forced without dml stays", ReachForced, noDML, false, Outcome{Action: ActionNone}},
		{"acting parent leaves a running table", ReachActing, stateful, false, Outcome{Action: ActionNone}},
		{"acting parent repairs a failed one", ReachActing, failed, false, Outcome{Action: ActionStart}},
		{"acting parent does not create", ReachActing, missing, false, Outcome{Action: ActionNone}},
		{"may-start restarts without forcing", ReachActing, running, true, Outcome{Action: ActionRestart}},
		{"may-start recreates stateful, which forces", ReachActing, stateful, true, Outcome{ActionRecreate, true}},
		{"may-start creates missing", ReachActing, missing, true, Outcome{Action: ActionCreate}},
		{"excluded when it would act", ReachForced, excluded, false, Outcome{Action: ActionExcluded}},
		{"excluded and only acting: nothing", ReachActing, excluded, false, Outcome{Action: ActionNone}},
		{"out of scope stays", ReachForced, outside, true, Outcome{Action: ActionNone}},
	}
	for _, c := range cases {
		if got := DescendantRule(c.reach, c.d, c.may); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestOutcomeMerge(t *testing.T) {
	cases := []struct {
		cur, next, want Outcome
		changed         bool
	}{
		{Outcome{ActionRestart, false}, Outcome{ActionRecreate, true}, Outcome{ActionRecreate, true}, true},
		{Outcome{ActionRecreate, true}, Outcome{ActionRestart, true}, Outcome{ActionRecreate, true}, false},
		{Outcome{ActionRestart, false}, Outcome{ActionRestart, true}, Outcome{ActionRestart, true}, true},
		{Outcome{ActionStart, false}, Outcome{ActionRestart, false}, Outcome{ActionStart, false}, false},
		{Outcome{ActionNone, false}, Outcome{ActionStart, false}, Outcome{ActionStart, false}, true},
		// A table left alone does not start forcing: it does not act.
		{Outcome{ActionNone, false}, Outcome{ActionNone, true}, Outcome{ActionNone, false}, false},
		{Outcome{ActionCreate, false}, Outcome{ActionRecreate, true}, Outcome{ActionCreate, true}, true},
	}
	for _, c := range cases {
		got, changed := c.cur.Merge(c.next)
		if got != c.want || changed != c.changed {
			t.Errorf("%+v.Merge(%+v) = %+v, %v; want %+v, %v", c.cur, c.next, got, changed, c.want, c.changed)
		}
	}
}

func TestOptionsInScope(t *testing.T) {
	sel := map[string]bool{"sales": true}
	for _, c := range []struct {
		opts    Options
		product string
		want    bool
	}{
		{Options{}, "sales", true},
		{Options{}, "marketing", false},
		{Options{CommonProducts: []string{"common"}}, "common", true},
		{Options{CrossProductDeployment: true}, "marketing", true},
	} {
		if got := c.opts.InScope(c.product, sel); got != c.want {
			t.Errorf("%+v InScope(%s) = %v", c.opts, c.product, got)
		}
	}
}
