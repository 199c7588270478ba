package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// The fuzz corpora (seed files, committed crashers in testdata/fuzz, and,
// when SHIFTLEFT_FUZZ_CACHE names the Go fuzz cache folder of this module
// — $(go env GOCACHE)/fuzz/github.com/shiftleft-dev/shiftleft — every
// input the local fuzzing runs found interesting) go through the real
// commands that read them. The top-level recover (exit 70) must never
// trigger: bad input is an error, not a crash.

// corpus reads the inputs of fuzz targets of one package: its committed
// testdata/fuzz/<target> files and, with SHIFTLEFT_FUZZ_CACHE, the cached
// ones.
func corpus(t *testing.T, pkg string, targets ...string) [][]byte {
	t.Helper()
	var dirs []string
	for _, tg := range targets {
		dirs = append(dirs, filepath.Join(repoRoot(t), pkg, "testdata", "fuzz", tg))
		if c := os.Getenv("SHIFTLEFT_FUZZ_CACHE"); c != "" {
			dirs = append(dirs, filepath.Join(c, pkg, tg))
		}
	}
	var out [][]byte
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			v, err := decodeCorpusFile(b)
			if err != nil {
				t.Fatalf("%s: %v", filepath.Join(dir, e.Name()), err)
			}
			out = append(out, v)
		}
	}
	return out
}

// decodeCorpusFile reads the single value of a "go test fuzz v1" file.
func decodeCorpusFile(b []byte) ([]byte, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	if !sc.Scan() || sc.Text() != "go test fuzz v1" {
		return nil, fmt.Errorf("not a go test fuzz v1 file")
	}
	if !sc.Scan() {
		return nil, fmt.Errorf("no value")
	}
	line := sc.Text()
	for _, p := range []string{"[]byte(", "string("} {
		if strings.HasPrefix(line, p) && strings.HasSuffix(line, ")") {
			s, err := strconv.Unquote(line[len(p) : len(line)-1])
			return []byte(s), err
		}
	}
	return nil, fmt.Errorf("unsupported value %.40q", line)
}

