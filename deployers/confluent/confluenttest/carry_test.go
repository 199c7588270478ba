package confluenttest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCreateWithInitialOffsetFrom: sql.tables.initial-offset-from must name
// an existing STOPPED statement, else the create is refused (422) with a
// detail naming it; an accepted create keeps the property.
func TestCreateWithInitialOffsetFrom(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := client{t, s, DefaultFlinkKey, DefaultFlinkSecret}
	s.AddStatement("old-running", "SELECT 1", "RUNNING", time.Now())
	s.AddStatement("old-stopped", "SELECT 1", "STOPPED", time.Now())
	body := func(name, from string) string {
		return fmt.Sprintf(`{"name":%q,"spec":{"statement":"SELECT 1","properties":{"sql.tables.initial-offset-from":%q}}}`, name, from)
	}
	for _, c2 := range []struct {
		name, from string
		status     int
		detail     string
	}{
		{"new-a", "missing", http.StatusUnprocessableEntity, "statement missing does not exist"},
		{"new-b", "old-running", http.StatusUnprocessableEntity, "statement old-running is RUNNING, not STOPPED"},
		{"new-c", "", http.StatusUnprocessableEntity, "is empty"},
		{"new-d", "old-stopped", http.StatusCreated, ""},
	} {
		status, _, out := c.do("POST", s.statementsPath(), body(c2.name, c2.from))
		if status != c2.status {
			t.Errorf("%s from %q: HTTP %d, want %d (%v)", c2.name, c2.from, status, c2.status, out)
			continue
		}
		if c2.detail != "" {
			if d := fmt.Sprint(out["errors"]); !strings.Contains(d, c2.detail) {
				t.Errorf("%s from %q: errors %s, want %q", c2.name, c2.from, d, c2.detail)
			}
			if _, exists := s.StatementPhase(c2.name); exists {
				t.Errorf("%s was created despite the refusal", c2.name)
			}
		} else if got := s.OffsetSource(c2.name); got != c2.from {
			t.Errorf("%s: OffsetSource = %q, want %q", c2.name, got, c2.from)
		}
	}
}
