package projectgen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// dmlShape is the overall form of a table's DML.
type dmlShape int

const (
	shapeJoin  dmlShape = iota // FROM a JOIN b …
	shapeAgg                   // joined rows in a CTE, then GROUP BY id
	shapeUnion                 // UNION ALL of the first parents in a CTE, then joins
	shapeDedup                 // ROW_NUMBER() dedup CTE on the first parent, then joins
)

// attribute is an optional column with the expression that fills it from
// the row alias a.
type attribute struct {
	name, typ, expr string
}

var attributes = []attribute{
	{"region", "STRING", "CASE WHEN a.category LIKE 'north%' THEN 'NORTH' ELSE 'SOUTH' END"},
	{"channel", "STRING", "UPPER(a.status)"},
	{"score", "DOUBLE", "CAST(a.amount AS DOUBLE) / 100"},
	{"updated_at", "TIMESTAMP(3)", "a.event_ts"},
	{"amount_band", "STRING", "CASE WHEN a.amount >= 1000 THEN 'high' WHEN a.amount >= 100 THEN 'medium' ELSE 'low' END"},
}

// keywordLiterals are string values that contain SQL keywords: a regex
// extractor finds bogus tables in them, a lexer must not.
var keywordLiterals = []string{
	"moved FROM archive JOIN queue",
	"select * from legacy_orders",
	"left join pending",
	"from store, join online",
	"INSERT INTO audit (manual)",
	"it''s from the old system",
}

// decisions are the random choices of one table, drawn in a fixed order from
// the table's own seed so that the DDL, the DML and every revision of them
// agree, whatever order the workers render tables in.
type decisions struct {
	shape      dmlShape
	attrs      []attribute
	refStyle   []int // per parent: 0 plain, 1 backquoted, 2 `env`.`cluster`.`table`
	leftJoin   []bool
	subquery   bool // the last parent is read in a WHERE … IN/EXISTS subquery
	exists     bool
	unionN     int
	literal    int // index in keywordLiterals, -1 for none
	blockNote  bool
	buckets    int
	sourceDdup bool
	makefile   bool // a Makefile in the table folder, as `table init` writes
}

func (p *project) decide(i int) decisions {
	t := &p.tables[i]
	r := rand.New(rand.NewPCG(t.seed, 0x72656e64))
	k := len(t.parents)
	d := decisions{literal: -1}
	d.shape = dmlShape(r.IntN(4))
	if d.shape == shapeUnion && k < 2 {
		d.shape = shapeJoin
	}
	n := r.IntN(4)
	start := r.IntN(len(attributes))
	for j := 0; j < n; j++ {
		d.attrs = append(d.attrs, attributes[(start+j)%len(attributes)])
	}
	refs := max(k, 1)
	for j := 0; j < refs; j++ {
		switch x := r.IntN(100); {
		case x < 25:
			d.refStyle = append(d.refStyle, 2)
		case x < 35:
			d.refStyle = append(d.refStyle, 1)
		default:
			d.refStyle = append(d.refStyle, 0)
		}
		d.leftJoin = append(d.leftJoin, r.IntN(2) == 0)
	}
	d.subquery = k >= 2 && r.IntN(100) < 25
	d.exists = r.IntN(2) == 0
	if d.shape == shapeUnion {
		last := k
		if d.subquery {
			last--
		}
		d.unionN = min(last, 2+r.IntN(2))
		if d.unionN < 2 {
			d.shape = shapeJoin
		}
	}
	if r.IntN(2) == 0 {
		d.literal = r.IntN(len(keywordLiterals))
	}
	d.blockNote = r.IntN(100) < 30
	d.buckets = []int{1, 2, 3, 4, 6}[r.IntN(5)]
	d.sourceDdup = r.IntN(100) < 60
	d.makefile = r.IntN(10) == 0
	return d
}

// ref writes a table reference in the chosen style.
func ref(name, product string, style int) string {
	switch style {
	case 1:
		return "`" + name + "`"
	case 2:
		return "`env_dev`.`kafka_" + product + "`.`" + name + "`"
	default:
		return name
	}
}

// stateful reports whether the DML of table i keeps Flink state: a dedup
// (OVER), a join, a subquery or a GROUP BY. A single-parent projection and a
// UNION ALL without joins are stateless.
func (p *project) stateful(i int, d *decisions) bool {
	t := &p.tables[i]
	if t.layer == layerSource {
		return d.sourceDdup
	}
	if d.shape == shapeAgg || d.shape == shapeDedup || d.subquery {
		return true
	}
	next := 1
	if d.shape == shapeUnion {
		next = d.unionN
	}
	return next < len(t.parents)
}

