// Package pipeline scans a pipelines folder (shift_left's conventions) into
// tables with their SQL analysis and resolved references, and reads and
// writes the inventory.json and pipeline_definition.json files.
package pipeline

import (
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// TableType is the kind of table, from the layer folder it lives in.
type TableType string

const (
	TypeSource       TableType = "source"
	TypeIntermediate TableType = "intermediate"
	TypeDimension    TableType = "dimension"
	TypeFact         TableType = "fact"
	TypeView         TableType = "view"
	TypeSeed         TableType = "seed"
	// TypeExternal marks tables listed in seeds/external_tables.json: they
	// exist outside the project and are never deployed. The name matches
	// shift_left's inventory value.
	TypeExternal TableType = "external_kafka"
)

// layerTypes maps the layer folder right below the pipelines root to a type.
var layerTypes = map[string]TableType{
	"sources":       TypeSource,
	"intermediates": TypeIntermediate,
	"stage":         TypeIntermediate,
	"dimensions":    TypeDimension,
	"facts":         TypeFact,
	"views":         TypeView,
	"seeds":         TypeSeed,
}

// TypeForLayer returns the table type of a layer folder name.
func TypeForLayer(layer string) (TableType, bool) {
	t, ok := layerTypes[layer]
	return t, ok
}

// Table is one table of the project. Paths are slash-separated and relative
// to the pipelines root.
type Table struct {
	Name      string    `json:"name"`
	Qualified string    `json:"qualified,omitempty"` // as written in the SQL, e.g. cat.db.tbl
	Type      TableType `json:"type"`
	Product   string    `json:"product,omitempty"`
	Folder    string    `json:"folder,omitempty"`
	DDLPath   string    `json:"ddl,omitempty"`
	DMLPath   string    `json:"dml,omitempty"`
	// Parents are the tables of the project this table reads, sorted.
	Parents []string `json:"parents"`
	// External are the references that are not tables of the project,
	// qualified as written, sorted.
	External []string `json:"external"`
	Stateful bool     `json:"stateful"`
	// IsExternal is true for entries of seeds/external_tables.json.
	IsExternal bool   `json:"is_external,omitempty"`
	KafkaTopic string `json:"kafka_topic,omitempty"`
	// Retired is true for a table deleted from the pipelines, known from a
	// git revision (WithRetired): it can only be undeployed.
	Retired bool `json:"retired,omitempty"`

	// DDL and DML are the analyses of the files: what they write and
	// read, state, changelog mode (DDL.Tables only with
	// ScanOptions.TableDefinitions).
	DDL *flinksql.Analysis `json:"-"`
	DML *flinksql.Analysis `json:"-"`
	// DDLText and DMLText are the files' contents, kept only when the scan
	// was asked to (ScanOptions.KeepSQL): plans compare and fingerprint them
	// without reading every file a second time.
	DDLText string `json:"-"`
	DMLText string `json:"-"`
	// DDLPropertiesPath and DMLPropertiesPath are the statement properties
	// files (sql-scripts/<ddl|dml>.<table>.properties) when the scan found
	// them, "" otherwise.
	DDLPropertiesPath string `json:"-"`
	DMLPropertiesPath string `json:"-"`
}

// Deployable reports whether the table has statements to deploy.
func (t *Table) Deployable() bool { return !t.IsExternal && (t.DDLPath != "" || t.DMLPath != "") }

// SQLSource returns the SQL a table deploys: the contents of its DDL and
// DML files ("" for a missing file), maybe rewritten for an environment.
// Plans compare, fingerprint and run what it returns, so callers choose
// where the text comes from (the scan's kept text, the disk, a rewrite)
// without the plan knowing.
type SQLSource func(t *Table) (ddl, dml string, err error)

// Warning is a problem that does not stop the scan.
type Warning struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Table   string `json:"table,omitempty"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	loc := w.File
	if loc != "" && w.Line > 0 {
		loc += ":" + itoa(w.Line)
	}
	if loc == "" {
		loc = w.Table
	}
	if loc == "" {
		return w.Message
	}
	return loc + ": " + w.Message
}

// Project is a scanned pipelines folder.
type Project struct {
	// Root is the absolute path of the pipelines folder.
	Root string
	// Tables are sorted by name; external tables included.
	Tables []*Table
	// ByName indexes Tables.
	ByName   map[string]*Table
	Warnings []Warning
	// SQLKept says Table.DDLText/DMLText hold the files' contents.
	SQLKept bool
}

// Table returns the table with that name, or nil.
func (p *Project) Table(name string) *Table { return p.ByName[name] }
