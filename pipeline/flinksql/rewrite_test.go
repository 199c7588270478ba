package flinksql

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// flinkTarget is the rewrite the open-source Flink target asks for.
var flinkTarget = RewriteOptions{
	DropDistributedBy: true,
	DropOptions:       []string{"changelog.mode", "kafka.*", "*.avro-registry.*", "value.format"},
	SetOptions: []Option{
		{Key: "connector", Value: "upsert-kafka"},
		{Key: "topic", Value: "orders"},
		{Key: "value.format", Value: "json"},
	},
}

func TestRewriteDDL(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		opts    RewriteOptions
		want    string
		removed []string
	}{
		{
			name: "Confluent DDL to open-source Flink",
			src: `-- Orders, keyed by id.
CREATE TABLE IF NOT EXISTS orders (
  id STRING NOT NULL, -- the key
  PRIMARY KEY (id) NOT ENFORCED
) DISTRIBUTED BY HASH(id) INTO 3 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'kafka.retention.time' = '0',
  'value.avro-registry.schema-context' = '.dev',
  'value.format' = 'avro-registry',
  'scan.startup.mode' = 'earliest-offset'
);
`,
			opts: flinkTarget,
			want: `-- Orders, keyed by id.
CREATE TABLE IF NOT EXISTS orders (
  id STRING NOT NULL, -- the key
  PRIMARY KEY (id) NOT ENFORCED
)
WITH (
  'scan.startup.mode' = 'earliest-offset',
  'connector' = 'upsert-kafka',
  'topic' = 'orders',
  'value.format' = 'json'
);
`,
			removed: []string{"DISTRIBUTED BY", "option 'changelog.mode'", "option 'kafka.retention.time'", "option 'value.avro-registry.schema-context'", "option 'value.format'"},
		},
		{
			name: "existing key replaced in place, others kept byte for byte",
			src:  "CREATE TABLE t (a INT) WITH ('connector'='kafka', 'topic' = 'old'  ) -- end",
			opts: RewriteOptions{SetOptions: []Option{{Key: "TOPIC", Value: "new"}}},
			want: "CREATE TABLE t (a INT) WITH ('connector'='kafka', 'topic' = 'new'  ) -- end",
		},
		{
			name: "no WITH clause: one is added at the end",
			src:  "CREATE TABLE t (a INT);",
			opts: RewriteOptions{SetOptions: []Option{{Key: "connector", Value: "datagen"}, {Key: "it's", Value: "o'k"}}},
			want: "CREATE TABLE t (a INT)\nWITH (\n  'connector' = 'datagen',\n  'it''s' = 'o''k'\n);",
		},
		{
			name: "no WITH clause before LIKE",
			src:  "CREATE TABLE t (a INT) LIKE src",
			opts: RewriteOptions{SetOptions: []Option{{Key: "connector", Value: "kafka"}}},
			want: "CREATE TABLE t (a INT)\nWITH (\n  'connector' = 'kafka'\n) LIKE src",
		},
		{
			name:    "every option dropped: the WITH clause goes",
			src:     "CREATE TABLE t (a INT) WITH ('kafka.x' = '1') LIKE src;",
			opts:    RewriteOptions{DropOptions: []string{"KAFKA.*"}},
			want:    "CREATE TABLE t (a INT) LIKE src;",
			removed: []string{"option 'kafka.x'"},
		},
		{
			name:    "DISTRIBUTED INTO without BY, predicate drop",
			src:     "CREATE TABLE t (a INT) DISTRIBUTED INTO 2 BUCKETS WITH ('x' = '1', 'y' = '2')",
			opts:    RewriteOptions{DropDistributedBy: true, Drop: func(k string) bool { return k == "y" }},
			want:    "CREATE TABLE t (a INT) WITH ('x' = '1')",
			removed: []string{"DISTRIBUTED INTO BUCKETS", "option 'y'"},
		},
		{
			name:    "one-line WITH keeps its separator",
			src:     "CREATE TABLE t (a INT) WITH ('a'='1', 'b'='2', 'c'='3')",
			opts:    RewriteOptions{DropOptions: []string{"b"}, SetOptions: []Option{{Key: "d", Value: "4"}}},
			want:    "CREATE TABLE t (a INT) WITH ('a'='1', 'c'='3', 'd' = '4')",
			removed: []string{"option 'b'"},
		},
		{
			name: "nothing to change: identical output",
			src:  "/* c */ CREATE TABLE t (a INT) DISTRIBUTED BY (a) WITH ('x'='1');\nINSERT INTO t SELECT 1;",
			opts: RewriteOptions{DropOptions: []string{"z"}},
			want: "/* c */ CREATE TABLE t (a INT) DISTRIBUTED BY (a) WITH ('x'='1');\nINSERT INTO t SELECT 1;",
		},
		{
			name:    "several tables, views untouched",
			src:     "CREATE TABLE a (x INT) DISTRIBUTED BY (x);\nCREATE VIEW v AS SELECT * FROM a;\nCREATE TABLE b (y INT) DISTRIBUTED BY HASH(y) INTO 1 BUCKETS WITH ('k'='v');",
			opts:    RewriteOptions{DropDistributedBy: true},
			want:    "CREATE TABLE a (x INT);\nCREATE VIEW v AS SELECT * FROM a;\nCREATE TABLE b (y INT) WITH ('k'='v');",
			removed: []string{"DISTRIBUTED BY", "DISTRIBUTED BY"},
		},
		{
			name: "KeepLines: removals leave their lines, additions go on existing lines",
			src:  "CREATE TABLE t (\n  k STRING, -- key\n  PRIMARY KEY (k) NOT ENFORCED\n) DISTRIBUTED BY HASH(k)\n  INTO 2 BUCKETS\nWITH (\n  'kafka.a' = '1',\n  'x' = '2', -- keep\n  'kafka.b' = '3'\n);",
			opts: RewriteOptions{DropDistributedBy: true, DropOptions: []string{"kafka.*"}, SetOptions: []Option{{Key: "x", Value: "9"}, {Key: "y", Value: "8"}},
				AppendColumns: []string{"c AS 1"}, DropPrimaryKey: true, KeepLines: true},
			want:    "CREATE TABLE t (\n  k STRING, c AS 1 -- key\n\n)\n\nWITH (\n\n  'x' = '9', 'y' = '8' -- keep\n\n);",
			removed: []string{"PRIMARY KEY", "DISTRIBUTED BY", "option 'kafka.a'", "option 'kafka.b'"},
		},
		{
			name:    "KeepLines: column PRIMARY KEY, every option replaced, no WITH added on a new line",
			src:     "CREATE TABLE t (k STRING PRIMARY KEY NOT ENFORCED, v INT) WITH (\n  'a' = '1'\n)",
			opts:    RewriteOptions{DropOptions: []string{"a"}, SetOptions: []Option{{Key: "b", Value: "2"}}, DropPrimaryKey: true, KeepLines: true},
			want:    "CREATE TABLE t (k STRING, v INT) WITH (\n  'b' = '2'\n)",
			removed: []string{"PRIMARY KEY", "option 'a'"},
		},
		{
			name: "KeepLines: a WITH clause is added on the last line",
			src:  "CREATE TABLE t (\n  a INT\n);",
			opts: RewriteOptions{SetOptions: []Option{{Key: "connector", Value: "kafka"}}, KeepLines: true},
			want: "CREATE TABLE t (\n  a INT\n) WITH ('connector' = 'kafka');",
		},
		{
			name: "CTAS: WITH inserted before AS",
			src:  "CREATE TABLE t AS SELECT * FROM s",
			opts: RewriteOptions{SetOptions: []Option{{Key: "connector", Value: "kafka"}}},
			want: "CREATE TABLE t\nWITH (\n  'connector' = 'kafka'\n) AS SELECT * FROM s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, removed, err := RewriteDDL([]byte(tt.src), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if !reflect.DeepEqual(removed, tt.removed) {
				t.Errorf("removed = %q, want %q", removed, tt.removed)
			}
			if _, err := Analyze([]byte(got)); err != nil {
				t.Errorf("rewritten DDL does not analyse: %v", err)
			}
		})
	}
}

