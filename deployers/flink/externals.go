package flink

import (
	"context"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// The flink target's catalog lives in its gateway session, replayed from
// the state file: a table exists only when this target created it (and
// its topic is still there). External inputs are therefore created by the
// deploy itself, from their definitions, like any other table.

var (
	_ deployers.ExternalChecker     = (*Target)(nil)
	_ deployers.ExternalProvisioner = (*Target)(nil)
)

// ProvisionsExternals implements deployers.ExternalProvisioner: a deploy
// creates the missing external inputs its tables read.
func (t *Target) ProvisionsExternals() bool { return true }

// CheckExternals implements deployers.ExternalChecker with State: an
// external the target created whose topic exists is present, any other is
// missing. Cost: one JobManager call and one topic listing per bootstrap.
func (t *Target) CheckExternals(ctx context.Context, tables []string) (map[string]deployers.Presence, error) {
	refs := make([]deployers.TableRef, len(tables))
	for i, n := range tables {
		refs[i] = deployers.TableRef{Table: n}
	}
	st, err := t.State(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]deployers.Presence, len(tables))
	for _, n := range tables {
		out[n] = deployers.PresenceMissing
		if st[n].Exists {
			out[n] = deployers.PresencePresent
		}
	}
	return out, nil
}
