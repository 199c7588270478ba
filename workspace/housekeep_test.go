package workspace_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// TestHousekeep lists, then deletes, the finished statements older than an
// age on the Confluent stand-in, keeping the DDL records of tables
// without DML, running statements and young ones.
func TestHousekeep(t *testing.T) {
	srv := confluenttest.NewServer(confluenttest.Options{})
	t.Cleanup(srv.Close)
	now := time.Now()
	old := now.Add(-10 * 24 * time.Hour)
	srv.AddStatement("dev-dml-failed", "INSERT INTO a SELECT 1;", "FAILED", old)
	srv.AddStatement("dev-ddl-record", "CREATE TABLE b (x INT);", "COMPLETED", old)
	srv.AddStatement("dev-ddl-done", "CREATE TABLE c (x INT);", "COMPLETED", old)
	srv.AddStatement("dev-dml-young", "INSERT INTO d SELECT 1;", "FAILED", now.Add(-time.Hour))
	srv.AddStatement("other-dml-failed", "INSERT INTO e SELECT 1;", "FAILED", old)
	tg, err := confluent.New(srv.Config(), confluent.Options{Version: "test", PollInitial: time.Millisecond, PollMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	req := workspace.HousekeepRequest{
		Phases: []deployers.Phase{deployers.PhaseFailed, deployers.PhaseCompleted}, OlderThan: 7 * 24 * time.Hour,
		Prefix: "dev-", Records: map[string]bool{"dev-ddl-record": true}, Now: now,
	}
	listed, err := workspace.Housekeep(context.Background(), tg, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(listed.Candidates); len(got) != 2 || !got["dev-dml-failed"] || !got["dev-ddl-done"] || listed.Kept != 1 || listed.Deleted != 0 {
		t.Fatalf("listed %v, kept %d, deleted %d", got, listed.Kept, listed.Deleted)
	}
	if _, ok := srv.StatementPhase("dev-dml-failed"); !ok {
		t.Fatal("listing deleted a statement")
	}
	req.Delete = true
	done, err := workspace.Housekeep(context.Background(), tg, req)
	if err != nil || done.Deleted != 2 {
		t.Fatalf("deleted %d: %v", done.Deleted, err)
	}
	for name, want := range map[string]bool{"dev-dml-failed": false, "dev-ddl-done": false, "dev-ddl-record": true, "dev-dml-young": true, "other-dml-failed": true} {
		if _, ok := srv.StatementPhase(name); ok != want {
			t.Errorf("%s exists %v, want %v", name, ok, want)
		}
	}
}

func names(ss []deployers.Statement) map[string]bool {
	out := map[string]bool{}
	for _, s := range ss {
		out[s.Name] = true
	}
	return out
}
