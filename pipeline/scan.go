package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

// MaxFileSize is the largest SQL or JSON file the scanner reads.
const MaxFileSize = 10 << 20

// ProductsDir holds the data-product manifests (products/<product>.yaml),
// relative to the pipelines root: the scan does not walk it.
const ProductsDir = "products"

// ExternalTablesFile lists tables that exist outside the project, relative
// to the pipelines root.
const ExternalTablesFile = "seeds/external_tables.json"

// ScanOptions tune a scan.
type ScanOptions struct {
	// Strict turns references to tables outside the project (and not
	// listed in seeds/external_tables.json) into errors.
	Strict bool
	// KeepSQL keeps every file's text in Table.DDLText/DMLText (one copy
	// per file), for commands that plan deploys.
	KeepSQL bool
	// TableDefinitions fills Table.DDL.Tables (column lists, keys,
	// options): no command needs them from a scan (schema comparisons
	// analyse both versions of a DDL themselves), so they are skipped
	// unless asked for.
	TableDefinitions bool
	// Workers reading and analysing files; 0 means GOMAXPROCS.
	Workers int
}

// FileError is a problem with one file (or folder) of the project.
type FileError struct {
	Path string // relative to the pipelines root's parent, e.g. pipelines/facts/x/sql-scripts/dml.x.sql
	Line int
	Col  int
	Msg  string
	Err  error
}

func (e *FileError) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", e.Path, e.Line, e.Col)
	}
	return loc + ": " + e.Msg
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrProject is matched by every error that comes from the project's
// content (as opposed to I/O failures of the machine).
var ErrProject = errors.New("invalid project")

// Errors is a list of problems found in one scan, sorted by file.
type Errors []error

func (es Errors) Error() string {
	if len(es) == 1 {
		return es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the pipelines folder:", len(es))
	for _, e := range es {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

func (es Errors) Is(target error) bool { return target == ErrProject }

func (es Errors) Unwrap() []error { return es }

// tableDir is a table folder found by the walk.
type tableDir struct {
	rel      string // relative to root, slash-separated
	ddl, dml string // file names inside sql-scripts
	// props are the .properties files inside sql-scripts: recorded here so
	// that nothing has to probe for them later (two failed opens a table).
	props []string
}

// Scan reads the pipelines folder at root. It walks the tree once, then
// reads and analyses the SQL files on a pool of workers. Problems in the
// project's files are returned together as Errors (errors.Is(err,
// ErrProject)).
func Scan(ctx context.Context, root string, opts ScanOptions) (*Project, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("pipelines folder %s: %w", root, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pipelines folder %s does not exist: pass --pipelines DIR or set PIPELINES", root)
		}
		return nil, fmt.Errorf("pipelines folder %s: %w", root, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("pipelines folder %s is not a directory", root)
	}
	// A pipelines folder reached through a symbolic link (PIPELINES set to
	// a link into a monorepo) is scanned where it lives; paths are still
	// shown under the name the user gave.
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("pipelines folder %s: %w", root, err)
	}
	s := &scanner{root: real, display: filepath.Base(abs), opts: opts}
	tables, err := s.walk(ctx)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	externals := s.readExternalTables()
	p := s.assemble(tables, externals)
	p.Root = abs // as the user named it: state and git are found from there
	s.reportUnknownLayers(root)
	if len(s.errs) > 0 {
		// The message breaks ties: workers report in any order.
		sort.SliceStable(s.errs, func(i, j int) bool {
			ki, kj := errKey(s.errs[i]), errKey(s.errs[j])
			if ki != kj {
				return ki < kj
			}
			return s.errs[i].Error() < s.errs[j].Error()
		})
		return nil, Errors(s.errs)
	}
	return p, nil
}

// DefaultDir is the pipelines folder when none is named: workDir/pipelines
// when it exists, else workDir itself when it is a pipelines folder (it
// holds a layer folder such as sources/ or facts/: the command runs from
// inside pipelines/), else workDir/pipelines, whose absence Scan reports.
// Cost: one stat, and a listing of workDir when workDir/pipelines is missing.
func DefaultDir(workDir string) string {
	nested := filepath.Join(workDir, "pipelines")
	if st, err := os.Stat(nested); err == nil && st.IsDir() {
		return nested
	}
	if IsPipelinesDir(workDir) {
		return workDir
	}
	return nested
}

// IsPipelinesDir reports whether dir holds at least one layer folder.
func IsPipelinesDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if _, ok := TypeForLayer(e.Name()); ok && e.IsDir() {
			return true
		}
	}
	return false
}

