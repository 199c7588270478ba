package workspace

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/executor"
	"github.com/shiftleft-dev/shiftleft/pipeline"
	"github.com/shiftleft-dev/shiftleft/pipeline/flinksql"
	"github.com/shiftleft-dev/shiftleft/products"
	"github.com/shiftleft-dev/shiftleft/quality"
)

// DefaultQualityTimeout bounds each query of a quality check.
const DefaultQualityTimeout = 2 * time.Minute

// QualityRequest is what CheckQuality is asked.
type QualityRequest struct {
	// Products to check, each by id or name: the rules of all their
	// output ports run.
	Products []string
	// Timeout bounds each query (0: DefaultQualityTimeout).
	Timeout time.Duration
	// Progress, when set, is called as each rule ends.
	Progress func(quality.Result)
}

// CheckQuality runs the quality rules of the products' output ports on the
// target, one rule after the other, each query read to its end through
// deployers.RowReader (ReadRequest.SQL, no Settle): each rule's count
// query (quality.Build) reads the port as deployed, bounded at the topic's
// latest offsets when the table is a Kafka topic (on Confluent Cloud the
// target also runs it as a snapshot query), and a failed rule's sample
// query reads up to quality.SampleSize offending rows. A rule whose query the engine refuses,
// or whose port is not deployed, is a result with status error naming the
// manifest's file:line; the error return is for what stops the whole
// check (an unknown product, a target that cannot read rows). Cost: one
// query per rule, two per failed rule with a sample; one State call.
func (ws *Workspace) CheckQuality(ctx context.Context, req QualityRequest) (*quality.Report, error) {
	if len(req.Products) == 0 {
		return nil, &RequestError{Msg: "product check needs a product id or name"}
	}
	if req.Timeout <= 0 {
		req.Timeout = DefaultQualityTimeout
	}
	all, err := ws.Manifests(ctx)
	if err != nil {
		return nil, err
	}
	var ms []*products.Manifest
	seen := map[string]bool{}
	for _, key := range req.Products {
		m := products.Find(all, key)
		if m == nil {
			return nil, &RequestError{Msg: unknownProduct(key, all)}
		}
		if !seen[m.Product] {
			seen[m.Product] = true
			ms = append(ms, m)
		}
	}
	t, err := ws.OpenTarget(ctx)
	if err != nil {
		return nil, err
	}
	q, ok := t.Target.(deployers.RowReader)
	if !ok {
		if t.Info().Target == TargetLocal {
			return nil, &UnsupportedError{Msg: "the local target keeps no data to check: product check runs the quality rules on a deployed table with --target flink (or confluent)"}
		}
		return nil, &UnsupportedError{Msg: fmt.Sprintf("the %s target cannot read query results: run product check with --target flink or confluent", t.Info().Target)}
	}
	rep := &quality.Report{CheckedAt: ws.opts.Now().UTC().Format(time.RFC3339), Target: t.Info().Target, Environment: t.Info().Environment, Results: []quality.Result{}}
	var tables []*pipeline.Table
	for _, m := range ms {
		rep.Products = append(rep.Products, m.Product)
		for _, p := range m.OutputPorts {
			if tb := ws.Project.Table(p.Table); tb != nil && len(p.Quality) > 0 {
				tables = append(tables, tb)
			}
		}
	}
	state := map[string]deployers.TableState{}
	if len(tables) > 0 {
		if state, err = readState(ctx, t, tables, ws.Naming()); err != nil {
			return nil, err
		}
	}
	display := filepath.Base(ws.Project.Root)
	stamp := ws.opts.Now().UTC().Format("20060102-150405")
	for _, m := range ms {
		for _, p := range m.OutputPorts {
			tb := ws.Project.Table(p.Table)
			problem := ""
			switch {
			case tb == nil:
				problem = fmt.Sprintf("output port %s is not a table of the project (product validate says more)", p.Table)
			case !state[p.Table].Exists:
				problem = fmt.Sprintf("table %s is not deployed on %s: deploy it first", p.Table, t.Info())
			}
			bounded := tb != nil && ws.boundedScan(t, tb)
			for i, rule := range p.Quality {
				res := quality.Result{
					Product: m.Product, Table: p.Table, Rule: i, Kind: rule.Kind, Description: rule.String(),
					File: display + "/" + m.Path, Line: rule.Line,
				}
				if problem != "" {
					res.Status, res.Message = quality.StatusError, problem
				} else {
					name := fmt.Sprintf("shiftleft-quality-%s-%d-%s", nameRE.ReplaceAllString(strings.ToLower(p.Table), "-"), i, stamp)
					if err := ws.checkRule(ctx, q, &res, rule, bounded, name, req.Timeout); err != nil {
						return nil, err
					}
				}
				rep.Results = append(rep.Results, res)
				if req.Progress != nil {
					req.Progress(res)
				}
			}
		}
	}
	rep.Tally()
	return rep, nil
}

