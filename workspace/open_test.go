package workspace_test

import (
	"context"
	"testing"

	"github.com/shiftleft-dev/shiftleft/workspace"
)

// openWorkspace opens a workspace with opts, failing the test on an error,
// and closes it (and any target it opened) when the test ends.
func openWorkspace(t *testing.T, opts workspace.Options) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close(context.Background()) })
	return ws
}
