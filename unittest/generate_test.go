package unittest

import (
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

const (
	genOrdersDDL = "CREATE TABLE IF NOT EXISTS src_orders (\n" +
		"  order_id STRING NOT NULL,\n  customer_id STRING,\n  qty INT,\n  amount DECIMAL(10, 2),\n" +
		"  rate DOUBLE,\n  paid BOOLEAN,\n  order_day DATE,\n  ts TIMESTAMP(3),\n  code CHAR(3),\n" +
		"  tags ARRAY<STRING>,\n  PRIMARY KEY (order_id) NOT ENFORCED\n) DISTRIBUTED INTO 1 BUCKETS WITH ('changelog.mode' = 'upsert');\n"
	genCustomersDDL = "CREATE TABLE src_customers (customer_id STRING NOT NULL, name STRING, PRIMARY KEY (customer_id) NOT ENFORCED);"
	genFctDDL       = "CREATE TABLE fct_orders (order_id STRING, name STRING, amount DECIMAL(12, 2));"
)

func genRequest(cases int, csv bool) GenRequest {
	return GenRequest{
		Table: "fct_orders", OutputDDL: genFctDDL, Cases: cases, CSV: csv,
		Inputs: []GenInput{
			{Table: "src_orders", DDL: genOrdersDDL, DDLPath: "sources/src_orders/sql-scripts/ddl.src_orders.sql"},
			{Table: "src_customers", DDL: genCustomersDDL, DDLPath: "sources/src_customers/sql-scripts/ddl.src_customers.sql"},
		},
	}
}

func TestGenerateFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cases int
		csv   bool
		want  []string
	}{
		{"one sql case", 1, false, []string{
			"tests/test_definitions.yaml", "tests/ddl_src_orders.sql", "tests/ddl_src_customers.sql",
			"tests/insert_src_orders_1.sql", "tests/insert_src_customers_1.sql", "tests/validate_fct_orders_1.sql"}},
		{"csv every second case", 3, true, []string{
			"tests/test_definitions.yaml", "tests/ddl_src_orders.sql", "tests/ddl_src_customers.sql",
			"tests/insert_src_orders_1.sql", "tests/insert_src_customers_1.sql", "tests/validate_fct_orders_1.sql",
			"tests/insert_src_orders_2.csv", "tests/insert_src_customers_2.csv", "tests/validate_fct_orders_2.sql",
			"tests/insert_src_orders_3.sql", "tests/insert_src_customers_3.sql", "tests/validate_fct_orders_3.sql"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Generate(genRequest(tc.cases, tc.csv))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				got = append(got, f.Name)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("files\n got %v\nwant %v", got, tc.want)
			}
			// The definition file reads back as the suite the files make.
			s, warns, err := Parse("test_definitions.yaml", []byte(files[0].Content))
			if err != nil || len(warns) > 0 {
				t.Fatalf("parse: %v %v\n%s", err, warns, files[0].Content)
			}
			if len(s.Cases) != tc.cases || len(s.Foundations) != 2 || s.Foundations[0].DDLFile != "./tests/ddl_src_orders.sql" {
				t.Fatalf("suite %+v", s)
			}
			byName := map[string]string{}
			for _, f := range files {
				byName[f.Name] = f.Content
			}
			for _, c := range s.Cases {
				for _, in := range c.Inputs {
					content, ok := byName[strings.TrimPrefix(in.File, "./")]
					if !ok {
						t.Fatalf("%s: input %s not generated", c.Name, in.File)
					}
					ddl := byName["tests/ddl_"+in.Table+".sql"]
					cols, err := Columns(ddl)
					if err != nil {
						t.Fatal(err)
					}
					if in.Type == CSV {
						// The CSV reads back through the runner's reader.
						if _, err := CSVInsert(in.File, content, in.Table+Suffix, cols); err != nil {
							t.Errorf("%s: %v\n%s", in.File, err, content)
						}
						continue
					}
					a, err := flinksql.Analyze([]byte(content))
					if err != nil {
						t.Fatalf("%s: %v", in.File, err)
					}
					if len(a.Writes) != 1 || a.Writes[0].Table() != in.Table+Suffix {
						t.Errorf("%s writes %v, want %s", in.File, a.Writes, in.Table+Suffix)
					}
				}
				if c.Outputs[0].Table != "fct_orders" || !strings.Contains(byName[strings.TrimPrefix(c.Outputs[0].File, "./")], "'FAIL' AS test_result") {
					t.Errorf("%s: output %+v is not a FAIL placeholder", c.Name, c.Outputs[0])
				}
			}
		})
	}
}

