package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// StatementLister is what housekeeping needs of a target: its statements,
// and deleting one.
type StatementLister interface {
	ListStatements(ctx context.Context) ([]deployers.Statement, error)
	DeleteStatement(ctx context.Context, name string) error
}

// HousekeepRequest chooses the finished statements to delete.
type HousekeepRequest struct {
	// Phases are the phases to clean (FAILED, COMPLETED, STOPPED).
	Phases []deployers.Phase
	// OlderThan is the minimum age at Now.
	OlderThan time.Duration
	// Prefix keeps only statements whose name starts with it.
	Prefix string
	// Delete deletes them; without it they are only listed.
	Delete bool
	// Records are DDL statements kept as the only trace of tables without
	// DML (see Workspace.DDLRecords): never deleted.
	Records map[string]bool
	Now     time.Time
}

// HousekeepResult is what housekeeping found and did.
type HousekeepResult struct {
	// Candidates are the statements chosen, in the target's order.
	Candidates []deployers.Statement
	// Kept counts the COMPLETED DDL records left alone.
	Kept int
	// Deleted counts the candidates deleted (with Delete).
	Deleted int
}

// Housekeep lists the finished statements of req's phases older than its
// age and, with Delete, deletes them. Deletions go on after a failure
// (the error lists every statement not deleted) unless ctx is done.
func Housekeep(ctx context.Context, t StatementLister, req HousekeepRequest) (HousekeepResult, error) {
	var out HousekeepResult
	list, err := t.ListStatements(ctx)
	if err != nil {
		return out, err
	}
	want := map[deployers.Phase]bool{}
	for _, p := range req.Phases {
		want[p] = true
	}
	cutoff := req.Now.Add(-req.OlderThan)
	for _, s := range list {
		if !want[s.Phase] || !strings.HasPrefix(s.Name, req.Prefix) || s.CreatedAt.IsZero() || !s.CreatedAt.Before(cutoff) {
			continue
		}
		if req.Records[s.Name] && s.Phase == deployers.PhaseCompleted {
			out.Kept++
			continue
		}
		out.Candidates = append(out.Candidates, s)
	}
	if !req.Delete {
		return out, nil
	}
	var errs []error
	for _, s := range out.Candidates {
		if err := t.DeleteStatement(ctx, s.Name); err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		out.Deleted++
	}
	if len(errs) > 0 {
		n := fmt.Sprintf("%d statements", len(errs))
		if len(errs) == 1 {
			n = "1 statement"
		}
		return out, fmt.Errorf("%s could not be deleted (rerun the command to retry):\n%w", n, errors.Join(errs...))
	}
	return out, nil
}