// renderDDL writes the CREATE TABLE of table i with extra nullable columns
// extra_col_1..extraCols at the end (git mode adds them).
func (p *project) renderDDL(b *bytes.Buffer, i, extraCols int) {
	t := &p.tables[i]
	d := p.decide(i)
	fmt.Fprintf(b, "-- %s: %s table of product %s (synthetic, projectgen seed %d)\n", t.name, layers[t.layer].typ, t.product, p.opts.Seed)
	fmt.Fprintf(b, "CREATE TABLE IF NOT EXISTS %s (\n", t.name)
	b.WriteString("  id STRING NOT NULL,\n  event_ts TIMESTAMP(3),\n  amount DECIMAL(12, 2),\n  quantity INT,\n  status STRING,\n  category STRING,\n  label STRING,\n")
	for _, a := range d.attrs {
		fmt.Fprintf(b, "  %s %s,\n", a.name, a.typ)
	}
	for j := 1; j <= extraCols; j++ {
		fmt.Fprintf(b, "  extra_col_%d STRING,\n", j)
	}
	b.WriteString("  PRIMARY KEY (id) NOT ENFORCED\n")
	fmt.Fprintf(b, ") DISTRIBUTED BY HASH(id) INTO %d BUCKETS\nWITH (\n", d.buckets)
	mode := "upsert"
	if !p.stateful(i, &d) {
		mode = "append"
	}
	fmt.Fprintf(b, "  'changelog.mode' = '%s',\n", mode)
	b.WriteString("  'key.avro-registry.schema-context' = '.flink-dev',\n" +
		"  'value.avro-registry.schema-context' = '.flink-dev',\n" +
		"  'key.format' = 'avro-registry',\n" +
		"  'value.format' = 'avro-registry',\n" +
		"  'kafka.retention.time' = '0',\n" +
		"  'kafka.producer.compression.type' = 'snappy',\n" +
		"  'value.fields-include' = 'all'\n);\n")
}

// selectList writes the row-level projection over alias a (and b, the first
// joined parent, when joined).
func selectList(b *bytes.Buffer, d *decisions, extraCols int, joined bool) {
	b.WriteString("  a.id,\n  a.event_ts,\n")
	if joined {
		b.WriteString("  CAST(a.amount + COALESCE(b.amount, 0) AS DECIMAL(12, 2)) AS amount,\n")
	} else {
		b.WriteString("  a.amount,\n")
	}
	b.WriteString("  a.quantity,\n  LOWER(a.status) AS status,\n  a.category,\n")
	if d.literal >= 0 {
		fmt.Fprintf(b, "  CASE WHEN a.status = 'cancelled' THEN '%s' ELSE a.category END AS label", keywordLiterals[d.literal])
	} else {
		b.WriteString("  COALESCE(a.category, 'none') AS label")
	}
	for _, at := range d.attrs {
		fmt.Fprintf(b, ",\n  %s AS %s", at.expr, at.name)
	}
	for j := 1; j <= extraCols; j++ {
		fmt.Fprintf(b, ",\n  CAST(NULL AS STRING) AS extra_col_%d", j)
	}
	b.WriteByte('\n')
}

// aggList writes the GROUP BY projection over the CTE "joined".
func aggList(b *bytes.Buffer, d *decisions, extraCols int) {
	b.WriteString("  id,\n  MAX(event_ts) AS event_ts,\n  CAST(SUM(amount) AS DECIMAL(12, 2)) AS amount,\n" +
		"  CAST(COUNT(*) AS INT) AS quantity,\n  MAX(status) AS status,\n  MAX(category) AS category,\n  MAX(label) AS label")
	for _, at := range d.attrs {
		fmt.Fprintf(b, ",\n  MAX(%s) AS %s", at.name, at.name)
	}
	for j := 1; j <= extraCols; j++ {
		fmt.Fprintf(b, ",\n  MAX(extra_col_%d) AS extra_col_%d", j, j)
	}
	b.WriteByte('\n')
}

const baseCols = "id, event_ts, amount, quantity, status, category"