func TestGenerateContent(t *testing.T) {
	files, err := Generate(genRequest(2, true))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, f := range files {
		byName[f.Name] = f.Content
	}
	for _, tc := range []struct{ file, want string }{
		// the foundation is the parent's DDL, renamed, options kept
		{"tests/ddl_src_orders.sql", "CREATE TABLE IF NOT EXISTS src_orders_ut ("},
		{"tests/ddl_src_orders.sql", "DISTRIBUTED INTO 1 BUCKETS WITH ('changelog.mode' = 'upsert');"},
		{"tests/ddl_src_orders.sql", "-- Test copy of src_orders (from sources/src_orders/sql-scripts/ddl.src_orders.sql):\n-- the same columns, named src_orders_ut"},
		// typed rows: keys shared by the inputs, a NULL row for nullable columns
		{"tests/insert_src_orders_1.sql", "INSERT INTO src_orders_ut\n  (`order_id`, `customer_id`, `qty`, `amount`, `rate`, `paid`, `order_day`, `ts`, `code`, `tags`)\nVALUES\n"},
		{"tests/insert_src_orders_1.sql", "('order_id_1', 'customer_id_1', CAST(1 AS INT), CAST(1.50 AS DECIMAL(10, 2)), CAST(1.5 AS DOUBLE), FALSE, DATE '2026-01-01', TIMESTAMP '2026-01-01 10:01:00', 'e_1', CAST(NULL AS ARRAY<STRING>))"},
		{"tests/insert_src_orders_1.sql", "('order_id_3', CAST(NULL AS STRING), CAST(NULL AS INT), CAST(NULL AS DECIMAL(10, 2))"},
		{"tests/insert_src_customers_1.sql", "('customer_id_1', 'name_1')"},
		{"tests/insert_src_customers_1.sql", "('customer_id_3', CAST(NULL AS STRING))"},
		// the second case's rows go on numbering, in CSV
		{"tests/insert_src_orders_2.csv", "order_id,customer_id,qty,amount,rate,paid,order_day,ts,code,tags\n'order_id_4','customer_id_4',4,4.50,4.5,true,2026-01-04,2026-01-04 10:04:00,'e_4',NULL\n"},
		{"tests/insert_src_orders_2.csv", "'order_id_6',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL\n"},
		// the skeleton lists the output's columns and fails with a hint
		{"tests/validate_fct_orders_1.sql", "--   amount DECIMAL(12, 2)\n"},
		{"tests/validate_fct_orders_1.sql", "--   FROM fct_orders_ut;"},
		{"tests/validate_fct_orders_2.sql", "'placeholder: write the checks of test_fct_orders_2 in tests/validate_fct_orders_2.sql' AS hint;"},
		{"tests/test_definitions.yaml", "      - table_name: src_customers\n        file_name: ./tests/insert_src_customers_2.csv\n        file_type: csv\n"},
	} {
		if !strings.Contains(byName[tc.file], tc.want) {
			t.Errorf("%s lacks %q:\n%s", tc.file, tc.want, byName[tc.file])
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*GenRequest)
		want string
	}{
		{"no cases", func(r *GenRequest) { r.Cases = 0 }, "0 test cases"},
		{"no inputs", func(r *GenRequest) { r.Inputs = nil }, "reads no table"},
		{"input DDL without columns", func(r *GenRequest) { r.Inputs[1].DDL = "CREATE VIEW v AS SELECT 1" },
			"DDL of input src_customers (sources/src_customers/sql-scripts/ddl.src_customers.sql): no CREATE TABLE"},
		{"output DDL missing", func(r *GenRequest) { r.OutputDDL = "" }, "DDL of fct_orders"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := genRequest(1, false)
			tc.edit(&r)
			_, err := Generate(r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}
