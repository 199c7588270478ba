package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// latestWindow is how many changelog rows --latest reads before folding.
const latestWindow = 10000

// PeekRequest is what Peek is asked.
type PeekRequest struct {
	Table string
	// Limit is the most rows read (0: 20).
	Limit int
	// Timeout bounds the read (0: 30 s); the rows read by then are the
	// answer.
	Timeout time.Duration
	// Latest folds the changelog by primary key: one row per key, its
	// latest value, deleted keys left out.
	Latest bool
}

// PeekResult is what Peek read. Rows hold the op (+I, -U, +U, -D) of each
// row; Changelog says whether to show it.
type PeekResult struct {
	Table   string
	Columns []deployers.Column
	Rows    []deployers.Row
	// Changelog is true for tables whose rows are a changelog (a primary
	// key, or rows other than inserts), unless Latest folded them.
	Changelog bool
	// Key is the primary key Latest folded on.
	Key []string
	// Complete is false when the timeout cut the read short.
	Complete bool
}

// Peek reads up to Limit rows of a deployed table on the target
// (deployers.RowReader), which removes its reading statement.
func (ws *Workspace) Peek(ctx context.Context, req PeekRequest) (*PeekResult, error) {
	if req.Table == "" {
		return nil, &RequestError{Msg: "table peek needs a table name"}
	}
	if req.Limit <= 0 {
		req.Limit = 20
	}
	if req.Timeout <= 0 {
		req.Timeout = 30 * time.Second
	}
	key := ws.primaryKey(req.Table)
	if req.Latest && len(key) == 0 {
		return nil, &RequestError{Msg: fmt.Sprintf("--latest folds rows by primary key, and table %s has none in its DDL", req.Table)}
	}
	_, rr, err := targetWith[deployers.RowReader](ctx, ws, "the %s target keeps no data: table peek reads rows with --target flink (or confluent)")
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	name := "shiftleft-peek-" + nameRE.ReplaceAllString(strings.ToLower(req.Table), "-") + "-" + ws.opts.Now().UTC().Format("20060102-150405")
	read := req.Limit
	if req.Latest {
		// Folding needs the changelog to its end, not its first rows.
		read = latestWindow
	}
	rows, err := rr.ReadRows(rctx, deployers.ReadRequest{Table: req.Table, Limit: read, Name: name})
	if err != nil {
		return nil, err
	}
	out := &PeekResult{Table: req.Table, Columns: rows.Columns, Rows: rows.Rows, Complete: rows.Complete, Changelog: len(key) > 0}
	for _, r := range rows.Rows {
		out.Changelog = out.Changelog || r.Op != "+I"
	}
	if req.Latest {
		folded, err := foldLatest(rows, key)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", req.Table, err)
		}
		if len(folded) > req.Limit {
			folded = folded[:req.Limit]
		}
		out.Rows, out.Key, out.Changelog = folded, key, false
	}
	return out, nil
}

// primaryKey is the PRIMARY KEY of the table's DDL in the project (nil
// when the table or its key is unknown).
func (ws *Workspace) primaryKey(table string) []string {
	tb := ws.Project.Table(table)
	if tb == nil || tb.DDLText == "" {
		return nil
	}
	a, err := flinksql.Analyze([]byte(tb.DDLText))
	if err != nil {
		return nil
	}
	for _, d := range a.Tables {
		if d.Name.Table() == table {
			return d.PrimaryKey
		}
	}
	return nil
}

// foldLatest applies a changelog by key: +I and +U set the key's row, -D
// removes it, -U is superseded by the +U that follows. Keys keep the order
// they first appeared in. O(rows).
func foldLatest(rows deployers.Rows, key []string) ([]deployers.Row, error) {
	idx := make([]int, len(key))
	for k, name := range key {
		idx[k] = -1
		for i, c := range rows.Columns {
			if strings.EqualFold(c.Name, name) {
				idx[k] = i
			}
		}
		if idx[k] < 0 {
			return nil, fmt.Errorf("primary key column %s is not in the rows read", name)
		}
	}
	var order []string
	latest := map[string]*deployers.Row{}
	for _, r := range rows.Rows {
		parts := make([]any, len(idx))
		for k, i := range idx {
			parts[k] = r.Values[i]
		}
		b, _ := json.Marshal(parts)
		k := string(b)
		switch r.Op {
		case "-U":
			continue
		case "-D":
			latest[k] = nil
			continue
		}
		if _, seen := latest[k]; !seen {
			order = append(order, k)
		}
		row := deployers.Row{Op: "+I", Values: r.Values}
		latest[k] = &row
	}
	out := make([]deployers.Row, 0, len(order))
	for _, k := range order {
		if r := latest[k]; r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}
