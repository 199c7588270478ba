package products

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// MaxFileSize is the largest manifest Load reads: a manifest is a page of
// metadata, and a bigger file is a mistake (or an attack on the parser).
const MaxFileSize = 1 << 20

// Load reads every manifest of the pipelines folder at pipelinesRoot
// (products/*.yaml and *.yml), sorted by product. A tree without a
// products folder has no manifests and no error. Problems in the files
// come back together as pipeline.Errors (errors.Is(err,
// pipeline.ErrProject)), each a *pipeline.FileError naming the file, the
// line and the key; unknown keys are warnings. Paths in errors and
// warnings start with the pipelines folder's name, as the scan shows them.
func Load(pipelinesRoot string) ([]Manifest, []Warning, error) {
	abs, err := filepath.Abs(pipelinesRoot)
	if err != nil {
		return nil, nil, fmt.Errorf("pipelines folder %s: %w", pipelinesRoot, err)
	}
	display := filepath.Base(abs)
	entries, err := os.ReadDir(filepath.Join(abs, Dir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("read %s: %w", filepath.Join(pipelinesRoot, Dir), err)
	}
	var (
		ms    []Manifest
		warns []Warning
		errs  pipeline.Errors
	)
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		rel := Dir + "/" + name
		shown := display + "/" + rel
		data, err := readFile(filepath.Join(abs, Dir, name))
		if err != nil {
			errs = append(errs, &pipeline.FileError{Path: shown, Msg: err.Error(), Err: err})
			continue
		}
		m, w, err := Parse(shown, data)
		warns = append(warns, w...)
		if err != nil {
			var pe pipeline.Errors
			if errors.As(err, &pe) {
				errs = append(errs, pe...)
			} else {
				errs = append(errs, err)
			}
			continue
		}
		m.Path = rel
		if stem := strings.TrimSuffix(name, ext); m.Product != stem {
			errs = append(errs, &pipeline.FileError{Path: shown, Line: m.Line, Col: 1,
				Msg: fmt.Sprintf("product: %q does not match the file name: name the file %s.yaml or the product %q", m.Product, m.Product, stem)})
			continue
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Product < ms[j].Product })
	errs = append(errs, duplicates(display, ms)...)
	if len(errs) > 0 {
		return nil, warns, errs
	}
	return ms, warns, nil
}

func readFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > MaxFileSize {
		return nil, fmt.Errorf("manifest is %d bytes, more than the %d allowed", info.Size(), MaxFileSize)
	}
	return os.ReadFile(path)
}

// duplicates reports a product declared twice (c360.yaml and c360.yml) and
// an id two products share: both would make `product describe` ambiguous.
func duplicates(display string, ms []Manifest) []error {
	var errs []error
	byProduct := map[string]*Manifest{}
	byID := map[string]*Manifest{}
	for i := range ms {
		m := &ms[i]
		if o, ok := byProduct[m.Product]; ok {
			errs = append(errs, &pipeline.FileError{Path: display + "/" + m.Path, Line: m.Line, Col: 1,
				Msg: fmt.Sprintf("product: %q is declared again (first in %s): keep one manifest per product", m.Product, o.Path)})
			continue
		}
		byProduct[m.Product] = m
		if m.ID == "" {
			continue
		}
		if o, ok := byID[m.ID]; ok {
			errs = append(errs, &pipeline.FileError{Path: display + "/" + m.Path, Line: m.Line, Col: 1,
				Msg: fmt.Sprintf("id: %q is already the id of product %s (%s): ids must be unique", m.ID, o.Product, o.Path)})
			continue
		}
		byID[m.ID] = m
	}
	return errs
}

// Parse reads one manifest. file is how the file is named in errors and
// warnings. The error, when not nil, is pipeline.Errors of
// *pipeline.FileError, each naming the line and the key.
func Parse(file string, data []byte) (Manifest, []Warning, error) {
	p := &parser{file: file}
	m := p.manifest(data)
	if len(p.errs) > 0 {
		return Manifest{}, p.warns, p.errs
	}
	return m, p.warns, nil
}

type parser struct {
	file  string
	errs  pipeline.Errors
	warns []Warning
}

func (p *parser) fail(n *yaml.Node, key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if key != "" {
		msg = key + ": " + msg
	}
	fe := &pipeline.FileError{Path: p.file, Msg: msg}
	if n != nil {
		fe.Line, fe.Col = n.Line, n.Column
	}
	p.errs = append(p.errs, fe)
}

