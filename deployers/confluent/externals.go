package confluent

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

var _ deployers.ExternalChecker = (*Target)(nil)

// CheckExternals implements deployers.ExternalChecker with one paged
// statement listing, the only cheap look the statements API gives at the
// catalog: an external is present when a COMPLETED statement created it,
// missing when a FAILED statement says it does not exist (and nothing
// created it later), and unknown otherwise (the plan assumes it exists:
// raw topics are usually made outside Flink). Cost: ⌈statements/100⌉
// requests, one analysis per completed CREATE statement.
func (t *Target) CheckExternals(ctx context.Context, tables []string) (map[string]deployers.Presence, error) {
	list, err := t.c.ListStatements(ctx, ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the statements of environment %s: %w", t.c.env, err)
	}
	// Newest last, so a later statement's word wins.
	sort.SliceStable(list, func(i, j int) bool { return list[i].Metadata.CreatedAt.Before(list[j].Metadata.CreatedAt) })
	short := map[string]string{}
	for _, n := range tables {
		short[n] = strings.Trim(n[strings.LastIndexByte(n, '.')+1:], "`")
	}
	out := map[string]deployers.Presence{}
	var az flinksql.Analyzer
	az.Shallow = true
	for _, s := range list {
		switch deployers.Phase(s.Status.Phase) {
		case deployers.PhaseCompleted:
			head := strings.ToUpper(strings.TrimSpace(s.Spec.Statement))
			if !strings.HasPrefix(head, "CREATE") {
				continue
			}
			a, err := az.AnalyzeString(s.Spec.Statement)
			if err != nil {
				continue
			}
			for _, w := range a.Writes {
				for n, sh := range short {
					if w.Table() == sh {
						out[n] = deployers.PresencePresent
					}
				}
			}
		case deployers.PhaseFailed:
			for n, sh := range short {
				if namesMissingTable(s.Status.Detail, sh) {
					out[n] = deployers.PresenceMissing
				}
			}
		}
	}
	return out, nil
}
