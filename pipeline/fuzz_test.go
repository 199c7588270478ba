package pipeline

import "testing"

// The readers of files users edit or tools generate must never panic:
// bad content is an error naming the file.

func FuzzParseInventory(f *testing.F) {
	f.Add([]byte(`{"a":{"table_name":"a","product_name":"p","type":"fact","dml_ref":"pipelines/facts/a/sql-scripts/dml.a.sql","ddl_ref":"","table_folder_name":"pipelines/facts/a"}}`))
	f.Add([]byte(`{"a": {"table_name": 3}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, src []byte) {
		inv, err := ParseInventory("inventory.json", src)
		if err == nil {
			for k, v := range inv {
				if k != v.TableName {
					t.Fatalf("accepted mismatched entry %q", k)
				}
			}
		}
	})
}

func FuzzParseDefinition(f *testing.F) {
	f.Add([]byte(`{"table_name":"t","product_name":"p","type":"fact","dml_ref":"","ddl_ref":"","path":"pipelines/facts/t","complexity":{"state_form":"Stateful"},"parents":[{"table_name":"s","parents":[],"children":[]}],"children":[]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte("\x00"))
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := ParseDefinition("pipeline_definition.json", src)
		if err == nil && d.TableName == "" {
			t.Fatal("accepted a definition without table name")
		}
	})
}

func FuzzParseExternalTables(f *testing.F) {
	f.Add([]byte(`{"tables":[{"table_name":"raw","kafka_topic":"raw.v1","product_name":"common"}]}`))
	f.Add([]byte(`{"tables":[{"table_name":"bad name"}]}`))
	f.Add([]byte(`{"tables":{}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		tables, err := ParseExternalTables(src)
		if err == nil {
			for _, tb := range tables {
				if !validName(tb.TableName) {
					t.Fatalf("accepted invalid name %q", tb.TableName)
				}
			}
		}
	})
}
