package plan

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
)

// raw is a project with one declared external (ext_k, in
// seeds/external_tables.json) and one undeclared one (raw_a, read by
// src_a and defined nowhere):
//
//	ext_k (declared) → src_o → int_o
//	raw_a (undeclared) → src_a → int_o
func raw(t *testing.T) *dag.Graph {
	g := project(t, []spec{
		{"ext_k", "external_kafka", "", false, nil},
		{"src_o", "source", "sales", false, []string{"ext_k"}},
		{"src_a", "source", "sales", false, nil},
		{"int_o", "intermediate", "sales", true, []string{"src_o", "src_a"}},
	})
	g.Table("src_a").External = []string{"raw_a"}
	return g
}

func externalsPlan(t *testing.T, g *dag.Graph, in Inputs) (*Plan, error) {
	t.Helper()
	if in.Selected == nil {
		in.Selected = []string{"int_o"}
	}
	in.Naming, in.SQL, in.Now = testNaming, sqlOf(g), time.Unix(0, 0)
	in.Target = deployers.Info{Target: "local", Environment: "dev"}
	return Build(context.Background(), g, in)
}

func externalByName(p *Plan) map[string]External {
	out := map[string]External{}
	for _, e := range p.Externals {
		out[e.Table] = e
	}
	return out
}