// renderDML writes the INSERT of table i at the given revision; revision
// changes the filter threshold and a comment, extraCols adds the columns the
// DDL gained.
func (p *project) renderDML(b *bytes.Buffer, i, revision, extraCols int) {
	t := &p.tables[i]
	d := p.decide(i)
	fmt.Fprintf(b, "-- %s: %s of product %s (synthetic, projectgen seed %d)\n", t.name, layers[t.layer].typ, t.product, p.opts.Seed)
	if revision > 0 {
		fmt.Fprintf(b, "-- revision %d: amount threshold raised to %d\n", revision, revision)
	}
	if d.blockNote {
		fmt.Fprintf(b, "/* Migrated from the nightly batch job, which read\n   SELECT * FROM legacy_%s JOIN legacy_%s_history USING (id). */\n", t.name, t.name)
	}
	fmt.Fprintf(b, "INSERT INTO %s\n", t.name)
	threshold := strconv.Itoa(revision)
	if t.layer == layerSource {
		raw := p.raws[t.raw]
		from := ref(raw.name, raw.product, d.refStyle[0])
		if d.sourceDdup {
			fmt.Fprintf(b, "WITH ranked AS (\n  SELECT\n    %s,\n    ROW_NUMBER() OVER (PARTITION BY id ORDER BY event_ts DESC) AS row_num\n  FROM %s\n  WHERE id IS NOT NULL\n)\nSELECT\n", baseCols, from)
			selectList(b, &d, extraCols, false)
			fmt.Fprintf(b, "FROM ranked AS a\nWHERE a.row_num = 1\n  AND a.amount >= %s;\n", threshold)
			return
		}
		b.WriteString("SELECT\n")
		selectList(b, &d, extraCols, false)
		fmt.Fprintf(b, "FROM %s AS a\nWHERE a.id IS NOT NULL\n  AND a.amount >= %s;\n", from, threshold)
		return
	}

	k := len(t.parents)
	refOf := func(j int) string {
		c := &p.tables[t.parents[j]]
		return ref(c.name, c.product, d.refStyle[j])
	}
	joinEnd := k
	if d.subquery {
		joinEnd--
	}
	// first is the relation aliased a; joins start at parent index next.
	var ctes []string
	first, next := refOf(0), 1
	switch d.shape {
	case shapeUnion:
		var u bytes.Buffer
		u.WriteString("unioned AS (\n")
		for j := 0; j < d.unionN; j++ {
			if j > 0 {
				u.WriteString("  UNION ALL\n")
			}
			fmt.Fprintf(&u, "  SELECT %s FROM %s\n", baseCols, refOf(j))
		}
		u.WriteString(")")
		ctes = append(ctes, u.String())
		first, next = "unioned", d.unionN
	case shapeDedup:
		ctes = append(ctes, fmt.Sprintf("ranked AS (\n  SELECT\n    %s,\n    ROW_NUMBER() OVER (PARTITION BY id ORDER BY event_ts DESC) AS row_num\n  FROM %s\n),\nlatest AS (\n  SELECT %s FROM ranked WHERE row_num = 1\n)", baseCols, refOf(0), baseCols))
		first = "latest"
	}
	var body bytes.Buffer
	joined := next < joinEnd
	body.WriteString("SELECT\n")
	selectList(&body, &d, extraCols, joined)
	fmt.Fprintf(&body, "FROM %s AS a\n", first)
	aliases := "bcdefg"
	for j := next; j < joinEnd; j++ {
		alias := string(aliases[j-next])
		kind := "JOIN"
		if d.leftJoin[j] {
			kind = "LEFT JOIN"
			fmt.Fprintf(&body, "-- left join: keep rows of a without a match in %s\n", p.tables[t.parents[j]].name)
		}
		fmt.Fprintf(&body, "%s %s AS %s\n  ON %s.id = a.id\n", kind, refOf(j), alias, alias)
	}
	fmt.Fprintf(&body, "WHERE a.amount >= %s\n  AND COALESCE(a.status, '') <> 'deleted'", threshold)
	if d.subquery {
		if d.exists {
			fmt.Fprintf(&body, "\n  AND EXISTS (\n    SELECT 1 FROM %s AS s\n    WHERE s.id = a.id AND s.status <> 'blocked'\n  )", refOf(k-1))
		} else {
			fmt.Fprintf(&body, "\n  AND a.id IN (SELECT id FROM %s WHERE status <> 'blocked')", refOf(k-1))
		}
	}

	if d.shape == shapeAgg {
		ctes = append(ctes, "joined AS (\n"+indent(body.String())+"\n)")
		writeWith(b, ctes)
		b.WriteString("SELECT\n")
		aggList(b, &d, extraCols)
		b.WriteString("FROM joined\nGROUP BY id;\n")
		return
	}
	writeWith(b, ctes)
	b.Write(body.Bytes())
	b.WriteString(";\n")
}

func writeWith(b *bytes.Buffer, ctes []string) {
	for j, c := range ctes {
		if j == 0 {
			b.WriteString("WITH ")
		} else {
			b.WriteString(",\n")
		}
		b.WriteString(c)
	}
	if len(ctes) > 0 {
		b.WriteByte('\n')
	}
}

// indent prefixes every line with two spaces.
func indent(s string) string {
	var b bytes.Buffer
	b.Grow(len(s) + 64)
	b.WriteString("  ")
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '\n' && i+1 < len(s) {
			b.WriteString("  ")
		}
	}
	return b.String()
}

// renderMakefile writes the per-table Makefile some tables carry (the
// scanner must ignore it).
func (p *project) renderMakefile(b *bytes.Buffer, i int) {
	t := &p.tables[i]
	fmt.Fprintf(b, "TABLE := %s\nPIPELINES ?= ../../../../pipelines\n\n.PHONY: report\nreport:\n\tshiftleft pipeline report $(TABLE) --pipelines $(PIPELINES)\n", t.name)
}
