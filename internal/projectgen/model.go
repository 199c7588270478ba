package projectgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"sort"
)

// layer is one of shift_left's five layer folders, in dependency order: a
// table only reads tables of lower layers, so the graph is acyclic by
// construction.
type layer struct {
	folder, typ string
	// upTo is the cumulative share of a product's tables in this layer and
	// the ones before it (sources 30%, intermediates 30%, dimensions 15%,
	// facts 15%, views 10%).
	upTo float64
}

var layers = [...]layer{
	{"sources", "source", 0.30},
	{"intermediates", "intermediate", 0.60},
	{"dimensions", "dimension", 0.75},
	{"facts", "fact", 0.90},
	{"views", "view", 1.00},
}

const (
	layerSource = 0
	numLayers   = len(layers)
)

// domains name products; entities name tables inside a product.
var domains = []string{
	"sales", "billing", "crm", "inventory", "shipping", "marketing", "payments",
	"loyalty", "support", "catalog", "pricing", "returns", "fraud", "ads",
	"search", "logistics", "finance", "hr", "stores", "web", "mobile", "partners",
	"supply", "risk",
}

var entities = []string{
	"orders", "order_lines", "customers", "accounts", "invoices", "payments",
	"refunds", "shipments", "parcels", "carriers", "products", "prices",
	"promotions", "campaigns", "clicks", "sessions", "devices", "stores",
	"regions", "employees", "tickets", "reviews", "ratings", "subscriptions",
	"plans", "contracts", "suppliers", "warehouses", "stock_levels", "transfers",
	"returns", "claims", "alerts", "events", "balances", "ledgers", "budgets",
	"forecasts", "targets", "segments",
}

// table is one generated table. Parents index project.tables.
type table struct {
	name, product string
	layer         int
	parents       []int
	raw           int // index in project.raws for sources, else -1
	seed          uint64
}

// rawTable is an external table a source reads.
type rawTable struct {
	name, topic, product string
}

type project struct {
	opts     Options
	tables   []table
	raws     []rawTable
	products []string
}

func (t *table) folder() string {
	return path.Join(layers[t.layer].folder, t.product, t.name)
}

func (t *table) ddlPath() string {
	return path.Join(t.folder(), "sql-scripts", "ddl."+t.name+".sql")
}

func (t *table) makefilePath() string {
	return path.Join(t.folder(), "Makefile")
}

func (t *table) dmlPath() string {
	return path.Join(t.folder(), "sql-scripts", "dml."+t.name+".sql")
}

func productName(i int) string {
	d := domains[i%len(domains)]
	if i < len(domains) {
		return d
	}
	return fmt.Sprintf("%s%d", d, i/len(domains))
}

func tableName(l int, product, entity string) string {
	switch l {
	case 0:
		return "src_" + product + "_" + entity
	case 1:
		return "int_" + product + "_" + entity
	case 2:
		return product + "_dim_" + entity
	case 3:
		return product + "_fct_" + entity
	default:
		return product + "_mv_" + entity
	}
}

// layerCounts splits a product of n tables over the layers by cumulative
// rounding, so the shares hold overall, with at least one source so that
// every other table has something to read.
func layerCounts(n int) [numLayers]int {
	var counts [numLayers]int
	prev := 0
	for l := range layers {
		b := int(math.Round(layers[l].upTo * float64(n)))
		if l == layerSource && b == 0 {
			b = 1
		}
		b = max(b, prev)
		counts[l] = b - prev
		prev = b
	}
	return counts
}

// parentCount draws 1–4 parents: 1 (25%), 2 (35%), 3 (25%), 4 (15%).
func parentCount(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 25:
		return 1
	case x < 60:
		return 2
	case x < 85:
		return 3
	default:
		return 4
	}
}