func TestRewriteDDLResultAnalyses(t *testing.T) {
	src := "CREATE TABLE orders (id STRING, PRIMARY KEY (id) NOT ENFORCED) DISTRIBUTED BY HASH(id) INTO 3 BUCKETS WITH ('changelog.mode'='upsert', 'value.format'='avro-registry')"
	out, _, err := RewriteDDL([]byte(src), flinkTarget)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Analyze([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	d := a.Tables[0]
	if d.DistributedBy != nil || d.Buckets != 0 {
		t.Errorf("distribution kept: %+v", d)
	}
	var keys []string
	for _, o := range d.Options {
		keys = append(keys, o.Key+"="+o.Value)
	}
	want := []string{"connector=upsert-kafka", "topic=orders", "value.format=json"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("options = %q, want %q", keys, want)
	}
}

func TestRewriteDDLErrors(t *testing.T) {
	if _, _, err := RewriteDDL([]byte("CREATE TABLE t (a INT"), RewriteOptions{}); err == nil {
		t.Error("unbalanced parenthesis accepted")
	} else if se := new(SyntaxError); !errors.As(err, &se) {
		t.Errorf("error %T, want *SyntaxError", err)
	}
	_, _, err := RewriteDDL([]byte("CREATE TABLE t (a INT)"), RewriteOptions{DropOptions: []string{"kafka.["}})
	if err == nil || !strings.Contains(err.Error(), "kafka.[") {
		t.Errorf("bad pattern: err = %v, want it named", err)
	}
}

// TestRewriteDDLKeySetTwice: a key set twice (in another case) is set
// once, to its last value, instead of editing the same option twice.
func TestRewriteDDLKeySetTwice(t *testing.T) {
	src := "CREATE TABLE t (a INT) WITH ('x' = 'old', 'y' = 'keep');"
	for _, keep := range []bool{false, true} {
		out, _, err := RewriteDDL([]byte(src), RewriteOptions{KeepLines: keep, SetOptions: []Option{{Key: "x", Value: "a"}, {Key: "X", Value: "b"}}})
		if err != nil {
			t.Fatalf("KeepLines %v: %v", keep, err)
		}
		if strings.Count(strings.ToLower(out), "'x'") != 1 || !strings.Contains(out, "'b'") || strings.Contains(out, "'a'") || strings.Contains(out, "'old'") || !strings.Contains(out, "'keep'") {
			t.Errorf("KeepLines %v: %s", keep, out)
		}
	}
}
