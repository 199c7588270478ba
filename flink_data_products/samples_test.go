package flinkdataproducts

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite pipelines/inventory.json from the tree")

const root = "pipelines"

// layerTypes is shift_left's layer folder → table type mapping (only the
// layers the samples use).
var layerTypes = map[string]string{
	"sources":       "source",
	"intermediates": "intermediate",
	"dimensions":    "dimension",
	"facts":         "fact",
	"views":         "view",
}

type sampleTable struct {
	name, layer, product, folder string // folder relative to root
}

// tables walks the tree: a table folder is one holding sql-scripts/.
func tables(t *testing.T) []sampleTable {
	t.Helper()
	var out []sampleTable
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || d.Name() != "sql-scripts" {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 3 {
			t.Errorf("%s: want <layer>/<product>/<table>/sql-scripts", p)
			return nil
		}
		out = append(out, sampleTable{name: parts[2], layer: parts[0], product: parts[1], folder: filepath.ToSlash(rel)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

type externalTables struct {
	Tables []struct {
		TableName   string `json:"table_name"`
		KafkaTopic  string `json:"kafka_topic"`
		ProductName string `json:"product_name"`
	} `json:"tables"`
}

func readExternal(t *testing.T) externalTables {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "seeds", "external_tables.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ext externalTables
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ext); err != nil {
		t.Fatalf("seeds/external_tables.json: %v", err)
	}
	return ext
}

// stripComments removes -- and /* */ comments outside string literals, so
// the checks below look at SQL tokens only. Enough for these hand-written
// files; the real extractor is pipeline/flinksql.
func stripComments(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		switch {
		case src[i] == '\'':
			j := i + 1
			for j < len(src) {
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			b.WriteString(src[i:min(j+1, len(src))])
			i = j
		case strings.HasPrefix(src[i:], "--"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
			b.WriteByte(' ')
		default:
			b.WriteByte(src[i])
		}
	}
	return b.String()
}

var (
	insertRe = regexp.MustCompile(`(?i)\bINSERT\s+INTO\s+([a-z0-9_]+)`)
	createRe = regexp.MustCompile(`(?i)\bCREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+([a-z0-9_]+)`)
	nameRe   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// TestLayout checks the rules the scanner and the deploy tests rely on: file
// names, the table each file writes, the naming convention, and that the
// expected products and tables exist.
func TestLayout(t *testing.T) {
	ts := tables(t)
	want := map[string][]string{
		"saleops": {"saleops_dim_customer", "saleops_dim_product", "saleops_dim_time", "saleops_fct_revenue",
			"src_saleops_customer_history", "src_saleops_product_catalog", "src_saleops_sales_transactions"},
		"c360": {"c360_customer_analytics", "c360_fct_customer_profile", "int_c360_customer_transactions",
			"src_c360_app_usage", "src_c360_customers", "src_c360_loyalty_program", "src_c360_products",
			"src_c360_support_tickets", "src_c360_transaction_items", "src_c360_transactions"},
	}
	got := map[string][]string{}
	for _, tb := range ts {
		got[tb.product] = append(got[tb.product], tb.name)
		t.Run(tb.name, func(t *testing.T) {
			if _, ok := layerTypes[tb.layer]; !ok {
				t.Errorf("%s: unknown layer folder %q", tb.folder, tb.layer)
			}
			if !nameRe.MatchString(tb.name) {
				t.Errorf("%s: table names are lower case with underscores", tb.folder)
			}
			entries, err := os.ReadDir(filepath.Join(root, tb.folder, "sql-scripts"))
			if err != nil {
				t.Fatal(err)
			}
			var sqlFiles []string
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".sql") {
					sqlFiles = append(sqlFiles, e.Name())
				}
			}
			wantFiles := []string{"ddl." + tb.name + ".sql", "dml." + tb.name + ".sql"}
			if strings.Join(sqlFiles, ",") != strings.Join(wantFiles, ",") {
				t.Fatalf("%s/sql-scripts: files %v, want %v", tb.folder, sqlFiles, wantFiles)
			}
			for _, f := range wantFiles {
				data, err := os.ReadFile(filepath.Join(root, tb.folder, "sql-scripts", f))
				if err != nil {
					t.Fatal(err)
				}
				re := createRe
				if strings.HasPrefix(f, "dml.") {
					re = insertRe
				}
				m := re.FindAllStringSubmatch(stripComments(string(data)), -1)
				if len(m) != 1 || m[0][1] != tb.name {
					t.Errorf("%s/sql-scripts/%s: writes %v, want exactly %s", tb.folder, f, m, tb.name)
				}
			}
		})
	}
	for p, names := range want {
		if strings.Join(got[p], ",") != strings.Join(names, ",") {
			t.Errorf("product %s: tables\n got %v\nwant %v", p, got[p], names)
		}
	}
}

// TestSourcesReadExternalTables checks that every source reads a raw table
// of seeds/external_tables.json and that every listed raw table is read.
func TestSourcesReadExternalTables(t *testing.T) {
	ext := readExternal(t)
	listed := map[string]string{}
	for _, e := range ext.Tables {
		if !nameRe.MatchString(e.TableName) || e.KafkaTopic == "" || e.ProductName == "" {
			t.Errorf("external_tables.json: incomplete entry %+v", e)
		}
		listed[e.TableName] = e.ProductName
	}
	fromRe := regexp.MustCompile(`(?i)\bFROM\s+(raw_[a-z0-9_]+)`)
	read := map[string]bool{}
	for _, tb := range tables(t) {
		if tb.layer != "sources" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, tb.folder, "sql-scripts", "dml."+tb.name+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		m := fromRe.FindAllStringSubmatch(stripComments(string(data)), -1)
		if len(m) != 1 {
			t.Errorf("%s: reads raw tables %v, want exactly one", tb.folder, m)
			continue
		}
		raw := m[0][1]
		read[raw] = true
		if p, ok := listed[raw]; !ok {
			t.Errorf("%s: reads %s, which seeds/external_tables.json does not list", tb.folder, raw)
		} else if p != tb.product {
			t.Errorf("%s: reads %s of product %s", tb.folder, raw, p)
		}
		if _, err := os.Stat(filepath.Join("raw_tables", tb.product, "ddl."+raw+".sql")); err != nil {
			t.Errorf("raw_tables/%s: no DDL for %s: %v", tb.product, raw, err)
		}
	}
	for name := range listed {
		if !read[name] {
			t.Errorf("external_tables.json lists %s, which no source reads", name)
		}
	}
}

// inventoryEntry is shift_left's inventory.json value (the same shape as
// pipeline.InventoryEntry).
type inventoryEntry struct {
	TableName       string  `json:"table_name"`
	ProductName     string  `json:"product_name"`
	Type            string  `json:"type"`
	DMLRef          string  `json:"dml_ref"`
	DDLRef          string  `json:"ddl_ref"`
	TableFolderName string  `json:"table_folder_name"`
	KafkaTopic      *string `json:"kafka_topic"` // null but for external tables
}

// TestInventory compares pipelines/inventory.json with the inventory of the
// tree (table name = file name, which TestLayout guarantees).
func TestInventory(t *testing.T) {
	inv := map[string]inventoryEntry{}
	for _, tb := range tables(t) {
		scripts := path.Join(root, tb.folder, "sql-scripts")
		inv[tb.name] = inventoryEntry{
			TableName: tb.name, ProductName: tb.product, Type: layerTypes[tb.layer],
			DMLRef: path.Join(scripts, "dml."+tb.name+".sql"), DDLRef: path.Join(scripts, "ddl."+tb.name+".sql"),
			TableFolderName: path.Join(root, tb.folder),
		}
	}
	for _, e := range readExternal(t).Tables {
		inv[e.TableName] = inventoryEntry{
			TableName: e.TableName, ProductName: e.ProductName, Type: "external_kafka",
			TableFolderName: path.Join(root, "seeds", e.TableName), KafkaTopic: &e.KafkaTopic,
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(inv); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "inventory.json")
	if *update {
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./flink_data_products -update)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("%s is out of date: run go test ./flink_data_products -update", file)
	}
}