// layerList names the layer folders for messages.
const layerList = "sources, intermediates, stage, dimensions, facts, views, seeds"

// reportUnknownLayers gives one error per folder that is not a layer but
// holds tables. A folder whose own subfolders are layers (the project root
// passed for its pipelines folder) is most likely the folder meant: the
// error says so, instead of one line per table. root is the pipelines
// folder as the user named it.
func (s *scanner) reportUnknownLayers(root string) {
	names := make([]string, 0, len(s.unknownLayers))
	for name := range s.unknownLayers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rels := s.unknownLayers[name]
		sort.Slice(rels, func(i, j int) bool { return walkLess(rels[i], rels[j]) })
		var layers []string
		seen := map[string]bool{}
		for _, rel := range rels {
			segs := strings.Split(rel, "/")
			if len(segs) < 3 {
				continue
			}
			if _, ok := TypeForLayer(segs[1]); ok && !seen[segs[1]] {
				seen[segs[1]] = true
				layers = append(layers, segs[1]+"/")
			}
		}
		if len(layers) > 0 {
			sort.Strings(layers)
			s.fail(name, 0, 0, "%q is not a layer folder but a pipelines folder (it holds %s and %s): did you mean --pipelines %s?",
				name, strings.Join(layers, ", "), plural(len(rels), "table"), filepath.Join(root, name))
			continue
		}
		what := "table " + rels[0]
		if len(rels) > 1 {
			what = fmt.Sprintf("%d tables (%s, …)", len(rels), rels[0])
		}
		s.fail(name, 0, 0, "unknown layer folder %q holds %s: use one of %s", name, what, layerList)
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func errKey(err error) string {
	var fe *FileError
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s\x00%09d", fe.Path, fe.Line)
	}
	return err.Error()
}

type scanner struct {
	root    string
	display string // the root folder's name, prefix of displayed paths
	opts    ScanOptions

	mu       sync.Mutex
	errs     []error
	warnings []Warning
	// unknownLayers are the table folders found under each folder that is
	// not a layer, reported once per folder after the walk.
	unknownLayers map[string][]string
}

func (s *scanner) fail(rel string, line, col int, format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, &FileError{Path: s.shown(rel), Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (s *scanner) warn(w Warning) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warnings = append(s.warnings, w)
}

// shown is how a path is printed: relative to the root's parent, so it
// starts with the pipelines folder's name, as shift_left prints it.
func (s *scanner) shown(rel string) string {
	if rel == "" || rel == "." {
		return s.display
	}
	return s.display + "/" + rel
}

// walk lists the tree and reads the table folders it finds (folders
// holding sql-scripts/ddl.*.sql or sql-scripts/dml.*.sql) on one pool of
// workers. Listing and reading are system calls that cost as much CPU as
// the analysis, so doing both on every core (rather than a serial walk
// feeding the pool) halves a scan's wall time on two cores.
//
// Every folder is opened relative to its already open parent (the kernel
// then resolves one name, not the whole path), and a folder is first
// probed for a sql-scripts subfolder: when there is one the table is read
// at once, and the folder itself is only listed when its link count says
// it has other subfolders (or the file system does not keep that count).
// A table thus costs about a dozen system calls: open and list sql-scripts,
// one stat, open and read the two files. The walk does not descend into
// tests/ or hidden folders and never follows symlinked folders. Tables
// come back in the order a lexical walk (filepath.WalkDir) would find them.
func (s *scanner) walk(ctx context.Context) ([]*scanned, error) {
	workers := s.opts.Workers
	if workers <= 0 {
		workers = defaultWorkers()
	}
	q := &walkQueue{items: []walkItem{{rel: "."}}, pending: 1}
	q.cond = sync.NewCond(&q.mu)
	// Each worker collects its own tables; they are joined once at the end.
	perWorker := make([][]*scanned, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{az: flinksql.Analyzer{Shallow: !s.opts.TableDefinitions}}
			defer func() { perWorker[k] = w.found }()
			for {
				item, ok := q.next()
				if !ok {
					return
				}
				if err := ctx.Err(); err != nil {
					item.parent.release()
					q.done(nil, "", err)
					continue
				}
				children, err := s.visit(w, item)
				q.done(children, item.rel, err)
			}
		}()
	}
	wg.Wait()
	if q.err != nil {
		return nil, q.err
	}
	n := 0
	for _, f := range perWorker {
		n += len(f)
	}
	// Pointers: a scanned is two hundred bytes, which sorting and
	// appending would copy around.
	found := make([]*scanned, 0, n)
	for _, f := range perWorker {
		found = append(found, f...)
	}
	sort.Slice(found, func(i, j int) bool { return walkLess(found[i].dir.rel, found[j].dir.rel) })
	return found, nil
}

