package unittest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/shiftleft-dev/shiftleft/pipeline"
	"go.yaml.in/yaml/v3"
)

// ErrNoSuite is matched when a table has no tests/test_definitions.yaml.
var ErrNoSuite = errors.New("no unit tests")

// Load reads tableFolder/tests/test_definitions.yaml. File names in it are
// relative to tableFolder. Unknown keys and doubtful entries are warnings; a
// file that cannot be used (bad YAML, a missing required key, a wrong type, a
// referenced file that does not exist) is a *pipeline.FileError naming the
// file and line. Cost: one read of the definition file and one stat per
// referenced file.
func Load(tableFolder string) (*Suite, []Warning, error) {
	path := filepath.Join(tableFolder, TestsDir, DefinitionFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%s: %w (create them with 'shiftleft table init-unit-tests')", path, ErrNoSuite)
		}
		return nil, nil, fmt.Errorf("read unit tests: %w", err)
	}
	s, ws, err := Parse(path, data)
	if err != nil {
		return nil, ws, err
	}
	s.Dir = tableFolder
	if err := s.checkFiles(); err != nil {
		return nil, ws, err
	}
	return s, ws, nil
}

// Parse reads a definition file's content; path is only used in messages.
// It does not look at the referenced files (Load does).
func Parse(path string, data []byte) (*Suite, []Warning, error) {
	p := &parser{path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, p.yamlError(err)
	}
	s := &Suite{File: path}
	if len(doc.Content) == 0 {
		return nil, nil, p.errAt(0, "empty file: it needs foundations and test_suite")
	}
	root := doc.Content[0]
	if err := p.mapping(root, "the file", func(key string, k, v *yaml.Node) error {
		switch key {
		case "foundations":
			return p.seq(v, key, func(n *yaml.Node) error {
				f := Foundation{Line: n.Line}
				err := p.mapping(n, "a foundation", func(key string, k, v *yaml.Node) error {
					switch key {
					case "table_name":
						return p.str(v, key, &f.Table)
					case "ddl_for_test":
						return p.str(v, key, &f.DDLFile)
					}
					p.unknown(k, "foundation")
					return nil
				})
				if err != nil {
					return err
				}
				if err := p.required(n, "foundation", "table_name", f.Table, "ddl_for_test", f.DDLFile); err != nil {
					return err
				}
				s.Foundations = append(s.Foundations, f)
				return nil
			})
		case "test_suite":
			return p.seq(v, key, func(n *yaml.Node) error {
				c, err := p.testCase(n)
				if err != nil {
					return err
				}
				s.Cases = append(s.Cases, c)
				return nil
			})
		}
		p.unknown(k, "test definition")
		return nil
	}); err != nil {
		return nil, p.warnings, err
	}
	if err := p.check(s, root); err != nil {
		return nil, p.warnings, err
	}
	return s, p.warnings, nil
}

