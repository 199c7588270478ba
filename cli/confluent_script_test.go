package cli_test

import (
	"context"
	"flag"
	"os"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// TestConfluentScripts replays cli/testdata/confluent/*.txtar: the real
// command line, as a separate process, against a Confluent Cloud stand-in
// the test process runs on a loopback port (the `standin` command).
func TestConfluentScripts(t *testing.T) {
	var mu sync.Mutex
	servers := map[*testscript.TestScript]*confluenttest.Server{}
	testscript.Run(t, scriptParams("confluent", map[string]scriptCmd{
		// standin [-samples DIR] [faults] CONFIG: start a stand-in, write a
		// config.yaml for it; with -samples, the project's external tables
		// exist in its catalog. Called again, it only changes the faults.
		"standin": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg {
				ts.Fatalf("unsupported: ! standin")
			}
			fs := flag.NewFlagSet("standin", flag.ContinueOnError)
			samples := fs.String("samples", "", "pipelines folder whose external tables exist")
			rate := fs.Int("rate-limit-every", 0, "429 on every Nth mutating call")
			retryAfter := fs.String("retry-after", "", "Retry-After of 429 answers")
			fail := fs.String("fail", "", "statement names that go FAILED")
			echo := fs.Bool("echo-auth", false, "error bodies echo the Authorization header")
			latency := fs.Duration("latency", 0, "delay of every answer")
			errorNext := fs.Int("error-next", 0, "answer 503 to the next N requests")
			ts.Check(fs.Parse(args))
			faults := confluenttest.Faults{RateLimitEvery: *rate, RetryAfter: *retryAfter, FailMatching: *fail, EchoAuth: *echo,
				Latency: *latency, ErrorNext: *errorNext}
			mu.Lock()
			srv := servers[ts]
			mu.Unlock()
			if srv != nil {
				srv.SetFaults(faults)
				return
			}
			if fs.NArg() != 1 {
				ts.Fatalf("usage: standin [flags] config.yaml")
			}
			var existing []string
			if *samples != "" {
				p, err := pipeline.Scan(context.Background(), ts.MkAbs(*samples), pipeline.ScanOptions{})
				ts.Check(err)
				existing = confluenttest.ExistingFor(p)
			}
			srv, err := confluenttest.Start(confluenttest.Options{ExistingTables: existing})
			ts.Check(err)
			ts.Defer(srv.Close)
			srv.SetFaults(faults)
			mu.Lock()
			servers[ts] = srv
			mu.Unlock()
			ts.Check(os.WriteFile(ts.MkAbs(fs.Arg(0)), []byte(srv.ConfigYAML()), 0o600))
		},
	}))
}
