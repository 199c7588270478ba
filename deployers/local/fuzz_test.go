package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// FuzzLoadState: no input panics the reader; a rejected file is a
// *CorruptStateError naming the file and left byte for byte as it was; an
// accepted one survives a write and a read back.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"serial":3,"environment":"dev","tables":{"a":{"name":"a","ddl":"CREATE TABLE a (x INT)","columns":[{"name":"x","type":"INT","not_null":false}]}},"statements":{"s":{"name":"s","table":"a","kind":"dml","phase":"RUNNING","sql":"INSERT INTO a SELECT 1","reads":["b"],"writes":["a"]}}}`))
	f.Add([]byte(`{"version":1,"tables":{"a":null}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"statements":{"s":{"name":"s","phase":"RUNNING","created_at":"not a time"}}}`))
	f.Add([]byte(""))
	f.Add([]byte("\x00\xff"))
	// One directory per fuzzing process and no fsync in the loop: a
	// TempDir and a durable write per input would cut throughput 50-fold.
	dir := f.TempDir()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, fmt.Sprintf("local-%d.json", n.Add(1)))
		defer os.Remove(path)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := LoadState(path, "dev")
		if err != nil {
			var ce *CorruptStateError
			if !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v is not a CorruptStateError naming %s", err, path)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
				t.Fatal("a rejected state file was changed")
			}
			return
		}
		st.Serial++
		out, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("accepted state cannot be encoded: %v", err)
		}
		back, err := DecodeState(out)
		if err != nil {
			t.Fatalf("state accepted, encoded, then rejected: %v\n%s", err, out)
		}
		if back.Serial != st.Serial || len(back.Tables) != len(st.Tables) || len(back.Statements) != len(st.Statements) {
			t.Fatalf("round trip changed the state: %+v vs %+v", back, st)
		}
	})
}
