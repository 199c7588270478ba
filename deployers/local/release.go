package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
)

var (
	_ deployers.ReleaseStore = (*Target)(nil)
	_ deployers.LagReporter  = (*Target)(nil)
)

// ReleasesPath is the release document of environment env in dir, beside
// its state file.
func ReleasesPath(dir, env string) string {
	return filepath.Join(dir, TargetName+"-"+env+".releases.json")
}

// LoadReleases implements deployers.ReleaseStore: nil when there is no
// document yet.
func (t *Target) LoadReleases(ctx context.Context) ([]byte, error) {
	if err := t.delay(ctx); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(ReleasesPath(t.dir, t.env))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local target: read releases: %w", err)
	}
	return data, nil
}

// SaveReleases implements deployers.ReleaseStore: an atomic replace, so a
// run killed mid-write leaves the previous document.
func (t *Target) SaveReleases(ctx context.Context, data []byte) error {
	if err := t.delay(ctx); err != nil {
		return err
	}
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return fmt.Errorf("local target: %w", err)
	}
	opts := atomicfile.Options{NoSync: t.opts.NoSync}
	if err := atomicfile.WriteWith(ReleasesPath(t.dir, t.env), data, 0o644, opts); err != nil {
		return fmt.Errorf("local target: save releases: %w", err)
	}
	return nil
}

// Lag implements deployers.LagReporter. The local target processes no
// records, so a running statement is caught up at once: lag 0, 0 rows
// written. Statements that do not exist are left out.
func (t *Target) Lag(ctx context.Context, statements []string) (map[string]deployers.Lag, error) {
	out := map[string]deployers.Lag{}
	err := t.view(ctx, func(st *State) {
		for _, name := range statements {
			if rec, ok := st.Statements[name]; ok && t.visible(rec.Statement).Phase.Healthy() {
				out[name] = deployers.Lag{Known: true, Pending: 0, RowsWritten: -1, RowsPerSecond: -1, Detail: "the local target processes no records"}
			}
		}
	})
	return out, err
}
