package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testfs.Golden(t, filepath.Join("testdata", name), got, *update)
}

func scenarioPlan(t *testing.T, g *dag.Graph, in Inputs) *Plan {
	t.Helper()
	in.Naming = testNaming
	in.SQL = sqlOf(g)
	in.Target = deployers.Info{Target: "local", Environment: "dev"}
	in.Now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	p, err := Build(context.Background(), g, in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRenderGolden(t *testing.T) {
	g := project(t, p2)
	st := running(g, "src_x", "x", "src_b", "b", "z", "y", "src_y")
	s := st["z"]
	s.DDL = "CREATE TABLE z (id INT)"
	st["z"] = s
	p := scenarioPlan(t, g, Inputs{Selected: []string{"z", "e", "f"}, Excluded: []string{"f"}, State: st})
	var text, hidden, js bytes.Buffer
	if err := WriteText(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&hidden, p, TextOptions{HideUnchanged: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.txt", text.Bytes())
	golden(t, "plan-changes.txt", hidden.Bytes())
	golden(t, "plan.json", js.Bytes())

	// The JSON holds exactly the documented keys.
	var doc map[string]any
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := keys(doc); !reflect.DeepEqual(got, []string{"environment", "externals", "steps", "summary", "target"}) {
		t.Errorf("top-level keys %v", got)
	}
	step := doc["steps"].([]any)[0].(map[string]any)
	if got := keys(step); !reflect.DeepEqual(got, []string{"action", "after", "product", "reason", "statements", "table", "type"}) {
		t.Errorf("step keys %v", got)
	}

	none := scenarioPlan(t, g, Inputs{Selected: []string{"x"}, State: running(g, all(p2)...)})
	text.Reset()
	if err := WriteText(&text, none, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan-nochange.txt", text.Bytes())
	if none.HasChanges() {
		t.Error("an unchanged plan has changes")
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSaveLoadVerify(t *testing.T) {
	g := project(t, p2)
	st := running(g, "src_x", "x")
	st["x"].DML.Properties = map[string]string{"sql.state-ttl": "1 d"}
	props := propertiesOf(map[string]map[string]string{"z": {"sql.state-ttl": "2 d"}})
	p := scenarioPlan(t, g, Inputs{Selected: []string{"z"}, State: st, Properties: props})
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := Save(path, p); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip differs:\n%+v\n%+v", back, p)
	}
	ctx := context.Background()
	if err := Verify(ctx, g, back, st, sqlOf(g), props); err != nil {
		t.Fatalf("fresh plan refused: %v", err)
	}
	var se *StaleError
	stale := func(what string, err error) {
		t.Helper()
		if !errors.As(err, &se) || se.What != what || !errors.Is(err, ErrStale) {
			t.Fatalf("err = %v, want stale %s", err, what)
		}
	}
	// The target moved: y now runs.
	stale("target state", Verify(ctx, g, back, running(g, "src_x", "x", "y"), sqlOf(g), props))
	// The running x reports another property value.
	moved := running(g, "src_x", "x")
	moved["x"].DML.Properties = map[string]string{"sql.state-ttl": "3 d"}
	stale("target state", Verify(ctx, g, back, moved, sqlOf(g), props))
	// The pipelines moved: z's DML changed.
	edited := func(tb *pipeline.Table) (string, string, error) {
		ddl, dml, err := sqlOf(g)(tb)
		if tb.Name == "z" {
			dml += " WHERE 1 = 1"
		}
		return ddl, dml, err
	}
	stale("pipelines", Verify(ctx, g, back, st, edited, props))
	// A secret's value is not in the fingerprint (even hashed): changing
	// it leaves the plan valid.
	withSecret := func(v string) PropertiesReader {
		return propertiesOf(map[string]map[string]string{"z": {"sql.state-ttl": "2 d", "sql.secrets.k": v}})
	}
	ps := scenarioPlan(t, g, Inputs{Selected: []string{"z"}, State: st, Properties: withSecret("first")})
	if err := Verify(ctx, g, ps, st, sqlOf(g), withSecret("rotated")); err != nil {
		t.Errorf("a rotated secret made the plan stale: %v", err)
	}
	// z's properties file was edited, or removed.
	stale("pipelines", Verify(ctx, g, back, st, sqlOf(g), propertiesOf(map[string]map[string]string{"z": {"sql.state-ttl": "3 d"}})))
	stale("pipelines", Verify(ctx, g, back, st, sqlOf(g), nil))
	// A table of the plan is gone from the project.
	small := project(t, p2[:4])
	if err := Verify(ctx, small, back, st, sqlOf(small), props); !errors.Is(err, ErrStale) {
		t.Fatalf("err = %v, want stale", err)
	}
}

// propertiesOf reads DML properties from a map by table.
func propertiesOf(byTable map[string]map[string]string) PropertiesReader {
	return func(tb *pipeline.Table, kind deployers.StatementKind) (map[string]string, error) {
		if kind != deployers.KindDML {
			return nil, nil
		}
		return byTable[tb.Name], nil
	}
}

func TestDecodeRejects(t *testing.T) {
	good := `{"version":1,"kind":"deploy","target":"local","environment":"dev","created_at":"2026-11-25T12:00:00Z","fingerprint":{"pipelines":"sha256:a","state":"sha256:b"},"steps":[{"table":"a","product":"","type":"source","action":"create","reason":"r","statements":[],"after":[]},{"table":"b","product":"","type":"source","action":"start","reason":"r","statements":[],"after":["a"]}],"summary":{}}`
	if p, err := Decode([]byte(good)); err != nil || p.Summary.Create != 1 || p.Summary.Start != 1 {
		t.Fatalf("good plan: %v %+v", err, p)
	}
	cases := map[string]string{
		"not json":           `{`,
		"unknown field":      strings.Replace(good, `"kind"`, `"kinds":"x","kind"`, 1),
		"version":            strings.Replace(good, `"version":1`, `"version":9`, 1),
		"kind":               strings.Replace(good, `"kind":"deploy"`, `"kind":"party"`, 1),
		"no fingerprint":     strings.Replace(good, `"sha256:a"`, `""`, 1),
		"unknown action":     strings.Replace(good, `"action":"create"`, `"action":"explode"`, 1),
		"waits for later":    strings.Replace(good, `"after":[]}`, `"after":["b"]}`, 1),
		"duplicate table":    strings.Replace(good, `"table":"b"`, `"table":"a"`, 1),
		"waits for inactive": strings.Replace(good, `"action":"create"`, `"action":"none"`, 1),
		"empty table":        strings.Replace(good, `"table":"a"`, `"table":""`, 1),
	}
	for name, doc := range cases {
		if _, err := Decode([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	entries, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, e := range entries {
		data, err := os.ReadFile(e)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"version":1,"kind":"deploy","fingerprint":{"pipelines":"x","state":"y"},"steps":[{"table":"a","action":"create","after":["a"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		// A decoded plan never waits for itself or a later step.
		pos := map[string]int{}
		for i, s := range p.Steps {
			pos[s.Table] = i
		}
		for i, s := range p.Steps {
			for _, a := range s.After {
				if pos[a] >= i {
					t.Fatalf("step %s waits for %s at %d", s.Table, a, pos[a])
				}
			}
		}
	})
}

// TestWriteColumnsMatchesTabwriter: the hand-made layout of the plan text
// must stay what text/tabwriter (padding 2) gave for the steps; a note
// row (a warning) is not a column row: it goes under its step, indented
// two past the table column, and does not widen the columns.
func TestWriteColumnsMatchesTabwriter(t *testing.T) {
	rows := [][5]string{
		{"  +", "src_orders", "sales", "dev-usw2-sales-ddl-src-orders,dev-usw2-sales-dml-src-orders", "table does not exist"},
		{"  ", "", "", "", "warning: --dml-only ignored"},
		{"  -/+", "int_é_ünïcode", "-", "-", "ddl differs"},
		{"  ~", "t", "a-much-longer-product-name", "x", ""},
	}
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		if r[1] != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r[0], r[1], r[2], r[3], r[4])
		}
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(table.String(), "\n")
	indent := strings.Repeat(" ", len("  -/+")+2+2)
	want := lines[0] + indent + "warning: --dml-only ignored\n" + strings.Join(lines[1:], "")
	var got strings.Builder
	writeColumns(&got, rows)
	if got.String() != want {
		t.Errorf("writeColumns:\n%s\ntabwriter:\n%s", got.String(), want)
	}
}
