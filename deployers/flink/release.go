package flink

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
)

var _ deployers.ReleaseStore = (*Target)(nil)

// releasesPath is the release document, next to the state file
// (flink-<env>.json → flink-<env>.releases.json).
func (t *Target) releasesPath() string {
	return strings.TrimSuffix(t.opts.StateFile, ".json") + ".releases.json"
}

// LoadReleases implements deployers.ReleaseStore: nil when there is no
// document yet.
func (t *Target) LoadReleases(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.opts.StateFile == "" {
		return nil, errors.New("flink target: no state file: releases are kept next to it")
	}
	data, err := os.ReadFile(t.releasesPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("flink target: read releases: %w", err)
	}
	return data, nil
}

// SaveReleases implements deployers.ReleaseStore with an atomic replace.
func (t *Target) SaveReleases(ctx context.Context, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.opts.StateFile == "" {
		return errors.New("flink target: no state file: releases are kept next to it")
	}
	if err := os.MkdirAll(filepath.Dir(t.releasesPath()), 0o755); err != nil {
		return fmt.Errorf("flink target: %w", err)
	}
	if err := atomicfile.Write(t.releasesPath(), data, 0o644); err != nil {
		return fmt.Errorf("flink target: save releases: %w", err)
	}
	return nil
}