// defaultWorkers is GOMAXPROCS: the files are nearly always in the page
// cache, where reading them is CPU work like the analysis, and more
// goroutines than cores do not help (BenchmarkScanWorkers at 10k tables:
// 1×, 2× and 4× GOMAXPROCS cost the same CPU time within noise, 0.55-0.60 s).
func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// walkItem is a folder waiting to be visited: its name inside its parent
// (nil parent: the root), and its path relative to the root.
type walkItem struct {
	parent *sharedDir
	name   string
	rel    string
}

// sharedDir is an open folder whose subfolders are still queued: each
// queued child holds a reference, and the last one closes it.
type sharedDir struct {
	dir  dirHandle
	refs atomic.Int32
}

func (d *sharedDir) release() {
	if d != nil && d.refs.Add(-1) == 0 {
		d.dir.close()
	}
}

// walkQueue is the folders waiting to be visited. pending counts the
// folders queued or being visited: the walk is over when it drops to zero.
type walkQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	items   []walkItem
	pending int
	err     error  // the first failure, by path
	errRel  string // the folder of err
}

// next hands out a folder to visit; false when the walk is over.
func (q *walkQueue) next() (walkItem, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && q.pending > 0 {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return walkItem{}, false
	}
	item := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return item, true
}

// done records a visited folder: its subfolders join the queue, and a
// failure stops the walk (the one of the first folder by path is kept, so
// the error does not depend on scheduling; the folders still queued are
// dropped and their parents released).
func (q *walkQueue) done(children []walkItem, rel string, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil && (q.err == nil || walkLess(rel, q.errRel)) {
		q.err, q.errRel = err, rel
	}
	if q.err != nil {
		for _, it := range append(q.items, children...) {
			it.parent.release()
		}
		q.pending -= len(q.items)
		q.items = q.items[:0]
		children = nil
	}
	q.items = append(q.items, children...)
	q.pending += len(children) - 1
	if len(children) > 0 || q.pending == 0 {
		q.cond.Broadcast()
	}
}

// visit handles one folder: it reads the table of its sql-scripts
// subfolder if it has one (into w.found), and lists it when it may hold
// other folders to walk, which it returns.
func (s *scanner) visit(w *worker, item walkItem) ([]walkItem, error) {
	tableRead := false
	if item.parent != nil {
		if sd, err := item.parent.dir.openSub(item.name + "/sql-scripts"); err == nil {
			s.readTableDir(w, sd, item.rel+"/sql-scripts")
			sd.close()
			tableRead = true
			if n, known := item.parent.dir.subfolderCount(item.name); known && n == 1 {
				item.parent.release()
				return nil, nil
			}
		}
	}
	var d dirHandle
	var err error
	if item.parent == nil {
		d, err = openDir(s.root)
	} else {
		d, err = item.parent.dir.openSub(item.name)
		item.parent.release()
	}
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", filepath.Join(s.root, filepath.FromSlash(item.rel)), err)
	}
	children, err := s.listDir(w, d, item.rel, tableRead)
	if len(children) == 0 {
		d.close()
		return nil, err
	}
	shared := &sharedDir{dir: d}
	shared.refs.Store(int32(len(children)))
	for i := range children {
		children[i].parent = shared
	}
	return children, err
}

