package workspace_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/local"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/plan"
	"github.com/shiftleft-dev/shiftleft/selector"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// provisioning is the local target acting as one that creates external
// inputs (like the flink target): it knows what its catalog holds.
type provisioning struct {
	*local.Target
	created []string
}

func (p *provisioning) ProvisionsExternals() bool { return true }

func (p *provisioning) CheckExternals(ctx context.Context, tables []string) (map[string]deployers.Presence, error) {
	refs := make([]deployers.TableRef, len(tables))
	for i, n := range tables {
		refs[i] = deployers.TableRef{Table: n}
	}
	st, err := p.State(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := map[string]deployers.Presence{}
	for _, n := range tables {
		out[n] = deployers.PresenceMissing
		if st[n].Exists {
			out[n] = deployers.PresencePresent
		}
	}
	return out, nil
}

func (p *provisioning) CreateTable(ctx context.Context, req deployers.StatementRequest) (deployers.Statement, error) {
	p.created = append(p.created, req.Table)
	return p.Target.CreateTable(ctx, req)
}

// rawProject has two sources reading raw tables it does not define:
// raw_a has a definition in src_a's tests folder under another file name
// (matched on what the SQL creates), raw_b none.
func rawProject(t *testing.T) string {
	return sqlProject(t, map[string]string{
		"sources/sales/src_a/sql-scripts/ddl.src_a.sql": "CREATE TABLE src_a (id STRING)",
		"sources/sales/src_a/sql-scripts/dml.src_a.sql": "INSERT INTO src_a SELECT id FROM raw_a",
		"sources/sales/src_a/tests/ddl.a_raw.sql":       "CREATE TABLE raw_a (id STRING) WITH ('connector' = 'datagen')",
		"sources/sales/src_a/tests/ddl.unrelated.sql":   "CREATE TABLE something_else (id STRING)",
		"sources/sales/src_b/sql-scripts/ddl.src_b.sql": "CREATE TABLE src_b (id STRING)",
		"sources/sales/src_b/sql-scripts/dml.src_b.sql": "INSERT INTO src_b SELECT id FROM raw_b",
	})
}

func openRaw(t *testing.T, root string, provision bool) (*workspace.Workspace, *provisioning) {
	t.Helper()
	lt := openLocal(t, local.Options{})
	p := &provisioning{Target: lt}
	opts := workspace.Options{
		PipelinesDir: root, KeepSQL: true, Target: workspace.TargetOptions{Environment: "dev", StateDir: t.TempDir()},
	}
	if provision {
		opts.OpenTarget = func(context.Context, *workspace.Workspace) (*workspace.Target, error) {
			return &workspace.Target{Target: p, LockPath: filepath.Join(t.TempDir(), "dev.lock")}, nil
		}
	}
	// Without OpenTarget: the workspace's own local target.
	return openWorkspace(t, opts), p
}

func rawRequest(dirs ...string) workspace.DeployRequest {
	return workspace.DeployRequest{Selection: workspace.Selection{Selection: selector.Selection{ProductNames: []string{"sales"}}}, ExternalsDirs: dirs}
}

func TestExternalsDefinitionsMatchWhatTheSQLCreates(t *testing.T) {
	root := rawProject(t)
	ws, _ := openRaw(t, root, true)
	_, err := ws.Plan(context.Background(), rawRequest(), false)
	var ee *plan.ExternalsError
	if !errors.As(err, &ee) || len(ee.Items) != 1 || ee.Items[0].Table != "raw_b" {
		t.Fatalf("error %v, want raw_b without a definition", err)
	}
	if !strings.Contains(err.Error(), "sources/sales/src_b/tests/ddl*.sql") {
		t.Errorf("error %q does not say where a DDL would be found", err)
	}

	extDir := filepath.Join(t.TempDir(), "externals")
	testfs.WriteFiles(t, extDir, map[string]string{"whatever.sql": "CREATE TABLE raw_b (id STRING) WITH ('connector' = 'datagen')"})
	pr, err := ws.Plan(context.Background(), rawRequest(extDir), false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range pr.Plan.Externals {
		got[e.Table] = string(e.Status) + " " + e.Definition
	}
	if got["raw_a"] != "will create sources/sales/src_a/tests/ddl.a_raw.sql" || got["raw_b"] != "will create "+filepath.ToSlash(filepath.Join(extDir, "whatever.sql")) {
		t.Errorf("externals %v", got)
	}
}

func TestExternalsCreatedByTheDeploy(t *testing.T) {
	root := rawProject(t)
	testfs.WriteFiles(t, root, map[string]string{"sources/sales/src_b/tests/ddl.b.sql": "CREATE TABLE raw_b (id STRING)"})
	ws, p := openRaw(t, root, true)
	res, err := ws.Deploy(context.Background(), rawRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Result.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.created[:2], ",") != "raw_a,raw_b" && strings.Join(p.created[:2], ",") != "raw_b,raw_a" {
		t.Errorf("created %v, want the raw tables first", p.created)
	}
	// A second plan finds them present and creates nothing.
	pr, err := ws.Plan(context.Background(), rawRequest(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pr.Plan.Externals {
		if e.Status != plan.ExternalPresent {
			t.Errorf("%s: %s, want present", e.Table, e.Status)
		}
	}
}

func TestLocalAssumesExternals(t *testing.T) {
	root := rawProject(t)
	ws, _ := openRaw(t, root, false)
	ctx := context.Background()
	res, err := ws.Deploy(ctx, rawRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Result.Err(); err != nil {
		t.Fatalf("deploy with assumed externals: %v", err)
	}
	for _, e := range res.Plan.Externals {
		if e.Status != plan.ExternalAssumed || e.Declared {
			t.Errorf("%+v: want assumed, undeclared", e)
		}
	}
	req := rawRequest()
	req.Strict = true
	_, err = ws.Plan(ctx, req, false)
	var ee *plan.ExternalsError
	if !errors.As(err, &ee) || !ee.Strict || len(ee.Items) != 2 {
		t.Errorf("strict: %v, want both undeclared externals named", err)
	}
}
