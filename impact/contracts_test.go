package impact

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/changes"
)

func TestContracts(t *testing.T) {
	ports := []ContractPort{
		{Product: "c360", ProductID: "customer.analytics.C360", Table: "c360_profile", Consumers: []string{"marketing"}, ReadBy: []string{"finance"}},
		{Product: "sales", Table: "fct_revenue"},
		{Product: "sales", Table: "fct_refunds"},
		{Product: "sales", Table: "fct_gone"},
		{Product: "sales", Table: "fct_unknown"},
	}
	r := Report{Changed: []ChangedTable{
		{Table: "c360_profile", Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Breaking, Reasons: []string{"column email removed"}}},
		{Table: "fct_revenue", Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Compatible, Reasons: []string{"column note added"}}},
		{Table: "fct_refunds", Change: "dml"},
		{Table: "fct_gone", Change: "deleted"},
		{Table: "fct_unknown", Change: "ddl"},
		{Table: "not_a_port", Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Breaking}},
	}}
	got := Contracts(r, ports)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.Product+"/"+c.Port+" "+c.Category+" "+strings.Join(c.Reasons, ";")+" -> "+strings.Join(c.ConsumersOf(), ","))
	}
	want := []string{
		"c360/c360_profile breaking column email removed -> finance,marketing",
		"sales/fct_gone breaking the port's table was deleted -> ",
		"sales/fct_revenue compatible column note added -> ",
		"sales/fct_unknown breaking the DDL change could not be classified -> ",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("contracts\n got %q\nwant %q", lines, want)
	}
	if n := len(BreakingContracts(got)); n != 3 {
		t.Errorf("%d breaking, want 3", n)
	}
	if c := Contracts(Report{}, ports); c == nil || len(c) != 0 {
		t.Errorf("no change: %v, want an empty list", c)
	}
}

func TestContractsMarkdown(t *testing.T) {
	base := Report{Changed: []ChangedTable{{Table: "p", Change: "ddl", Schema: &changes.SchemaChange{Category: changes.Breaking, Reasons: []string{"column a removed"}}}}}
	for _, tc := range []struct {
		name      string
		contracts []Contract
		want      []string
		not       []string
	}{
		{"not computed", nil, nil, []string{"Contracts"}},
		{"no port changed", []Contract{}, []string{"#### Contracts", "No output port of a data product changed."}, nil},
		{"breaking", Contracts(base, []ContractPort{{Product: "c360", ProductID: "customer.analytics.C360", Table: "p", Consumers: []string{"marketing"}}}),
			[]string{"#### Contracts", "**1 of 1 changed output ports break their contract.**", "| customer.analytics.C360 (c360) | p | ddl | breaking | marketing | column a removed |"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			r.Contracts = tc.contracts
			var b strings.Builder
			if err := r.WriteMarkdown(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in:\n%s", w, b.String())
				}
			}
			for _, w := range tc.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("unexpected %q in:\n%s", w, b.String())
				}
			}
		})
	}
}
