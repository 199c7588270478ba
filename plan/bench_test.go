package plan

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// BenchmarkBuild10k plans a generated 10,000-table project (issue 4 asks
// for under 0.5 s). The scan is not timed; the SQL files are read from
// disk inside the timed part, as the CLI does.
//   - empty: every table selected, nothing deployed (10,000 creates);
//   - rerun: every table selected, all running the files' SQL (every DDL
//     and DML normalized and compared: the worst case);
//   - change: 50 tables selected with --may-start-descendants on a
//     deployed project, 5 of them with a changed DML;
//   - *-sql-in-memory: the same without the file reads (the plan's own
//     cost).
//
// Run: go test ./plan -run XXX -bench Build10k -benchtime 5x
func BenchmarkBuild10k(b *testing.B) {
	dir := b.TempDir()
	if _, err := projectgen.Generate(dir, projectgen.Options{Tables: 10000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	proj, err := pipeline.Scan(context.Background(), filepath.Join(dir, projectgen.PipelinesDir), pipeline.ScanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	g, err := dag.Build(proj)
	if err != nil {
		b.Fatal(err)
	}
	read := func(t *pipeline.Table) (string, string, error) {
		var ddl, dml []byte
		var err error
		if t.DDLPath != "" {
			if ddl, err = os.ReadFile(filepath.Join(proj.Root, t.DDLPath)); err != nil {
				return "", "", err
			}
		}
		if t.DMLPath != "" {
			if dml, err = os.ReadFile(filepath.Join(proj.Root, t.DMLPath)); err != nil {
				return "", "", err
			}
		}
		return string(ddl), string(dml), nil
	}
	var all []string
	mem := map[string][2]string{}
	cached := func(t *pipeline.Table) (string, string, error) { f := mem[t.Name]; return f[0], f[1], nil }
	deployed := map[string]deployers.TableState{}
	for _, t := range proj.Tables {
		if !t.Deployable() {
			continue
		}
		all = append(all, t.Name)
		ddl, dml, err := read(t)
		if err != nil {
			b.Fatal(err)
		}
		mem[t.Name] = [2]string{ddl, dml}
		deployed[t.Name] = deployers.TableState{Table: t.Name, Exists: true, DDL: ddl, DML: &deployers.Statement{Name: "x-" + t.Name, Phase: deployers.PhaseRunning, SQL: dml}}
	}
	changed := map[string]deployers.TableState{}
	for k, v := range deployed {
		changed[k] = v
	}
	var some []string
	for i := 0; i < 50; i++ {
		n := all[(i*197)%len(all)]
		some = append(some, n)
		if i%10 == 0 {
			st := changed[n]
			dml := *st.DML
			dml.SQL = "INSERT INTO " + n + " SELECT 1"
			st.DML = &dml
			changed[n] = st
		}
	}
	cases := []struct {
		name     string
		selected []string
		state    map[string]deployers.TableState
		opts     Options
		sql      func(*pipeline.Table) (string, string, error)
	}{
		{"empty", all, nil, Options{}, read},
		{"rerun", all, deployed, Options{}, read},
		{"change", some, changed, Options{MayStartDescendants: true}, read},
		{"empty-sql-in-memory", all, nil, Options{}, cached},
		{"rerun-sql-in-memory", all, deployed, Options{}, cached},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var steps int
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				p, err := Build(context.Background(), g, Inputs{
					Selected: tc.selected, State: tc.state, Options: tc.opts, Naming: testNaming,
					SQL: tc.sql, Now: time.Unix(0, 0),
				})
				if err != nil {
					b.Fatal(err)
				}
				steps = len(p.Steps)
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(steps), "steps")
		})
	}
}

// cpuTime is the process's user+system CPU time: on a loaded machine the
// wall time of a benchmark says more about the neighbours than the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
