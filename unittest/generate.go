package unittest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
	"go.yaml.in/yaml/v3"
)

// SampleRows is how many rows each generated input file holds, as in
// shift_left.
const SampleRows = 3

// GenInput is an input table of the table under test and its DDL (the
// parent's CREATE TABLE, named as in the pipelines).
type GenInput struct {
	Table string
	// DDL is the parent's CREATE TABLE statement; DDLPath names it in the
	// test DDL's header comment and in errors.
	DDL     string
	DDLPath string
}

// GenRequest asks for a new suite for Table.
type GenRequest struct {
	Table string
	// OutputDDL is the DDL of the table under test: the validation
	// skeletons list its columns.
	OutputDDL string
	Inputs    []GenInput
	// Cases is the number of test cases (at least 1).
	Cases int
	// CSV makes the inputs of every second case CSV files, as shift_left's
	// --create-csv does.
	CSV bool
}

// GenFile is a file of a generated suite; Name is relative to the table
// folder (tests/…).
type GenFile struct {
	Name    string
	Content string
}

// Generate writes a new suite in shift_left's layout: test_definitions.yaml,
// one foundation DDL per input (the parent's DDL with the table renamed to
// its _ut copy), per case one input file per input table with SampleRows
// typed rows (INSERT … VALUES, or CSV), and one validation skeleton that
// returns FAIL with a hint until someone writes the case's checks. String
// values are '<column>_<n>' and integers n, so key columns of different
// inputs match row for row and joins in the DML under test find partners.
// It touches no file: the caller checks and writes. Cost: one analysis per
// DDL, O(cases × inputs × columns) text.
func Generate(req GenRequest) ([]GenFile, error) {
	if req.Table == "" {
		return nil, fmt.Errorf("no table under test")
	}
	if req.Cases < 1 {
		return nil, fmt.Errorf("%d test cases: give at least 1", req.Cases)
	}
	if len(req.Inputs) == 0 {
		return nil, fmt.Errorf("table %s reads no table: a unit test feeds the inputs of its DML, and it has none", req.Table)
	}
	outCols, err := Columns(req.OutputDDL)
	if err != nil {
		return nil, fmt.Errorf("DDL of %s: %w", req.Table, err)
	}
	type input struct {
		GenInput
		cols []flinksql.Column
		pk   map[string]bool
	}
	ins := make([]input, len(req.Inputs))
	var files []GenFile
	def := genDefinition{}
	for i, in := range req.Inputs {
		a, err := flinksql.Analyze([]byte(in.DDL))
		if err != nil {
			return nil, fmt.Errorf("DDL of input %s (%s): %w", in.Table, in.DDLPath, err)
		}
		if len(a.Tables) == 0 {
			return nil, fmt.Errorf("DDL of input %s (%s): no CREATE TABLE with a column list", in.Table, in.DDLPath)
		}
		td := a.Tables[0]
		pk := map[string]bool{}
		for _, k := range td.PrimaryKey {
			pk[strings.ToLower(k)] = true
		}
		var cols []flinksql.Column
		for _, c := range td.Columns {
			if !c.Computed {
				cols = append(cols, c)
			}
		}
		ins[i] = input{GenInput: in, cols: cols, pk: pk}
		renamed, err := flinksql.RenameTables(in.DDL, map[string]string{strings.ToLower(in.Table): in.Table + Suffix})
		if err != nil {
			return nil, fmt.Errorf("DDL of input %s (%s): %w", in.Table, in.DDLPath, err)
		}
		name := TestsDir + "/ddl_" + in.Table + ".sql"
		files = append(files, GenFile{Name: name, Content: fmt.Sprintf(
			"-- Test copy of %s (from %s):\n-- the same columns, named %s%s so that a test never reads or writes the real table.\n%s",
			in.Table, in.DDLPath, in.Table, Suffix, ensureNewline(renamed))})
		def.Foundations = append(def.Foundations, genFoundation{Table: in.Table, DDL: "./" + name})
	}
	for n := 1; n <= req.Cases; n++ {
		c := genCase{Name: fmt.Sprintf("test_%s_%d", req.Table, n)}
		csv := req.CSV && n%2 == 0
		first := (n-1)*SampleRows + 1
		for _, in := range ins {
			ext, body := "sql", sampleInsert(in.Table+Suffix, in.cols, in.pk, first)
			if csv {
				ext, body = "csv", sampleCSV(in.cols, in.pk, first)
			}
			name := fmt.Sprintf("%s/insert_%s_%d.%s", TestsDir, in.Table, n, ext)
			files = append(files, GenFile{Name: name, Content: body})
			c.Inputs = append(c.Inputs, genData{Table: in.Table, File: "./" + name, Type: ext})
		}
		vname := fmt.Sprintf("%s/validate_%s_%d.sql", TestsDir, req.Table, n)
		files = append(files, GenFile{Name: vname, Content: validationSkeleton(req.Table, c.Name, vname, outCols)})
		c.Outputs = append(c.Outputs, genData{Table: req.Table, File: "./" + vname, Type: "sql"})
		def.Cases = append(def.Cases, c)
	}
	y, err := marshalDefinition(def)
	if err != nil {
		return nil, err
	}
	return append([]GenFile{{Name: TestsDir + "/" + DefinitionFile, Content: y}}, files...), nil
}

