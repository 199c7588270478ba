package local

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/statelock"
)

// TestMain doubles as the helper process of TestKilledMidWrite.
func TestMain(m *testing.M) {
	if dir := os.Getenv("LOCAL_TARGET_CHURN_DIR"); dir != "" {
		os.Exit(churn(dir))
	}
	os.Exit(m.Run())
}

// churn takes the environment lock, says "locked", then changes the state
// without end, the way a deploy does, until it is killed.
func churn(dir string) int {
	ctx := context.Background()
	tg, err := Open(dir, "dev", Options{ExternalTables: []string{"raw_orders"}})
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	lock, err := statelock.Acquire(ctx, tg.LockPath(), statelock.Info{Operation: "churn"}, 10*time.Second)
	if err != nil {
		fmt.Println("lock:", err)
		return 1
	}
	fmt.Println("locked", lock.Info().ID)
	for i := 0; ; i++ {
		name := fmt.Sprintf("t%d", i%5)
		steps := []func() error{
			func() error { return tg.DeleteStatement(ctx, "dml-"+name) },
			func() error {
				_, err := tg.CreateTable(ctx, deployers.StatementRequest{Name: "ddl-" + name, SQL: "CREATE TABLE IF NOT EXISTS " + name + " (id STRING, amount DOUBLE, note STRING)"})
				return err
			},
			func() error {
				s, err := tg.StartStatement(ctx, deployers.StatementRequest{Name: "dml-" + name, SQL: "INSERT INTO " + name + " SELECT id, amount, 'n' FROM raw_orders"})
				if err == nil && s.Phase != deployers.PhaseRunning {
					err = fmt.Errorf("dml-%s is %s: %s", name, s.Phase, s.Detail)
				}
				return err
			},
			func() error { return tg.StopStatement(ctx, "dml-"+name) },
			func() error { return tg.DropTable(ctx, deployers.StatementRequest{Name: "drop-" + name, Table: name}) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				fmt.Println("step:", err)
				return 1
			}
		}
	}
}

// TestKilledMidWrite kills a process changing the state with SIGKILL at
// random moments, many times: the state (file and journal) always reads
// back valid, its serial never goes back, and the next run finds the lock
// stale and takes it over.
func TestKilledMidWrite(t *testing.T) {
	dir := t.TempDir()
	path := StatePath(dir, "dev")
	lockPath, err := statelock.PathFor(dir, TargetName, "dev")
	if err != nil {
		t.Fatal(err)
	}
	var lastSerial int64
	takeovers, cut := 0, 0
	const runs = 30
	for run := range runs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "LOCAL_TARGET_CHURN_DIR="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if !strings.HasPrefix(line, "locked ") {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("run %d: helper did not lock: %q %v", run, line, err)
		}
		id := strings.TrimSpace(strings.TrimPrefix(line, "locked "))
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("run %d: helper ended by itself (%v), not by the kill", run, err)
		}

		if j, err := os.ReadFile(JournalPath(path)); err == nil && len(j) > 0 && j[len(j)-1] != '\n' {
			cut++ // the kill landed inside a journal line
		}
		st, err := LoadState(path, "dev")
		if err != nil {
			t.Fatalf("run %d: state unreadable after SIGKILL: %v", run, err)
		}
		if st.Serial < lastSerial {
			t.Fatalf("run %d: serial went back from %d to %d", run, lastSerial, st.Serial)
		}
		lastSerial = st.Serial

		lock, err := statelock.Acquire(context.Background(), lockPath, statelock.Info{Operation: "check"}, 0)
		if err != nil {
			t.Fatalf("run %d: lock of the killed process not taken over: %v", run, err)
		}
		if lock.TakenOver == nil || lock.TakenOver.ID != id {
			t.Fatalf("run %d: TakenOver = %+v, want the killed helper's lock %s", run, lock.TakenOver, id)
		}
		takeovers++
		if err := lock.Release(); err != nil {
			t.Fatal(err)
		}
	}
	if lastSerial < runs {
		t.Errorf("only %d writes in %d runs: the helper was killed before writing", lastSerial, runs)
	}
	// Temporary files left behind are kills that landed inside a fold of
	// the journal into the state file.
	temps, _ := filepath.Glob(filepath.Join(dir, ".local-dev.json.tmp-*"))
	t.Logf("%d kills (%d inside a journal line, %d inside a fold), %d changes survived, %d stale locks taken over", runs, cut, len(temps), lastSerial, takeovers)
}
