package cli_test

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/shiftleft-dev/shiftleft/deployers/flink/flinktest"
)

// TestFlinkScripts replays cli/testdata/flink/*.txtar: the real command
// line, as a separate process, against the SQL Gateway and JobManager
// stand-in (flinktest) the test process runs on loopback ports. The
// `flinkstandin` command starts one and points SL_FLINK_GATEWAY_URL and
// SL_FLINK_JOBMANAGER_URL at it.
func TestFlinkScripts(t *testing.T) {
	testscript.Run(t, scriptParams("flink", map[string]scriptCmd{
		"flinkstandin": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 0 {
				ts.Fatalf("usage: flinkstandin")
			}
			srv := flinktest.New()
			ts.Defer(srv.Close)
			ts.Setenv("SL_FLINK_GATEWAY_URL", srv.Gateway.URL)
			ts.Setenv("SL_FLINK_JOBMANAGER_URL", srv.JobManager.URL)
		},
	}))
}
