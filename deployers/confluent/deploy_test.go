package confluent_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"

	"github.com/shiftleft-dev/shiftleft/changes"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// samples copies flink_data_products/pipelines into a temporary folder the
// test may edit.
func samples(t *testing.T) string {
	t.Helper()
	to := t.TempDir()
	testfs.CopyTree(t, testfs.SamplesDir(), to)
	return to
}

type deployment struct {
	root   string
	srv    *confluenttest.Server
	target *confluent.Target
	naming plan.Naming
	// exec, when set, is what the executor runs against (a wrapper of
	// target that injects events between planning and execution).
	exec deployers.Target
	// carry asks the workspace to carry offsets (--carry-offsets); it
	// follows the target's option.
	carry bool
}

func newDeployment(t *testing.T, root string, faults confluenttest.Faults, mods ...func(*confluent.Options)) *deployment {
	t.Helper()
	p, err := pipeline.Scan(context.Background(), root, pipeline.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The raw tables exist outside the project, as Kafka topics do.
	var existing []string
	for _, tb := range p.Tables {
		for _, ext := range tb.External {
			parts := strings.Split(ext, ".")
			existing = append(existing, confluenttest.DefaultCatalog+"."+confluenttest.DefaultDatabase+"."+parts[len(parts)-1])
		}
		if tb.IsExternal {
			existing = append(existing, confluenttest.DefaultCatalog+"."+confluenttest.DefaultDatabase+"."+tb.Name)
		}
	}
	srv := confluenttest.NewServer(confluenttest.Options{ExistingTables: existing})
	t.Cleanup(srv.Close)
	srv.SetFaults(faults)
	cfg := srv.Config()
	opts := confluent.Options{
		Version: "test", PollInitial: time.Millisecond, PollMax: 5 * time.Millisecond, BackoffBase: 5 * time.Millisecond,
	}
	for _, m := range mods {
		m(&opts)
	}
	tg, err := confluent.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &deployment{root: root, srv: srv, target: tg, carry: opts.CarryOffsets,
		naming: plan.Naming{ClusterType: cfg.Kafka.ClusterType, Region: cfg.ConfluentCloud.CloudRegion}}
}

// deploy plans every deployable table against the target's state and runs
// the plan, as `shiftleft pipeline deploy --target confluent` does.
func (d *deployment) deploy(t *testing.T) *plan.Plan {
	t.Helper()
	pl, res := d.run(t, time.Minute)
	if !res.OK() {
		t.Fatalf("deploy failed: %v", res.Err())
	}
	return pl
}

// run plans and executes like deploy and returns the result, failed or not.
func (d *deployment) run(t *testing.T, stmtTimeout time.Duration) (*plan.Plan, *executor.Result) {
	t.Helper()
	return d.runWith(t, stmtTimeout, nil, "")
}

// runWith is run with a git change set and its --since revision. It goes
// through the workspace's Deploy, as the CLI does, with the test's target
// (or its wrapper) handed in.
func (d *deployment) runWith(t *testing.T, stmtTimeout time.Duration, cs *changes.ChangeSet, since string) (*plan.Plan, *executor.Result) {
	t.Helper()
	ctx := context.Background()
	var exec deployers.Target = d.target
	if d.exec != nil {
		exec = d.exec
	}
	lock := filepath.Join(t.TempDir(), "confluent.lock")
	ws, err := workspace.Open(ctx, workspace.Options{
		PipelinesDir: d.root, KeepSQL: true, Config: d.srv.Config(),
		Target: workspace.TargetOptions{Name: workspace.TargetConfluent, CarryOffsets: d.carry},
		OpenTarget: func(context.Context, *workspace.Workspace) (*workspace.Target, error) {
			return &workspace.Target{Target: exec, LockPath: lock}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close(ctx)
	// Every deployable table, by name.
	var selected []string
	for _, tb := range ws.Project.Tables {
		if tb.Deployable() {
			selected = append(selected, tb.Name)
		}
	}
	sel := workspace.Selection{Selection: selector.Selection{TableNames: selected, Root: d.root}, Since: since, Changes: cs}
	if cs == nil && since != "" {
		sel.Changes = &changes.ChangeSet{BaseRef: since}
	}
	res, err := ws.Deploy(ctx, workspace.DeployRequest{Selection: sel, Run: executor.Options{MaxParallel: 4, StatementTimeout: stmtTimeout}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Plan, res.Result
}

func acting(pl *plan.Plan) map[string]plan.Action {
	out := map[string]plan.Action{}
	for _, s := range pl.Steps {
		if s.Action.Acts() {
			out[s.Table] = s.Action
		}
	}
	return out
}

// created lists the statements POSTed since the last log reset, sorted.
func created(srv *confluenttest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/statements") {
			i := strings.Index(r.Body, `"name":"`)
			name := r.Body[i+8:]
			out = append(out, name[:strings.IndexByte(name, '"')])
		}
	}
	sort.Strings(out)
	return out
}

// TestDeploySamples is issue 5's quality bar: a full deploy of both sample
// products, a change to one DML, a rerun that restarts exactly the changed
// table (and what the plan rules add), and a third run that plans nothing.
func TestDeploySamples(t *testing.T) {
	root := samples(t)
	d := newDeployment(t, root, confluenttest.Faults{})

	first := d.deploy(t)
	if first.Summary.Create == 0 || first.Summary.Changes() != first.Summary.Create {
		t.Fatalf("first deploy summary = %+v", first.Summary)
	}
	var running int
	for _, s := range first.Steps {
		if name := s.Statement(deployers.KindDML); name != "" {
			if ph, _ := d.srv.StatementPhase(name); ph != "RUNNING" {
				t.Errorf("%s: %s is %q, want RUNNING", s.Table, name, ph)
			}
			running++
		}
	}
	t.Logf("first deploy: %d tables created, %d DML statements running, %d HTTP requests", first.Summary.Create, running, len(d.srv.Requests()))

	// Change one stateless source DML.
	const table = "src_saleops_product_catalog"
	editFile(t, filepath.Join(root, "sources", "saleops", table, "sql-scripts", "dml."+table+".sql"),
		"'Uncategorized') AS category", "'Unknown') AS category")
	d.srv.ResetLog()
	second := d.deploy(t)
	act := acting(second)
	if act[table] != plan.ActionRestart {
		t.Fatalf("second deploy: %s is %q, want restart; acting = %v", table, act[table], act)
	}
	// Only the acting steps submitted statements.
	var want []string
	for _, s := range second.Steps {
		if s.Action.Acts() {
			for _, st := range s.Statements {
				if s.Action != plan.ActionRestart && s.Action != plan.ActionStart || st.Kind == deployers.KindDML {
					want = append(want, st.Name)
				}
			}
		}
	}
	sort.Strings(want)
	if got := created(d.srv); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("second deploy created %v, want %v", got, want)
	}
	t.Logf("second deploy: %v", act)

	d.srv.ResetLog()
	third := d.deploy(t)
	if third.HasChanges() {
		t.Errorf("third deploy plans changes: %v", acting(third))
	}
	if got := created(d.srv); len(got) != 0 {
		t.Errorf("third deploy created %v", got)
	}
}

// TestDeploySamplesUnderRateLimit: 1 in 3 mutating calls answered 429 (with
// and without Retry-After) and the full deploy still succeeds, retries counted.
func TestDeploySamplesUnderRateLimit(t *testing.T) {
	for _, ra := range []string{"", "0"} {
		t.Run("Retry-After="+ra, func(t *testing.T) {
			d := newDeployment(t, samples(t), confluenttest.Faults{RateLimitEvery: 3, RetryAfter: ra})
			pl := d.deploy(t)
			if d.target.Retries() == 0 {
				t.Fatal("no retries counted under rate limiting")
			}
			t.Logf("%d steps deployed with %d retries over %d requests", pl.Summary.Changes(), d.target.Retries(), len(d.srv.Requests()))
			d.srv.SetFaults(confluenttest.Faults{})
			if again := d.deploy(t); again.HasChanges() {
				t.Errorf("rerun after a rate-limited deploy plans changes: %v", acting(again))
			}
		})
	}
}

// editFile replaces the first old with new in a sample file, failing when
// the sample no longer holds old.
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), old, new, 1)
	if changed == string(b) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
}
