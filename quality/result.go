package quality

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/products"
)

// Statuses of a result, as the catalog reads them.
const (
	StatusPass  = "pass"
	StatusFail  = "fail"
	StatusError = "error"
)

// Report is what `product check` found. Its JSON is the results file the
// catalog reads (`docs generate --results FILE`): checked_at, target and
// results, each naming its rule by table and position; the other fields
// are ignored there.
type Report struct {
	CheckedAt   string   `json:"checked_at"`
	Target      string   `json:"target"`
	Environment string   `json:"environment,omitempty"`
	Products    []string `json:"products"`
	Passed      int      `json:"passed"`
	Failed      int      `json:"failed"`
	Errors      int      `json:"errors"`
	Results     []Result `json:"results"`
}

// Result is the outcome of one rule.
type Result struct {
	Product string `json:"product"`
	Table   string `json:"table"`
	// Rule is the rule's position in the port's quality list (from 0).
	Rule int    `json:"rule"`
	Kind string `json:"kind"`
	// Description is the rule in one line (products.Rule.String).
	Description string `json:"description"`
	// File and Line are where the manifest declares the rule
	// (products/c360.yaml, relative to the pipelines folder).
	File   string `json:"file"`
	Line   int    `json:"line"`
	Status string `json:"status"`
	// Count is the offending rows (not_null, accepted_values,
	// expression), the values held by more than one row (unique), or the
	// table's rows (row_count).
	Count   int64   `json:"count"`
	Message string  `json:"message,omitempty"`
	Sample  *Sample `json:"sample,omitempty"`
	// DurationMS is the time the rule's queries took.
	DurationMS int64  `json:"duration_ms"`
	SQL        string `json:"sql,omitempty"`
}

// Sample is up to SampleSize offending rows.
type Sample struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// Where is the rule's place in its manifest, file:line.
func (r Result) Where() string {
	if r.Line > 0 {
		return fmt.Sprintf("%s:%d", r.File, r.Line)
	}
	return r.File
}

// Tally counts the results by status.
func (rep *Report) Tally() {
	rep.Passed, rep.Failed, rep.Errors = 0, 0, 0
	for _, r := range rep.Results {
		switch r.Status {
		case StatusPass:
			rep.Passed++
		case StatusFail:
			rep.Failed++
		default:
			rep.Errors++
		}
	}
}

// OK says whether every rule passed.
func (rep *Report) OK() bool { return rep.Failed == 0 && rep.Errors == 0 }

// Fold applies a query's changelog and returns the rows of its final
// result: +I and +U add a row, -U and -D take back an equal row. A
// streaming aggregate answers its updates (+I 1, -U 1, +U 2, …), and this
// is the value it settled on. Order of first appearance is kept. Cost:
// O(rows) with a map from each row's JSON to its live copies.
func Fold(rows []deployers.Row) [][]any {
	type entry struct {
		values []any
		live   int
	}
	var order []string
	byKey := map[string]*entry{}
	for _, r := range rows {
		b, _ := json.Marshal(normalize(r.Values))
		k := string(b)
		e := byKey[k]
		if e == nil {
			e = &entry{values: r.Values}
			byKey[k] = e
			order = append(order, k)
		}
		switch r.Op {
		case "-U", "-D":
			if e.live > 0 {
				e.live--
			}
		default:
			e.live++
		}
	}
	var out [][]any
	for _, k := range order {
		for e := byKey[k]; e.live > 0; e.live-- {
			out = append(out, e.values)
		}
	}
	return out
}

// normalize makes equal values compare equal whether the engine gave them
// as numbers or as strings (Confluent's results are strings).
func normalize(vs []any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		if v == nil {
			continue
		}
		out[i] = fmt.Sprint(v)
	}
	return out
}

// Int reads an integer the engine returned: a JSON number, a float, or a
// string of digits (Confluent formats every value as a string). nil is 0.
func Int(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case json.Number:
		return parseInt(x.String())
	case string:
		return parseInt(x)
	case float64:
		return int64(x), nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	}
	return 0, fmt.Errorf("%v (%T) is not a count", v, v)
}

func parseInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// 3.0, 3E0: a count the engine printed as a decimal.
	f, _, err := big.ParseFloat(s, 10, 64, big.ToNearestEven)
	if err != nil || !f.IsInt() {
		return 0, fmt.Errorf("%q is not a count", s)
	}
	n, _ := f.Int64()
	return n, nil
}

// Judge sets res's status, count and message from the rows of the rule's
// Count query.
func Judge(res *Result, r products.Rule, count deployers.Rows) error {
	rows := Fold(count.Rows)
	var vals []int64
	if len(rows) > 0 {
		for _, v := range rows[0] {
			n, err := Int(v)
			if err != nil {
				return fmt.Errorf("read the count: %w", err)
			}
			vals = append(vals, n)
		}
	}
	at := func(i int) int64 {
		if i < len(vals) {
			return vals[i]
		}
		return 0
	}
	n := at(0)
	res.Count = n
	res.Status = StatusPass
	if n > 0 && r.Kind != products.RowCount {
		res.Status = StatusFail
	}
	switch r.Kind {
	case products.NotNull:
		if n == 0 {
			res.Message = "no NULL in " + strings.Join(r.Columns, ", ")
			break
		}
		parts := make([]string, 0, len(r.Columns))
		for i, c := range r.Columns {
			if k := at(i + 1); k > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", c, k))
			}
		}
		res.Message = fmt.Sprintf("%s with a NULL (%s)", rowsText(n), strings.Join(parts, ", "))
	case products.Unique:
		if n == 0 {
			res.Message = "no two rows share " + strings.Join(r.Columns, ", ")
			break
		}
		vs := "value"
		if n > 1 {
			vs = "values"
		}
		res.Message = fmt.Sprintf("%d %s of (%s) held by more than one row (%s)", n, vs, strings.Join(r.Columns, ", "), rowsText(at(1)))
	case products.AcceptedValues:
		if n == 0 {
			res.Message = fmt.Sprintf("every %s is one of the accepted values", r.Column)
			break
		}
		res.Message = fmt.Sprintf("%s with %s not in (%s)", rowsText(n), r.Column, strings.Join(r.Values, ", "))
	case products.RowCount:
		switch {
		case r.Min != nil && n < *r.Min:
			res.Status = StatusFail
			res.Message = fmt.Sprintf("%s, fewer than the minimum %d", rowsText(n), *r.Min)
		case r.Max != nil && n > *r.Max:
			res.Status = StatusFail
			res.Message = fmt.Sprintf("%s, more than the maximum %d", rowsText(n), *r.Max)
		default:
			res.Message = rowsText(n)
		}
	case products.Expression:
		if n == 0 {
			res.Message = "true for every row"
			break
		}
		res.Message = fmt.Sprintf("%s where it is false or NULL", rowsText(n))
	}
	return nil
}

func rowsText(n int64) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

// SampleOf is the final rows of a Sample query, at most SampleSize.
func SampleOf(rows deployers.Rows) *Sample {
	s := &Sample{Columns: make([]string, len(rows.Columns)), Rows: Fold(rows.Rows)}
	for i, c := range rows.Columns {
		s.Columns[i] = c.Name
	}
	if len(s.Rows) > SampleSize {
		s.Rows = s.Rows[:SampleSize]
	}
	if s.Rows == nil {
		s.Rows = [][]any{}
	}
	return s
}
