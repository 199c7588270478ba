package plan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"unsafe"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/internal/atomicfile"
	"github.com/shiftleft-dev/shiftleft/pipeline"
)

// ErrStale is matched (errors.Is) by a *StaleError.
var ErrStale = errors.New("stale plan")

// StaleError says why a saved plan no longer matches what it was computed
// from.
type StaleError struct {
	// What is "pipelines" or "target state".
	What   string
	Detail string
}

func (e *StaleError) Error() string {
	msg := "the plan is stale: the " + e.What + " changed since it was made"
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg + "; build a new plan with 'shiftleft pipeline build-execution-plan --out FILE' and review it"
}

func (e *StaleError) Is(target error) bool { return target == ErrStale }

// fingerprint hashes the SQL and properties files and the target state of
// the plan's tables, the two on their own goroutines. Cost: one pass over
// the planned tables' files and one over their state. Properties are hashed
// only where there are some (props may be nil), so a plan of tables without
// any keeps the fingerprint it had before properties were covered.
func fingerprint(ctx context.Context, g *dag.Graph, p *Plan, state map[string]deployers.TableState, files pipeline.SQLSource, props PropertiesReader) (Fingerprint, error) {
	names := make([]string, 0, len(p.Steps))
	for _, s := range p.Steps {
		names = append(names, s.Table)
	}
	sort.Strings(names)

	stateSum := make(chan []byte, 1)
	go func() {
		sh := fieldHash{h: sha256.New()}
		for _, n := range names {
			st := state[n]
			sh.field(n)
			sh.field(strconv.FormatBool(st.Exists))
			sh.field(st.DDL)
			if st.DML != nil {
				sh.field(st.DML.Name)
				sh.field(strconv.FormatBool(st.DML.Phase.Healthy()))
				sh.field(st.DML.SQL)
				sh.properties("dml", st.DML.Properties)
			} else {
				sh.field("-")
			}
		}
		stateSum <- sh.h.Sum(nil)
	}()

	ph := fieldHash{h: sha256.New()}
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			<-stateSum
			return Fingerprint{}, err
		}
		t := g.Table(n)
		if t == nil {
			<-stateSum
			return Fingerprint{}, &StaleError{What: "pipelines", Detail: "table " + n + " is gone"}
		}
		ddl, dml, err := files(t)
		if err != nil {
			<-stateSum
			return Fingerprint{}, err
		}
		ph.field(n)
		ph.field(string(t.Type), "|", t.Product, "|", t.DDLPath, "|", t.DMLPath)
		ph.field(ddl)
		ph.field(dml)
		if props == nil {
			continue
		}
		for _, kind := range []deployers.StatementKind{deployers.KindDDL, deployers.KindDML} {
			m, err := props(t, kind)
			if err != nil {
				<-stateSum
				return Fingerprint{}, fmt.Errorf("table %s: %w", n, err)
			}
			// Secret values stay out of plan files, even hashed: a short
			// one could be guessed from the hash and the public rest.
			ph.properties(string(kind), config.MaskSecretProperties(m))
		}
	}
	return Fingerprint{
		Pipelines: "sha256:" + hex.EncodeToString(ph.h.Sum(nil)),
		State:     "sha256:" + hex.EncodeToString(<-stateSum),
	}, nil
}

// fieldHash writes length-prefixed fields to a hash, so no two inputs
// hash the same by shifting text between fields.
type fieldHash struct {
	h   hash.Hash
	num []byte
}

// field writes the concatenation of parts as one field. The hash reads
// the text in place: io.WriteString would copy every SQL file once more
// (77 MB at 50,000 tables).
func (f *fieldHash) field(parts ...string) {
	n := 0
	for _, s := range parts {
		n += len(s)
	}
	f.num = strconv.AppendInt(f.num[:0], int64(n), 10)
	f.num = append(f.num, ':')
	f.h.Write(f.num)
	for _, s := range parts {
		if s != "" {
			f.h.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
		}
	}
}

// properties writes a statement's properties, keys sorted, after a marker
// no table name can hold; nothing when there are none.
func (f *fieldHash) properties(kind string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	f.field("\x00properties ", kind, " ", strconv.Itoa(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		f.field(k)
		f.field(m[k])
	}
}

// Verify recomputes the fingerprints of a saved plan from the current
// pipelines and target state and returns a *StaleError when either moved.
// props reads the statement properties files (nil: there are none).
func Verify(ctx context.Context, g *dag.Graph, p *Plan, state map[string]deployers.TableState, sql pipeline.SQLSource, props PropertiesReader) error {
	if p.Kind != KindDeploy {
		props = nil // undeploy plans run no statement of the files
	}
	fp, err := fingerprint(ctx, g, p, state, sql, props)
	if err != nil {
		return err
	}
	if fp.Pipelines != p.Fingerprint.Pipelines {
		return &StaleError{What: "pipelines", Detail: "SQL or properties files of the planned tables differ"}
	}
	if fp.State != p.Fingerprint.State {
		return &StaleError{What: "target state", Detail: "tables or statements of " + p.Target + " environment " + p.Environment + " differ"}
	}
	return nil
}

// Save writes the plan as indented JSON, atomically.
func Save(path string, p *Plan) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// Load reads a plan file written by Save and checks that it is a plan this
// version can execute.
func Load(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	p, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	return p, nil
}

// Decode parses and validates a plan file's contents: known version and
// actions, unique tables, and After naming only earlier acting steps (so
// executing it cannot deadlock).
func Decode(data []byte) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a plan file: %w", err)
	}
	if p.Version != FormatVersion {
		return nil, fmt.Errorf("plan format version %d, this shiftleft reads version %d: build the plan again", p.Version, FormatVersion)
	}
	if p.Kind != KindDeploy && p.Kind != KindUndeploy {
		return nil, fmt.Errorf("unknown plan kind %q", p.Kind)
	}
	if p.Fingerprint.Pipelines == "" || p.Fingerprint.State == "" {
		return nil, errors.New("the plan has no fingerprint: it cannot be checked for staleness; build it again")
	}
	seen := make(map[string]Action, len(p.Steps))
	for i, s := range p.Steps {
		if s.Table == "" {
			return nil, fmt.Errorf("step %d has no table", i+1)
		}
		if _, dup := seen[s.Table]; dup {
			return nil, fmt.Errorf("table %s appears twice", s.Table)
		}
		switch s.Action {
		case ActionCreate, ActionRecreate, ActionRestart, ActionStart, ActionNone, ActionExcluded, ActionDrop, ActionKeep:
		default:
			return nil, fmt.Errorf("table %s: unknown action %q", s.Table, s.Action)
		}
		for _, a := range s.After {
			act, ok := seen[a]
			if !ok || !act.Acts() {
				return nil, fmt.Errorf("table %s waits for %s, which is not an earlier acting step", s.Table, a)
			}
		}
		seen[s.Table] = s.Action
	}
	p.Summary = summarize(p.Steps)
	return &p, nil
}