// readSeeds returns the contents of files matching glob under the repo.
func readSeeds(t *testing.T, glob string) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), glob))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func writeFiles(t *testing.T, root string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

type corpusRunner struct {
	t       *testing.T
	runs    int
	section string
	exit    map[string]int // "section exit N" → runs
}

func (r *corpusRunner) run(dir string, input []byte, args ...string) {
	r.t.Helper()
	code, _, errs := runCLI(r.t, dir, map[string]string{"HOME": dir}, args...)
	r.runs++
	r.exit[fmt.Sprintf("%s exit %d", r.section, code)]++
	if code == ExitPanic {
		r.t.Errorf("%v panicked (exit 70) on input %q:\n%s", args, input, errs)
	}
}

func TestFuzzCorporaNeverPanicTheCLI(t *testing.T) {
	r := &corpusRunner{t: t, exit: map[string]int{}}
	base := "INSERT INTO fact_t SELECT * FROM src_t;\n"
	baseDDL := "CREATE TABLE IF NOT EXISTS src_t (id INT);\n"

	// SQL: every extractor case, the benchmark DML and the fuzz corpora, as
	// a DDL and as a DML of a small project; scan, graph, metadata,
	// inventory, plan and a deploy to the local target.
	var sqls [][]byte
	for _, file := range must(filepath.Glob(filepath.Join(repoRoot(t), "pipeline/flinksql/testdata/extract/*.txtar"))) {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if f.Name == "input.sql" {
				sqls = append(sqls, f.Data)
			}
		}
	}
	sqls = append(sqls, readSeeds(t, "pipeline/flinksql/testdata/bench_dml.sql")...)
	sqls = append(sqls, []byte("SELECT `a``"), []byte("E'\\'"))
	sqls = append(sqls, corpus(t, "pipeline/flinksql", "FuzzAnalyze", "FuzzLex", "FuzzNormalize")...)
	r.section = "sql"
	for i, sql := range sqls {
		dir := t.TempDir()
		files := map[string][]byte{
			"sources/src_t/sql-scripts/ddl.src_t.sql":   []byte(baseDDL),
			"facts/p/fact_t/sql-scripts/dml.fact_t.sql": sql,
			"facts/p/fact_t/sql-scripts/ddl.fact_t.sql": []byte("CREATE TABLE IF NOT EXISTS fact_t (id INT);\n"),
		}
		if i%2 == 1 {
			// Every other input as a DDL instead.
			files["sources/src_t/sql-scripts/ddl.src_t.sql"] = sql
			files["facts/p/fact_t/sql-scripts/dml.fact_t.sql"] = []byte(base)
		}
		writeFiles(t, filepath.Join(dir, "pipelines"), files)
		for _, args := range [][]string{
			{"pipeline", "graph", "--format", "json"},
			{"pipeline", "build-all-metadata"},
			{"table", "build-inventory"},
			{"pipeline", "build-execution-plan", "--select", "fact_t+"},
			{"pipeline", "deploy", "--select", "+fact_t"},
		} {
			r.run(dir, sql, args...)
		}
	}

	// Project to run the other readers against.
	proj := func(t *testing.T) string {
		dir := t.TempDir()
		writeFiles(t, filepath.Join(dir, "pipelines"), map[string][]byte{
			"sources/src_t/sql-scripts/ddl.src_t.sql":   []byte(baseDDL),
			"facts/p/fact_t/sql-scripts/dml.fact_t.sql": []byte(base),
			"facts/p/fact_t/sql-scripts/ddl.fact_t.sql": []byte("CREATE TABLE IF NOT EXISTS fact_t (id INT);\n"),
		})
		return dir
	}

	// Selection grammar: every seed and corpus entry as --select, with
	// --exclude and to the commands that take a selection.
	sels := [][]byte{}
	for _, s := range []string{"a", "+a+", "3+a+4", "@a", "product:x,type:fact b", "path:facts/*", "state:modified.ddl+", "a,,b", "@a+", "0+a", "x:y", "a\tb", "name:a/b", "name:x:y+", "fact_t", "+fact_t", "product:p"} {
		sels = append(sels, []byte(s))
	}
	sels = append(sels, corpus(t, "selector", "FuzzParse", "FuzzParseTableList")...)
	r.section = "select"
	dir := proj(t)
	for _, sel := range sels {
		for _, args := range [][]string{
			{"pipeline", "impact", "--select", string(sel)},
			{"pipeline", "build-execution-plan", "--select", string(sel)},
			{"pipeline", "build-execution-plan", "--select", "fact_t+", "--exclude", string(sel)},
			{"pipeline", "deploy", "--dry-run", "--select", string(sel)},
			{"pipeline", "graph", "--select", string(sel)},
		} {
			r.run(dir, sel, args...)
		}
	}

	// config.yaml: the config fixtures and corpus, as --config of the
	// commands that read it, for each target.
	configs := readSeeds(t, "config/testdata/*.yaml")
	configs = append(configs, []byte("flink: {max_cfu: -1}\n"), []byte("&a [*a]"))
	configs = append(configs, corpus(t, "config", "FuzzParse")...)
	r.section = "config"
	for i, cfg := range configs {
		dir := proj(t)
		writeFiles(t, dir, map[string][]byte{"config.yaml": cfg})
		for _, args := range [][]string{
			{"project", "validate-config", "--show", "--config", "config.yaml"},
			{"project", "validate-config", "--target", "flink", "--config", "config.yaml"},
			{"pipeline", "deploy", "--dry-run", "--select", "fact_t", "--config", "config.yaml"},
			{"pipeline", "deploy", "--target", "confluent", "--dry-run", "--select", "fact_t", "--config", "config.yaml"},
			{"pipeline", "deploy", "--target", "flink", "--dry-run", "--select", "fact_t", "--config", "config.yaml"},
		} {
			if i > 20 && args[1] == "deploy" && args[3] != "--dry-run" {
				continue
			}
			r.run(dir, cfg, args...)
		}
	}

	// .properties next to the SQL, read before a deploy.
	props := [][]byte{}
	for _, s := range []string{"a=1\nb: 2\nc 3\n", "k=a,\\\n  b\n", `k=\u00e9\t` + "\n", "# c\n! c\n", "\\", "k=\\u", "=\n", "a\\=b=c"} {
		props = append(props, []byte(s))
	}
	props = append(props, corpus(t, "config", "FuzzParseProperties")...)
	r.section = "properties"
	for _, p := range props {
		dir := proj(t)
		writeFiles(t, filepath.Join(dir, "pipelines"), map[string][]byte{"facts/p/fact_t/sql-scripts/dml.fact_t.properties": p})
		r.run(dir, p, "pipeline", "deploy", "--select", "fact_t")
	}

	// JSON the scanner and the deploy read: seeds/external_tables.json
	// (scan) with the external-table, inventory and definition corpora; the
	// CLI itself never reads inventory.json or pipeline_definition.json
	// back (it only writes them), so those inputs also sit in the tree as
	// such files while the commands run.
	jsons := [][]byte{
		[]byte(`{"tables":[{"table_name":"raw","kafka_topic":"raw.v1","product_name":"common"}]}`),
		[]byte(`{"tables":[{"table_name":"bad name"}]}`), []byte(`{"tables":{}}`), []byte(`[`), []byte("\x00"), []byte(`{}`),
	}
	jsons = append(jsons, corpus(t, "pipeline", "FuzzParseExternalTables", "FuzzParseInventory", "FuzzParseDefinition")...)
	r.section = "json"
	for _, j := range jsons {
		dir := proj(t)
		writeFiles(t, filepath.Join(dir, "pipelines"), map[string][]byte{
			"seeds/external_tables.json":              j,
			"inventory.json":                          j,
			"facts/p/fact_t/pipeline_definition.json": j,
		})
		r.run(dir, j, "pipeline", "graph")
		r.run(dir, j, "pipeline", "build-execution-plan", "--select", "fact_t")
	}

	// Plan files: the plan package's fixtures and corpus, and a real plan
	// cut short at every 97th byte, through deploy --plan.
	r.section = "plan"
	dir = proj(t)
	r.run(dir, nil, "pipeline", "build-execution-plan", "--select", "+fact_t", "--out", "pipelines/real.plan.json")
	real, err := os.ReadFile(filepath.Join(dir, "pipelines", "real.plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	plans := append(readSeeds(t, "plan/testdata/*.json"), real,
		[]byte(`{"version":1,"kind":"deploy","fingerprint":{"pipelines":"x","state":"y"},"steps":[{"table":"a","action":"create","after":["a"]}]}`))
	for i := 1; i < len(real); i += 97 {
		plans = append(plans, real[:i])
	}
	plans = append(plans, corpus(t, "plan", "FuzzDecode")...)
	for i, p := range plans {
		name := fmt.Sprintf("pipelines/p%d.plan.json", i)
		writeFiles(t, dir, map[string][]byte{name: p})
		r.run(dir, p, "pipeline", "deploy", "--plan", name)
		r.run(dir, p, "pipeline", "deploy", "--target", "confluent", "--plan", name)
	}

	var codes []string
	for c, n := range r.exit {
		codes = append(codes, fmt.Sprintf("%s: %d", c, n))
	}
	sort.Strings(codes)
	t.Logf("%d command runs over %d SQL, %d selector, %d config, %d properties, %d JSON and %d plan inputs (%s)",
		r.runs, len(sqls), len(sels), len(configs), len(props), len(jsons), len(plans), strings.Join(codes, ", "))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