// The definition file as shift_left writes it (its key order).
type genDefinition struct {
	Foundations []genFoundation `yaml:"foundations"`
	Cases       []genCase       `yaml:"test_suite"`
}

type genFoundation struct {
	Table string `yaml:"table_name"`
	DDL   string `yaml:"ddl_for_test"`
}

type genCase struct {
	Name    string    `yaml:"name"`
	Inputs  []genData `yaml:"inputs"`
	Outputs []genData `yaml:"outputs"`
}

type genData struct {
	Table string `yaml:"table_name"`
	File  string `yaml:"file_name"`
	Type  string `yaml:"file_type"`
}

func marshalDefinition(d genDefinition) (string, error) {
	var sb strings.Builder
	enc := yaml.NewEncoder(&sb)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return "", fmt.Errorf("encode %s: %w", DefinitionFile, err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("encode %s: %w", DefinitionFile, err)
	}
	return sb.String(), nil
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// sampleInsert is an INSERT … VALUES of SampleRows rows numbered from
// first, every value a literal of its column's type.
func sampleInsert(table string, cols []flinksql.Column, pk map[string]bool, first int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = "`" + strings.ReplaceAll(c.Name, "`", "``") + "`"
	}
	rows := make([]string, SampleRows)
	for r := range rows {
		vals := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = sampleValue(c, first+r, nullRow(r) && nullable(c, pk)).sql
		}
		rows[r] = "  (" + strings.Join(vals, ", ") + ")"
	}
	return fmt.Sprintf("INSERT INTO %s\n  (%s)\nVALUES\n%s;\n", table, strings.Join(names, ", "), strings.Join(rows, ",\n"))
}

// sampleCSV is the same rows as a CSV file that CSVInsert reads back: a
// header of column names, strings 'quoted' as shift_left writes them,
// NULL for a null.
func sampleCSV(cols []flinksql.Column, pk map[string]bool, first int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	lines := []string{strings.Join(names, ",")}
	for r := 0; r < SampleRows; r++ {
		vals := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = sampleValue(c, first+r, nullRow(r) && nullable(c, pk)).csv
		}
		lines = append(lines, strings.Join(vals, ","))
	}
	return strings.Join(lines, "\n") + "\n"
}

// nullRow: the last sample row leaves its nullable columns NULL, so the
// DML under test meets a null from the start.
func nullRow(r int) bool { return r == SampleRows-1 }

// nullable reports whether a column may hold NULL: neither NOT NULL nor
// part of the primary key.
func nullable(c flinksql.Column, pk map[string]bool) bool {
	return !c.NotNull && !pk[strings.ToLower(c.Name)]
}

type sample struct{ sql, csv string }