// listDir lists the open folder d: it returns the subfolders to walk, and
// reads the table of a sql-scripts folder found in it (unless tableRead:
// the probe of visit read it already).
func (s *scanner) listDir(w *worker, d dirHandle, rel string, tableRead bool) ([]walkItem, error) {
	entries, err := d.list(&w.dirbuf)
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", d.path, err)
	}
	var children []walkItem
	for _, e := range entries {
		name := e.name
		childRel := name
		if rel != "." {
			childRel = rel + "/" + name
		}
		if e.typ&fs.ModeSymlink != 0 {
			s.checkSymlink(filepath.Join(d.path, name), childRel)
			continue
		}
		if !e.typ.IsDir() || strings.HasPrefix(name, ".") || name == "tests" || name == "node_modules" {
			continue
		}
		if rel == "." && name == ProductsDir {
			continue // data-product manifests, not tables (package products reads them)
		}
		if name != "sql-scripts" {
			children = append(children, walkItem{name: name, rel: childRel})
			continue
		}
		if tableRead {
			continue
		}
		sd, err := d.openSub(name)
		if err != nil {
			s.fail(childRel, 0, 0, "read folder: %v", err)
			continue
		}
		s.readTableDir(w, sd, childRel)
		sd.close()
	}
	return children, nil
}

// walkLess orders slash-separated paths as a lexical walk visits them:
// segment by segment ("a/x" before "a-b/x", unlike plain string order).
func walkLess(a, b string) bool {
	for a != "" && b != "" {
		sa, ra, _ := strings.Cut(a, "/")
		sb, rb, _ := strings.Cut(b, "/")
		if sa != sb {
			return sa < sb
		}
		a, b = ra, rb
	}
	return a == "" && b != ""
}

// checkSymlink refuses links that lead out of the pipelines root; links
// inside the root are ignored (the target is scanned where it lives).
func (s *scanner) checkSymlink(p, rel string) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		s.fail(rel, 0, 0, "broken symbolic link: %v", err)
		return
	}
	root, _ := filepath.EvalSymlinks(s.root)
	if r, err := filepath.Rel(root, target); err != nil || r == ".." || strings.HasPrefix(r, "../") {
		s.fail(rel, 0, 0, "symbolic link to %s leads outside the pipelines folder; copy the file into the project instead", target)
	}
}

// dirEntry is one entry of a folder listing: its name and type bits.
type dirEntry struct {
	name string
	typ  fs.FileMode
}

// readTableDir lists the open sql-scripts folder d and, when it holds a
// DDL or DML, reads the table into w.found.
func (s *scanner) readTableDir(w *worker, d dirHandle, rel string) {
	if td, ok := s.tableFiles(w, d, d.path, rel); ok {
		sc := s.readTable(w, d, td)
		w.found = append(w.found, &sc)
	}
}

// tableFiles reads a sql-scripts folder listing and picks the DDL and DML.
func (s *scanner) tableFiles(w *worker, d dirHandle, dir, rel string) (tableDir, bool) {
	entries, err := d.list(&w.dirbuf)
	if err != nil {
		s.fail(rel, 0, 0, "read folder: %v", err)
		return tableDir{}, false
	}
	td := tableDir{rel: path.Dir(rel)}
	for _, e := range entries {
		n := e.name
		if strings.HasSuffix(n, ".properties") && !e.typ.IsDir() {
			td.props = append(td.props, n)
			continue
		}
		if !strings.HasSuffix(n, ".sql") || e.typ.IsDir() {
			continue
		}
		var slot *string
		switch {
		case strings.HasPrefix(n, "ddl."):
			slot = &td.ddl
		case strings.HasPrefix(n, "dml."):
			slot = &td.dml
		default:
			continue
		}
		if strings.Contains(n, "dlq") {
			continue // shift_left skips dead-letter-queue scripts too
		}
		if e.typ&fs.ModeSymlink != 0 {
			s.checkSymlink(filepath.Join(dir, n), rel+"/"+n)
		}
		if *slot != "" {
			s.fail(rel, 0, 0, "two %s files, %s and %s: keep one per table folder", n[:3], *slot, n)
			continue
		}
		*slot = n
	}
	return td, td.ddl != "" || td.dml != ""
}