func (p *parser) warn(n *yaml.Node, format string, args ...any) {
	p.warns = append(p.warns, Warning{File: p.file, Line: n.Line, Message: fmt.Sprintf(format, args...)})
}

var productName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func (p *parser) manifest(data []byte) Manifest {
	var m Manifest
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		msg := err.Error()
		// yaml.v3 says "yaml: line N: …": keep the line as a position.
		if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
			if n, tail, ok := strings.Cut(rest, ": "); ok {
				if _, err := fmt.Sscanf(n, "%d", &line); err == nil {
					msg = tail
				}
			}
		}
		fe := &pipeline.FileError{Path: p.file, Line: line, Msg: "not valid YAML: " + msg, Err: err}
		if line > 0 {
			fe.Col = 1 // yaml.v3 gives no column; FileError prints one
		}
		p.errs = append(p.errs, fe)
		return m
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.fail(nil, "", "the manifest is empty: it needs at least product, owner and output_ports")
		return m
	}
	root := resolve(doc.Content[0])
	m.Line = 1
	p.mapping(root, "", func(key string, k, v *yaml.Node) bool {
		switch key {
		case "product":
			m.Product = p.str(v, key)
			m.Line = k.Line
			if m.Product != "" && !productName.MatchString(m.Product) {
				p.fail(v, key, "%q has characters outside [A-Za-z0-9_.-]: use the folder name of the product's tables", m.Product)
			}
		case "id":
			m.ID = p.str(v, key)
		case "domain":
			m.Domain = p.str(v, key)
		case "owner":
			m.Owner = p.owner(v)
		case "description":
			m.Description = p.str(v, key)
		case "output_ports":
			m.OutputPorts = p.ports(v)
		case "tags":
			m.Tags = p.strList(v, key)
		default:
			return false
		}
		return true
	})
	if len(p.errs) == 0 && m.Product == "" {
		p.fail(root, "product", "missing: name the product as its folder under the layers (product: c360)")
	}
	return m
}

func (p *parser) owner(n *yaml.Node) Owner {
	var o Owner
	p.mapping(n, "owner", func(key string, _, v *yaml.Node) bool {
		switch key {
		case "team":
			o.Team = p.str(v, "owner.team")
		case "contact":
			o.Contact = p.str(v, "owner.contact")
		default:
			return false
		}
		return true
	})
	return o
}

func (p *parser) ports(n *yaml.Node) []Port {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "output_ports", "expected a list of ports (- table: …), found %s", kindName(n))
		return nil
	}
	ports := make([]Port, 0, len(n.Content))
	seen := map[string]int{}
	for i, item := range n.Content {
		key := fmt.Sprintf("output_ports[%d]", i)
		port := Port{Line: item.Line}
		p.mapping(item, key, func(k string, kn, v *yaml.Node) bool {
			switch k {
			case "table":
				port.Table = p.str(v, key+".table")
				port.Line = kn.Line
			case "description":
				port.Description = p.str(v, key+".description")
			case "consumers":
				port.Consumers = p.strList(v, key+".consumers")
			case "freshness":
				port.Freshness = p.str(v, key+".freshness")
				if port.Freshness != "" {
					d, err := time.ParseDuration(port.Freshness)
					if err != nil || d <= 0 {
						p.fail(v, key+".freshness", "%q is not a positive duration: write it as 15m, 1h or 1h30m", port.Freshness)
					}
					port.FreshnessDuration = d
				}
			case "quality":
				port.Quality = p.rules(v, key+".quality")
			default:
				return false
			}
			return true
		})
		if resolve(item).Kind != yaml.MappingNode {
			continue // reported by mapping
		}
		if port.Table == "" {
			p.fail(item, key+".table", "missing: name the table the port exposes")
			continue
		}
		if first, ok := seen[port.Table]; ok {
			p.fail(item, key+".table", "%s is already output_ports[%d]: list each port once", port.Table, first)
			continue
		}
		seen[port.Table] = i
		ports = append(ports, port)
	}
	return ports
}

