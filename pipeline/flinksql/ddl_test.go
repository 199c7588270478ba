package flinksql

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTableDefinition(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // JSON of the TableDefinition without positions
	}{
		{
			name: "types, constraints, computed and metadata columns",
			src: `CREATE TABLE IF NOT EXISTS db.orders (
  order_id STRING NOT NULL COMMENT 'the key',
  amount decimal( 10 ,2 ),
  tags ARRAY<STRING>,
  ` + "`ship to`" + ` ROW<street STRING, ` + "`time`" + ` TIMESTAMP(3), geo ROW<lat DOUBLE, lon DOUBLE>> NOT NULL,
  attrs MAP<STRING, ARRAY<INT>>,
  ts timestamp(3) with local time zone,
  ingest_ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  total AS amount * 2,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,
  CONSTRAINT pk PRIMARY KEY (order_id, ` + "`ship to`" + `) NOT ENFORCED
) COMMENT 'orders'
DISTRIBUTED BY HASH(order_id) INTO 4 BUCKETS
WITH ('changelog.mode' = 'upsert', 'kafka.retention.time' = '0', scan.startup.mode = 'earliest-offset');`,
			want: `{"name":"db.orders","columns":[` +
				`{"name":"order_id","type":"STRING","not_null":true},` +
				`{"name":"amount","type":"DECIMAL(10, 2)","not_null":false},` +
				`{"name":"tags","type":"ARRAY<STRING>","not_null":false},` +
				`{"name":"ship to","type":"ROW<street STRING, ` + "`time`" + ` TIMESTAMP(3), geo ROW<lat DOUBLE, lon DOUBLE>>","not_null":true},` +
				`{"name":"attrs","type":"MAP<STRING, ARRAY<INT>>","not_null":false},` +
				`{"name":"ts","type":"TIMESTAMP(3) WITH LOCAL TIME ZONE","not_null":false},` +
				`{"name":"ingest_ts","type":"TIMESTAMP_LTZ(3)","not_null":false,"computed":true},` +
				`{"name":"total","type":"","not_null":false,"computed":true}],` +
				`"primary_key":["order_id","ship to"],"distributed_by":["order_id"],"buckets":4,` +
				`"options":[{"key":"changelog.mode","value":"upsert"},{"key":"kafka.retention.time","value":"0"},{"key":"scan.startup.mode","value":"earliest-offset"}]}`,
		},
		{
			name: "column primary key, DISTRIBUTED INTO, LIKE",
			src:  "CREATE TEMPORARY TABLE t (id BIGINT PRIMARY KEY NOT ENFORCED, r ROW(a INT, b STRING)) DISTRIBUTED INTO 3 BUCKETS LIKE src (EXCLUDING OPTIONS)",
			want: `{"name":"t","columns":[{"name":"id","type":"BIGINT","not_null":false},{"name":"r","type":"ROW(a INT, b STRING)","not_null":false}],"primary_key":["id"],"buckets":3,"like":"src"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Analyze([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Tables) != 1 {
				t.Fatalf("got %d table definitions, want 1", len(a.Tables))
			}
			got := flatDef(a.Tables[0])
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// flatDef renders a definition as JSON without positions and with dotted
// names, so expectations stay readable.
func flatDef(d TableDefinition) string {
	type opt struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	var opts []opt
	for _, o := range d.Options {
		opts = append(opts, opt{o.Key, o.Value})
	}
	like := ""
	if d.Like != nil {
		like = d.Like.String()
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Name          string   `json:"name"`
		Columns       []Column `json:"columns"`
		PrimaryKey    []string `json:"primary_key,omitempty"`
		DistributedBy []string `json:"distributed_by,omitempty"`
		Buckets       int      `json:"buckets,omitempty"`
		Options       []opt    `json:"options,omitempty"`
		Like          string   `json:"like,omitempty"`
	}{d.Name.String(), d.Columns, d.PrimaryKey, d.DistributedBy, d.Buckets, opts, like})
	return strings.TrimSpace(sb.String())
}

func TestNoTableDefinitionWithoutColumns(t *testing.T) {
	for _, src := range []string{
		"CREATE TABLE t AS SELECT * FROM s",
		"CREATE VIEW v (a) AS SELECT a FROM s",
		"INSERT INTO t SELECT * FROM s",
	} {
		a, err := Analyze([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Tables) != 0 {
			t.Errorf("%q: got table definitions %+v, want none", src, a.Tables)
		}
	}
}