// validName reports whether s is a non-empty name of [A-Za-z0-9_.-].
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// scanned is one table folder after reading its files.
type scanned struct {
	dir              tableDir
	typ              TableType
	product          string
	ddl, dml         *flinksql.Analysis
	ddlText, dmlText string
	name             flinksql.Name
	ok               bool
}

// worker holds one goroutine's reusable buffers: the analyser's token
// buffers and the file read buffer (the analysis copies what it keeps).
type worker struct {
	az     flinksql.Analyzer
	buf    []byte
	dirbuf []byte     // folder listing buffer
	found  []*scanned // the tables this worker read
}

func (s *scanner) readTable(w *worker, d dirHandle, td tableDir) scanned {
	sc := scanned{dir: td}
	segs := strings.Split(td.rel, "/")
	for _, seg := range segs {
		if !validName(seg) {
			s.fail(td.rel, 0, 0, "folder name %q has characters outside [A-Za-z0-9_.-]: rename it", seg)
			return sc
		}
	}
	typ, ok := TypeForLayer(segs[0])
	if !ok || len(segs) < 2 {
		if !ok {
			s.mu.Lock()
			if s.unknownLayers == nil {
				s.unknownLayers = map[string][]string{}
			}
			s.unknownLayers[segs[0]] = append(s.unknownLayers[segs[0]], td.rel)
			s.mu.Unlock()
		} else {
			s.fail(td.rel, 0, 0, "sql-scripts directly in the layer folder: put each table in its own folder")
		}
		return sc
	}
	sc.typ = typ
	if len(segs) >= 3 {
		sc.product = segs[len(segs)-2]
	}
	if td.ddl != "" {
		sc.ddl, sc.ddlText = s.analyze(w, d, td.rel+"/sql-scripts/", td.ddl)
		if sc.ddl == nil {
			return sc
		}
	}
	if td.dml != "" {
		sc.dml, sc.dmlText = s.analyze(w, d, td.rel+"/sql-scripts/", td.dml)
		if sc.dml == nil {
			return sc
		}
	}
	switch {
	case sc.dml != nil && len(sc.dml.Writes) > 0:
		sc.name = sc.dml.Writes[0]
	case sc.ddl != nil && len(sc.ddl.Writes) > 0:
		sc.name = sc.ddl.Writes[0]
	default:
		file := td.dml
		if file == "" {
			file = td.ddl
		}
		s.fail(td.rel+"/sql-scripts/"+file, 0, 0, "no INSERT INTO or CREATE TABLE found: cannot tell which table this folder defines")
		return sc
	}
	if !validName(sc.name.Table()) {
		s.fail(td.rel+"/sql-scripts/"+pick(td.dml, td.ddl), sc.name.Pos.Line, sc.name.Pos.Col, "table name %q has characters outside [A-Za-z0-9_.-]", sc.name.Table())
		return sc
	}
	s.checkFileNames(sc)
	sc.ok = true
	return sc
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkFileNames warns when the table the SQL writes is not the one its
// file names say, naming both.
func (s *scanner) checkFileNames(sc scanned) {
	name := sc.name.Table()
	for _, f := range []string{sc.dir.ddl, sc.dir.dml} {
		if f == "" {
			continue
		}
		fileTable := strings.TrimSuffix(f[4:], ".sql")
		if fileTable != name {
			s.warn(Warning{File: s.shown(sc.dir.rel + "/sql-scripts/" + f), Table: name,
				Message: fmt.Sprintf("file is named for table %q but its SQL defines table %q (the SQL wins)", fileTable, name)})
		}
	}
	if sc.dml != nil && sc.ddl != nil && len(sc.ddl.Writes) > 0 && sc.ddl.Writes[0].Table() != name {
		s.warn(Warning{File: s.shown(sc.dir.rel + "/sql-scripts/" + sc.dir.ddl), Line: sc.ddl.Writes[0].Pos.Line, Table: name,
			Message: fmt.Sprintf("DDL creates %q but the DML writes %q (the DML wins)", sc.ddl.Writes[0].Table(), name)})
	}
}

// errTooLarge is a file over MaxFileSize.
var errTooLarge = errors.New("file too large")

// analyze reads the file name of the sql-scripts folder d (shown as
// dirRel+name) and analyses it; nil after a reported error.
func (s *scanner) analyze(w *worker, d dirHandle, dirRel, name string) (*flinksql.Analysis, string) {
	rel := dirRel + name
	src, size, err := d.readFile(name, w.buf, MaxFileSize)
	w.buf = src[:0]
	if errors.Is(err, errTooLarge) {
		s.fail(rel, 0, 0, "file is %d bytes, over the %d MB limit for SQL files", size, MaxFileSize>>20)
		return nil, ""
	}
	if err != nil {
		s.fail(rel, 0, 0, "read: %v", err)
		return nil, ""
	}
	// One copy of the file: the analysis cuts what it keeps from it, and
	// KeepSQL keeps it whole.
	text := string(src)
	a, err := w.az.AnalyzeString(text)
	if err != nil {
		var se *flinksql.SyntaxError
		if errors.As(err, &se) {
			s.fail(rel, se.Pos.Line, se.Pos.Col, "%s", se.Msg)
		} else {
			s.fail(rel, 0, 0, "%v", err)
		}
		return nil, ""
	}
	if s.opts.KeepSQL {
		return a, text
	}
	return a, ""
}

// externalTable is one entry of seeds/external_tables.json.
type externalTable struct {
	TableName   string `json:"table_name"`
	KafkaTopic  string `json:"kafka_topic"`
	ProductName string `json:"product_name"`
}

func (s *scanner) readExternalTables() []externalTable {
	p := filepath.Join(s.root, filepath.FromSlash(ExternalTablesFile))
	src, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		s.fail(ExternalTablesFile, 0, 0, "read: %v", err)
		return nil
	}
	tables, err := ParseExternalTables(src)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			s.fail(ExternalTablesFile, fe.Line, fe.Col, "%s", fe.Msg)
		} else {
			s.fail(ExternalTablesFile, 0, 0, "%v", err)
		}
		return nil
	}
	return tables
}