func (p *parser) rules(n *yaml.Node, key string) []Rule {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, key, "expected a list of rules (- not_null: [col]), found %s", kindName(n))
		return nil
	}
	var rules []Rule
	for i, item := range n.Content {
		ikey := fmt.Sprintf("%s[%d]", key, i)
		item = resolve(item)
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			p.fail(item, ikey, "a rule is a mapping with one key, its kind (%s)", strings.Join(ruleKinds, ", "))
			continue
		}
		kn, v := item.Content[0], item.Content[1]
		r := Rule{Kind: kn.Value, Line: kn.Line}
		rkey := ikey + "." + kn.Value
		switch kn.Value {
		case NotNull, Unique:
			before := len(p.errs)
			r.Columns = p.strList(v, rkey)
			if len(r.Columns) == 0 && len(p.errs) == before {
				p.fail(v, rkey, "list at least one column")
			}
		case AcceptedValues:
			p.mapping(v, rkey, func(k string, _, vv *yaml.Node) bool {
				switch k {
				case "column":
					r.Column = p.str(vv, rkey+".column")
				case "values":
					r.Values = p.strList(vv, rkey+".values")
				default:
					return false
				}
				return true
			})
			if resolve(v).Kind == yaml.MappingNode {
				if r.Column == "" {
					p.fail(v, rkey+".column", "missing: name the column whose values are checked")
				}
				if len(r.Values) == 0 {
					p.fail(v, rkey+".values", "missing: list the accepted values")
				}
			}
		case RowCount:
			before := len(p.errs)
			p.mapping(v, rkey, func(k string, _, vv *yaml.Node) bool {
				switch k {
				case "min":
					r.Min = p.int(vv, rkey+".min")
				case "max":
					r.Max = p.int(vv, rkey+".max")
				default:
					return false
				}
				return true
			})
			switch {
			case len(p.errs) > before:
			case r.Min == nil && r.Max == nil:
				p.fail(v, rkey, "set min, max or both")
			case r.Min != nil && r.Max != nil && *r.Min > *r.Max:
				p.fail(v, rkey, "min %d is more than max %d", *r.Min, *r.Max)
			case r.Min != nil && *r.Min < 0, r.Max != nil && *r.Max < 0:
				p.fail(v, rkey, "counts cannot be negative")
			}
		case Expression:
			r.Expression = strings.TrimSpace(p.str(v, rkey))
			if r.Expression == "" && resolve(v).Kind == yaml.ScalarNode {
				p.fail(v, rkey, "write the SQL condition every row must satisfy (total_spent >= 0)")
			}
		default:
			p.fail(kn, ikey, "unknown rule kind %q: use one of %s", kn.Value, strings.Join(ruleKinds, ", "))
			continue
		}
		rules = append(rules, r)
	}
	return rules
}

// mapping walks the pairs of a mapping node: each key is handed to f,
// which returns false for a key it does not know (a warning, so that a
// newer manifest still loads). Duplicate keys are errors: YAML would keep
// one of them silently.
func (p *parser) mapping(n *yaml.Node, key string, f func(key string, k, v *yaml.Node) bool) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		what := "the manifest"
		if key != "" {
			what = key
		}
		p.fail(n, key, "expected a mapping (key: value) for %s, found %s", what, kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		full := k.Value
		if key != "" {
			full = key + "." + k.Value
		}
		if k.Kind != yaml.ScalarNode {
			p.fail(k, key, "a key must be a plain name, found %s", kindName(k))
			continue
		}
		if seen[k.Value] {
			p.fail(k, full, "duplicate key: keep one")
			continue
		}
		seen[k.Value] = true
		if !f(k.Value, k, v) {
			p.warn(k, "unknown key %s: ignored", full)
		}
	}
}

// str reads a scalar; null is "".
func (p *parser) str(n *yaml.Node, key string) string {
	n = resolve(n)
	if isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.fail(n, key, "expected a string, found %s", kindName(n))
		return ""
	}
	return n.Value
}

// strList reads a list of scalars; one scalar is a list of one.
func (p *parser) strList(n *yaml.Node, key string) []string {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, key, "expected a list of strings, found %s", kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || isNull(item) {
			p.fail(item, fmt.Sprintf("%s[%d]", key, i), "expected a string, found %s", kindName(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

func (p *parser) int(n *yaml.Node, key string) *int64 {
	n = resolve(n)
	var v int64
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		p.fail(n, key, "expected a whole number, found %s", kindName(n))
		return nil
	}
	return &v
}

// resolve follows an alias (*name) to the node it names. Manifests are a
// few levels deep and every walk above is bounded by that depth, so an
// alias cannot make the walk blow up the way nested aliases can when
// decoding into maps.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func kindName(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.AliasNode:
		return "an alias"
	case isNull(n):
		return "null"
	case n.Kind == yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}
