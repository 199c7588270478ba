package products

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/pipeline"
)

func TestLoadSamples(t *testing.T) {
	ms, warns, err := Load("../flink_data_products/pipelines")
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Product+"="+m.ID+"@"+m.Path)
	}
	want := []string{"c360=customer.analytics.C360@products/c360.yaml", "saleops=sales.operations.Revenue@products/saleops.yaml"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("products %v, want %v", names, want)
	}
	c := Find(ms, "customer.analytics.C360")
	if c == nil || c.Owner.Team != "Customer Experience/CRM" || c.Domain != "Customer" {
		t.Fatalf("c360 manifest: %+v", c)
	}
	p := c.Port("c360_customer_analytics")
	if p == nil || p.FreshnessDuration.Minutes() != 15 || len(p.Quality) != 6 || !reflect.DeepEqual(p.Consumers, []string{"marketing", "finance"}) {
		t.Fatalf("port: %+v", p)
	}
	if Find(ms, "saleops") == nil || Find(ms, "nope") != nil {
		t.Error("Find by product name")
	}
}

func TestLoadWithoutProducts(t *testing.T) {
	ms, warns, err := Load(t.TempDir())
	if ms != nil || warns != nil || err != nil {
		t.Fatalf("got %v %v %v", ms, warns, err)
	}
}

const example = `product: c360
id: customer.analytics.C360
domain: Customer
owner: {team: Customer Experience/CRM, contact: crm-data@example.com}
description: A view of each customer.
output_ports:
  - table: c360_customer_analytics
    description: one row per customer
    consumers: [marketing, finance]
    freshness: 15m
    quality:
      - not_null: [customer_id]
      - unique: [customer_id]
      - accepted_values: {column: loyalty_tier, values: [Bronze, Silver, Gold, Platinum]}
      - row_count: {min: 1}
      - expression: "total_spent >= 0"
tags: [pii]
`

func TestParseExample(t *testing.T) {
	m, warns, err := Parse("pipelines/products/c360.yaml", []byte(example))
	if err != nil || len(warns) != 0 {
		t.Fatalf("err %v warnings %v", err, warns)
	}
	one := int64(1)
	want := []Rule{
		{Kind: NotNull, Columns: []string{"customer_id"}, Line: 12},
		{Kind: Unique, Columns: []string{"customer_id"}, Line: 13},
		{Kind: AcceptedValues, Column: "loyalty_tier", Values: []string{"Bronze", "Silver", "Gold", "Platinum"}, Line: 14},
		{Kind: RowCount, Min: &one, Line: 15},
		{Kind: Expression, Expression: "total_spent >= 0", Line: 16},
	}
	if len(m.OutputPorts) != 1 {
		t.Fatalf("ports %+v", m.OutputPorts)
	}
	if got := m.OutputPorts[0].Quality; !reflect.DeepEqual(got, want) {
		t.Errorf("rules\n got %+v\nwant %+v", got, want)
	}
	if m.OutputPorts[0].Line != 7 || m.Line != 1 || m.Owner.Contact != "crm-data@example.com" || !reflect.DeepEqual(m.Tags, []string{"pii"}) {
		t.Errorf("manifest %+v", m)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       string // file:line:col: key: message (prefix)
	}{
		{"owner not a mapping", "product: a\nowner: [x]\n", "f.yaml:2:8: owner: expected a mapping"},
		{"unknown rule", "product: a\noutput_ports:\n  - table: t\n    quality:\n      - positive: [x]\n", `f.yaml:5:9: output_ports[0].quality[0]: unknown rule kind "positive"`},
		{"two keys in a rule", "product: a\noutput_ports:\n  - table: t\n    quality:\n      - {not_null: [x], unique: [x]}\n", "f.yaml:5:9: output_ports[0].quality[0]: a rule is a mapping with one key"},
		{"bad freshness", "product: a\noutput_ports:\n  - table: t\n    freshness: soon\n", `f.yaml:4:16: output_ports[0].freshness: "soon" is not a positive duration`},
		{"min over max", "product: a\noutput_ports:\n  - table: t\n    quality:\n      - row_count: {min: 5, max: 1}\n", "f.yaml:5:20: output_ports[0].quality[0].row_count: min 5 is more than max 1"},
		{"row count not a number", "product: a\noutput_ports:\n  - table: t\n    quality:\n      - row_count: {min: many}\n", `f.yaml:5:26: output_ports[0].quality[0].row_count.min: expected a whole number, found "many"`},
		{"accepted values without values", "product: a\noutput_ports:\n  - table: t\n    quality:\n      - accepted_values: {column: c}\n", "f.yaml:5:26: output_ports[0].quality[0].accepted_values.values: missing"},
		{"port without table", "product: a\noutput_ports:\n  - description: d\n", "f.yaml:3:5: output_ports[0].table: missing"},
		{"port twice", "product: a\noutput_ports:\n  - table: t\n  - table: t\n", "f.yaml:4:5: output_ports[1].table: t is already output_ports[0]"},
		{"duplicate key", "product: a\ndomain: x\ndomain: y\n", "f.yaml:3:1: domain: duplicate key"},
		{"missing product", "domain: x\n", "f.yaml:1:1: product: missing"},
		{"bad product name", "product: a/b\n", `f.yaml:1:10: product: "a/b" has characters`},
		{"not yaml", "product: [a\n", "f.yaml:1:1: not valid YAML"},
		{"a list", "- a\n", "f.yaml:1:1: expected a mapping (key: value) for the manifest, found a list"},
		{"empty", "", "f.yaml: the manifest is empty"},
		{"tags not strings", "product: a\ntags: [{a: b}]\n", "f.yaml:2:8: tags[0]: expected a string, found a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("f.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, pipeline.ErrProject) {
				t.Errorf("error %v is not a project error", err)
			}
			var fe *pipeline.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a FileError", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n got %s\nwant %s…", err, tc.want)
			}
		})
	}
}

func TestParseUnknownKeysWarn(t *testing.T) {
	m, warns, err := Parse("f.yaml", []byte("product: a\nsla: gold\noutput_ports:\n  - table: t\n    owner: x\n    quality:\n      - accepted_values: {column: c, values: [x], severity: warn}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	want := []string{
		"f.yaml:2: unknown key sla: ignored",
		"f.yaml:5: unknown key output_ports[0].owner: ignored",
		"f.yaml:7: unknown key output_ports[0].quality[0].accepted_values.severity: ignored",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
	if m.Product != "a" || len(m.OutputPorts) != 1 {
		t.Errorf("manifest %+v", m)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"name mismatch", map[string]string{"c360.yaml": "product: other\n"}, `pl/products/c360.yaml:1:1: product: "other" does not match the file name`},
		{"declared twice", map[string]string{"a.yaml": "product: a\n", "a.yml": "product: a\n"}, "pl/products/a.yml:1:1: product: \"a\" is declared again (first in products/a.yaml)"},
		{"shared id", map[string]string{"a.yaml": "product: a\nid: x.y\n", "b.yaml": "product: b\nid: x.y\n"}, `pl/products/b.yaml:1:1: id: "x.y" is already the id of product a`},
		{"bad file among good", map[string]string{"a.yaml": "product: a\n", "b.yaml": "product: b\nowner: x\n"}, "pl/products/b.yaml:2:8: owner: expected a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "pl")
			if err := os.MkdirAll(filepath.Join(root, Dir), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, text := range tc.files {
				if err := os.WriteFile(filepath.Join(root, Dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ms, _, err := Load(root)
			if err == nil || ms != nil {
				t.Fatalf("got %v, %v", ms, err)
			}
			if !errors.Is(err, pipeline.ErrProject) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}