// ParseExternalTables reads the {"tables":[{table_name,kafka_topic,
// product_name}]} document. Errors carry the line of the problem.
func ParseExternalTables(src []byte) ([]externalTable, error) {
	var doc struct {
		Tables []externalTable `json:"tables"`
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		line, col := jsonErrorPos(src, err)
		return nil, &FileError{Line: line, Col: col, Msg: "invalid JSON: " + err.Error() + ` (expected {"tables":[{"table_name":…,"kafka_topic":…,"product_name":…}]})`, Err: err}
	}
	for i, t := range doc.Tables {
		if !validName(t.TableName) {
			return nil, &FileError{Msg: fmt.Sprintf("tables[%d]: table_name %q is empty or has characters outside [A-Za-z0-9_.-]", i, t.TableName)}
		}
	}
	return doc.Tables, nil
}

// jsonErrorPos turns a decoder error's byte offset into line and column.
func jsonErrorPos(src []byte, err error) (int, int) {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(src)) {
		return 0, 0
	}
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(src[:off], '\n')
	return line, col
}

// assemble builds the project from the scanned folders: names, duplicate
// checks, external tables, then reference resolution.
func (s *scanner) assemble(found []*scanned, externals []externalTable) *Project {
	p := &Project{Root: s.root, ByName: make(map[string]*Table, len(found)+len(externals)), SQLKept: s.opts.KeepSQL}
	for _, sc := range found {
		if !sc.ok {
			continue
		}
		t := &Table{
			Name:      sc.name.Table(),
			Qualified: sc.name.String(),
			Type:      sc.typ,
			Product:   sc.product,
			Folder:    sc.dir.rel,
			DDL:       sc.ddl,
			DML:       sc.dml,
			DDLText:   sc.ddlText,
			DMLText:   sc.dmlText,
		}
		if sc.dir.ddl != "" {
			t.DDLPath = sc.dir.rel + "/sql-scripts/" + sc.dir.ddl
		}
		if sc.dir.dml != "" {
			t.DMLPath = sc.dir.rel + "/sql-scripts/" + sc.dir.dml
		}
		for _, n := range sc.dir.props {
			switch n {
			case "ddl." + t.Name + ".properties":
				t.DDLPropertiesPath = sc.dir.rel + "/sql-scripts/" + n
			case "dml." + t.Name + ".properties":
				t.DMLPropertiesPath = sc.dir.rel + "/sql-scripts/" + n
			}
		}
		if prev, dup := p.ByName[t.Name]; dup {
			a, b := prev.Folder, t.Folder
			if b < a {
				a, b = b, a
			}
			s.fail(b, 0, 0, "table %s is defined twice, in %s and %s: rename or remove one", t.Name, s.shown(a), s.shown(b))
			continue
		}
		p.ByName[t.Name] = t
	}
	for _, e := range externals {
		if prev, dup := p.ByName[e.TableName]; dup {
			s.warn(Warning{File: s.shown(ExternalTablesFile), Table: e.TableName,
				Message: fmt.Sprintf("external table %s is also defined in %s; the project's definition is used", e.TableName, s.shown(prev.Folder))})
			continue
		}
		product := e.ProductName
		if product == "" {
			product = "common"
		}
		p.ByName[e.TableName] = &Table{Name: e.TableName, Type: TypeExternal, Product: product, IsExternal: true, KafkaTopic: e.KafkaTopic}
	}
	for _, t := range p.ByName {
		p.Tables = append(p.Tables, t)
	}
	slices.SortFunc(p.Tables, func(a, b *Table) int { return strings.Compare(a.Name, b.Name) })
	// Resolution only reads the name index: the tables are split between
	// the cores.
	parts := max(1, min(defaultWorkers(), len(p.Tables)/1000))
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := k*len(p.Tables)/parts, (k+1)*len(p.Tables)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, t := range p.Tables[lo:hi] {
				s.resolve(p, t)
			}
		}()
	}
	wg.Wait()
	sort.Slice(s.warnings, func(i, j int) bool { return s.warnings[i].String() < s.warnings[j].String() })
	p.Warnings = s.warnings
	return p
}

