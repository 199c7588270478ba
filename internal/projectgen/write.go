package projectgen

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// staticFile is a file that is not a table's DDL or DML, relative to DIR.
type staticFile struct {
	path string
	data []byte
}

type externalTablesFile struct {
	Tables []externalEntry `json:"tables"`
}

type externalEntry struct {
	TableName   string `json:"table_name"`
	KafkaTopic  string `json:"kafka_topic"`
	ProductName string `json:"product_name"`
}

// staticFiles renders seeds/external_tables.json and expected_parents.json.
func (p *project) staticFiles(sum Summary) ([]staticFile, error) {
	ext := externalTablesFile{Tables: make([]externalEntry, 0, len(p.raws))}
	for _, r := range p.raws {
		ext.Tables = append(ext.Tables, externalEntry{TableName: r.name, KafkaTopic: r.topic, ProductName: r.product})
	}
	extData, err := marshal(ext)
	if err != nil {
		return nil, fmt.Errorf("generate external tables: %w", err)
	}
	sumData, err := marshal(sum)
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", ExpectedFile, err)
	}
	return []staticFile{
		{path: ExpectedFile, data: sumData},
		{path: path.Join(PipelinesDir, "seeds", "external_tables.json"), data: extData},
	}, nil
}

// write creates the folders and files of the project under dir. Layer and
// product folders are created first, in order; tables are then written by
// Options.Workers goroutines (two mkdir and two file writes per table). The
// first error stops the workers and is returned.
func (p *project) write(dir string, static []staticFile) (files int, size int64, err error) {
	root := filepath.Join(dir, PipelinesDir)
	if err := os.MkdirAll(filepath.Join(root, "seeds"), 0o755); err != nil {
		return 0, 0, fmt.Errorf("generate: %w", err)
	}
	made := map[string]bool{}
	for i := range p.tables {
		t := &p.tables[i]
		pd := filepath.Join(root, layers[t.layer].folder, t.product)
		if !made[pd] {
			made[pd] = true
			if err := os.MkdirAll(pd, 0o755); err != nil {
				return 0, 0, fmt.Errorf("generate: %w", err)
			}
		}
	}
	for _, f := range static {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f.path)), f.data, 0o644); err != nil {
			return 0, 0, fmt.Errorf("generate: %w", err)
		}
		size += int64(len(f.data))
	}

	var (
		next         atomic.Int64
		written      atomic.Int64
		filesWritten atomic.Int64
		failed       atomic.Bool
		errOnce      sync.Once
		firstErr     error
		wg           sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		failed.Store(true)
	}
	for w := 0; w < p.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(p.tables) {
					return
				}
				files, n, err := p.writeTable(&buf, root, i)
				if err != nil {
					fail(err)
					return
				}
				filesWritten.Add(int64(files))
				written.Add(n)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	return len(static) + int(filesWritten.Load()), size + written.Load(), nil
}

// writeTable writes the table folder, its sql-scripts folder and both files
// at revision 0 (and the Makefile for the tables that have one). It returns
// the number of files and bytes written.
func (p *project) writeTable(buf *bytes.Buffer, root string, i int) (int, int64, error) {
	t := &p.tables[i]
	folder := filepath.Join(root, filepath.FromSlash(t.folder()))
	scripts := filepath.Join(folder, "sql-scripts")
	if err := os.Mkdir(folder, 0o755); err != nil {
		return 0, 0, fmt.Errorf("generate table %s: %w", t.name, err)
	}
	if err := os.Mkdir(scripts, 0o755); err != nil {
		return 0, 0, fmt.Errorf("generate table %s: %w", t.name, err)
	}
	var size int64
	put := func(p string, render func()) error {
		buf.Reset()
		render()
		size += int64(buf.Len())
		if err := createFile(p, buf.Bytes()); err != nil {
			return fmt.Errorf("generate table %s: %w", t.name, err)
		}
		return nil
	}
	if err := put(filepath.Join(scripts, "ddl."+t.name+".sql"), func() { p.renderDDL(buf, i, 0) }); err != nil {
		return 0, 0, err
	}
	if err := put(filepath.Join(scripts, "dml."+t.name+".sql"), func() { p.renderDML(buf, i, 0, 0) }); err != nil {
		return 0, 0, err
	}
	if !p.decide(i).makefile {
		return 2, size, nil
	}
	if err := put(filepath.Join(folder, "Makefile"), func() { p.renderMakefile(buf, i) }); err != nil {
		return 0, 0, err
	}
	return 3, size, nil
}
