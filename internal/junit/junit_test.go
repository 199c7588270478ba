package junit

import (
	"bytes"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name  string
		build func() *Report
		want  string
	}{
		{
			name:  "empty report, bare root",
			build: func() *Report { return &Report{} },
			want:  `<?xml version="1.0" encoding="UTF-8"?>` + "\n<testsuites></testsuites>\n",
		},
		{
			name: "totals on the root, suites in order of first use, counts and times summed",
			build: func() *Report {
				r := &Report{Totals: &Totals{Name: "check", Tests: 3, Failures: 1, Errors: 1}}
				r.Add("a", Case{Name: "c1", Classname: "a.t", File: "f.yaml", Line: 6}, 1500*time.Millisecond)
				r.Add("b", Case{Name: "c2 <x>", Classname: "b", Failure: &Problem{Message: "m & n", Type: "unique", Text: "line1\nline2"}}, 5*time.Millisecond)
				r.Add("a", Case{Name: "c3", Classname: "a", Error: &Problem{Message: "boom", Text: "boom"}}, 999999*time.Nanosecond)
				return r
			},
			want: `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="check" tests="3" failures="1" errors="1">
  <testsuite name="a" tests="2" failures="0" errors="1" time="1.501">
    <testcase name="c1" classname="a.t" file="f.yaml" line="6" time="1.500"></testcase>
    <testcase name="c3" classname="a" time="0.001">
      <error message="boom">boom</error>
    </testcase>
  </testsuite>
  <testsuite name="b" tests="1" failures="1" errors="0" time="0.005">
    <testcase name="c2 &lt;x&gt;" classname="b" time="0.005">
      <failure message="m &amp; n" type="unique">line1&#xA;line2</failure>
    </testcase>
  </testsuite>
</testsuites>
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.build()); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("Write:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
}
