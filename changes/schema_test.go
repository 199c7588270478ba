package changes

import (
	"reflect"
	"strings"
	"testing"
)

const baseDDL = `-- orders
CREATE TABLE IF NOT EXISTS orders (
  id STRING NOT NULL,
  amount DECIMAL(10, 2),
  ts TIMESTAMP_LTZ(3),
  PRIMARY KEY(id) NOT ENFORCED
) DISTRIBUTED BY HASH(id) INTO 4 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '7 d',
  'scan.startup.mode' = 'earliest-offset'
);
`

// edit applies string replacements to baseDDL.
func edit(pairs ...string) string {
	return strings.NewReplacer(pairs...).Replace(baseDDL)
}

func TestClassifySchema(t *testing.T) {
	tests := []struct {
		name     string
		newDDL   string
		category string
		reasons  []string
	}{
		{"identical", baseDDL, Compatible, []string{}},
		{"formatting and comments", edit("-- orders", "-- the orders table", "  amount DECIMAL(10, 2),", "  amount   decimal(10,2),"), Compatible, []string{}},
		{"nullable column at the end", edit("  ts TIMESTAMP_LTZ(3),", "  ts TIMESTAMP_LTZ(3),\n  note STRING,"), Compatible,
			[]string{"column note STRING added at the end"}},
		{"two nullable columns at the end", edit("  ts TIMESTAMP_LTZ(3),", "  ts TIMESTAMP_LTZ(3),\n  note STRING,\n  qty INT,"), Compatible,
			[]string{"column note STRING added at the end", "column qty INT added at the end"}},
		{"NOT NULL column at the end", edit("  ts TIMESTAMP_LTZ(3),", "  ts TIMESTAMP_LTZ(3),\n  note STRING NOT NULL,"), Breaking,
			[]string{"column note STRING added as NOT NULL"}},
		{"column in the middle", edit("  amount DECIMAL(10, 2),", "  note STRING,\n  amount DECIMAL(10, 2),"), Breaking,
			[]string{"column note STRING added before existing column ts"}},
		{"column removed", edit("  amount DECIMAL(10, 2),\n", ""), Breaking, []string{"column amount removed"}},
		{"column renamed", edit("  amount DECIMAL(10, 2),", "  total DECIMAL(10, 2),"), Breaking,
			[]string{"column amount renamed to total"}},
		{"column replaced by another type", edit("  amount DECIMAL(10, 2),", "  total BIGINT,"), Breaking,
			[]string{"column amount removed", "column total BIGINT added before existing column ts"}},
		{"column retyped", edit("DECIMAL(10, 2)", "DECIMAL(12, 2)"), Breaking, []string{"type of amount changed DECIMAL(10, 2) → DECIMAL(12, 2)"}},
		{"became NOT NULL", edit("DECIMAL(10, 2)", "DECIMAL(10, 2) NOT NULL"), Breaking, []string{"column amount became NOT NULL"}},
		{"became nullable", edit("id STRING NOT NULL", "id STRING"), Breaking, []string{"column id became nullable"}},
		{"columns reordered", edit("  amount DECIMAL(10, 2),\n  ts TIMESTAMP_LTZ(3),", "  ts TIMESTAMP_LTZ(3),\n  amount DECIMAL(10, 2),"), Breaking,
			[]string{"column order changed (id, amount, ts) → (id, ts, amount)"}},
		{"primary key", edit("PRIMARY KEY(id)", "PRIMARY KEY(id, ts)"), Breaking, []string{"primary key changed (id) → (id, ts)"}},
		{"distribution", edit("HASH(id) INTO 4", "HASH(ts) INTO 4"), Breaking, []string{"distribution changed (id) → (ts)"}},
		{"buckets", edit("INTO 4 BUCKETS", "INTO 6 BUCKETS"), Breaking, []string{"bucket count changed 4 → 6"}},
		{"value format", edit("'avro-registry'", "'json-registry'"), Breaking, []string{"option 'value.format' changed 'avro-registry' → 'json-registry'"}},
		{"changelog mode", edit("'upsert'", "'append'"), Breaking, []string{"option 'changelog.mode' changed 'upsert' → 'append'"}},
		{"option added", edit("'scan.startup.mode'", "'kafka.cleanup-policy' = 'compact',\n  'scan.startup.mode'"), Breaking,
			[]string{"option 'kafka.cleanup-policy' added 'compact'"}},
		{"retention and scan options", edit("'7 d'", "'30 d'", "'earliest-offset'", "'latest-offset'"), Compatible,
			[]string{"option 'kafka.retention.time' changed '7 d' → '30 d'", "option 'scan.startup.mode' changed 'earliest-offset' → 'latest-offset'"}},
		{"option removed", edit("  'value.format' = 'avro-registry',\n", ""), Breaking, []string{"option 'value.format' removed (was 'avro-registry')"}},
		{"breaking reasons first", edit("  ts TIMESTAMP_LTZ(3),", "  ts TIMESTAMP_LTZ(3),\n  note STRING,", "INTO 4", "INTO 8"), Breaking,
			[]string{"bucket count changed 4 → 8", "column note STRING added at the end"}},
		{"table renamed", edit("EXISTS orders", "EXISTS orders_v2"), Breaking, []string{"table renamed orders → orders_v2"}},
		{"column list removed (CTAS)", "CREATE TABLE orders AS SELECT * FROM raw_orders;", Breaking, []string{"column list removed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ClassifySchema([]byte(baseDDL), []byte(tc.newDDL))
			if err != nil {
				t.Fatal(err)
			}
			if got.Category != tc.category || !reflect.DeepEqual(got.Reasons, tc.reasons) {
				t.Errorf("got %s %q\nwant %s %q", got.Category, got.Reasons, tc.category, tc.reasons)
			}
			if got.Breaking() != (tc.category == Breaking) {
				t.Errorf("Breaking() = %v", got.Breaking())
			}
		})
	}
}