// buildModel decides every name and edge from one random stream, in a fixed
// order, so the model depends on the options only. O(tables) time.
func buildModel(opts Options) *project {
	r := rand.New(rand.NewPCG(uint64(opts.Seed), 0x70726f6a))
	nProducts := (opts.Tables + opts.ProductSize - 1) / opts.ProductSize
	p := &project{opts: opts, tables: make([]table, 0, opts.Tables)}
	// byLayer[product][layer] lists table indexes.
	byLayer := make([][numLayers][]int, nProducts)
	for pi := 0; pi < nProducts; pi++ {
		prod := productName(pi)
		p.products = append(p.products, prod)
		size := min(opts.ProductSize, opts.Tables-pi*opts.ProductSize)
		counts := layerCounts(size)
		offset := r.IntN(len(entities))
		for l := range layers {
			for j := 0; j < counts[l]; j++ {
				ent := entities[(j+offset)%len(entities)]
				if j >= len(entities) {
					ent = fmt.Sprintf("%s_%d", ent, j/len(entities))
				}
				t := table{name: tableName(l, prod, ent), product: prod, layer: l, raw: -1, seed: r.Uint64()}
				if l == layerSource {
					t.raw = len(p.raws)
					p.raws = append(p.raws, rawTable{
						name: "raw_" + prod + "_" + ent, topic: prod + "." + ent + ".raw", product: prod,
					})
				}
				byLayer[pi][l] = append(byLayer[pi][l], len(p.tables))
				p.tables = append(p.tables, t)
			}
		}
	}
	for i := range p.tables {
		t := &p.tables[i]
		if t.layer == layerSource {
			continue
		}
		pi := i / opts.ProductSize
		want := parentCount(r)
		seen := map[int]bool{}
		for tries := 0; len(t.parents) < want && tries < 4*want; tries++ {
			q := pi
			if nProducts > 1 && r.IntN(100) < 10 {
				q = r.IntN(nProducts - 1)
				if q >= pi {
					q++
				}
			}
			c, ok := pickLower(r, byLayer[q], t.layer)
			if !ok {
				c, ok = pickLower(r, byLayer[pi], t.layer)
			}
			if ok && !seen[c] {
				seen[c] = true
				t.parents = append(t.parents, c)
			}
		}
	}
	return p
}

// pickLower draws a table of a layer below l, favouring the nearest layers
// (weight 2^layer: a view reads facts 8 times as often as sources).
func pickLower(r *rand.Rand, lay [numLayers][]int, l int) (int, bool) {
	total := 0
	for k := 0; k < l; k++ {
		if len(lay[k]) > 0 {
			total += 1 << k
		}
	}
	if total == 0 {
		return 0, false
	}
	x := r.IntN(total)
	for k := 0; k < l; k++ {
		if len(lay[k]) == 0 {
			continue
		}
		if x < 1<<k {
			return lay[k][r.IntN(len(lay[k]))], true
		}
		x -= 1 << k
	}
	return 0, false
}

// summary lists what a correct extractor must find.
func (p *project) summary() Summary {
	s := Summary{Version: Version, Seed: p.opts.Seed, ByType: map[string]int{}, Products: len(p.products)}
	s.Tables = make([]TableInfo, len(p.tables))
	for i := range p.tables {
		t := &p.tables[i]
		info := TableInfo{
			Name: t.name, Type: layers[t.layer].typ, Product: t.product, Folder: t.folder(),
			DDL: t.ddlPath(), DML: t.dmlPath(), Parents: []string{}, External: []string{},
		}
		d := p.decide(i)
		info.Stateful = p.stateful(i, &d)
		for _, c := range t.parents {
			info.Parents = append(info.Parents, p.tables[c].name)
			s.Edges++
			if p.tables[c].product != t.product {
				s.CrossProduct++
			}
		}
		if t.raw >= 0 {
			info.Parents = append(info.Parents, p.raws[t.raw].name)
		}
		sort.Strings(info.Parents)
		s.ByType[info.Type]++
		s.Tables[i] = info
	}
	sort.Slice(s.Tables, func(i, j int) bool { return s.Tables[i].Name < s.Tables[j].Name })
	for _, r := range p.raws {
		s.ExternalTables = append(s.ExternalTables, r.name)
	}
	sort.Strings(s.ExternalTables)
	return s
}
