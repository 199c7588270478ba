package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// NewTable describes a table folder to create (shift_left's `table init`).
type NewTable struct {
	// Name is the table name: lower-case letters, digits and '_'.
	Name string
	// Layer is the layer folder: sources, intermediates, dimensions,
	// facts, views, seeds (or stage).
	Layer string
	// Product is the product folder ("" for none).
	Product string
	// Reads are the tables the DML reads; none makes a DDL-only table.
	Reads []string
}

// CreateTableFolder writes a new table folder under the pipelines root:
// sql-scripts/ddl.<name>.sql, dml.<name>.sql (when it reads tables) and
// tracking.md, as templates to edit. The folder appears whole or not at
// all, and an existing one is never touched. It returns the folder,
// relative to root, and the files written, relative to the folder.
func CreateTableFolder(root string, nt NewTable) (string, []string, error) {
	if err := nt.check(); err != nil {
		return "", nil, err
	}
	rel := path.Join(nt.Layer, nt.Product, nt.Name)
	dst := filepath.Join(root, filepath.FromSlash(rel))
	if _, err := os.Lstat(dst); err == nil {
		return "", nil, fmt.Errorf("%s already exists: pick another name or folder", rel)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", nil, fmt.Errorf("create %s: %w", rel, err)
	}
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", rel, err)
	}
	// Written beside, then renamed into place: an interrupted init leaves
	// no half-made table folder for the next scan to trip on.
	tmp, err := os.MkdirTemp(parent, "."+nt.Name+".tmp-")
	if err != nil {
		return "", nil, fmt.Errorf("create %s: %w", rel, err)
	}
	defer os.RemoveAll(tmp)
	files := nt.files()
	var names []string
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", nil, fmt.Errorf("create %s: %w", rel, err)
		}
		if err := os.WriteFile(p, []byte(f.text), 0o644); err != nil {
			return "", nil, fmt.Errorf("create %s: %w", rel, err)
		}
		names = append(names, f.name)
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it private
		return "", nil, fmt.Errorf("create %s: %w", rel, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", rel, err)
	}
	return rel, names, nil
}

func (nt NewTable) check() error {
	lowerName := func(s string) bool {
		if s == "" {
			return false
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return false
			}
		}
		return true
	}
	if !lowerName(nt.Name) {
		return fmt.Errorf("table name %q: use lower-case letters, digits and '_' (e.g. saleops_fct_orders)", nt.Name)
	}
	if _, ok := TypeForLayer(nt.Layer); !ok {
		return fmt.Errorf("layer %q: use sources, intermediates, dimensions, facts, views or seeds", nt.Layer)
	}
	if nt.Product != "" && !lowerName(nt.Product) {
		return fmt.Errorf("product %q: use lower-case letters, digits and '_'", nt.Product)
	}
	for _, r := range nt.Reads {
		if !validName(r) || r == nt.Name {
			return fmt.Errorf("read table %q: give the name of another table", r)
		}
	}
	return nil
}

type templateFile struct{ name, text string }

// files are the templates: a DDL keyed on id with the options the samples
// use, a DML joining the tables read on id, and a tracking checklist.
func (nt NewTable) files() []templateFile {
	n := nt.Name
	ddl := "-- " + n + ": describe what the table holds and who reads it.\n" +
		"CREATE TABLE IF NOT EXISTS " + n + " (\n" +
		"  id STRING NOT NULL,\n" +
		"  -- add the columns here\n" +
		"  PRIMARY KEY (id) NOT ENFORCED\n" +
		") DISTRIBUTED BY HASH(id) INTO 1 BUCKETS\n" +
		"WITH (\n" +
		"  'changelog.mode' = 'upsert',\n" +
		"  'key.format' = 'avro-registry',\n" +
		"  'value.format' = 'avro-registry',\n" +
		"  'value.fields-include' = 'all'\n" +
		");\n"
	files := []templateFile{{"sql-scripts/ddl." + n + ".sql", ddl}}
	if len(nt.Reads) > 0 {
		var b strings.Builder
		b.WriteString("INSERT INTO " + n + "\nSELECT\n  t0.id\nFROM " + nt.Reads[0] + " t0")
		for i, r := range nt.Reads[1:] {
			fmt.Fprintf(&b, "\nJOIN %s t%d ON t%d.id = t0.id", r, i+1, i+1)
		}
		b.WriteString(";\n")
		files = append(files, templateFile{"sql-scripts/dml." + n + ".sql", b.String()})
	}
	files = append(files, templateFile{"tracking.md", "# " + n + "\n\n" +
		"- [ ] DDL: columns, primary key, changelog mode\n" +
		"- [ ] DML: the logic, and whether it is stateful (joins, aggregations)\n" +
		"- [ ] `shiftleft pipeline build-execution-plan --select " + n + "` reviewed\n"})
	return files
}
