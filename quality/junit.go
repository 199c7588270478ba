package quality

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/junit"
)

// WriteJUnit writes the report as JUnit XML, the format CI systems show as
// test results: one testsuite per product, one testcase per rule (named by
// its port and rule), a failure for a failed rule and an error for a rule
// whose query did not run, each with the message and the sample rows.
func WriteJUnit(w io.Writer, rep *Report) error {
	out := junit.Report{Totals: &junit.Totals{Name: "shiftleft product check", Tests: len(rep.Results), Failures: rep.Failed, Errors: rep.Errors}}
	for _, r := range rep.Results {
		tc := junit.Case{
			Name:      fmt.Sprintf("%s[%d] %s", r.Table, r.Rule, r.Description),
			Classname: r.Product + "." + r.Table,
			File:      r.File, Line: r.Line,
		}
		f := &junit.Problem{Message: r.Message, Type: r.Kind, Text: detail(r)}
		switch r.Status {
		case StatusPass:
		case StatusFail:
			tc.Failure = f
		default:
			tc.Error = f
		}
		out.Add("product "+r.Product, tc, time.Duration(r.DurationMS)*time.Millisecond)
	}
	return junit.Write(w, &out)
}

// detail is a failure's text: where the rule is, its message, the sample
// rows as JSON lines and the query.
func detail(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s\n", r.Where(), r.Description, r.Message)
	if r.Sample != nil && len(r.Sample.Rows) > 0 {
		cols, _ := json.Marshal(r.Sample.Columns)
		fmt.Fprintf(&b, "sample %s:\n", cols)
		for _, row := range r.Sample.Rows {
			line, _ := json.Marshal(row)
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	if r.SQL != "" {
		fmt.Fprintf(&b, "query:\n%s\n", r.SQL)
	}
	return b.String()
}
