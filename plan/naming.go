package plan

import (
	"fmt"
	"strings"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// DefaultTemplate is shift_left's statement-name convention:
// <cluster_type>-<region abbreviation>-<product>-<ddl|dml>-<table with
// dashes>, e.g. dev-usw2-p2-dml-src-x. The product segment disappears for
// tables without a product.
const DefaultTemplate = "{cluster_type}-{region}-{product}-{kind}-{table}"

// MaxStatementName is Confluent Cloud's limit on statement names.
const MaxStatementName = 100

// Naming is a statement-name convention. Placeholders of Template:
// {cluster_type}, {region} (abbreviated: us-west-2 → usw2), {product},
// {kind} (ddl, dml, drop) and {table} (underscores become dashes).
// Empty segments are folded, and the result is lower-cased.
type Naming struct {
	Template    string // "" means DefaultTemplate
	ClusterType string // kafka.cluster_type, e.g. "dev"
	Region      string // confluent_cloud.cloud_region, e.g. "us-west-2"

	// abbreviated is Region abbreviated, when ready is set (see prepared).
	abbreviated string
	ready       bool
}

// prepared is n with its region abbreviated once, for callers that name
// thousands of statements.
func (n Naming) prepared() Naming {
	if !n.ready {
		n.abbreviated, n.ready = n.region(), true
	}
	return n
}

// NameError is a statement name the convention produced that the target
// would refuse.
type NameError struct {
	Table  string
	Name   string
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("table %s: statement name %q %s; shorten the table name or change the naming convention (app.naming in config.yaml)", e.Table, e.Name, e.Reason)
}

// Name returns the statement name of a table's statement of that kind and
// checks it against Confluent Cloud's rules (at most 100 characters of
// [a-z0-9], '-' and '.').
func (n Naming) Name(t *pipeline.Table, kind deployers.StatementKind) (string, error) {
	tmpl, product, region := n.inputs(t)
	// One pass over the template, lower-casing, turning '_' into '-' and
	// folding the dashes an empty placeholder leaves as it goes: plans
	// name tens of thousands of statements.
	buf := make([]byte, 0, len(tmpl)+len(t.Name)+len(product)+len(n.ClusterType)+8)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '_':
				c = '-'
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			// A dash after a dash, or first, is dropped ("dev-usw2--dml-x"
			// → "dev-usw2-dml-x").
			if c == '-' && (len(buf) == 0 || buf[len(buf)-1] == '-') {
				continue
			}
			buf = append(buf, c)
		}
	}
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '{' {
			if j := strings.IndexByte(tmpl[i:], '}'); j > 0 {
				val, ok := "", true
				switch tmpl[i+1 : i+j] {
				case "cluster_type":
					val = n.ClusterType
				case "region":
					val = region
				case "product":
					val = product
				case "kind":
					val = string(kind)
				case "table":
					val = t.Name
				default:
					ok = false
				}
				if ok {
					add(val)
					i += j
					continue
				}
			}
		}
		add(tmpl[i : i+1])
	}
	for len(buf) > 0 && buf[len(buf)-1] == '-' {
		buf = buf[:len(buf)-1]
	}
	name := string(buf)
	switch {
	case len(name) > MaxStatementName:
		return "", &NameError{Table: t.Name, Name: name, Reason: fmt.Sprintf("is %d characters long, more than the %d allowed", len(name), MaxStatementName)}
	case !validStatementName(name):
		return "", &NameError{Table: t.Name, Name: name, Reason: "may only hold a-z, 0-9, '-' and '.', starting and ending with a letter or digit"}
	}
	return name, nil
}

// inputs are the template and the values of its {product} (a product
// named "none" is no product) and {region} (abbreviated) placeholders.
func (n Naming) inputs(t *pipeline.Table) (tmpl, product, region string) {
	tmpl = n.Template
	if tmpl == "" {
		tmpl = DefaultTemplate
	}
	product = t.Product
	if strings.EqualFold(product, "none") {
		product = ""
	}
	if n.ready {
		return tmpl, product, n.abbreviated
	}
	return tmpl, product, n.region()
}

// region is the {region} value: the region abbreviated (us-west-2 → usw2).
func (n Naming) region() string {
	if n.Region == "" {
		return ""
	}
	return config.AbbreviateRegion(n.Region)
}

// validStatementName is Confluent Cloud's rule for statement names:
// lower-case DNS-like labels separated by dots, each of [a-z0-9-] and
// starting and ending with a letter or digit.
func validStatementName(s string) bool {
	if s == "" {
		return false
	}
	labelStart := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if i == labelStart || s[labelStart] == '-' || s[i-1] == '-' {
				return false
			}
			labelStart = i + 1
			continue
		}
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// TableRefs names the statements of the deployable tables among the given
// ones so a target can report their state. It fails on the first name the
// target would refuse.
func TableRefs(tables []*pipeline.Table, n Naming) ([]deployers.TableRef, error) {
	n = n.prepared()
	refs := make([]deployers.TableRef, 0, len(tables))
	for _, t := range tables {
		if !t.Deployable() {
			continue
		}
		ddl, err := n.Name(t, deployers.KindDDL)
		if err != nil {
			return nil, err
		}
		dml, err := n.Name(t, deployers.KindDML)
		if err != nil {
			return nil, err
		}
		refs = append(refs, deployers.TableRef{Table: t.Name, DDLName: ddl, DMLName: dml})
	}
	return refs, nil
}
