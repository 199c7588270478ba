// Package health checks what runs on a target against the graph: per
// product, how many tables run; which do not (and why, as the target says);
// and which statements started before a table they read was created again,
// so read a topic that was replaced (shift_left's healthcheck compares
// statement start times; a parent's restart alone loses nothing, so its
// table's creation time is what counts here).
package health

import (
	"slices"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
)

// States of a table in a report, beyond its DML statement's phase.
const (
	// Missing: the table does not exist.
	Missing = "MISSING"
	// NoDML: the table exists but no DML statement feeds it.
	NoDML = "NO DML"
	// TableOnly: a table without DML (seeds, CTAS) that exists.
	TableOnly = "TABLE"
)

// Report is the health of a set of tables.
type Report struct {
	Products   []Product `json:"products"`
	NotRunning []Table   `json:"not_running"`
	OutOfOrder []Order   `json:"out_of_order"`
	// Unknown are tables without DML whose existence the target cannot
	// tell (Confluent Cloud, once their DDL statement is gone).
	Unknown []string `json:"unknown,omitempty"`
}

// Product counts one product's tables.
type Product struct {
	Product    string `json:"product"`
	Tables     int    `json:"tables"`
	Running    int    `json:"running"`
	NotRunning int    `json:"not_running"`
	OutOfOrder int    `json:"out_of_order"`
	Unknown    int    `json:"unknown,omitempty"`
}

// Table is a table that does not run as it should.
type Table struct {
	Table     string `json:"table"`
	Product   string `json:"product"`
	Statement string `json:"statement,omitempty"`
	// State is the DML's phase, or Missing or NoDML.
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
}

// Order is a statement started before a parent table was (re)created.
type Order struct {
	Table           string    `json:"table"`
	Statement       string    `json:"statement"`
	StartedAt       time.Time `json:"started_at"`
	Parent          string    `json:"parent"`
	ParentCreatedAt time.Time `json:"parent_created_at"`
}

// Healthy reports whether every table runs and in order.
func (r *Report) Healthy() bool { return len(r.NotRunning) == 0 && len(r.OutOfOrder) == 0 }

// Check reports on the given tables (external tables are skipped), with the
// target's state of each (a missing entry: the table does not exist).
// knowsTables is the target's deployers.Info.KnowsTables: without it, a
// table without DML that State does not show is unknown, not missing.
// Cost: O(tables + their edges).
func Check(g *dag.Graph, tables []string, state map[string]deployers.TableState, knowsTables bool) *Report {
	r := &Report{Products: []Product{}, NotRunning: []Table{}, OutOfOrder: []Order{}}
	in := map[string]bool{}
	for _, n := range tables {
		if t := g.Table(n); t != nil && !t.IsExternal {
			in[n] = true
		}
	}
	names := make([]string, 0, len(in))
	for n := range in {
		names = append(names, n)
	}
	slices.Sort(names)
	products := map[string]*Product{}
	for _, n := range names {
		t, st := g.Table(n), state[n]
		p := products[t.Product]
		if p == nil {
			p = &Product{Product: t.Product}
			products[t.Product] = p
		}
		p.Tables++
		issue := Table{Table: n, Product: t.Product}
		switch {
		case t.DMLPath == "" && st.Exists:
			p.Running++
			continue
		case t.DMLPath == "" && !knowsTables:
			p.Unknown++
			r.Unknown = append(r.Unknown, n)
			continue
		case st.DML != nil && runs(st.DML.Phase):
			p.Running++
		case st.DML != nil:
			issue.Statement, issue.State, issue.Detail = st.DML.Name, string(st.DML.Phase), st.DML.Detail
		case !st.Exists:
			issue.State = Missing
		default:
			issue.State = NoDML
		}
		if issue.State != "" {
			p.NotRunning++
			r.NotRunning = append(r.NotRunning, issue)
			continue
		}
		for _, parent := range g.Parents(n) {
			ps := state[parent]
			// Unknown creation times (Confluent, for tables with DML) are
			// not guessed from statement times: a restart replaces no data.
			if !in[parent] || !ps.Exists || ps.CreatedAt.IsZero() || st.DML.CreatedAt.IsZero() {
				continue
			}
			if st.DML.CreatedAt.Before(ps.CreatedAt) {
				p.OutOfOrder++
				r.OutOfOrder = append(r.OutOfOrder, Order{
					Table: n, Statement: st.DML.Name, StartedAt: st.DML.CreatedAt,
					Parent: parent, ParentCreatedAt: ps.CreatedAt,
				})
			}
		}
	}
	for _, p := range products {
		r.Products = append(r.Products, *p)
	}
	slices.SortFunc(r.Products, func(a, b Product) int { return strings.Compare(a.Product, b.Product) })
	return r
}

// runs: the statement is processing or about to (a just-submitted PENDING
// one). DEGRADED runs but is reported: it needs a look.
func runs(p deployers.Phase) bool { return p == deployers.PhaseRunning || p == deployers.PhasePending }
