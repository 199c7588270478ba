package confluent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

var _ deployers.JobCanceller = (*Target)(nil)

// CancelJobs implements deployers.JobCanceller: on Confluent Cloud a job is
// its statement, so every statement whose name starts with prefix is
// deleted, whatever its phase (a FAILED one too: RunStatement leaves it for
// its detail to be read). It returns the names it deleted, sorted. Cost:
// one listing, one delete per match.
func (t *Target) CancelJobs(ctx context.Context, prefix string) ([]string, error) {
	list, err := t.ListStatements(ctx)
	if err != nil {
		return nil, fmt.Errorf("list statements %s*: %w", prefix, err)
	}
	var names []string
	for _, st := range list {
		if !strings.HasPrefix(st.Name, prefix) {
			continue
		}
		if err := t.c.DeleteStatement(ctx, st.Name); err != nil && !errors.Is(err, deployers.ErrNotFound) {
			return names, fmt.Errorf("delete statement %s: %w", st.Name, err)
		}
		names = append(names, st.Name)
	}
	return names, nil
}
