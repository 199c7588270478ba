package confluent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// PropInitialOffsetFrom makes a new statement start from the offsets of a
// STOPPED statement (its latest_offsets) instead of the tables' startup mode.
const PropInitialOffsetFrom = "sql.tables.initial-offset-from"

// AltSuffix marks the second name of a table's DML statement. Statement
// names are immutable and unique, and the statement offsets are carried
// from must still exist (STOPPED) when its successor is created, so a
// carried DML alternates between its conventional name N and N+AltSuffix.
// The suffix is ".b" rather than "-b": the convention turns '_' into '-',
// so "N-b" is the conventional name of table "<table>_b", while the
// convention never produces a '.' from a table name.
const AltSuffix = ".b"

// AlternateName returns the other name of a table's DML:
// conventional+AltSuffix when current is conventional (or anything else),
// conventional when current is the alternate. Whether the alternate fits
// the service's name limit is the plan's question (plan.CarryOffsets).
func AlternateName(conventional, current string) string {
	if current == conventional+AltSuffix {
		return conventional
	}
	return conventional + AltSuffix
}

// carryState is what the target knows for --carry-offsets: the DML found
// for each table by State, and the restarts planned to carry offsets.
type carryState struct {
	mu    sync.Mutex
	found map[string]foundDML // table → its DML as State saw it
	// leftover maps a table's chosen DML to a not-healthy statement under
	// its other name (left by an interrupted carry), deleted with it.
	leftover map[string]string
	byOld    map[string]*carryStep // statement stopped instead of deleted → step
	byNew    map[string]*carryStep // statement created from it → step
}

type foundDML struct {
	conventional, name string
	phase              deployers.Phase
}

// carryStep is one restart that carries offsets from old to new.
type carryStep struct {
	table, old, new string
	stopped         bool // old reached STOPPED: new may start from it
	deleted         bool // old deleted once new ran
}

// pickDML chooses the DML statement of a table among its two names:
// a healthy one before one that is not (an interrupted carry leaves the old
// one STOPPED next to the running new one), then a STOPPED one (it holds
// offsets a carry can start from, where a FAILED successor holds none),
// then the newest. The alternate
// name is ignored when it is another table's statement name (taken). It
// remembers the choice for FoundDML.
func (t *Target) pickDML(byName map[string]*Statement, ref deployers.TableRef, taken map[string]bool) *Statement {
	if ref.DMLName == "" {
		return nil
	}
	best := byName[ref.DMLName]
	if alt := ref.DMLName + AltSuffix; !taken[alt] {
		if s := byName[alt]; s != nil && better(s, best) {
			best = s
		}
	}
	if best != nil {
		t.carry.mu.Lock()
		if t.carry.found == nil {
			t.carry.found, t.carry.leftover = map[string]foundDML{}, map[string]string{}
		}
		t.carry.found[ref.Table] = foundDML{conventional: ref.DMLName, name: best.Name, phase: deployers.Phase(best.Status.Phase)}
		other, mine := ref.DMLName, true
		if best.Name == ref.DMLName {
			other += AltSuffix
			mine = !taken[other]
		}
		if o := byName[other]; o != nil && mine && !deployers.Phase(o.Status.Phase).Healthy() {
			t.carry.leftover[best.Name] = other
		} else {
			delete(t.carry.leftover, best.Name)
		}
		t.carry.mu.Unlock()
	}
	return best
}

// better reports whether a should be preferred to b as a table's DML.
func better(a, b *Statement) bool {
	if b == nil {
		return true
	}
	ha, hb := deployers.Phase(a.Status.Phase).Healthy(), deployers.Phase(b.Status.Phase).Healthy()
	if ha != hb {
		return ha
	}
	sa, sb := a.Status.Phase == string(deployers.PhaseStopped), b.Status.Phase == string(deployers.PhaseStopped)
	if !ha && sa != sb {
		return sa
	}
	return a.Metadata.CreatedAt.After(b.Metadata.CreatedAt)
}

// refNames is the set of statement names the convention gives the tables,
// so that an alternate name equal to another table's name is never taken
// for a carried DML. O(T).
func refNames(refs []deployers.TableRef) map[string]bool {
	out := make(map[string]bool, 2*len(refs))
	for _, r := range refs {
		out[r.DDLName] = true
		out[r.DMLName] = true
	}
	return out
}

// FoundDML is the table's DML as State last found it
// (deployers.OffsetCarrier).
func (t *Target) FoundDML(table string) (deployers.FoundDML, bool) {
	t.carry.mu.Lock()
	defer t.carry.mu.Unlock()
	f, ok := t.carry.found[table]
	return deployers.FoundDML{Conventional: f.conventional, Name: f.name, Phase: f.phase}, ok
}

// AlternateName is the package's AlternateName (deployers.OffsetCarrier).
func (t *Target) AlternateName(conventional, current string) string {
	return AlternateName(conventional, current)
}