type parser struct {
	path     string
	warnings []Warning
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

func (p *parser) yamlError(err error) error {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = msg[len(m[0]):]
	}
	return &pipeline.FileError{Path: p.path, Line: line, Col: 1, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: "), Err: err}
}

func (p *parser) errAt(n int, format string, args ...any) error {
	col := 0
	if n > 0 {
		col = 1
	}
	return &pipeline.FileError{Path: p.path, Line: n, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) errNode(n *yaml.Node, format string, args ...any) error {
	return &pipeline.FileError{Path: p.path, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) warn(line int, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{File: p.path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) unknown(k *yaml.Node, where string) {
	p.warn(k.Line, "unknown key %q in a %s is ignored", k.Value, where)
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return "a value"
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// mapping calls f for each key of a mapping node, in file order; a
// duplicated key is an error (yaml.v3 would silently keep the last one).
func (p *parser) mapping(n *yaml.Node, what string, f func(key string, k, v *yaml.Node) error) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return p.errNode(n, "%s must be a mapping of keys, found %s", what, kind(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if first, ok := seen[k.Value]; ok {
			return p.errNode(k, "key %q given twice (first at line %d)", k.Value, first)
		}
		seen[k.Value] = k.Line
		if err := f(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) seq(n *yaml.Node, key string, f func(*yaml.Node) error) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return p.errNode(n, "%s must be a list, found %s", key, kind(n))
	}
	for _, c := range n.Content {
		if err := f(c); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) str(n *yaml.Node, key string, dst *string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return p.errNode(n, "%s must be a text value, found %s", key, kind(n))
	}
	*dst = strings.TrimSpace(n.Value)
	return nil
}

// required reports the first empty key of pairs (key, value, key, value…).
func (p *parser) required(n *yaml.Node, what string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return p.errNode(n, "%s without %s", what, pairs[i])
		}
	}
	return nil
}

func (p *parser) testCase(n *yaml.Node) (Case, error) {
	c := Case{Line: n.Line}
	err := p.mapping(n, "a test case", func(key string, k, v *yaml.Node) error {
		switch key {
		case "name":
			return p.str(v, key, &c.Name)
		case "inputs":
			return p.seq(v, key, func(n *yaml.Node) error {
				in := Input{Line: n.Line}
				var typ string
				err := p.mapping(n, "an input", func(key string, k, v *yaml.Node) error {
					switch key {
					case "table_name":
						return p.str(v, key, &in.Table)
					case "file_name":
						return p.str(v, key, &in.File)
					case "file_type":
						if err := p.str(v, key, &typ); err != nil {
							return err
						}
						switch FileType(strings.ToLower(typ)) {
						case SQL, CSV:
							in.Type = FileType(strings.ToLower(typ))
						default:
							return p.errNode(v, "file_type %q: it must be sql or csv", typ)
						}
						return nil
					}
					p.unknown(k, "test input")
					return nil
				})
				if err != nil {
					return err
				}
				if err := p.required(n, "an input", "table_name", in.Table, "file_name", in.File); err != nil {
					return err
				}
				if in.Type == "" {
					// shift_left's default; a .csv name without a type is
					// most likely a forgotten file_type.
					in.Type = SQL
					if strings.EqualFold(filepath.Ext(in.File), ".csv") {
						in.Type = CSV
						p.warn(n.Line, "input %s has no file_type: read as csv from its name", in.File)
					}
				}
				c.Inputs = append(c.Inputs, in)
				return nil
			})
		case "outputs":
			return p.seq(v, key, func(n *yaml.Node) error {
				out := Output{Line: n.Line}
				err := p.mapping(n, "an output", func(key string, k, v *yaml.Node) error {
					switch key {
					case "table_name":
						return p.str(v, key, &out.Table)
					case "file_name":
						return p.str(v, key, &out.File)
					case "file_type":
						var typ string
						if err := p.str(v, key, &typ); err != nil {
							return err
						}
						if !strings.EqualFold(typ, string(SQL)) {
							return p.errNode(v, "output file_type %q: a validation is a sql query", typ)
						}
						return nil
					}
					p.unknown(k, "test output")
					return nil
				})
				if err != nil {
					return err
				}
				if err := p.required(n, "an output", "table_name", out.Table, "file_name", out.File); err != nil {
					return err
				}
				c.Outputs = append(c.Outputs, out)
				return nil
			})
		}
		p.unknown(k, "test case")
		return nil
	})
	if err != nil {
		return c, err
	}
	if c.Name == "" {
		return c, p.errNode(n, "a test case without name")
	}
	if len(c.Outputs) == 0 {
		return c, p.errNode(n, "test case %s has no outputs: it needs a validation query", c.Name)
	}
	return c, nil
}

// check applies the rules across entries: unique names, inputs of known
// foundations.
func (p *parser) check(s *Suite, root *yaml.Node) error {
	if len(s.Cases) == 0 {
		return p.errNode(root, "no test cases: add a test_suite list")
	}
	tables := map[string]int{}
	for _, f := range s.Foundations {
		if first, ok := tables[f.Table]; ok {
			return p.errAt(f.Line, "foundation %s given twice (first at line %d)", f.Table, first)
		}
		tables[f.Table] = f.Line
	}
	names := map[string]int{}
	for _, c := range s.Cases {
		if first, ok := names[c.Name]; ok {
			return p.errAt(c.Line, "test case %s given twice (first at line %d)", c.Name, first)
		}
		names[c.Name] = c.Line
		for _, in := range c.Inputs {
			if _, ok := tables[in.Table]; !ok {
				p.warn(in.Line, "input table %s of case %s has no foundation: a test writes only its test tables, so the case will fail", in.Table, c.Name)
			}
		}
	}
	return nil
}

// checkFiles makes sure every file the suite names exists, so a typo is an
// error at its line before anything runs.
func (s *Suite) checkFiles() error {
	check := func(name string, line int, what string) error {
		fi, err := os.Stat(s.Path(name))
		if err != nil || fi.IsDir() {
			return &pipeline.FileError{Path: s.File, Line: line, Col: 1, Msg: fmt.Sprintf("%s %s not found (file names are relative to the table folder %s)", what, name, s.Dir)}
		}
		return nil
	}
	for _, f := range s.Foundations {
		if err := check(f.DDLFile, f.Line, "ddl_for_test"); err != nil {
			return err
		}
	}
	for _, c := range s.Cases {
		for _, in := range c.Inputs {
			if err := check(in.File, in.Line, "input"); err != nil {
				return err
			}
		}
		for _, out := range c.Outputs {
			if err := check(out.File, out.Line, "validation"); err != nil {
				return err
			}
		}
	}
	return nil
}
