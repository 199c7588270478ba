package confluent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

// TestRunReadCompileOnTheStandin: prepare-style statements run to
// COMPLETED and are deleted; a read follows result pages (two rows a page
// on the stand-in) and maps ops to +I/-U/+U; EXPLAIN compiles a DML,
// reports a syntax error at its position in the caller's SQL, and skips
// DDLs; no helper statement is left behind.
func TestRunReadCompileOnTheStandin(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	for i, sql := range []string{
		"CREATE TABLE accounts (id STRING, balance INT, PRIMARY KEY (id) NOT ENFORCED)",
		"INSERT INTO accounts VALUES ('a', 1), ('b', 2)",
		"INSERT INTO accounts VALUES ('a', 5)",
	} {
		res, err := e.target.RunStatement(ctx, deployers.RunRequest{Name: fmt.Sprintf("prep-%d", i), SQL: sql})
		if err != nil || res.Phase != deployers.PhaseCompleted || res.Table != "accounts" {
			t.Fatalf("run %q: %+v, %v", sql, res, err)
		}
	}
	rows, err := e.target.ReadRows(ctx, deployers.ReadRequest{Table: "accounts", Limit: 10})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var got []string
	for _, r := range rows.Rows {
		got = append(got, r.Op+" "+fmt.Sprint(r.Values))
	}
	if want := "+I [a 1]|+I [b 2]|-U [a 1]|+U [a 5]"; strings.Join(got, "|") != want || !rows.Complete {
		t.Errorf("rows %v (complete %v), want %s", got, rows.Complete, want)
	}
	if len(rows.Columns) != 2 || rows.Columns[0].Name != "id" || rows.Columns[1].Type != "INTEGER" {
		t.Errorf("columns %v, want id VARCHAR, balance INTEGER", rows.Columns)
	}
	limited, err := e.target.ReadRows(ctx, deployers.ReadRequest{Table: "accounts", Limit: 3})
	if err != nil || len(limited.Rows) != 3 {
		t.Errorf("read with limit 3: %d rows, %v", len(limited.Rows), err)
	}

	res, err := e.target.Compile(ctx, []deployers.CompileRequest{
		{Table: "accounts", Kind: deployers.KindDDL, SQL: "CREATE TABLE accounts (id STRING)"},
		{Table: "copy", Kind: deployers.KindDML, SQL: "INSERT INTO accounts SELECT id, balance FROM accounts"},
		{Table: "copy", Kind: deployers.KindDML, SQL: "INSERT INTO accounts SELECT id,, balance FROM accounts"},
		{Table: "copy", Kind: deployers.KindDML, SQL: "INSERT INTO accounts\nSELECT id, balance FROM missing"},
	})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if !res[0].Skipped || res[1].Err != "" || !strings.Contains(res[1].Plan, "Plan") {
		t.Errorf("DDL %+v (want skipped), DML %+v (want compiled with a plan)", res[0], res[1])
	}
	if !strings.Contains(res[2].Err, "Encountered") || res[2].Line != 1 || res[2].Col != 32 {
		t.Errorf("syntax error %+v, want line 1 column 32 of the DML", res[2])
	}
	if !strings.Contains(res[3].Err, "'missing' does not exist") {
		t.Errorf("missing table %+v", res[3])
	}
	left, err := e.client.ListStatements(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range left {
		if s.Status.Phase != "DELETING" {
			t.Errorf("statement %s (%s) left behind", s.Name, s.Status.Phase)
		}
	}
}

// TestResultsFailureModes: an unknown statement is not found; a page
// token the service did not give is refused.
func TestResultsFailureModes(t *testing.T) {
	e := newEnv(t, confluenttest.Options{}, nil)
	ctx := context.Background()
	if _, err := e.client.Results(ctx, "nope", ""); !errors.Is(err, deployers.ErrNotFound) {
		t.Errorf("results of an unknown statement: %v, want not found", err)
	}
	if _, err := e.target.RunStatement(ctx, deployers.RunRequest{Name: "mk", SQL: "CREATE TABLE t (id STRING)"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateStatement(ctx, CreateRequest{Name: "q", SQL: "SELECT * FROM t", Properties: e.target.properties(nil)}); err != nil {
		t.Fatal(err)
	}
	var apiErr *APIError
	if _, err := e.client.Results(ctx, "q", "not-a-token"); !errors.As(err, &apiErr) || apiErr.Status != 400 {
		t.Errorf("results with a bad page token: %v, want HTTP 400", err)
	}
}