// Carry records a restart the plan decided carries offsets
// (deployers.OffsetCarrier): when the plan runs, the target stops old
// instead of deleting it, creates next with sql.tables.initial-offset-from
// = old, and deletes old once next is RUNNING. Recording the same carry
// again (a saved plan) changes nothing.
func (t *Target) Carry(table, old, next string) {
	t.carry.mu.Lock()
	defer t.carry.mu.Unlock()
	if t.carry.byOld == nil {
		t.carry.byOld, t.carry.byNew = map[string]*carryStep{}, map[string]*carryStep{}
	}
	cs := &carryStep{table: table, old: old, new: next}
	t.carry.byOld[old] = cs
	t.carry.byNew[next] = cs
}

// carryFrom is the carried restart whose old statement is name, or nil.
func (t *Target) carryFrom(name string) *carryStep {
	t.carry.mu.Lock()
	defer t.carry.mu.Unlock()
	return t.carry.byOld[name]
}

// carryTo is the carried restart whose new statement is name, or nil.
func (t *Target) carryTo(name string) *carryStep {
	t.carry.mu.Lock()
	defer t.carry.mu.Unlock()
	return t.carry.byNew[name]
}

// stopForCarry is DeleteStatement for the old statement of a carried
// restart: it stops it (PUT spec.stopped=true, wait STOPPED) so its
// latest_offsets stay readable for the new one. A statement already gone
// cancels the carry (the new one starts from the startup mode) and is
// ErrNotFound, as a delete of a missing statement is.
func (t *Target) stopForCarry(ctx context.Context, cs *carryStep) error {
	err := t.StopStatement(ctx, cs.old)
	if errors.Is(err, deployers.ErrNotFound) {
		t.c.opts.Logger.Warn("statement to carry offsets from is gone; the new one starts from the startup mode",
			"table", cs.table, "statement", cs.old, "new", cs.new)
		t.carry.mu.Lock()
		delete(t.carry.byOld, cs.old)
		delete(t.carry.byNew, cs.new)
		t.carry.mu.Unlock()
		return fmt.Errorf("stop statement %s to carry its offsets: %w", cs.old, err)
	}
	if err != nil {
		return fmt.Errorf("stop statement %s to carry its offsets to %s (it keeps its offsets; rerun the deploy): %w", cs.old, cs.new, err)
	}
	t.carry.mu.Lock()
	cs.stopped = true
	t.carry.mu.Unlock()
	t.c.opts.Logger.Info("stopped statement to carry its offsets", "table", cs.table, "statement", cs.old, "new", cs.new)
	return nil
}

// carryProperties adds sql.tables.initial-offset-from to the properties of
// the new statement of a carried restart whose old statement is STOPPED.
func (t *Target) carryProperties(req deployers.StatementRequest) map[string]string {
	cs := t.carryTo(req.Name)
	if cs == nil {
		return req.Properties
	}
	t.carry.mu.Lock()
	stopped := cs.stopped
	t.carry.mu.Unlock()
	if !stopped {
		return req.Properties
	}
	p := maps.Clone(req.Properties)
	if p == nil {
		p = map[string]string{}
	}
	p[PropInitialOffsetFrom] = cs.old
	return p
}

// finishCarry deletes the old statement of a carried restart once the new
// one reached the phase the caller waited for. A failed delete only leaves
// a STOPPED statement behind (State prefers the running one, and the next
// carry of the table deletes it before reusing its name): it is logged,
// not returned.
func (t *Target) finishCarry(ctx context.Context, name string) {
	cs := t.carryTo(name)
	if cs == nil {
		return
	}
	t.carry.mu.Lock()
	run := cs.stopped && !cs.deleted
	cs.deleted = true
	t.carry.mu.Unlock()
	if !run {
		return
	}
	if err := t.c.DeleteStatement(ctx, cs.old); err != nil {
		t.c.opts.Logger.Warn("could not delete the statement offsets were carried from; delete it by hand or with housekeep-statements --status STOPPED",
			"table", cs.table, "statement", cs.old, "error", err)
		return
	}
	t.c.opts.Logger.Info("deleted the statement offsets were carried from", "table", cs.table, "statement", cs.old, "new", name)
}

// deleteLeftover deletes the statement an interrupted carry left under the
// other name of the DML just deleted (see carryState.leftover), so that an
// undeploy leaves nothing behind that State would take for the table's DML.
func (t *Target) deleteLeftover(ctx context.Context, deleted string) error {
	t.carry.mu.Lock()
	other := t.carry.leftover[deleted]
	delete(t.carry.leftover, deleted)
	t.carry.mu.Unlock()
	if other == "" {
		return nil
	}
	if err := t.c.DeleteStatement(ctx, other); err != nil {
		return fmt.Errorf("delete %s, left over next to %s by an interrupted --carry-offsets run: %w", other, deleted, err)
	}
	t.c.opts.Logger.Info("deleted statement left over by an interrupted --carry-offsets run", "statement", other, "with", deleted)
	return nil
}
