package confluent

import (
	"context"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

func TestCheckExternals(t *testing.T) {
	e := newEnv(t, confluenttest.Options{ExistingTables: []string{confluenttest.DefaultCatalog + "." + confluenttest.DefaultDatabase + ".out_t"}}, nil)
	ctx := context.Background()
	e.srv.AddStatement("make-raw-p", "CREATE TABLE raw_p (id INT);", "COMPLETED", time.Unix(100, 0))
	if _, err := e.target.StartStatement(ctx, deployers.StatementRequest{Name: "reads-raw-m", Table: "out_t", Kind: deployers.KindDML,
		SQL: "INSERT INTO out_t SELECT id FROM raw_m;"}); err != nil {
		t.Fatal(err)
	}
	_, _ = e.target.Wait(ctx, "reads-raw-m", []deployers.Phase{deployers.PhaseRunning}, 5*time.Second)
	got, err := e.target.CheckExternals(ctx, []string{"raw_p", "raw_m", "raw_u"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]deployers.Presence{"raw_p": deployers.PresencePresent, "raw_m": deployers.PresenceMissing}
	for n, p := range want {
		if got[n] != p {
			t.Errorf("%s: %q, want %q (all: %v)", n, got[n], p, got)
		}
	}
	if p, ok := got["raw_u"]; ok {
		t.Errorf("raw_u: %q, want unknown (absent): nothing says either way", p)
	}
}