// resolve turns a table's reads into parents and external references;
// with --strict an unknown reference is an error.
func (s *scanner) resolve(p *Project, t *Table) {
	var unknown func(a *flinksql.Analysis, r flinksql.Name)
	if s.opts.Strict {
		unknown = func(a *flinksql.Analysis, r flinksql.Name) {
			file := t.DMLPath
			if a == t.DDL {
				file = t.DDLPath
			}
			s.fail(file, r.Pos.Line, r.Pos.Col, "table %s reads %s, which is not a table of the project nor listed in %s (--strict)", t.Name, r.String(), ExternalTablesFile)
		}
	}
	resolveReads(p.ByName, t, unknown)
}

// resolveReads sets a table's Parents (tables of byName, matched on the
// last name part), External (the other references, qualified as written)
// and Stateful. unknown, when not nil, is called for each external
// reference.
func resolveReads(byName map[string]*Table, t *Table, unknown func(a *flinksql.Analysis, r flinksql.Name)) {
	t.Parents, t.External = []string{}, []string{}
	if t.IsExternal {
		return
	}
	// A table reads a handful of names: slices beat maps here.
	var parents, external []string
	for _, a := range []*flinksql.Analysis{t.DDL, t.DML} {
		if a == nil {
			continue
		}
		for _, r := range a.Reads {
			name := r.Table()
			if name == t.Name {
				continue
			}
			if _, ok := byName[name]; ok {
				parents = append(parents, name)
				continue
			}
			q := r.String()
			if slices.Contains(external, q) {
				continue
			}
			if unknown != nil {
				unknown(a, r)
			}
			external = append(external, q)
		}
	}
	if len(parents) > 0 {
		slices.Sort(parents)
		t.Parents = slices.Compact(parents)
	}
	if len(external) > 0 {
		slices.Sort(external)
		t.External = external
	}
	switch {
	case t.DML != nil:
		t.Stateful = t.DML.Stateful
	case t.DDL != nil:
		t.Stateful = t.DDL.ChangelogMode == "upsert" || t.DDL.ChangelogMode == "retract"
	}
}