// checkRule runs one rule's queries and fills res. Only a cancelled ctx is
// returned as an error; everything else is the rule's status.
func (ws *Workspace) checkRule(ctx context.Context, q deployers.RowReader, res *quality.Result, rule products.Rule, bounded bool, name string, timeout time.Duration) error {
	start := ws.opts.Now()
	defer func() { res.DurationMS = ws.opts.Now().Sub(start).Milliseconds() }()
	queries, err := quality.Build(res.Table, rule, bounded)
	if err != nil {
		res.Status, res.Message = quality.StatusError, fmt.Sprintf("%s: %v", res.Where(), err)
		return nil
	}
	res.SQL = queries.Count
	run := func(sql, name string) (deployers.Rows, error) {
		qctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		rows, err := q.ReadRows(qctx, deployers.ReadRequest{Name: name, SQL: sql})
		// A reader may answer what it read by the deadline (Complete
		// false): a count cut short is no count.
		if ctx.Err() == nil && (err != nil && qctx.Err() != nil || err == nil && !rows.Complete) {
			err = fmt.Errorf("the query did not end within %s (on flink a scan ends by itself only on a Kafka topic, bounded at its latest offsets): %w", timeout, deployers.ErrTimeout)
		}
		return rows, err
	}
	rows, err := run(queries.Count, name)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		// The target names its statement ("query NAME: …", "read query
		// NAME: …"); the rule's place in the manifest says more.
		msg := err.Error()
		var se *deployers.StatementError
		if _, rest, ok := strings.Cut(msg, name+": "); ok {
			msg = rest
		}
		if errors.As(err, &se) && se.Detail != "" {
			msg = se.Detail // confluent: the FAILED statement's detail
		}
		res.Status = quality.StatusError
		res.Message = fmt.Sprintf("%s: the engine refused the rule's query: %s", res.Where(), msg)
		return nil
	}
	if err := quality.Judge(res, rule, rows); err != nil {
		res.Status, res.Message = quality.StatusError, fmt.Sprintf("%s: %v", res.Where(), err)
		return nil
	}
	if res.Status != quality.StatusFail || queries.Sample == "" {
		return nil
	}
	rows, err = run(queries.Sample, name+"-sample")
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		ws.log.Warn("read the sample of a failed quality rule", "table", res.Table, "rule", res.Rule, "error", err)
		return nil
	}
	res.Sample = quality.SampleOf(rows)
	return nil
}

// boundedScan says whether a scan of the table needs quality.BoundedHint
// to end: the DDL the target submits (deployers.DDLRenderer) uses the
// kafka or upsert-kafka connector, or names none (Confluent Cloud's tables
// are Kafka topics). Another connector (filesystem, datagen) is left as it
// is, since it refuses the Kafka option.
func (ws *Workspace) boundedScan(t *Target, tb *pipeline.Table) bool {
	if tb.DDLText == "" {
		return true
	}
	ddl, _, err := t.RenderDDL(tb.Name, tb.DDLText)
	if err != nil {
		return true
	}
	a, err := flinksql.Analyze([]byte(ddl))
	if err != nil || len(a.Tables) == 0 {
		return true
	}
	for _, o := range a.Tables[0].Options {
		if o.Key == "connector" {
			return o.Value == "kafka" || o.Value == "upsert-kafka"
		}
	}
	return true
}

// ProductsTouched are the products with quality rules whose tables a
// deploy changed (a step that succeeded), sorted: `deploy
// --check-quality` checks their ports.
func (ws *Workspace) ProductsTouched(ctx context.Context, res *DeployResult) ([]string, error) {
	if res == nil || res.Result == nil {
		return nil, nil
	}
	touched := map[string]bool{}
	for _, s := range res.Result.Steps {
		if s.Status != executor.StatusSucceeded {
			continue
		}
		if tb := ws.Project.Table(s.Table); tb != nil && tb.Product != "" {
			touched[tb.Product] = true
		}
	}
	if len(touched) == 0 {
		return nil, nil
	}
	ms, err := ws.Manifests(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if !touched[m.Product] {
			continue
		}
		for _, p := range m.OutputPorts {
			if len(p.Quality) > 0 {
				out = append(out, m.Product)
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// QualityError is a check with failed rules (or rules that could not
// run), for commands that end on it: each is named with its manifest's
// file:line.
type QualityError struct {
	Report *quality.Report
}

func (e *QualityError) Error() string {
	var lines []string
	for _, r := range e.Report.Results {
		if r.Status != quality.StatusPass {
			msg := strings.TrimPrefix(r.Message, r.Where()+": ")
			lines = append(lines, fmt.Sprintf("  %s: %s of %s, %s: %s", r.Where(), r.Status, r.Table, r.Description, msg))
		}
	}
	head := fmt.Sprintf("quality check failed: %d of %d rules failed", e.Report.Failed, len(e.Report.Results))
	if e.Report.Errors > 0 {
		head += fmt.Sprintf(", %d could not run", e.Report.Errors)
	}
	return head + ":\n" + strings.Join(lines, "\n")
}
