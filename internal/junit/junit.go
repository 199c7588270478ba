// Package junit writes test results as JUnit XML, the format CI servers
// show as test results (the Ant junit task's format): a testsuites root,
// one testsuite per group, one testcase per check with a failure or an
// error when it did not pass.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Report is one JUnit XML document. Build it with Add, write it with Write.
type Report struct {
	// Totals, when set, name the report and give its counts as attributes
	// of the root; nil leaves the root element bare.
	Totals *Totals
	Suites []Suite
	index  map[string]int
}

// Totals are the root's attributes.
type Totals struct {
	Name                    string
	Tests, Failures, Errors int
}

// Suite is a testsuite: its counts and time are kept by Report.Add.
type Suite struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Time     string `xml:"time,attr"`
	Cases    []Case `xml:"testcase"`
	elapsed  time.Duration
}

// Case is a testcase: Failure for a check that failed, Error for one that
// could not run.
type Case struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	File      string   `xml:"file,attr,omitempty"`
	Line      int      `xml:"line,attr,omitempty"`
	Time      string   `xml:"time,attr"`
	Failure   *Problem `xml:"failure,omitempty"`
	Error     *Problem `xml:"error,omitempty"`
}

// Problem is a failure's or an error's message, kind and detail.
type Problem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Add appends c, which took elapsed, to the suite named suite (created on
// first use, in order of first use), counts it and sets its time and the
// suite's.
func (r *Report) Add(suite string, c Case, elapsed time.Duration) {
	if r.index == nil {
		r.index = map[string]int{}
	}
	i, ok := r.index[suite]
	if !ok {
		i = len(r.Suites)
		r.index[suite] = i
		r.Suites = append(r.Suites, Suite{Name: suite})
	}
	s := &r.Suites[i]
	c.Time = Seconds(elapsed)
	s.Tests++
	if c.Failure != nil {
		s.Failures++
	}
	if c.Error != nil {
		s.Errors++
	}
	s.elapsed += elapsed
	s.Time = Seconds(s.elapsed)
	s.Cases = append(s.Cases, c)
}

// MarshalXML writes the testsuites root, with the totals when set.
func (r Report) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: "testsuites"}}
	if t := r.Totals; t != nil {
		start.Attr = []xml.Attr{
			{Name: xml.Name{Local: "name"}, Value: t.Name},
			{Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(t.Tests)},
			{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(t.Failures)},
			{Name: xml.Name{Local: "errors"}, Value: strconv.Itoa(t.Errors)},
		}
	}
	return e.EncodeElement(struct {
		Suites []Suite `xml:"testsuite"`
	}{r.Suites}, start)
}

// Write writes r as an indented XML document ending with a newline.
func Write(w io.Writer, r *Report) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Seconds is a time as JUnit gives it: seconds with three decimals.
func Seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
