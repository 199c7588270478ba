package health

import (
	"reflect"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// graph: raw (external) → src_a → int_b → fct_c (product p), and seed_d
// (DDL only, product q) → fct_c.
func graph(t *testing.T) *dag.Graph {
	t.Helper()
	var p pipeline.Project
	p.ByName = map[string]*pipeline.Table{}
	for _, x := range []struct {
		name, product string
		dml           bool
		parents       []string
	}{
		{"raw", "p", false, nil},
		{"src_a", "p", true, []string{"raw"}},
		{"int_b", "p", true, []string{"src_a"}},
		{"seed_d", "q", false, nil},
		{"fct_c", "p", true, []string{"int_b", "seed_d"}},
	} {
		tb := &pipeline.Table{Name: x.name, Product: x.product, Parents: x.parents, DDLPath: "ddl." + x.name + ".sql"}
		if x.dml {
			tb.DMLPath = "dml." + x.name + ".sql"
		}
		if x.name == "raw" {
			tb.IsExternal, tb.Type, tb.DDLPath = true, pipeline.TypeExternal, ""
		}
		p.Tables = append(p.Tables, tb)
		p.ByName[x.name] = tb
	}
	g, err := dag.Build(&p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestCheck(t *testing.T) {
	g := graph(t)
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	// dml: a table created at t0 whose statement started minutes later.
	dml := func(name string, phase deployers.Phase, minutes int, detail string) deployers.TableState {
		return deployers.TableState{Exists: true, CreatedAt: t0, DML: &deployers.Statement{Name: name, Phase: phase, CreatedAt: t0.Add(time.Duration(minutes) * time.Minute), Detail: detail}}
	}
	all := []string{"raw", "src_a", "int_b", "seed_d", "fct_c"}
	tests := []struct {
		name       string
		state      map[string]deployers.TableState
		products   []Product
		notRunning []Table
		outOfOrder []Order
	}{
		{
			name: "all running in order",
			state: map[string]deployers.TableState{
				"src_a": dml("s", deployers.PhaseRunning, 0, ""), "int_b": dml("i", deployers.PhaseRunning, 1, ""),
				"fct_c": dml("f", deployers.PhasePending, 2, ""), "seed_d": {Exists: true},
			},
			products:   []Product{{"p", 3, 3, 0, 0, 0}, {"q", 1, 1, 0, 0, 0}},
			notRunning: []Table{}, outOfOrder: []Order{},
		},
		{
			name: "failed, stopped, degraded, missing, no dml",
			state: map[string]deployers.TableState{
				"src_a": dml("s", deployers.PhaseDegraded, 0, "backpressure"), "int_b": dml("i", deployers.PhaseFailed, 1, "Table 'x' does not exist"),
				"fct_c": {Exists: true},
			},
			products: []Product{{"p", 3, 0, 3, 0, 0}, {"q", 1, 0, 1, 0, 0}},
			notRunning: []Table{
				{"fct_c", "p", "", NoDML, ""},
				{"int_b", "p", "i", "FAILED", "Table 'x' does not exist"},
				{"seed_d", "q", "", Missing, ""},
				{"src_a", "p", "s", "DEGRADED", "backpressure"},
			},
			outOfOrder: []Order{},
		},
		{
			// int_b's statement was restarted after fct_c's started: its
			// table, hence the topic fct_c reads, is the same.
			name: "parent restarted after its child",
			state: map[string]deployers.TableState{
				"src_a": dml("s", deployers.PhaseRunning, 0, ""), "int_b": dml("i", deployers.PhaseRunning, 9, ""),
				"fct_c": dml("f", deployers.PhaseRunning, 2, ""), "seed_d": {Exists: true},
			},
			products:   []Product{{"p", 3, 3, 0, 0, 0}, {"q", 1, 1, 0, 0, 0}},
			notRunning: []Table{}, outOfOrder: []Order{},
		},
		{
			// int_b's table was created again after fct_c's statement
			// started; seed_d's creation time is unknown.
			name: "parent table recreated after its child started",
			state: map[string]deployers.TableState{
				"src_a": dml("s", deployers.PhaseRunning, 0, ""),
				"int_b": {Exists: true, CreatedAt: t0.Add(8 * time.Minute), DML: &deployers.Statement{Name: "i", Phase: deployers.PhaseRunning, CreatedAt: t0.Add(9 * time.Minute)}},
				"fct_c": dml("f", deployers.PhaseRunning, 2, ""), "seed_d": {Exists: true},
			},
			products:   []Product{{"p", 3, 3, 0, 1, 0}, {"q", 1, 1, 0, 0, 0}},
			notRunning: []Table{},
			outOfOrder: []Order{{"fct_c", "f", t0.Add(2 * time.Minute), "int_b", t0.Add(8 * time.Minute)}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Check(g, all, tc.state, true)
			if !reflect.DeepEqual(r.Products, tc.products) {
				t.Errorf("products %+v, want %+v", r.Products, tc.products)
			}
			if !reflect.DeepEqual(r.NotRunning, tc.notRunning) {
				t.Errorf("not running %+v, want %+v", r.NotRunning, tc.notRunning)
			}
			if !reflect.DeepEqual(r.OutOfOrder, tc.outOfOrder) {
				t.Errorf("out of order %+v, want %+v", r.OutOfOrder, tc.outOfOrder)
			}
			if want := len(tc.notRunning) == 0 && len(tc.outOfOrder) == 0; r.Healthy() != want {
				t.Errorf("Healthy() = %v, want %v", r.Healthy(), want)
			}
		})
	}
}

// TestCheckSubset: only the given tables are reported, and a parent outside
// them is not compared.
func TestCheckSubset(t *testing.T) {
	g := graph(t)
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	state := map[string]deployers.TableState{
		"int_b": {Exists: true, CreatedAt: t0.Add(time.Hour), DML: &deployers.Statement{Name: "i", Phase: deployers.PhaseRunning, CreatedAt: t0.Add(time.Hour)}},
		"fct_c": {Exists: true, CreatedAt: t0, DML: &deployers.Statement{Name: "f", Phase: deployers.PhaseRunning, CreatedAt: t0}},
	}
	r := Check(g, []string{"fct_c", "unknown"}, state, true)
	if !r.Healthy() || !reflect.DeepEqual(r.Products, []Product{{"p", 1, 1, 0, 0, 0}}) {
		t.Errorf("report %+v", r)
	}
}

// TestCheckTargetBlindToTables: on a target that cannot tell whether a
// table exists without a statement, a table without DML is unknown, not
// missing.
func TestCheckTargetBlindToTables(t *testing.T) {
	g := graph(t)
	r := Check(g, []string{"seed_d"}, nil, false)
	if !r.Healthy() || !reflect.DeepEqual(r.Unknown, []string{"seed_d"}) || !reflect.DeepEqual(r.Products, []Product{{Product: "q", Tables: 1, Unknown: 1}}) {
		t.Errorf("report %+v", r)
	}
	if r := Check(g, []string{"seed_d"}, nil, true); r.Healthy() || r.NotRunning[0].State != Missing {
		t.Errorf("a target that knows its tables: %+v", r)
	}
}
