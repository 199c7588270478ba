package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Results are the last results of the quality rules, as `shiftleft product
// check` saves them. The file is JSON:
//
//	{
//	  "checked_at": "2026-12-06T09:00:00Z",
//	  "target": "flink",
//	  "results": [
//	    {"product": "c360", "table": "c360_customer_analytics", "rule": 0,
//	     "kind": "not_null", "status": "pass", "count": 0, "message": ""}
//	  ]
//	}
//
// A result names its rule by the port's table and the rule's position in
// the port's quality list (0-based, manifest order), with the rule's kind
// as a check: a result whose kind differs from the rule at that position
// is for another version of the manifest and is not shown. Status is pass,
// fail or error; count is the number of offending rows. Other fields (a
// sample of rows, timings) are allowed and ignored.
type Results struct {
	// File is where the results were read from (set by ReadResults).
	File      string   `json:"-"`
	CheckedAt string   `json:"checked_at,omitempty"`
	Target    string   `json:"target,omitempty"`
	Results   []Result `json:"results"`
}

// Result is the outcome of one rule.
type Result struct {
	Product string `json:"product,omitempty"`
	Table   string `json:"table"`
	Rule    *int   `json:"rule"`
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	Count   int64  `json:"count,omitempty"`
	Message string `json:"message,omitempty"`
}

// Statuses a result may have.
const (
	StatusPass  = "pass"
	StatusFail  = "fail"
	StatusError = "error"
)

// maxResultsSize bounds the results file read: results are a line per
// rule, and a bigger file is a mistake.
const maxResultsSize = 64 << 20

// ReadResults reads a results file (see Results). Errors name the file and,
// for a bad entry, its position.
func ReadResults(path string) (*Results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("results file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("results file %s: %w", path, err)
	}
	if st.Size() > maxResultsSize {
		return nil, fmt.Errorf("results file %s: %d bytes, more than the %d a results file may have", path, st.Size(), maxResultsSize)
	}
	data := make([]byte, st.Size())
	if _, err := f.ReadAt(data, 0); err != nil && st.Size() > 0 {
		return nil, fmt.Errorf("results file %s: %w", path, err)
	}
	r, err := ParseResults(data)
	if err != nil {
		return nil, fmt.Errorf("results file %s: %w", path, err)
	}
	r.File = path
	return r, nil
}

// ParseResults parses the JSON of a results file and checks every entry.
func ParseResults(data []byte) (*Results, error) {
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("not JSON at byte %d: %v (produce it with 'shiftleft product check --results FILE')", se.Offset, err)
		}
		return nil, fmt.Errorf("not a results file: %v", err)
	}
	if r.Results == nil {
		return nil, fmt.Errorf(`no "results" list: produce it with 'shiftleft product check --results FILE'`)
	}
	for i, res := range r.Results {
		var problem string
		switch {
		case res.Table == "":
			problem = `"table" is missing`
		case res.Rule == nil:
			problem = `"rule" (the rule's position in the port's quality list) is missing`
		case *res.Rule < 0:
			problem = fmt.Sprintf(`"rule" is %d: positions start at 0`, *res.Rule)
		case res.Kind == "":
			problem = `"kind" is missing`
		case res.Status != StatusPass && res.Status != StatusFail && res.Status != StatusError:
			problem = fmt.Sprintf(`"status" is %q: use pass, fail or error`, res.Status)
		}
		if problem != "" {
			return nil, fmt.Errorf("results[%d] (table %q): %s", i, res.Table, problem)
		}
	}
	return &r, nil
}

// apply sets the status of every rule a result names, and says where the
// statuses come from. Cost: O(rules + results).
func (r *Results) apply(prods []Product) *QualityRun {
	type key struct {
		table string
		rule  int
	}
	rules := map[key]*Rule{}
	for i := range prods {
		for j := range prods[i].Ports {
			port := &prods[i].Ports[j]
			for k := range port.Rules {
				rules[key{port.Table, k}] = &port.Rules[k]
			}
		}
	}
	run := &QualityRun{File: r.File, CheckedAt: r.CheckedAt, Target: r.Target}
	for _, res := range r.Results {
		rule := rules[key{res.Table, *res.Rule}]
		if rule == nil || rule.Kind != res.Kind {
			run.Unmatched++
			continue
		}
		rule.Status, rule.Count, rule.Message = res.Status, res.Count, res.Message
	}
	return run
}
