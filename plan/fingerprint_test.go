package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/dag"
	"github.com/shiftleft-dev/shiftleft/deployers"
)

// referenceFingerprint is the fingerprint written out plainly (one hash
// after the other, strings copied): saved plans carry these values, so the
// faster implementation must give exactly the same bytes.
func referenceFingerprint(g *dag.Graph, p *Plan, state map[string]deployers.TableState) Fingerprint {
	ph, sh := sha256.New(), sha256.New()
	field := func(w io.Writer, s string) {
		io.WriteString(w, strconv.Itoa(len(s))+":"+s)
	}
	names := map[string]bool{}
	for _, s := range p.Steps {
		names[s.Table] = true
	}
	for _, n := range g.Names() { // sorted
		if !names[n] {
			continue
		}
		t := g.Table(n)
		field(ph, n)
		field(ph, string(t.Type)+"|"+t.Product+"|"+t.DDLPath+"|"+t.DMLPath)
		field(ph, ddlOf(n))
		field(ph, dmlOf(g, n))
		st := state[n]
		field(sh, n)
		field(sh, strconv.FormatBool(st.Exists))
		field(sh, st.DDL)
		if st.DML != nil {
			field(sh, st.DML.Name)
			field(sh, strconv.FormatBool(st.DML.Phase.Healthy()))
			field(sh, st.DML.SQL)
		} else {
			field(sh, "-")
		}
	}
	return Fingerprint{
		Pipelines: "sha256:" + hex.EncodeToString(ph.Sum(nil)),
		State:     "sha256:" + hex.EncodeToString(sh.Sum(nil)),
	}
}

func TestFingerprintMatchesReference(t *testing.T) {
	g := project(t, mixed)
	noFiles := propertiesOf(nil)
	for _, tc := range []struct {
		name  string
		state map[string]deployers.TableState
		props PropertiesReader
	}{
		{"nothing deployed", nil, nil},
		{"some running", running(g, "src_o", "cmn_t", "int_o"), nil},
		// Saved plans of tables without properties files stay valid.
		{"no properties files", running(g, "src_o"), noFiles},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Build(context.Background(), g, Inputs{
				Selected: all(mixed), State: tc.state, Naming: testNaming, SQL: sqlOf(g), Now: time.Unix(0, 0),
				Properties: tc.props,
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Steps) < len(mixed)-1 { // ext_k is an external: not a step
				t.Fatalf("plan has %d steps, want every one of the %d tables of the project", len(p.Steps), len(mixed)-1)
			}
			if want := referenceFingerprint(g, p, tc.state); p.Fingerprint != want {
				t.Errorf("fingerprint %+v, reference %+v", p.Fingerprint, want)
			}
		})
	}
}
