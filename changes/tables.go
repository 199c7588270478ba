package changes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
)

const sqlScripts = "sql-scripts"

// view reads one state of the pipelines folder: a tree of the repository or
// the files on disk. Paths are slash-separated, relative to the pipelines
// root.
type view interface {
	isDir(dir string) bool
	files(dir string) ([]string, error) // names of the files directly in dir, sorted
	read(p string) ([]byte, error)
	hash(p string) (plumbing.Hash, bool, error)
}

type treeView struct {
	repo *repo
	tree *object.Tree
}

func (v *treeView) isDir(dir string) bool {
	_, err := v.tree.Tree(dir)
	return err == nil
}

func (v *treeView) files(dir string) ([]string, error) {
	t, err := v.tree.Tree(dir)
	if errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", dir, err)
	}
	var names []string
	for _, e := range t.Entries {
		if e.Mode.IsFile() {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

func (v *treeView) read(p string) ([]byte, error) {
	f, err := v.tree.File(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	s, err := f.Contents()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return []byte(s), nil
}

func (v *treeView) hash(p string) (plumbing.Hash, bool, error) {
	e, err := v.tree.FindEntry(p)
	if err != nil {
		if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
			return plumbing.ZeroHash, false, nil
		}
		return plumbing.ZeroHash, false, fmt.Errorf("read %s: %w", p, err)
	}
	return e.Hash, true, nil
}

type diskView struct{ root string }

func (v *diskView) abs(p string) string { return filepath.Join(v.root, filepath.FromSlash(p)) }

func (v *diskView) isDir(dir string) bool {
	st, err := os.Stat(v.abs(dir))
	return err == nil && st.IsDir()
}

func (v *diskView) files(dir string) ([]string, error) {
	entries, err := os.ReadDir(v.abs(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read folder %s: %w", v.abs(dir), err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func (v *diskView) read(p string) ([]byte, error) { return os.ReadFile(v.abs(p)) }

func (v *diskView) hash(p string) (plumbing.Hash, bool, error) {
	st, err := os.Lstat(v.abs(p))
	if errors.Is(err, os.ErrNotExist) {
		return plumbing.ZeroHash, false, nil
	}
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	h, err := hashFile(v.abs(p), st.Mode())
	return h, err == nil, err
}

// role is what a file is to its table folder: ddl or dml for the SQL and
// .properties files of sql-scripts/ (a .properties file sets the properties
// of the statement of the same name, so changing it changes that
// statement), other for everything else.
func role(folder, p string) Kind {
	rest, ok := strings.CutPrefix(p, folder+"/"+sqlScripts+"/")
	if !ok || strings.Contains(rest, "/") {
		return KindOther
	}
	if !strings.HasSuffix(rest, ".sql") && !strings.HasSuffix(rest, ".properties") {
		return KindOther
	}
	switch {
	case strings.HasPrefix(rest, "ddl."):
		return KindDDL
	case strings.HasPrefix(rest, "dml."):
		return KindDML
	}
	return KindOther
}

// sqlFile returns the folder's DDL or DML file name (prefix "ddl." or
// "dml."), "" when there is none. Like shift_left, files naming a dead
// letter queue ("dlq") are only taken when there is nothing else.
func sqlFile(v view, folder, prefix string) (string, error) {
	names, err := v.files(folder + "/" + sqlScripts)
	if err != nil {
		return "", err
	}
	var dlq string
	for _, n := range names {
		if !strings.HasPrefix(n, prefix) || !strings.HasSuffix(n, ".sql") {
			continue
		}
		if strings.Contains(n, "dlq") {
			if dlq == "" {
				dlq = n
			}
			continue
		}
		return folder + "/" + sqlScripts + "/" + n, nil
	}
	if dlq != "" {
		return folder + "/" + sqlScripts + "/" + dlq, nil
	}
	return "", nil
}

// baseSQL reads a table folder's DDL and DML from the base view.
func baseSQL(v view, folder string) (*BaseSQL, error) {
	var b BaseSQL
	for _, f := range []struct {
		prefix     string
		path, text *string
	}{{"ddl.", &b.DDLPath, &b.DDL}, {"dml.", &b.DMLPath, &b.DML}} {
		p, err := sqlFile(v, folder, f.prefix)
		if err != nil {
			return nil, err
		}
		if p == "" {
			continue
		}
		src, err := v.read(p)
		if err != nil {
			return nil, err
		}
		*f.path, *f.text = p, string(src)
	}
	return &b, nil
}

// builder maps deltas to table folders and tables.
type builder struct {
	st       *state
	tableOf  func(string) string
	folders  map[string]string // dir → table folder ("" when none), memoized
	warnings map[string]bool
}

func (b *builder) warn(format string, args ...any) {
	b.warnings[fmt.Sprintf(format, args...)] = true
}

// folderOf returns the table folder of p: the nearest ancestor holding
// sql-scripts/ in the base or the current state. O(depth) tree lookups per
// new folder, memoized.
func (b *builder) folderOf(p string) string {
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts)-1; i++ {
		if parts[i] == sqlScripts {
			return strings.Join(parts[:i], "/")
		}
	}
	dir := path.Dir(p)
	var visited []string
	found := ""
	for dir != "." && dir != "/" && dir != "" {
		if f, ok := b.folders[dir]; ok {
			found = f
			break
		}
		visited = append(visited, dir)
		sub := dir + "/" + sqlScripts
		if b.st.current.isDir(sub) || b.st.base.isDir(sub) {
			found = dir
			break
		}
		dir = path.Dir(dir)
	}
	for _, d := range visited {
		b.folders[d] = found
	}
	return found
}

// tableName reads the table of a folder in a view: TableOf (current state
// only), else the first write of the DML, else of the DDL, else the file
// name.
func (b *builder) tableName(v view, folder string, useTableOf bool) (string, error) {
	dml, err := sqlFile(v, folder, "dml.")
	if err != nil {
		return "", err
	}
	ddl, err := sqlFile(v, folder, "ddl.")
	if err != nil {
		return "", err
	}
	if useTableOf && b.tableOf != nil {
		for _, p := range []string{dml, ddl} {
			if p == "" {
				continue
			}
			if name := b.tableOf(p); name != "" {
				return name, nil
			}
		}
	}
	for _, p := range []string{dml, ddl} {
		if p == "" {
			continue
		}
		src, err := v.read(p)
		if err != nil {
			return "", err
		}
		a, err := flinksql.Analyze(src)
		if err != nil {
			b.warn("%s: cannot read the table name: %v", p, err)
			continue
		}
		for _, w := range a.Writes {
			if t := w.Table(); t != "" {
				return t, nil
			}
		}
	}
	for _, p := range []string{dml, ddl} {
		if p == "" {
			continue
		}
		name := strings.TrimSuffix(path.Base(p), ".sql")
		name = name[strings.Index(name, ".")+1:]
		b.warn("%s: no INSERT INTO or CREATE TABLE found; table name %q taken from the file name", p, name)
		return name, nil
	}
	name := path.Base(folder)
	b.warn("%s: no ddl.*.sql or dml.*.sql file; table name %q taken from the folder name", folder, name)
	return name, nil
}

// folderChange is what happened to one table folder.
type folderChange struct {
	folder            string
	files             []string // changed paths in the folder (either side of a rename)
	atBase, now       bool
	baseName, curName string
	ddl, dml          bool // a file of that role changed
}

// build fills cs's Tables, Files and Warnings from the collected deltas:
// it maps each changed file to its table folder, decides what happened to
// each folder (added, deleted, renamed, DDL or DML changed), then lists
// every file with the kind of change it belongs to. Listings are sorted so
// the change set is the same whatever order git gave the deltas in.
//
// Cost: O(F log F) for F changed files, plus per changed folder O(depth)
// tree lookups (memoized), the reads of its SQL files (table names, schema
// classification, formatting check) and, for a rename pair, hashes of the
// SQL files on both sides.
func (r *repo) build(ctx context.Context, st *state, cs *ChangeSet, tableOf func(string) string) error {
	b := &builder{st: st, tableOf: tableOf, folders: map[string]string{}, warnings: map[string]bool{}}
	fi := b.indexFolders()
	tables, err := b.tableChanges(ctx, fi.folders)
	if err != nil {
		return err
	}
	cs.Files = r.fileChanges(st.deltas, fi, tables)
	cs.Tables = tables
	if cs.Tables == nil {
		cs.Tables = []TableChange{}
	}
	cs.Warnings = append(cs.Warnings, sortedKeys(b.warnings)...)
	return nil
}

// folderIndex maps the deltas to their table folders.
type folderIndex struct {
	// folders are the changed table folders by path.
	folders map[string]*folderChange
	// fileFolder and oldFolder are, per delta, the table folder of its
	// current and its base path ("" outside any table folder); they differ
	// only when a file moved between folders.
	fileFolder, oldFolder []string
}

// indexFolders finds the table folder of each delta's path (and of its
// base path when the file moved) and records in that folder which files
// changed and whether a DDL or DML file is among them. Cost: O(F) plus the
// memoized folder lookups of folderOf.
func (b *builder) indexFolders() folderIndex {
	deltas := b.st.deltas
	fi := folderIndex{
		folders:    map[string]*folderChange{},
		fileFolder: make([]string, len(deltas)),
		oldFolder:  make([]string, len(deltas)),
	}
	touch := func(f string, p string) {
		if f == "" {
			return
		}
		fc := fi.folders[f]
		if fc == nil {
			fc = &folderChange{folder: f}
			fi.folders[f] = fc
		}
		fc.files = append(fc.files, p)
		switch role(f, p) {
		case KindDDL:
			fc.ddl = true
		case KindDML:
			fc.dml = true
		}
	}
	for i, d := range deltas {
		fi.fileFolder[i] = b.folderOf(d.path)
		touch(fi.fileFolder[i], d.path)
		fi.oldFolder[i] = fi.fileFolder[i]
		if d.fromPath != "" && d.fromPath != d.path {
			fi.oldFolder[i] = b.folderOf(d.fromPath)
			if fi.oldFolder[i] != fi.fileFolder[i] {
				touch(fi.oldFolder[i], d.fromPath)
			}
		}
	}
	return fi
}

// tableChanges decides what happened to each changed folder, in folder
// order, then pairs a deleted and an added folder of the same table into
// a rename. The result is sorted by table, then folder.
func (b *builder) tableChanges(ctx context.Context, folders map[string]*folderChange) ([]TableChange, error) {
	var added, deleted, tables []TableChange
	for _, f := range sortedKeys(folders) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fc := folders[f]
		if err := b.nameFolder(fc); err != nil {
			return nil, err
		}
		a, d, t, err := b.folderTableChanges(fc)
		if err != nil {
			return nil, err
		}
		added, deleted, tables = append(added, a...), append(deleted, d...), append(tables, t...)
	}
	tables, err := b.pairRenames(tables, added, deleted)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(tables, func(i, j int) bool {
		if tables[i].Table != tables[j].Table {
			return tables[i].Table < tables[j].Table
		}
		return tables[i].Folder < tables[j].Folder
	})
	return tables, nil
}

// nameFolder records whether the folder is a table folder at the base and
// now, and the table it holds on each side. The base name is read again
// only when a DDL or DML file changed: otherwise the SQL, hence the name,
// is the one of now.
func (b *builder) nameFolder(fc *folderChange) error {
	f := fc.folder
	fc.atBase = b.st.base.isDir(f + "/" + sqlScripts)
	fc.now = b.st.current.isDir(f + "/" + sqlScripts)
	var err error
	if fc.now {
		if fc.curName, err = b.tableName(b.st.current, f, true); err != nil {
			return err
		}
	}
	if fc.atBase {
		if fc.now && !fc.ddl && !fc.dml {
			fc.baseName = fc.curName
		} else if fc.baseName, err = b.tableName(b.st.base, f, false); err != nil {
			return err
		}
	}
	return nil
}

// folderTableChanges is what one named folder's change means for its
// tables: added (a new folder), deleted (a removed one, with its base SQL
// for undeploying), both (the SQL now writes another table), or a DDL or
// DML change of the same table (DDL wins: it also redeploys the DML), with
// the schema classification and whether the change only reformats.
// Added and deleted ones are returned apart so renames can be paired.
func (b *builder) folderTableChanges(fc *folderChange) (added, deleted, changed []TableChange, err error) {
	f := fc.folder
	files := mergeSorted(fc.files, nil)
	gone := func(name string) ([]TableChange, error) {
		tc := TableChange{Table: name, Kind: KindDeleted, Folder: f, Files: files}
		if tc.Base, err = baseSQL(b.st.base, f); err != nil {
			return nil, err
		}
		return []TableChange{tc}, nil
	}
	switch {
	case fc.now && !fc.atBase:
		added = []TableChange{{Table: fc.curName, Kind: KindAdded, Folder: f, Files: files}}
	case fc.atBase && !fc.now:
		deleted, err = gone(fc.baseName)
	case fc.baseName != fc.curName:
		// The SQL now writes another table: the old one is gone for
		// its readers and the new one has to be created.
		if deleted, err = gone(fc.baseName); err == nil {
			added = []TableChange{{Table: fc.curName, Kind: KindAdded, Folder: f, Files: files}}
		}
	case fc.ddl:
		tc := TableChange{Table: fc.curName, Kind: KindDDL, Folder: f, Files: files}
		if tc.Schema, err = b.schema(f, f); err != nil {
			return nil, nil, nil, err
		}
		if tc.FormattingOnly, err = b.formattingOnly(fc.files); err != nil {
			return nil, nil, nil, err
		}
		changed = []TableChange{tc}
	case fc.dml:
		tc := TableChange{Table: fc.curName, Kind: KindDML, Folder: f, Files: files}
		if tc.FormattingOnly, err = b.formattingOnly(fc.files); err != nil {
			return nil, nil, nil, err
		}
		changed = []TableChange{tc}
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return added, deleted, changed, nil
}

// fileChanges lists every delta as a file change sorted by path, with the
// table it belongs to and its kind: ddl, dml or other by its role, except
// that the SQL files of a folder added, deleted or renamed as a whole carry
// that kind. A file moved between two folders that are not a rename pair
// is listed as a deletion and an addition.
func (r *repo) fileChanges(deltas []fileDelta, fi folderIndex, tables []TableChange) []FileChange {
	folderKind, moved := wholeFolderKinds(tables)
	files := make([]FileChange, 0, len(deltas))
	emit := func(d fileDelta, action, folder, p string) {
		fc := FileChange{Path: d.path, RepoPath: r.repoRel(d.path), Kind: KindOther, Action: action, Uncommitted: d.uncommitted}
		if action == ActionDeleted || action == ActionRenamed {
			fc.OldPath = d.fromPath
		}
		if folder != "" {
			info := fi.folders[folder]
			fc.Table = info.curName
			if !info.now {
				fc.Table = info.baseName
			}
			fc.Kind = role(folder, p)
			if k, ok := folderKind[folder]; ok && fc.Kind != KindOther {
				fc.Kind = k
			}
		}
		files = append(files, fc)
	}
	for i, d := range deltas {
		from, to := fi.oldFolder[i], fi.fileFolder[i]
		switch {
		case d.from == nil:
			emit(d, ActionAdded, to, d.path)
		case d.to == nil:
			emit(d, ActionDeleted, to, d.path)
		case d.fromPath == d.path:
			emit(d, ActionModified, to, d.path)
		case from != to && !moved[[2]string{from, to}]:
			// Similar files of two unrelated folders (two Makefiles, two
			// small DDLs) are not a move: list a deletion and an addition.
			del := fileDelta{path: d.fromPath, fromPath: d.fromPath, from: d.from, uncommitted: d.uncommitted}
			emit(del, ActionDeleted, from, d.fromPath)
			emit(fileDelta{path: d.path, to: d.to, uncommitted: d.uncommitted}, ActionAdded, to, d.path)
		default:
			emit(d, ActionRenamed, to, d.path)
		}
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].Path != files[j].Path {
			return files[i].Path < files[j].Path
		}
		return files[i].OldPath < files[j].OldPath
	})
	return files
}

// wholeFolderKinds returns the kind of each folder added, deleted or
// renamed as a whole (the first table change of a folder wins; a rename
// marks its old folder too), and the (old, new) folder pairs of renames.
func wholeFolderKinds(tables []TableChange) (folderKind map[string]Kind, moved map[[2]string]bool) {
	folderKind = map[string]Kind{}
	moved = map[[2]string]bool{}
	for _, t := range tables {
		switch t.Kind {
		case KindAdded, KindDeleted, KindRenamed:
			if _, ok := folderKind[t.Folder]; !ok {
				folderKind[t.Folder] = t.Kind
			}
			if t.OldFolder != "" {
				folderKind[t.OldFolder] = t.Kind
			}
		}
		if t.Kind == KindRenamed {
			moved[[2]string{t.OldFolder, t.Folder}] = true
		}
	}
	return folderKind, moved
}

// pairRenames turns a deleted and an added folder of the same table into
// one renamed table; unpaired ones stay added or deleted. Pairs are taken in
// folder order so the result is stable.
func (b *builder) pairRenames(tables, added, deleted []TableChange) ([]TableChange, error) {
	gone := map[string][]TableChange{}
	for _, d := range deleted {
		gone[d.Table] = append(gone[d.Table], d)
	}
	for _, a := range added {
		cands := gone[a.Table]
		var old *TableChange
		for i := range cands {
			if cands[i].Folder != a.Folder {
				old = &cands[i]
				gone[a.Table] = append(cands[:i:i], cands[i+1:]...)
				break
			}
		}
		if old == nil {
			tables = append(tables, a)
			continue
		}
		rc := TableChange{Table: a.Table, Kind: KindRenamed, Folder: a.Folder, OldFolder: old.Folder,
			Files: mergeSorted(a.Files, old.Files)}
		ddlChanged, err := b.sqlChanged(old.Folder, a.Folder, "ddl.")
		if err != nil {
			return nil, err
		}
		dmlChanged, err := b.sqlChanged(old.Folder, a.Folder, "dml.")
		if err != nil {
			return nil, err
		}
		switch {
		case ddlChanged:
			rc.Content = KindDDL
			if rc.Schema, err = b.schema(old.Folder, a.Folder); err != nil {
				return nil, err
			}
		case dmlChanged:
			rc.Content = KindDML
		}
		tables = append(tables, rc)
	}
	for _, name := range sortedKeys(gone) {
		tables = append(tables, gone[name]...)
	}
	return tables, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mergeSorted(a, b []string) []string {
	out := append(append([]string{}, a...), b...)
	sort.Strings(out)
	k := 0
	for i, s := range out {
		if i == 0 || s != out[k-1] {
			out[k] = s
			k++
		}
	}
	return out[:k]
}

// sqlChanged compares the content of the folder's DDL or DML file at the
// base (oldFolder) and now (folder).
func (b *builder) sqlChanged(oldFolder, folder, prefix string) (bool, error) {
	oldFile, err := sqlFile(b.st.base, oldFolder, prefix)
	if err != nil {
		return false, err
	}
	newFile, err := sqlFile(b.st.current, folder, prefix)
	if err != nil {
		return false, err
	}
	if oldFile == "" || newFile == "" {
		return oldFile != newFile, nil
	}
	oh, _, err := b.st.base.hash(oldFile)
	if err != nil {
		return false, err
	}
	nh, _, err := b.st.current.hash(newFile)
	if err != nil {
		return false, err
	}
	return oh != nh, nil
}

// formattingOnly reports whether the changed files of one table folder
// (not renamed) only reformat its SQL: every changed DDL/DML file exists at
// the base and now and normalizes to the same text, and no .properties
// file changed. Files of other roles (tests, Makefile) do not count. A
// file that cannot be normalized counts as a real change.
func (b *builder) formattingOnly(files []string) (bool, error) {
	sqlSeen := false
	for _, p := range files {
		switch role(b.folderOf(p), p) {
		case KindDDL, KindDML:
		default:
			continue
		}
		if !strings.HasSuffix(p, ".sql") {
			return false, nil // a .properties change changes the statement
		}
		for _, v := range []view{b.st.base, b.st.current} {
			if _, ok, err := v.hash(p); err != nil || !ok {
				return false, err
			}
		}
		oldSQL, newSQL, err := b.readBoth(p, p)
		if err != nil {
			return false, err
		}
		on, oerr := flinksql.Normalize(oldSQL)
		nn, nerr := flinksql.Normalize(newSQL)
		if oerr != nil || nerr != nil || on != nn {
			return false, nil
		}
		sqlSeen = true
	}
	return sqlSeen, nil
}

// readBoth reads a file at the base and (maybe under another path) now.
func (b *builder) readBoth(oldPath, newPath string) (oldData, newData []byte, err error) {
	if oldData, err = b.st.base.read(oldPath); err != nil {
		return nil, nil, err
	}
	if newData, err = b.st.current.read(newPath); err != nil {
		return nil, nil, err
	}
	return oldData, newData, nil
}

// schema classifies the change of the DDL from oldFolder at the base to
// folder now. A DDL that cannot be analysed counts as breaking: recreating
// descendants is the safe choice.
func (b *builder) schema(oldFolder, folder string) (*SchemaChange, error) {
	oldFile, err := sqlFile(b.st.base, oldFolder, "ddl.")
	if err != nil {
		return nil, err
	}
	newFile, err := sqlFile(b.st.current, folder, "ddl.")
	if err != nil {
		return nil, err
	}
	switch {
	case oldFile == "" && newFile == "":
		return &SchemaChange{Category: Compatible, Reasons: []string{"no DDL file"}}, nil
	case oldFile == "":
		return &SchemaChange{Category: Breaking, Reasons: []string{"DDL file " + newFile + " added"}}, nil
	case newFile == "":
		return &SchemaChange{Category: Breaking, Reasons: []string{"DDL file " + oldFile + " removed"}}, nil
	}
	oldSQL, newSQL, err := b.readBoth(oldFile, newFile)
	if err != nil {
		return nil, err
	}
	sc, err := ClassifySchema(oldSQL, newSQL)
	if err != nil {
		b.warn("%s: cannot compare the DDL with %s at the base: %v", newFile, oldFile, err)
		return &SchemaChange{Category: Breaking, Reasons: []string{"DDL cannot be analysed: " + err.Error()}}, nil
	}
	if len(sc.Reasons) == 0 && string(oldSQL) == string(newSQL) {
		sc.Reasons = []string{"statement properties changed"}
	}
	return sc, nil
}
