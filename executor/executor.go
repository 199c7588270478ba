// Package executor runs an execution plan (package plan) against a
// deployment target (deployers.Target). It is a DAG scheduler, not waves:
// a step starts as soon as every step it waits for has succeeded, at most
// MaxParallel at a time. A failed step blocks all its descendants in the
// plan; independent branches go on unless FailFast. Cancelling the context
// stops starting new steps and gives the running ones a grace period. The
// executor keeps no state of its own: a rerun of deploy plans again from
// the target's state and does only what is left.
package executor

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// Defaults of Options.
const (
	DefaultMaxParallel      = 4
	DefaultStatementTimeout = 10 * time.Minute
	DefaultGrace            = 30 * time.Second
)

// Options configure Run.
type Options struct {
	// MaxParallel bounds the steps running at once (default 4).
	MaxParallel int
	// StatementTimeout bounds each wait for a statement to reach its phase
	// (default 10 minutes).
	StatementTimeout time.Duration
	// FailFast stops starting new steps after the first failure.
	FailFast bool
	// Grace is how long running steps may go on after ctx is cancelled
	// before their own context is cancelled too (default 30 s).
	Grace time.Duration
	// SQL returns the contents of a table's DDL and DML files.
	SQL func(table string) (ddl, dml string, err error)
	// Properties returns the statement properties of a table's statement
	// (may be nil).
	Properties func(table string, kind deployers.StatementKind) map[string]string
	// OnEvent receives progress events, from one goroutine at a time.
	OnEvent func(Event)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Status is the outcome of one step.
type Status string

const (
	StatusPending   Status = "pending"
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	// StatusBlocked: a step it waits for (directly or not) failed.
	StatusBlocked Status = "blocked"
	// StatusNotStarted: the run was cancelled or stopped (FailFast) first.
	StatusNotStarted Status = "not started"
	// StatusInterrupted: the run was cancelled and the grace period ended
	// while the step ran; a rerun finishes it.
	StatusInterrupted Status = "interrupted"
)

// EventKind says what happened.
type EventKind string

const (
	EventStarted   EventKind = "started"
	EventStatement EventKind = "statement"
	EventSucceeded EventKind = "succeeded"
	EventFailed    EventKind = "failed"
	EventBlocked   EventKind = "blocked"
	EventStopping  EventKind = "stopping"
)

// Event is one progress event.
type Event struct {
	Time   time.Time
	Kind   EventKind
	Table  string
	Action plan.Action
	// Statement and Message describe an EventStatement ("submitted",
	// "COMPLETED", "RUNNING", "deleted", "dropped").
	Statement string
	Message   string
	Err       error
	Duration  time.Duration
	// Done counts finished steps (succeeded, failed, blocked) of Total.
	Done, Total int
	// Running are the steps running after this event, in plan order.
	Running []string
}

// StepResult is what happened to one acting step.
type StepResult struct {
	Table    string        `json:"table"`
	Action   plan.Action   `json:"action"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"duration"`
	// Statement is the last statement the step touched.
	Statement string `json:"statement,omitempty"`
	// BlockedBy are the failed steps upstream that blocked this one, in
	// the order they failed.
	BlockedBy []string `json:"blocked_by,omitempty"`
	Err       error    `json:"-"`
}

// Result is the outcome of a run, one entry per acting step in plan order.
type Result struct {
	Steps []StepResult
	// Interrupted is true when the context was cancelled during the run.
	Interrupted bool
}

// OK reports whether every step succeeded.
func (r *Result) OK() bool {
	for _, s := range r.Steps {
		if s.Status != StatusSucceeded {
			return false
		}
	}
	return true
}

// Count returns the number of steps with that status.
func (r *Result) Count(s Status) int {
	n := 0
	for _, st := range r.Steps {
		if st.Status == s {
			n++
		}
	}
	return n
}

// Err is nil when every step succeeded, else a *DeployError listing the
// root failures only (blocked steps are counted, not repeated).
func (r *Result) Err() error {
	if r.OK() {
		return nil
	}
	e := &DeployError{Blocked: r.Count(StatusBlocked), NotStarted: r.Count(StatusNotStarted) + r.Count(StatusInterrupted), Interrupted: r.Interrupted}
	for _, s := range r.Steps {
		if s.Status == StatusFailed {
			e.Failures = append(e.Failures, s)
		}
	}
	return e
}

// DeployError is a run that did not finish every step.
type DeployError struct {
	Failures    []StepResult
	Blocked     int
	NotStarted  int
	Interrupted bool
}

func (e *DeployError) Error() string {
	var b strings.Builder
	switch {
	case len(e.Failures) > 0:
		fmt.Fprintf(&b, "%d table(s) failed", len(e.Failures))
		for _, f := range e.Failures {
			fmt.Fprintf(&b, "\n  %s: %v", f.Table, f.Err)
		}
	case e.Interrupted:
		b.WriteString("interrupted")
	default:
		b.WriteString("stopped")
	}
	if e.Blocked > 0 {
		fmt.Fprintf(&b, "\n%d table(s) blocked by a failure upstream were not deployed", e.Blocked)
	}
	if e.NotStarted > 0 {
		fmt.Fprintf(&b, "\n%d table(s) not started or not finished", e.NotStarted)
	}
	if len(e.Failures) > 0 {
		b.WriteString("\nfix the cause and run deploy again: it plans from the target's state and does only what is left")
	} else {
		b.WriteString("\nrun deploy again to finish: it plans from the target's state and does only what is left")
	}
	return b.String()
}

// Unwrap returns the root failures' errors.
func (e *DeployError) Unwrap() []error {
	var out []error
	for _, f := range e.Failures {
		out = append(out, f.Err)
	}
	return out
}

// outcome is a finished step, sent back to the scheduler.
type outcome struct {
	i         int
	statement string
	err       error
	dur       time.Duration
}

// Run executes the acting steps of p on target t.
//
// Scheduling is one loop over a ready queue (a heap in plan order) fed by
// completion messages: no goroutine per vertex; one goroutine per running
// step. Cost: O(V+E + V log V) scheduling work on top of the target calls.
// It returns an error only for a plan it cannot run (unknown After); step
// failures are in the Result (see Result.Err).
func Run(ctx context.Context, t deployers.Target, p *plan.Plan, opts Options) (*Result, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	g, err := newStepGraph(p)
	if err != nil {
		return nil, err
	}
	// Running steps get their own context: cancelling ctx stops new work
	// at once, and the running steps Grace later.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	r := newRun(t, g, opts, work, cancelWork)
	defer r.stopTimer()
	r.loop(ctx)
	r.markNotStarted(ctx)
	return r.res, nil
}

// withDefaults fills the unset options with their defaults; a missing SQL
// reader is an error, as no step could run.
func withDefaults(opts Options) (Options, error) {
	if opts.MaxParallel <= 0 {
		opts.MaxParallel = DefaultMaxParallel
	}
	if opts.StatementTimeout <= 0 {
		opts.StatementTimeout = DefaultStatementTimeout
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SQL == nil {
		return opts, errors.New("executor: no SQL reader")
	}
	return opts, nil
}

// stepGraph is the acting steps of a plan, in plan order, and what each
// waits for.
type stepGraph struct {
	steps []*plan.Step
	// waiting counts, per step, the steps it still waits for.
	waiting []int
	// dependents are, per step, the steps that wait for it.
	dependents [][]int
	// externals are, per table, the external inputs it reads.
	externals map[string][]string
}

// newStepGraph indexes the acting steps of p and their After lists. A
// step waiting for a table that is not an acting step is an error: the
// plan was edited or built wrong, and running it would never start that
// step. Cost: O(V+E).
func newStepGraph(p *plan.Plan) (*stepGraph, error) {
	g := &stepGraph{}
	index := map[string]int{}
	// Externals created by the run come first and externals dropped by it
	// last, so the steps stay in a topological order (heights needs it).
	ext := plan.ExternalSteps(p)
	add := func(s *plan.Step) {
		index[s.Table] = len(g.steps)
		g.steps = append(g.steps, s)
	}
	for i := range ext {
		if ext[i].Action == plan.ActionCreateExternal {
			add(&ext[i])
		}
	}
	for i := range p.Steps {
		if p.Steps[i].Action.Acts() {
			add(&p.Steps[i])
		}
	}
	for i := range ext {
		if ext[i].Action == plan.ActionDropExternal {
			add(&ext[i])
		}
	}
	// A reader waits for the externals the run creates for it.
	waitsFor := map[string][]string{}
	g.externals = map[string][]string{}
	for _, e := range p.Externals {
		for _, r := range e.ReadBy {
			g.externals[r] = append(g.externals[r], e.Table)
		}
		if e.Status != plan.ExternalWillCreate {
			continue
		}
		for _, r := range e.ReadBy {
			if _, acts := index[r]; acts {
				waitsFor[r] = append(waitsFor[r], e.Table)
			}
		}
	}
	n := len(g.steps)
	g.waiting = make([]int, n)
	g.dependents = make([][]int, n)
	for i, s := range g.steps {
		for _, a := range append(slices.Clone(s.After), waitsFor[s.Table]...) {
			j, ok := index[a]
			if !ok {
				return nil, fmt.Errorf("plan: %s waits for %s, which is not an acting step of the plan", s.Table, a)
			}
			g.waiting[i]++
			g.dependents[j] = append(g.dependents[j], i)
		}
	}
	return g, nil
}

// run is the scheduler's state during Run. Only the scheduler goroutine
// (Run's) touches it; step goroutines talk to it through done and
// progress.
type run struct {
	t    deployers.Target
	opts Options
	*stepGraph
	res   *Result
	ready *readyQueue
	// work is the steps' context; cancelWork ends it Grace after an
	// interruption (timer).
	work       context.Context
	cancelWork context.CancelFunc
	timer      *time.Timer
	done       chan outcome
	// progress carries statement events from the step goroutines, so
	// OnEvent is called from one goroutine at a time.
	progress chan Event
	running  []int // steps running, in no particular order
	finished int   // steps succeeded, failed or blocked
	stopping bool  // no new step starts (interrupted, or FailFast)
}

// newRun sets every step pending and queues those that wait for nothing.
func newRun(t deployers.Target, g *stepGraph, opts Options, work context.Context, cancelWork context.CancelFunc) *run {
	r := &run{
		t: t, opts: opts, stepGraph: g,
		res:        &Result{Steps: make([]StepResult, len(g.steps))},
		ready:      &readyQueue{height: heights(g.dependents)},
		work:       work,
		cancelWork: cancelWork,
		done:       make(chan outcome),
		progress:   make(chan Event),
	}
	for i, s := range g.steps {
		r.res.Steps[i] = StepResult{Table: s.Table, Action: s.Action, Status: StatusPending}
	}
	for i := range g.steps {
		if g.waiting[i] == 0 {
			heap.Push(r.ready, i)
		}
	}
	return r
}

// loop starts ready steps while slots are free and handles one message
// at a time (a statement event, a finished step, the interruption) until
// nothing runs and nothing more can start.
func (r *run) loop(ctx context.Context) {
	ctxDone := ctx.Done()
	for {
		r.startReady(ctx)
		if len(r.running) == 0 {
			return
		}
		select {
		case ev := <-r.progress:
			r.emit(ev)
		case o := <-r.done:
			r.finish(o)
		case <-ctxDone:
			ctxDone = nil
			r.interrupt()
		}
	}
}

// startReady starts ready steps, most dependents first, while the run is
// not stopping and fewer than MaxParallel run. Each runs in its own
// goroutine and reports on done.
func (r *run) startReady(ctx context.Context) {
	for !r.stopping && ctx.Err() == nil && len(r.running) < r.opts.MaxParallel && r.ready.Len() > 0 {
		i := heap.Pop(r.ready).(int)
		r.res.Steps[i].Status = StatusRunning
		r.running = append(r.running, i)
		r.emit(Event{Kind: EventStarted, Table: r.steps[i].Table, Action: r.steps[i].Action})
		go func(i int) {
			start := r.opts.Now()
			name, err := runStep(r.work, r.t, r.steps[i], r.opts, sink(r.work, r.steps[i], r.progress))
			r.done <- outcome{i: i, statement: name, err: err, dur: r.opts.Now().Sub(start)}
		}(i)
	}
}

// emit stamps ev with the time, the progress counts and the running steps
// (in plan order) and hands it to OnEvent.
func (r *run) emit(ev Event) {
	if r.opts.OnEvent == nil {
		return
	}
	ev.Time = r.opts.Now()
	ev.Done, ev.Total = r.finished, len(r.steps)
	ev.Running = make([]string, 0, len(r.running))
	sort.Ints(r.running)
	for _, i := range r.running {
		ev.Running = append(ev.Running, r.steps[i].Table)
	}
	r.opts.OnEvent(ev)
}

// finish records a finished step. Success releases the steps that waited
// only for it. A step cancelled by the end of the grace period is
// interrupted, not failed: a rerun finishes it. A failure blocks every
// step downstream and, with FailFast, stops new starts.
func (r *run) finish(o outcome) {
	r.running = remove(r.running, o.i)
	r.finished++
	s := &r.res.Steps[o.i]
	s.Duration, s.Statement = o.dur, o.statement
	switch {
	case o.err == nil:
		s.Status = StatusSucceeded
		r.emit(Event{Kind: EventSucceeded, Table: s.Table, Action: s.Action, Duration: o.dur, Statement: o.statement})
		r.release(o.i)
	case r.res.Interrupted && errors.Is(o.err, context.Canceled):
		s.Status, s.Err = StatusInterrupted, o.err
		r.emit(Event{Kind: EventFailed, Table: s.Table, Action: s.Action, Duration: o.dur, Statement: o.statement, Err: o.err, Message: "interrupted"})
	default:
		o.err = explainMissingExternal(o.err, r.externals[s.Table])
		s.Status, s.Err = StatusFailed, o.err
		r.emit(Event{Kind: EventFailed, Table: s.Table, Action: s.Action, Duration: o.dur, Statement: o.statement, Err: o.err})
		r.block(o.i)
	}
}

// release queues the pending dependents of step i that wait for nothing
// more.
func (r *run) release(i int) {
	for _, d := range r.dependents[i] {
		r.waiting[d]--
		if r.waiting[d] == 0 && r.res.Steps[d].Status == StatusPending {
			heap.Push(r.ready, d)
		}
	}
}

// block marks the steps downstream of the failed step i blocked, counts
// them finished, and with FailFast stops new starts.
func (r *run) block(i int) {
	failed := r.res.Steps[i].Table
	for _, b := range blockAll(i, r.dependents, r.res) {
		r.finished++
		r.emit(Event{Kind: EventBlocked, Table: r.res.Steps[b].Table, Action: r.res.Steps[b].Action, Message: "blocked by " + BlockedByText(r.res.Steps[b].BlockedBy)})
	}
	if r.opts.FailFast && !r.stopping {
		r.stopping = true
		r.emit(Event{Kind: EventStopping, Message: "--fail-fast: not starting new tables after the failure of " + failed})
	}
}

// interrupt handles the cancellation of Run's context: no new step
// starts, and the running ones get Grace before their context ends too.
func (r *run) interrupt() {
	r.stopping = true
	r.res.Interrupted = true
	r.emit(Event{Kind: EventStopping, Message: fmt.Sprintf("interrupted: not starting new tables; waiting up to %s for the running ones", r.opts.Grace)})
	r.timer = time.AfterFunc(r.opts.Grace, r.cancelWork)
}

// stopTimer stops the grace timer, if an interruption started one.
func (r *run) stopTimer() {
	if r.timer != nil {
		r.timer.Stop()
	}
}

// markNotStarted sets the steps still pending (stopped before their turn)
// not started; the run counts as interrupted when ctx is done by then.
func (r *run) markNotStarted(ctx context.Context) {
	for i := range r.res.Steps {
		if r.res.Steps[i].Status == StatusPending {
			r.res.Steps[i].Status = StatusNotStarted
			if ctx.Err() != nil {
				r.res.Interrupted = true
			}
		}
	}
}

// sink returns the callback a step reports its statements with.
func sink(work context.Context, s *plan.Step, progress chan<- Event) func(name, msg string) {
	return func(name, msg string) {
		select {
		case progress <- Event{Kind: EventStatement, Table: s.Table, Action: s.Action, Statement: name, Message: msg}:
		case <-work.Done():
		}
	}
}

func remove(list []int, x int) []int {
	for k, v := range list {
		if v == x {
			return append(list[:k], list[k+1:]...)
		}
	}
	return list
}

// blockAll marks every pending step reachable from the failed step i as
// blocked by it and returns them; a step already blocked by an earlier
// failure adds this one to its BlockedBy, so every failed parent is named.
// BFS over dependents: O(V+E) at most.
func blockAll(i int, dependents [][]int, res *Result) []int {
	var out []int
	failed := res.Steps[i].Table
	seen := map[int]bool{}
	queue := append([]int(nil), dependents[i]...)
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if seen[d] {
			continue
		}
		seen[d] = true
		switch res.Steps[d].Status {
		case StatusPending:
			res.Steps[d].Status = StatusBlocked
			res.Steps[d].BlockedBy = []string{failed}
			out = append(out, d)
		case StatusBlocked:
			if !slices.Contains(res.Steps[d].BlockedBy, failed) {
				res.Steps[d].BlockedBy = append(res.Steps[d].BlockedBy, failed)
			}
		default:
			continue
		}
		queue = append(queue, dependents[d]...)
	}
	return out
}

// BlockedByText names the failures that blocked a step: all of them up to
// three, else the first three and how many more.
func BlockedByText(failed []string) string {
	if len(failed) <= 3 {
		return strings.Join(failed, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(failed[:3], ", "), len(failed)-3)
}

// readyQueue is a heap of ready step indexes: the step with the longest
// chain of dependents first (it bounds the run time when slots are
// scarce), then plan order.
type readyQueue struct {
	items  []int
	height []int
}

func (h *readyQueue) Len() int { return len(h.items) }
func (h *readyQueue) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if h.height[a] != h.height[b] {
		return h.height[a] > h.height[b]
	}
	return a < b
}
func (h *readyQueue) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *readyQueue) Push(x any)    { h.items = append(h.items, x.(int)) }
func (h *readyQueue) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// heights is, per step, the number of steps on its longest chain of
// dependents (1 for a step nothing waits for). Steps are in topological
// order, so one reverse pass suffices: O(V+E).
func heights(dependents [][]int) []int {
	h := make([]int, len(dependents))
	for i := len(dependents) - 1; i >= 0; i-- {
		h[i] = 1
		for _, d := range dependents[i] {
			h[i] = max(h[i], h[d]+1)
		}
	}
	return h
}