// sampleValue is row n's value of a column, as a SQL literal and as a CSV
// field. Types without a literal form here (ARRAY, MAP, ROW, MULTISET…) get
// a typed NULL even in NOT NULL columns: the user fills them in.
func sampleValue(c flinksql.Column, n int, null bool) sample {
	typ := c.Type
	if null {
		return sample{"CAST(NULL AS " + typ + ")", "NULL"}
	}
	base := strings.ToUpper(typ)
	if i := strings.IndexAny(base, "( "); i >= 0 {
		base = base[:i]
	}
	num := strconv.Itoa(n)
	switch base {
	case "STRING", "VARCHAR", "CHAR":
		v := c.Name + "_" + num
		if l := typeLength(typ); l > 0 && len(v) > l {
			v = v[len(v)-l:]
		}
		return sample{quote(v), quote(v)}
	case "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT":
		return sample{"CAST(" + num + " AS " + typ + ")", num}
	case "DECIMAL", "DEC", "NUMERIC":
		v := num + ".50"
		if p, s := decimalShape(typ); p-s < len(num) {
			v = "0"
		} else if s == 0 {
			v = num
		}
		return sample{"CAST(" + v + " AS " + typ + ")", v}
	case "FLOAT", "DOUBLE", "REAL":
		v := num + ".5"
		return sample{"CAST(" + v + " AS " + typ + ")", v}
	case "BOOLEAN":
		v := strconv.FormatBool(n%2 == 0)
		return sample{strings.ToUpper(v), v}
	case "DATE":
		v := fmt.Sprintf("2026-01-%02d", (n-1)%28+1)
		return sample{"DATE " + quote(v), v}
	case "TIME":
		v := fmt.Sprintf("10:%02d:00", n%60)
		return sample{"TIME " + quote(v), v}
	case "TIMESTAMP", "TIMESTAMP_LTZ":
		v := fmt.Sprintf("2026-01-%02d 10:%02d:00", (n-1)%28+1, n%60)
		if base == "TIMESTAMP_LTZ" || strings.Contains(base+typ, "LOCAL TIME ZONE") {
			return sample{"CAST(TIMESTAMP " + quote(v) + " AS " + typ + ")", v}
		}
		return sample{"TIMESTAMP " + quote(v), v}
	case "BYTES", "BINARY", "VARBINARY":
		v := fmt.Sprintf("%02x", n%256)
		return sample{"X'" + v + "'", "X'" + v + "'"}
	}
	return sample{"CAST(NULL AS " + typ + ")", "NULL"}
}

// typeLength is n of CHAR(n) or VARCHAR(n), 0 otherwise.
func typeLength(typ string) int {
	i, j := strings.IndexByte(typ, '('), strings.IndexByte(typ, ')')
	if i < 0 || j < i {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(typ[i+1 : j]))
	return n
}

// decimalShape is DECIMAL(p, s)'s precision and scale (Flink's default
// DECIMAL is (10, 0)).
func decimalShape(typ string) (p, s int) {
	p, s = 10, 0
	i, j := strings.IndexByte(typ, '('), strings.IndexByte(typ, ')')
	if i < 0 || j < i {
		return p, s
	}
	parts := strings.Split(typ[i+1:j], ",")
	if v, err := strconv.Atoi(strings.TrimSpace(parts[0])); err == nil {
		p = v
	}
	if len(parts) > 1 {
		if v, err := strconv.Atoi(strings.TrimSpace(parts[1])); err == nil {
			s = v
		}
	}
	return p, s
}

// validationSkeleton is a validation query that reports FAIL with a hint
// until it is written; its comments show the shape of a real one.
func validationSkeleton(table, caseName, file string, cols []flinksql.Column) string {
	var sb strings.Builder
	out := table + Suffix
	fmt.Fprintf(&sb, "-- Validation of %s: a query that returns one row whose test_result is\n", caseName)
	fmt.Fprintf(&sb, "-- 'PASS' when %s holds exactly the rows this case expects, else 'FAIL'.\n", out)
	sb.WriteString("-- TODO: replace the placeholder query at the end with the case's checks, for example:\n")
	sb.WriteString("--\n")
	sb.WriteString("--   SELECT CASE WHEN COUNT(*) = 3\n")
	sb.WriteString("--                AND SUM(CASE WHEN ")
	var conds []string
	for i, c := range cols {
		if i == 2 {
			break
		}
		conds = append(conds, c.Name+" = "+sampleValue(c, 1, false).sql)
	}
	if len(conds) == 0 {
		conds = []string{"TRUE"}
	}
	sb.WriteString(strings.Join(conds, " AND "))
	sb.WriteString(" THEN 1 ELSE 0 END) = 1\n")
	sb.WriteString("--               THEN 'PASS' ELSE 'FAIL' END AS test_result\n")
	fmt.Fprintf(&sb, "--   FROM %s;\n", out)
	sb.WriteString("--\n")
	fmt.Fprintf(&sb, "-- Columns of %s:\n", out)
	for _, c := range cols {
		fmt.Fprintf(&sb, "--   %s %s\n", c.Name, c.Type)
	}
	// The placeholder reads no table, so it answers at once, whatever the
	// DML under test wrote.
	fmt.Fprintf(&sb, "SELECT\n  'FAIL' AS test_result,\n  %s AS hint;\n",
		quote("placeholder: write the checks of "+caseName+" in "+file))
	return sb.String()
}
