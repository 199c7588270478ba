package release

import (
	"strconv"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// CatchUp is a new version's catch-up state.
type CatchUp string

const (
	CatchingUp CatchUp = "catching up"
	CaughtUp   CatchUp = "caught up"
	// LagUnknown: the target cannot tell the lag (promote needs --force).
	LagUnknown CatchUp = "lag unknown"
	// NotRunning: the new version's DML is not running.
	NotRunning CatchUp = "not running"
)

// Settings are the catch-up thresholds: a new version is caught up once
// its lag stays at most MaxLag for Settle.
type Settings struct {
	MaxLag int64
	Settle time.Duration
}

// DefaultSettle is how long the lag must stay under --max-lag by default.
const DefaultSettle = time.Minute

// VersionStatus is what status reports about one new version.
type VersionStatus struct {
	Table string `json:"table"`
	Old   string `json:"old"`
	New   string `json:"new"`
	// Topic is the topic the new version writes: consumers switch to it.
	Topic string `json:"topic"`
	// Statement is the new version's DML (its DDL for a table without one).
	Statement string          `json:"statement"`
	Phase     deployers.Phase `json:"phase"`
	// Lag is the records pending; nil when unknown.
	Lag *int64 `json:"lag"`
	// RowsWritten is nil when unknown.
	RowsWritten   *int64    `json:"rows_written"`
	State         CatchUp   `json:"state"`
	CaughtUpSince time.Time `json:"caught_up_since,omitzero"`
	Detail        string    `json:"detail,omitempty"`
}

// Evaluate decides a new version's catch-up from its statement's phase
// and lag at now, and updates v.CaughtUpSince (the first time the lag was
// seen at most MaxLag, reset when it rises above): a version is caught up
// once that time is at least Settle ago. A version without DML is caught
// up when its table exists (there is nothing to process).
func Evaluate(v *Version, phase deployers.Phase, lag deployers.Lag, known bool, s Settings, now time.Time) VersionStatus {
	out := VersionStatus{Table: v.Table, Old: v.Old, New: v.New, Topic: v.NewTopic, Statement: v.NewDML, Phase: phase}
	if v.NewDML == "" {
		out.Statement = v.NewDDL
		zero := int64(0)
		out.Lag = &zero
		if phase == deployers.PhaseCompleted {
			out.State, v.CaughtUpSince = CaughtUp, orNow(v.CaughtUpSince, now)
			out.CaughtUpSince = v.CaughtUpSince
			return out
		}
		out.State, v.CaughtUpSince = NotRunning, time.Time{}
		return out
	}
	if !phase.Healthy() {
		out.State, v.CaughtUpSince = NotRunning, time.Time{}
		return out
	}
	out.Detail = lag.Detail
	if !known || !lag.Known {
		out.State, v.CaughtUpSince = LagUnknown, time.Time{}
		return out
	}
	pending, rows := lag.Pending, lag.RowsWritten
	out.Lag = &pending
	if rows >= 0 {
		out.RowsWritten = &rows
	}
	if pending > s.MaxLag {
		out.State, v.CaughtUpSince = CatchingUp, time.Time{}
		return out
	}
	v.CaughtUpSince = orNow(v.CaughtUpSince, now)
	out.CaughtUpSince = v.CaughtUpSince
	if now.Sub(v.CaughtUpSince) >= s.Settle {
		out.State = CaughtUp
	} else {
		out.State = CatchingUp
		out.Detail = "lag at most " + itoa(s.MaxLag) + " since " + v.CaughtUpSince.UTC().Format(time.RFC3339) + "; settles after " + s.Settle.String()
	}
	return out
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
