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
	// BlockedBy is the failed step that blocked this one.
	BlockedBy string `json:"blocked_by,omitempty"`
	Err       error  `json:"-"`
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
		return nil, errors.New("executor: no SQL reader")
	}
	var steps []*plan.Step
	index := map[string]int{}
	for i := range p.Steps {
		if p.Steps[i].Action.Acts() {
			index[p.Steps[i].Table] = len(steps)
			steps = append(steps, &p.Steps[i])
		}
	}
	n := len(steps)
	waiting := make([]int, n)
	dependents := make([][]int, n)
	for i, s := range steps {
		for _, a := range s.After {
			j, ok := index[a]
			if !ok {
				return nil, fmt.Errorf("plan: %s waits for %s, which is not an acting step of the plan", s.Table, a)
			}
			waiting[i]++
			dependents[j] = append(dependents[j], i)
		}
	}
	res := &Result{Steps: make([]StepResult, n)}
	for i, s := range steps {
		res.Steps[i] = StepResult{Table: s.Table, Action: s.Action, Status: StatusPending}
	}

	// Running steps get their own context: cancelling ctx stops new work
	// at once, and the running steps Grace later.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	ready := &readyQueue{height: heights(dependents)}
	for i := range steps {
		if waiting[i] == 0 {
			heap.Push(ready, i)
		}
	}
	done := make(chan outcome)
	// Statement events come from the step goroutines; they pass through
	// the scheduler so OnEvent is called from one goroutine at a time.
	progress := make(chan Event)
	var running []int
	finished := 0
	stopping := false
	ctxDone := ctx.Done()
	emit := func(ev Event) {
		if opts.OnEvent == nil {
			return
		}
		ev.Time = opts.Now()
		ev.Done, ev.Total = finished, n
		ev.Running = make([]string, 0, len(running))
		sort.Ints(running)
		for _, r := range running {
			ev.Running = append(ev.Running, steps[r].Table)
		}
		opts.OnEvent(ev)
	}
	for {
		for !stopping && ctx.Err() == nil && len(running) < opts.MaxParallel && ready.Len() > 0 {
			i := heap.Pop(ready).(int)
			res.Steps[i].Status = StatusRunning
			running = append(running, i)
			emit(Event{Kind: EventStarted, Table: steps[i].Table, Action: steps[i].Action})
			go func(i int) {
				start := opts.Now()
				name, err := runStep(work, t, steps[i], opts, sink(work, steps[i], progress))
				done <- outcome{i: i, statement: name, err: err, dur: opts.Now().Sub(start)}
			}(i)
		}
		if len(running) == 0 {
			break
		}
		select {
		case ev := <-progress:
			emit(ev)
		case o := <-done:
			running = remove(running, o.i)
			finished++
			r := &res.Steps[o.i]
			r.Duration, r.Statement = o.dur, o.statement
			if o.err == nil {
				r.Status = StatusSucceeded
				emit(Event{Kind: EventSucceeded, Table: r.Table, Action: r.Action, Duration: o.dur, Statement: o.statement})
				for _, d := range dependents[o.i] {
					waiting[d]--
					if waiting[d] == 0 && res.Steps[d].Status == StatusPending {
						heap.Push(ready, d)
					}
				}
				continue
			}
			if res.Interrupted && errors.Is(o.err, context.Canceled) {
				r.Status, r.Err = StatusInterrupted, o.err
				emit(Event{Kind: EventFailed, Table: r.Table, Action: r.Action, Duration: o.dur, Statement: o.statement, Err: o.err, Message: "interrupted"})
				continue
			}
			r.Status, r.Err = StatusFailed, o.err
			emit(Event{Kind: EventFailed, Table: r.Table, Action: r.Action, Duration: o.dur, Statement: o.statement, Err: o.err})
			for _, b := range blockAll(o.i, dependents, res) {
				finished++
				emit(Event{Kind: EventBlocked, Table: res.Steps[b].Table, Action: res.Steps[b].Action, Message: "blocked by " + r.Table})
			}
			if opts.FailFast && !stopping {
				stopping = true
				emit(Event{Kind: EventStopping, Message: "--fail-fast: not starting new tables after the failure of " + r.Table})
			}
		case <-ctxDone:
			ctxDone = nil
			stopping = true
			res.Interrupted = true
			emit(Event{Kind: EventStopping, Message: fmt.Sprintf("interrupted: not starting new tables; waiting up to %s for the running ones", opts.Grace)})
			timer := time.AfterFunc(opts.Grace, cancelWork)
			defer timer.Stop()
		}
	}
	for i := range res.Steps {
		if res.Steps[i].Status == StatusPending {
			res.Steps[i].Status = StatusNotStarted
			if ctx.Err() != nil {
				res.Interrupted = true
			}
		}
	}
	return res, nil
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
// blocked by it and returns them. BFS over dependents: O(V+E) at most.
func blockAll(i int, dependents [][]int, res *Result) []int {
	var out []int
	queue := append([]int(nil), dependents[i]...)
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if res.Steps[d].Status != StatusPending {
			continue
		}
		res.Steps[d].Status = StatusBlocked
		res.Steps[d].BlockedBy = res.Steps[i].Table
		out = append(out, d)
		queue = append(queue, dependents[d]...)
	}
	return out
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
