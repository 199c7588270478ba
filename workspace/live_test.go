package workspace_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/release"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// After a promoted release, every use case maps the files' tables to their
// live versions: plans compare against them, a new reader of a versioned
// table reads its live version, the statements report names it, and a
// change to a versioned table is refused with the way to release it.
func TestLiveVersionsAfterPromote(t *testing.T) {
	ctx := context.Background()
	e := newReleaseEnv(t)
	e.breakDimension()
	ws := e.open()
	if live, err := ws.LiveVersions(ctx); err != nil || live.Versioned() {
		t.Fatalf("before any release: versioned=%v err=%v", live.Versioned(), err)
	}
	if _, err := ws.ReleaseStart(ctx, workspace.ReleaseRequest{Name: "r1", Selection: e.sel("saleops_dim_customer")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.ReleasePromote(ctx, workspace.ReleaseRequest{Force: true}); err != nil {
		t.Fatal(err)
	}

	// A new table reading the fact, added after the promote.
	dir := filepath.Join(e.dir, "pipelines", "facts", "saleops", "saleops_fct_revenue_total", "sql-scripts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"ddl.saleops_fct_revenue_total.sql": "CREATE TABLE IF NOT EXISTS saleops_fct_revenue_total (\n  order_id STRING NOT NULL,\n  total DECIMAL(12, 2),\n  PRIMARY KEY (order_id) NOT ENFORCED\n);\n",
		"dml.saleops_fct_revenue_total.sql": "INSERT INTO saleops_fct_revenue_total\nSELECT r.order_id, SUM(r.net_revenue) AS total\nFROM saleops_fct_revenue r\nGROUP BY r.order_id;\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws = e.open()
	live, err := ws.LiveVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"saleops_fct_revenue": "saleops_fct_revenue_v2", "saleops_dim_customer": "saleops_dim_customer_v2", "saleops_dim_product": "saleops_dim_product"} {
		if got := live.Name(file); got != want {
			t.Errorf("live name of %s = %s, want %s", file, got, want)
		}
		if got := live.File(want); got != file {
			t.Errorf("file of %s = %s, want %s", want, got, file)
		}
	}

	res, err := ws.Deploy(ctx, workspace.DeployRequest{Selection: e.sel("saleops_fct_revenue_total"), Release: "r1"})
	if err != nil {
		t.Fatalf("deploy the new reader: %v", err)
	}
	if !res.Result.OK() {
		t.Fatalf("deploy the new reader: %v", res.Result.Err())
	}
	var dml string
	for name, s := range e.state().Statements {
		if strings.Contains(name, "revenue-total") && s.Kind == "dml" {
			dml = s.SQL
		}
	}
	if !strings.Contains(dml, "FROM saleops_fct_revenue_v2 r") {
		t.Errorf("the new reader does not read the live version:\n%s", dml)
	}
	// Planned again, nothing changed: the deployed SQL compares with the
	// files under their names.
	pr, err := ws.Plan(ctx, workspace.DeployRequest{Selection: e.sel("product:saleops")}, false)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Plan.HasChanges() {
		t.Errorf("a second plan acts: %+v", pr.Plan.Summary)
	}
	rows, err := ws.RunningStatements(ctx, workspace.StatementsRequest{Selection: e.sel("saleops_fct_revenue")})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Table != "saleops_fct_revenue_v2" || rows[0].Statement.Name != "dev-usw2-saleops-dml-saleops-fct-revenue-v2" {
		t.Errorf("statements of the fact = %+v, want its live version's DML", rows)
	}
	d, err := ws.DescribeProduct(ctx, "saleops")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Ports) != 1 || d.Ports[0].Table != "saleops_fct_revenue" || d.Ports[0].LiveVersion != "saleops_fct_revenue_v2" {
		t.Errorf("product describe ports = %+v, want saleops_fct_revenue live as saleops_fct_revenue_v2", d.Ports)
	}
	_, cat, err := ws.CatalogPage(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var catLive string
	for _, p := range cat.Products {
		for _, port := range p.Ports {
			if port.Table == "saleops_fct_revenue" {
				catLive = port.LiveVersion
			}
		}
	}
	if catLive != "saleops_fct_revenue_v2" {
		t.Errorf("catalog live version of the port = %q, want saleops_fct_revenue_v2", catLive)
	}
	h, err := ws.Health(ctx, e.sel("saleops_fct_revenue"))
	if err != nil {
		t.Fatal(err)
	}
	if !h.Report.Healthy() {
		t.Errorf("health after promote is not OK: %+v", h.Report)
	}
	// The local target reports its running statements caught up (nothing
	// pending) and measures nothing: the reports carry the lag and leave
	// the numbers out (Measured).
	if l, ok := h.Throughput["saleops_fct_revenue"]; !ok || !l.Known || l.Pending != 0 || l.Measured() {
		t.Errorf("health throughput of the fact = %+v (found %v)", l, ok)
	}
	if len(rows) == 1 && (rows[0].Throughput == nil || !rows[0].Throughput.Known) {
		t.Errorf("statement row of the fact has no throughput: %+v", rows[0])
	}

	// A change to the versioned fact is refused, naming the release command.
	p := filepath.Join(e.dir, "pipelines", "facts", "saleops", "saleops_fct_revenue", "sql-scripts", "dml.saleops_fct_revenue.sql")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), "SELECT", "SELECT DISTINCT", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	ws = e.open()
	_, err = ws.Deploy(ctx, workspace.DeployRequest{Selection: e.sel("saleops_fct_revenue"), Release: "r1"})
	if err == nil || !strings.Contains(err.Error(), "saleops_fct_revenue (live: saleops_fct_revenue_v2)") || !strings.Contains(err.Error(), "release start") {
		t.Errorf("deploy of a changed versioned table: err = %v", err)
	}
}

// promotedEnv is the samples deployed, with release r1 (the customer
// dimension and the fact that reads it) promoted: their _v2 are live.
func promotedEnv(t *testing.T) *releaseEnv {
	t.Helper()
	ctx := context.Background()
	e := newReleaseEnv(t)
	e.breakDimension()
	ws := e.open()
	if _, err := ws.ReleaseStart(ctx, workspace.ReleaseRequest{Name: "r1", Selection: e.sel("saleops_dim_customer")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.ReleasePromote(ctx, workspace.ReleaseRequest{Force: true}); err != nil {
		t.Fatal(err)
	}
	return e
}

// ProjectLive, for the commands that describe the project (graph, product
// describe, the catalog), reads the default local target's document
// leniently and a named target's strictly.
func TestProjectLive(t *testing.T) {
	ctx := context.Background()
	e := promotedEnv(t)
	broken := filepath.Join(e.dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("kafka: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(e.dir, "garbage")
	if err := os.MkdirAll(garbage, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(garbage, "local-dev.releases.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		opts    func(*workspace.Options)
		want    string // live name of saleops_fct_revenue
		wantErr string
	}{
		{name: "default local target, no config", opts: func(*workspace.Options) {}, want: "saleops_fct_revenue_v2"},
		{name: "another environment", opts: func(o *workspace.Options) { o.Target.Environment = "prod" }, want: "saleops_fct_revenue"},
		{name: "a config file that cannot be read, named", opts: func(o *workspace.Options) { o.ConfigPath = broken }, wantErr: "broken.yaml"},
		{name: "a release document that cannot be read, named", opts: func(o *workspace.Options) { o.Target.StateDir = garbage }, wantErr: "release state"},
		{name: "a target that cannot be opened", opts: func(o *workspace.Options) { o.Target.Name = "nowhere" }, wantErr: `--target "nowhere"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := workspace.Options{PipelinesDir: filepath.Join(e.dir, "pipelines"), WorkDir: e.dir, ProjectOnly: true}
			tc.opts(&o)
			ws, err := workspace.Open(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close(ctx)
			live, err := ws.ProjectLive(ctx)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want one naming %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case live.Name("saleops_fct_revenue") != tc.want:
				t.Errorf("live name = %s, want %s", live.Name("saleops_fct_revenue"), tc.want)
			}
		})
	}

	// The default target is optional: a config.yaml in the working folder
	// that cannot be read leaves the environment's defaults, and a release
	// document that cannot be read leaves the files' names.
	if err := os.WriteFile(filepath.Join(e.dir, "config.yaml"), []byte("kafka: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(ctx, workspace.Options{PipelinesDir: filepath.Join(e.dir, "pipelines"), WorkDir: e.dir, ProjectOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close(ctx)
	if live, err := ws.ProjectLive(ctx); err != nil || live.Name("saleops_fct_revenue") != "saleops_fct_revenue_v2" {
		t.Errorf("broken default config.yaml: live %s, err %v", live.Name("saleops_fct_revenue"), err)
	}
	if err := os.WriteFile(filepath.Join(e.stateDir, "local-dev.releases.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if live, err := ws.ProjectLive(ctx); err != nil || live.Versioned() {
		t.Errorf("unreadable default document: versioned %v, err %v", live.Versioned(), err)
	}
}

// An undeploy of a versioned table drops its live version (statements
// named for <table>_v<N>) and forgets it, so a later deploy creates the
// table under its file's name. While the release is open (promoted, not
// finalized) the undeploy refuses, as deploys do.
func TestUndeployLiveVersion(t *testing.T) {
	ctx := context.Background()
	e := promotedEnv(t)
	sel := e.sel("saleops_dim_customer+")
	var oe *release.OpenError
	if _, err := e.open().Undeploy(ctx, workspace.DeployRequest{Selection: sel}); !errors.As(err, &oe) {
		t.Fatalf("undeploy during the open release: err = %v, want the open release named", err)
	}
	if _, err := e.open().Undeploy(ctx, workspace.DeployRequest{Selection: sel, Release: "r1"}); err == nil ||
		!strings.Contains(err.Error(), "saleops_dim_customer (in release r1)") || !strings.Contains(err.Error(), "finish the release first") {
		t.Fatalf("undeploy within the open release of its tables: err = %v", err)
	}
	e.now = e.now.Add(25 * time.Hour)
	if _, err := e.open().ReleaseFinalize(ctx, workspace.ReleaseRequest{}); err != nil {
		t.Fatal(err)
	}

	ws := e.open()
	pr, err := ws.Plan(ctx, workspace.DeployRequest{Selection: sel}, true)
	if err != nil {
		t.Fatal(err)
	}
	drops := map[string]plan.Step{}
	for _, s := range pr.Plan.Steps {
		if s.Action == plan.ActionDrop {
			drops[s.Table] = s
		}
	}
	fact, ok := drops["saleops_fct_revenue_v2"]
	if len(drops) != 2 || !ok || drops["saleops_dim_customer_v2"].Table == "" {
		t.Fatalf("undeploy plan drops %v, want the two live versions", pr.Plan.Steps)
	}
	if fact.Drop != "dev-usw2-saleops-drop-saleops-fct-revenue-v2" || fact.Statement(deployers.KindDML) != "dev-usw2-saleops-dml-saleops-fct-revenue-v2" ||
		!strings.Contains(fact.Reason, "(live version of saleops_fct_revenue)") || len(fact.Warnings) > 0 {
		t.Errorf("drop of the fact's live version = %+v", fact)
	}
	if strings.Join(drops["saleops_dim_customer_v2"].After, ",") != "saleops_fct_revenue_v2" {
		t.Errorf("the dimension's drop waits for %v, want its reader's live version", drops["saleops_dim_customer_v2"].After)
	}

	res, err := ws.Undeploy(ctx, workspace.DeployRequest{Selection: sel})
	if err != nil || !res.Result.OK() {
		t.Fatalf("undeploy: %v %v", err, res.Result.Err())
	}
	st := e.state()
	for _, name := range []string{"saleops_fct_revenue_v2", "saleops_dim_customer_v2"} {
		if _, ok := st.Tables[name]; ok {
			t.Errorf("table %s is still there", name)
		}
	}
	// The finished drop statements stay, as for any undeploy.
	for name := range st.Statements {
		if strings.HasSuffix(name, "-v2") && !strings.Contains(name, "-drop-") {
			t.Errorf("statement %s is still there", name)
		}
	}
	if live, err := e.open().LiveVersions(ctx); err != nil || live.Versioned() {
		t.Errorf("after the undeploy: versioned %v (%v), err %v", live.Versioned(), live.Map(), err)
	}

	// An undeploy cut short after its drops left the live versions named:
	// the next undeploy finds them not deployed and forgets them.
	docPath := filepath.Join(e.stateDir, "local-dev.releases.json")
	data, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := release.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	doc.Live = map[string]string{"saleops_fct_revenue": "saleops_fct_revenue_v2"}
	if data, err = doc.Encode(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(docPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := e.open().Undeploy(ctx, workspace.DeployRequest{Selection: sel}); err != nil || res.Plan.HasChanges() {
		t.Fatalf("undeploy again: %v, changes %v", err, res != nil && res.Plan.HasChanges())
	}
	if live, err := e.open().LiveVersions(ctx); err != nil || live.Versioned() {
		t.Errorf("after the second undeploy: versioned %v (%v), err %v", live.Versioned(), live.Map(), err)
	}

	// Deployed again, the tables take their files' names.
	res, err = e.open().Deploy(ctx, workspace.DeployRequest{Selection: sel})
	if err != nil || !res.Result.OK() {
		t.Fatalf("deploy again: %v %v", err, res.Result.Err())
	}
	if p := e.phase("dev-usw2-saleops-dml-saleops-fct-revenue"); p != deployers.PhaseRunning {
		t.Errorf("the fact's DML under its file's name is %s, want RUNNING", p)
	}
}

// --show-sql (PlanResult.SQL) prints what a deploy submits: a table that
// reads a versioned table reads its live version; a versioned table's own
// step, which the deploy refuses, shows its SQL as the live version would
// run it, with a warning.
func TestShowSQLLiveVersions(t *testing.T) {
	ctx := context.Background()
	e := promotedEnv(t)
	testfs.WriteFiles(t, filepath.Join(e.dir, "pipelines", "facts", "saleops", "saleops_fct_revenue_total", "sql-scripts"), map[string]string{
		"ddl.saleops_fct_revenue_total.sql": "CREATE TABLE IF NOT EXISTS saleops_fct_revenue_total (\n  order_id STRING NOT NULL,\n  total DECIMAL(12, 2),\n  PRIMARY KEY (order_id) NOT ENFORCED\n);\n",
		"dml.saleops_fct_revenue_total.sql": "INSERT INTO saleops_fct_revenue_total\nSELECT r.order_id, SUM(r.net_revenue) AS total\nFROM saleops_fct_revenue r\nGROUP BY r.order_id;\n",
	})
	p := filepath.Join(e.dir, "pipelines", "facts", "saleops", "saleops_fct_revenue", "sql-scripts", "dml.saleops_fct_revenue.sql")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), "SELECT", "SELECT DISTINCT", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	pr, err := e.open().Plan(ctx, workspace.DeployRequest{Selection: e.sel("saleops_fct_revenue+")}, false)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := pr.SQL()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]workspace.SubmittedSQL{}
	for _, s := range subs {
		got[s.Statement] = s
	}
	reader := got["dev-usw2-saleops-dml-saleops-fct-revenue-total"]
	if !strings.Contains(reader.SQL, "FROM saleops_fct_revenue_v2 r") || len(reader.Warnings) > 0 {
		t.Errorf("the new reader's DML does not read the live version:\n%s\n%v", reader.SQL, reader.Warnings)
	}
	fact := got["dev-usw2-saleops-dml-saleops-fct-revenue"]
	if !strings.Contains(fact.SQL, "INSERT INTO saleops_fct_revenue_v2") || !strings.Contains(fact.SQL, "saleops_dim_customer_v2") ||
		len(fact.Warnings) == 0 || !strings.Contains(fact.Warnings[0], "its live version is saleops_fct_revenue_v2: a deploy refuses this step") {
		t.Errorf("the versioned fact's DML:\n%s\nwarnings %v", fact.SQL, fact.Warnings)
	}
}