func TestExternalsByTarget(t *testing.T) {
	g := raw(t)
	defs := func(p deployers.Presence, withDefs bool) map[string]ExternalInput {
		in := map[string]ExternalInput{
			"ext_k": {Declared: true, Presence: p},
			"raw_a": {Presence: p, Searched: []string{"sources/src_a/tests/ddl*.sql"}},
		}
		if withDefs {
			k, a := in["ext_k"], in["raw_a"]
			k.Definition, a.Definition = "externals/ext_k.sql", "sources/src_a/tests/ddl.raw.sql"
			in["ext_k"], in["raw_a"] = k, a
		}
		return in
	}
	cases := []struct {
		name     string
		in       Inputs
		want     map[string]ExternalStatus
		line     string
		warning  string
		creates  []string
		readBy   []string
		declared map[string]bool
	}{
		{
			name: "local: assumed present, undeclared too",
			in:   Inputs{Externals: defs(deployers.PresenceUnknown, false)},
			want: map[string]ExternalStatus{"ext_k": ExternalAssumed, "raw_a": ExternalAssumed},
			line: "Externals: 2 read by 2 tables (assumed present).", readBy: []string{"src_a"},
			declared: map[string]bool{"ext_k": true, "raw_a": false},
		},
		{
			name: "confluent: a table the target saw is present, others assumed",
			in: Inputs{Externals: map[string]ExternalInput{
				"ext_k": {Declared: true, Presence: deployers.PresencePresent}, "raw_a": {},
			}},
			want: map[string]ExternalStatus{"ext_k": ExternalPresent, "raw_a": ExternalAssumed},
			line: "Externals: 2 read by 2 tables (1 present, 1 assumed present).",
		},
		{
			name: "confluent: a known missing input is reported, not deployed",
			in: Inputs{Externals: map[string]ExternalInput{
				"ext_k": {Declared: true}, "raw_a": {Presence: deployers.PresenceMissing},
			}},
			want:    map[string]ExternalStatus{"ext_k": ExternalAssumed, "raw_a": ExternalMissing},
			warning: "raw input raw_a is missing on the cluster; it is not part of the project: its readers src_a will fail until it exists",
		},
		{
			name:    "flink: missing externals with definitions (seeds + DDL, tests/ddl*.sql) are created",
			in:      Inputs{ExternalPolicy: ExternalsCreate, Externals: defs(deployers.PresenceMissing, true)},
			want:    map[string]ExternalStatus{"ext_k": ExternalWillCreate, "raw_a": ExternalWillCreate},
			line:    "Externals: 2 read by 2 tables (created before their readers).",
			creates: []string{"ext_k", "raw_a"},
		},
		{
			name: "flink: an external that exists is not created again",
			in: Inputs{ExternalPolicy: ExternalsCreate, Externals: map[string]ExternalInput{
				"ext_k": {Declared: true, Presence: deployers.PresencePresent}, "raw_a": {Presence: deployers.PresencePresent},
			}},
			want: map[string]ExternalStatus{"ext_k": ExternalPresent, "raw_a": ExternalPresent},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := externalsPlan(t, g, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Steps {
				if s.Table == "ext_k" || s.Table == "raw_a" {
					t.Errorf("external %s is a step (%s)", s.Table, s.Action)
				}
			}
			if p.Summary.Unchanged != 0 || p.Summary.Create != 3 {
				t.Errorf("summary %+v: want 3 to create and no external counted", p.Summary)
			}
			got := map[string]ExternalStatus{}
			for _, e := range p.Externals {
				got[e.Table] = e.Status
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
			if tc.line != "" && ExternalsLine(p) != tc.line {
				t.Errorf("line %q, want %q", ExternalsLine(p), tc.line)
			}
			if tc.warning != "" && !strings.Contains(strings.Join(p.Warnings, "\n"), tc.warning) {
				t.Errorf("warnings %q, want %q", p.Warnings, tc.warning)
			}
			if tc.readBy != nil && !reflect.DeepEqual(externalByName(p)["raw_a"].ReadBy, tc.readBy) {
				t.Errorf("raw_a read by %v, want %v", externalByName(p)["raw_a"].ReadBy, tc.readBy)
			}
			for n, want := range tc.declared {
				if got := externalByName(p)[n].Declared; got != want {
					t.Errorf("%s declared %v, want %v", n, got, want)
				}
			}
			var creates []string
			for _, s := range ExternalSteps(p) {
				if s.Action != ActionCreateExternal || len(s.Statements) != 1 || s.Statements[0].Kind != deployers.KindDDL {
					t.Errorf("external step %+v", s)
				}
				creates = append(creates, s.Table)
			}
			if !reflect.DeepEqual(creates, tc.creates) {
				t.Errorf("creates %v, want %v", creates, tc.creates)
			}
		})
	}
}

func TestExternalsCreatedNames(t *testing.T) {
	g := raw(t)
	p, err := externalsPlan(t, g, Inputs{ExternalPolicy: ExternalsCreate, Externals: map[string]ExternalInput{
		"ext_k": {Declared: true, Definition: "x.sql"}, "raw_a": {Definition: "sources/src_a/tests/ddl.raw.sql"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e := externalByName(p)["raw_a"]
	// An undeclared external takes its first reader's product.
	if e.Statement != "dev-usw2-sales-ddl-raw-a" || e.Definition != "sources/src_a/tests/ddl.raw.sql" {
		t.Errorf("raw_a %+v", e)
	}
	if k := externalByName(p)["ext_k"]; k.Statement != "dev-usw2-common-ddl-ext-k" && k.Statement != "dev-usw2-ddl-ext-k" {
		t.Errorf("ext_k statement %q", k.Statement)
	}
}

func TestExternalsErrors(t *testing.T) {
	g := raw(t)
	t.Run("strict: each undeclared external with its readers and where to declare it", func(t *testing.T) {
		_, err := externalsPlan(t, g, Inputs{Strict: true, Externals: map[string]ExternalInput{"ext_k": {Declared: true}}})
		var ee *ExternalsError
		if !errors.As(err, &ee) || !ee.Strict {
			t.Fatalf("error %v, want a strict *ExternalsError", err)
		}
		if len(ee.Items) != 1 || ee.Items[0].Table != "raw_a" || !reflect.DeepEqual(ee.Items[0].ReadBy, []string{"src_a"}) {
			t.Errorf("items %+v, want raw_a read by src_a only (ext_k is declared)", ee.Items)
		}
		for _, want := range []string{"raw_a, read by src_a", "seeds/external_tables.json", "--strict"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		}
	})
	t.Run("strict passes when every external is declared", func(t *testing.T) {
		g := raw(t)
		g.Table("src_a").External = nil
		if _, err := externalsPlan(t, g, Inputs{Strict: true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("flink: a missing definition names the table, its readers and where a DDL would be", func(t *testing.T) {
		_, err := externalsPlan(t, g, Inputs{ExternalPolicy: ExternalsCreate, Externals: map[string]ExternalInput{
			"ext_k": {Declared: true, Definition: "externals/ext_k.sql"},
			"raw_a": {Searched: []string{"sources/sales/src_a/tests/ddl*.sql"}},
		}})
		var ee *ExternalsError
		if !errors.As(err, &ee) || ee.Strict || len(ee.Items) != 1 {
			t.Fatalf("error %v, want an *ExternalsError for raw_a", err)
		}
		for _, want := range []string{"raw_a, read by src_a", "sources/sales/src_a/tests/ddl*.sql", "--externals-dir"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		}
	})
	t.Run("flink: readers that do not act need no definition", func(t *testing.T) {
		p, err := externalsPlan(t, g, Inputs{ExternalPolicy: ExternalsCreate, State: running(g, "src_o", "src_a", "int_o")})
		if err != nil {
			t.Fatal(err)
		}
		if st := externalByName(p)["raw_a"].Status; st != ExternalMissing {
			t.Errorf("raw_a %s, want missing", st)
		}
	})
}

func TestCreateStepsDropOnFailure(t *testing.T) {
	g := raw(t)
	st := running(g, "src_o", "int_o")
	p, err := externalsPlan(t, g, Inputs{Selected: []string{"src_a", "src_o"}, State: st, Options: Options{Force: true}})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Step("src_a"); s.Action != ActionCreate || !s.DropOnFailure || s.Drop != "dev-usw2-sales-drop-src-a" {
		t.Errorf("created src_a: %+v", s)
	}
	if s := p.Step("src_o"); s.Action != ActionRecreate || s.DropOnFailure {
		t.Errorf("recreated src_o must keep its table: %+v", s)
	}
}

func TestUndeployExternals(t *testing.T) {
	g := raw(t)
	st := running(g, "src_o", "src_a", "int_o")
	build := func(include bool, presence deployers.Presence) *Plan {
		t.Helper()
		p, err := BuildUndeploy(context.Background(), g, Inputs{
			Selected: []string{"ext_k", "src_o", "src_a", "int_o"}, State: st, Naming: testNaming, SQL: sqlOf(g),
			Target: deployers.Info{Target: "flink", Environment: "dev"}, Now: time.Unix(0, 0), IncludeExternals: include,
			Externals: map[string]ExternalInput{"ext_k": {Declared: true, Presence: presence}, "raw_a": {Presence: presence}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("kept by default, never counted as unchanged", func(t *testing.T) {
		p := build(false, deployers.PresencePresent)
		if p.Summary.Drop != 3 || p.Summary.Unchanged != 0 {
			t.Errorf("summary %+v: want 3 drops and nothing unchanged", p.Summary)
		}
		if got := SummaryLine(p); got != "Plan: 3 to drop, 0 kept, 0 unchanged." {
			t.Errorf("summary line %q", got)
		}
		if len(ExternalSteps(p)) != 0 {
			t.Errorf("external steps %+v, want none", ExternalSteps(p))
		}
		if got := ExternalsLine(p); got != "Externals: 2 read by 2 tables (present); never dropped without --include-externals." {
			t.Errorf("line %q", got)
		}
	})
	t.Run("--include-externals drops them after their readers", func(t *testing.T) {
		p := build(true, deployers.PresencePresent)
		steps := ExternalSteps(p)
		if len(steps) != 2 {
			t.Fatalf("external steps %+v, want 2", steps)
		}
		for _, s := range steps {
			if s.Action != ActionDropExternal || s.Drop == "" || len(s.After) != 1 {
				t.Errorf("step %+v: want a drop after its reader", s)
			}
		}
		if e := externalByName(p)["raw_a"]; e.Status != ExternalWillDrop || !reflect.DeepEqual(e.ReadBy, []string{"src_a"}) {
			t.Errorf("raw_a %+v", e)
		}
	})
	t.Run("--include-externals keeps one a running table outside the selection reads", func(t *testing.T) {
		p, err := BuildUndeploy(context.Background(), g, Inputs{
			Selected: []string{"int_o", "src_a"}, State: st, Naming: testNaming, SQL: sqlOf(g),
			Now: time.Unix(0, 0), IncludeExternals: true,
			Externals: map[string]ExternalInput{"ext_k": {Declared: true, Presence: deployers.PresencePresent}, "raw_a": {Presence: deployers.PresencePresent}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if e := externalByName(p)["raw_a"]; e.Status != ExternalWillDrop {
			t.Errorf("raw_a %+v: its only reader is dropped", e)
		}
		if _, listed := externalByName(p)["ext_k"]; listed {
			t.Errorf("ext_k is read by no dropped table: not listed")
		}
	})
}

func TestExternalsRender(t *testing.T) {
	g := raw(t)
	p, err := externalsPlan(t, g, Inputs{ExternalPolicy: ExternalsCreate, Externals: map[string]ExternalInput{
		"ext_k": {Declared: true, Presence: deployers.PresencePresent}, "raw_a": {Definition: "sources/src_a/tests/ddl.raw_a.sql"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var text, js strings.Builder
	if err := WriteText(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan-externals.txt", []byte(text.String()))
	golden(t, "plan-externals.json", []byte(js.String()))
}

func TestMisspeltReferenceIsWarned(t *testing.T) {
	g := raw(t)
	g.Table("int_o").External = []string{"src_0"}
	p, err := externalsPlan(t, g, Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	want := "external input src_0 (read by int_o) is defined nowhere in the project: did you mean src_a?"
	if !strings.Contains(strings.Join(p.Warnings, "\n"), want) {
		t.Errorf("warnings %q, want %q", p.Warnings, want)
	}
	for _, w := range p.Warnings {
		if strings.Contains(w, "raw_a") {
			t.Errorf("raw_a is far from every table name: %q", w)
		}
	}
}