func TestClassifySchemaWithoutColumnLists(t *testing.T) {
	ctas := "CREATE TABLE agg AS SELECT id, count(*) AS n FROM orders GROUP BY id;"
	got, err := ClassifySchema([]byte(ctas), []byte("CREATE TABLE agg   AS SELECT id, count(*) AS n\nFROM orders GROUP BY id;"))
	if err != nil || got.Category != Compatible {
		t.Errorf("reformatted CTAS: %+v %v", got, err)
	}
	got, err = ClassifySchema([]byte(ctas), []byte("CREATE TABLE agg AS SELECT id FROM orders;"))
	if err != nil || got.Category != Breaking || len(got.Reasons) != 1 {
		t.Errorf("changed CTAS: %+v %v", got, err)
	}
	got, err = ClassifySchema([]byte(ctas), []byte(baseDDL))
	if err != nil || !reflect.DeepEqual(got.Reasons, []string{"column list added"}) {
		t.Errorf("CTAS to column list: %+v %v", got, err)
	}
}

func TestClassifySchemaErrors(t *testing.T) {
	if _, err := ClassifySchema([]byte("CREATE TABLE t (a STRING, 'unterminated"), []byte(baseDDL)); err == nil || !strings.HasPrefix(err.Error(), "base DDL:") {
		t.Errorf("bad base: %v", err)
	}
	if _, err := ClassifySchema([]byte(baseDDL), []byte("")); err == nil || !strings.HasPrefix(err.Error(), "new DDL:") {
		t.Errorf("empty new: %v", err)
	}
}

// FuzzClassifySchema: any input is classified or rejected with an error,
// never a panic, and a DDL compared with itself is always compatible
// without reasons.
func FuzzClassifySchema(f *testing.F) {
	f.Add(baseDDL, edit("  ts TIMESTAMP_LTZ(3),", "  ts TIMESTAMP_LTZ(3),\n  note STRING,"))
	f.Add(baseDDL, "CREATE TABLE orders AS SELECT * FROM raw_orders;")
	f.Add("CREATE TABLE t (a INT, b AS a + 1, PRIMARY KEY(a) NOT ENFORCED) LIKE s;", "CREATE TABLE t (`a b` INT NOT NULL) WITH ('x'='y');")
	f.Fuzz(func(t *testing.T, oldDDL, newDDL string) {
		got, err := ClassifySchema([]byte(oldDDL), []byte(newDDL))
		if err == nil && got.Category != Compatible && got.Category != Breaking {
			t.Fatalf("category %q", got.Category)
		}
		same, err := ClassifySchema([]byte(oldDDL), []byte(oldDDL))
		if err == nil && (same.Category != Compatible || len(same.Reasons) != 0) {
			t.Fatalf("a DDL compared with itself: %+v", same)
		}
	})
}
