package quality

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteJUnit writes the report as JUnit XML, the format CI systems show as
// test results: one testsuite per product, one testcase per rule (named by
// its port and rule), a failure for a failed rule and an error for a rule
// whose query did not run, each with the message and the sample rows.
func WriteJUnit(w io.Writer, rep *Report) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		File      string   `xml:"file,attr,omitempty"`
		Line      int      `xml:"line,attr,omitempty"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Error     *failure `xml:"error,omitempty"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Errors   int        `xml:"errors,attr"`
		Time     string     `xml:"time,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName  xml.Name    `xml:"testsuites"`
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	out := testsuites{Name: "shiftleft product check", Tests: len(rep.Results), Failures: rep.Failed, Errors: rep.Errors}
	index := map[string]int{}
	ms := map[string]int64{}
	for _, r := range rep.Results {
		i, ok := index[r.Product]
		if !ok {
			i = len(out.Suites)
			index[r.Product] = i
			out.Suites = append(out.Suites, testsuite{Name: "product " + r.Product})
		}
		s := &out.Suites[i]
		tc := testcase{
			Name:      fmt.Sprintf("%s[%d] %s", r.Table, r.Rule, r.Description),
			Classname: r.Product + "." + r.Table,
			File:      r.File, Line: r.Line,
			Time: seconds(r.DurationMS),
		}
		f := &failure{Message: r.Message, Type: r.Kind, Text: detail(r)}
		switch r.Status {
		case StatusPass:
		case StatusFail:
			tc.Failure = f
			s.Failures++
		default:
			tc.Error = f
			s.Errors++
		}
		s.Tests++
		ms[r.Product] += r.DurationMS
		s.Cases = append(s.Cases, tc)
	}
	for i := range out.Suites {
		out.Suites[i].Time = seconds(ms[strings.TrimPrefix(out.Suites[i].Name, "product ")])
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

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
