package statelock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain doubles as a helper process: the tests re-execute the test binary
// with STATELOCK_HELPER set to hold a lock from another process.
func TestMain(m *testing.M) {
	if mode := os.Getenv("STATELOCK_HELPER"); mode != "" {
		os.Exit(helper(mode, os.Getenv("STATELOCK_PATH")))
	}
	os.Exit(m.Run())
}

// helper "hold": acquire, print "locked <id>", hold until stdin closes,
// release. Exit 3 when the lock was held by someone else.
func helper(mode, path string) int {
	switch mode {
	case "hold":
		l, err := Acquire(context.Background(), path, Info{Operation: "helper"}, 0)
		if err != nil {
			fmt.Println("refused", err)
			return 3
		}
		fmt.Println("locked", l.Info().ID)
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		if err := l.Release(); err != nil {
			fmt.Println("release", err)
			return 1
		}
		return 0
	}
	return 2
}

// startHolder starts a helper process holding the lock; closing the
// returned pipe makes it release and exit.
func startHolder(t *testing.T, path string) (*exec.Cmd, func(), string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STATELOCK_HELPER=hold", "STATELOCK_PATH="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "locked ") {
		t.Fatalf("helper did not lock: %q %v", line, err)
	}
	id := strings.TrimSpace(strings.TrimPrefix(line, "locked "))
	var once sync.Once
	release := func() {
		once.Do(func() {
			_ = stdin.Close()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		release()
	})
	return cmd, release, id
}

func fastLocker() *Locker {
	return &Locker{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STATELOCK_HELPER=none")
	_ = cmd.Run()
	return cmd.ProcessState.Pid()
}

func writeLock(t *testing.T, path string, info Info) {
	t.Helper()
	created, err := create(path, info)
	if err != nil || !created {
		t.Fatalf("create lock: %v %v", created, err)
	}
}

func TestAcquire(t *testing.T) {
	host, _ := os.Hostname()
	old := time.Now().Add(-time.Minute)
	tests := []struct {
		name     string
		existing func(t *testing.T, path string) // nil: no lock
		timeout  time.Duration
		wantErr  string // substring; "" = success
		stale    bool   // success by taking over
	}{
		{name: "free"},
		{
			name: "held by live process on this host",
			existing: func(t *testing.T, path string) {
				writeLock(t, path, Info{ID: "live-1", Operation: "deploy", Who: "ann@" + host, Host: host, PID: os.Getpid(), Created: old})
			},
			wantErr: "lock live-1 (deploy by ann@" + host + ", pid " + strconv.Itoa(os.Getpid()),
		},
		{
			name: "held with timeout",
			existing: func(t *testing.T, path string) {
				writeLock(t, path, Info{ID: "live-2", Who: "bob@" + host, Host: host, PID: os.Getpid(), Created: old})
			},
			timeout: 30 * time.Millisecond,
			wantErr: "force-unlock live-2",
		},
		{
			name: "holder dead on this host",
			existing: func(t *testing.T, path string) {
				writeLock(t, path, Info{ID: "dead-1", Host: host, PID: deadPID(t), Created: old})
			},
			stale: true,
		},
		{
			name: "holder on another host is never stale",
			existing: func(t *testing.T, path string) {
				writeLock(t, path, Info{ID: "remote-1", Who: "ci@elsewhere", Host: "elsewhere.invalid", PID: 999999, Created: old})
			},
			wantErr: "ci@elsewhere, pid 999999",
		},
		{
			name: "corrupt and fresh: being written",
			existing: func(t *testing.T, path string) {
				if err := os.WriteFile(path, []byte("{"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: "(being written)",
		},
		{
			name: "corrupt and old: holder died while writing",
			existing: func(t *testing.T, path string) {
				if err := os.WriteFile(path, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(path, old, old); err != nil {
					t.Fatal(err)
				}
			},
			stale: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state", "local-dev.lock")
			if tt.existing != nil {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				tt.existing(t, path)
			}
			l, err := fastLocker().Acquire(context.Background(), path, Info{Operation: "deploy", Version: "test"}, tt.timeout)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Acquire succeeded, want error containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrLocked) {
					t.Errorf("error %v is not ErrLocked", err)
				}
				var he *HeldError
				if errors.As(err, &he) && he.Waited < tt.timeout {
					t.Errorf("waited %v, less than the timeout %v", he.Waited, tt.timeout)
				}
				return
			}
			if err != nil {
				t.Fatalf("Acquire: %v", err)
			}
			if (l.TakenOver != nil) != tt.stale {
				t.Errorf("TakenOver = %v, want stale=%v", l.TakenOver, tt.stale)
			}
			got, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != l.Info().ID || got.PID != os.Getpid() || got.Operation != "deploy" || got.Version != "test" || !strings.Contains(got.Who, "@") {
				t.Errorf("lock file = %+v, want ours %+v", got, l.Info())
			}
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("lock file still there after Release: %v", err)
			}
		})
	}
}

func TestAcquireWaitsForRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	first, err := Acquire(context.Background(), path, Info{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = first.Release()
	}()
	second, err := fastLocker().Acquire(context.Background(), path, Info{}, 5*time.Second)
	if err != nil {
		t.Fatalf("second Acquire: %v", err)
	}
	if second.Info().ID == first.Info().ID {
		t.Error("both locks have the same ID")
	}
	if err := second.Release(); err != nil {
		t.Fatal(err)
	}
}

func TestAcquireContextCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	held, err := Acquire(context.Background(), path, Info{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = fastLocker().Acquire(ctx, path, Info{}, time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context deadline", err)
	}
}

// TestMutualExclusion: goroutines competing for one lock never overlap.
func TestMutualExclusion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	var inside, maxInside, done atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				l, err := fastLocker().Acquire(context.Background(), path, Info{}, 10*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				if n > maxInside.Load() {
					maxInside.Store(n)
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				if err := l.Release(); err != nil {
					t.Error(err)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if maxInside.Load() != 1 || done.Load() != 40 {
		t.Errorf("max holders at once = %d, completed = %d; want 1 and 40", maxInside.Load(), done.Load())
	}
}

// TestTwoProcesses: another process holds the lock; we are refused with
// its identity, wait while it holds, get the lock once it releases, and
// take it over when it is killed.
func TestTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local-dev.lock")

	cmd, release, id := startHolder(t, path)
	_, err := fastLocker().Acquire(context.Background(), path, Info{}, 50*time.Millisecond)
	var he *HeldError
	if !errors.As(err, &he) {
		t.Fatalf("err = %v, want HeldError", err)
	}
	if he.Holder.ID != id || he.Holder.PID != cmd.Process.Pid || he.Holder.Operation != "helper" {
		t.Errorf("holder = %+v, want id %s pid %d", he.Holder, id, cmd.Process.Pid)
	}
	for _, want := range []string{id, "helper", "pid " + strconv.Itoa(cmd.Process.Pid)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}

	go func() {
		time.Sleep(100 * time.Millisecond)
		release()
	}()
	l, err := fastLocker().Acquire(context.Background(), path, Info{}, 10*time.Second)
	if err != nil {
		t.Fatalf("Acquire after the holder released: %v", err)
	}
	if l.TakenOver != nil {
		t.Errorf("a cleanly released lock counted as stale: %+v", l.TakenOver)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}

	cmd, _, id = startHolder(t, path)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l, err = fastLocker().Acquire(context.Background(), path, Info{}, 0)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	if l.TakenOver == nil || l.TakenOver.ID != id {
		t.Errorf("TakenOver = %+v, want the killed holder's lock %s", l.TakenOver, id)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}

// TestStaleTakeoverRace: many goroutines find the same stale lock at once;
// exactly one may hold the lock at a time (nobody deletes a fresh lock).
func TestStaleTakeoverRace(t *testing.T) {
	host, _ := os.Hostname()
	for round := range 20 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("r%d.lock", round))
		writeLock(t, path, Info{ID: "dead", Host: host, PID: deadPID(t)})
		var inside, maxInside, tookOver atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, err := fastLocker().Acquire(context.Background(), path, Info{}, 10*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if l.TakenOver != nil {
					tookOver.Add(1)
				}
				n := inside.Add(1)
				if n > maxInside.Load() {
					maxInside.Store(n)
				}
				time.Sleep(2 * time.Millisecond)
				inside.Add(-1)
				if err := l.Release(); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if maxInside.Load() != 1 || tookOver.Load() < 1 {
			t.Fatalf("round %d: max holders %d, takeovers %d", round, maxInside.Load(), tookOver.Load())
		}
	}
}

func TestForceUnlock(t *testing.T) {
	tests := []struct {
		name    string
		lock    bool
		id      string // "" = the lock's own ID
		wantErr error
	}{
		{name: "right ID", lock: true},
		{name: "wrong ID", lock: true, id: "not-it", wantErr: ErrIDMismatch},
		{name: "no lock", id: "any", wantErr: ErrNotLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.lock")
			id := tt.id
			var l *Lock
			if tt.lock {
				var err error
				l, err = Acquire(context.Background(), path, Info{Operation: "deploy"}, 0)
				if err != nil {
					t.Fatal(err)
				}
				if id == "" {
					id = l.Info().ID
				}
			}
			err := ForceUnlock(path, id)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ForceUnlock err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error %q does not name the lock file", err)
				}
				if tt.lock && strings.Contains(err.Error(), l.Info().ID) {
					t.Errorf("mismatch error %q reveals the lock ID", err)
				}
				return
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("lock still there: %v", err)
			}
			// The former holder learns its lock is gone instead of deleting
			// whatever lock exists now.
			next, err := Acquire(context.Background(), path, Info{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Release(); err == nil || !strings.Contains(err.Error(), next.Info().ID) {
				t.Errorf("old holder's Release = %v, want refusal naming %s", err, next.Info().ID)
			}
			if _, err := Read(path); err != nil {
				t.Errorf("new lock removed by the old holder: %v", err)
			}
		})
	}
}

func TestPathFor(t *testing.T) {
	tests := []struct {
		target, env, want string
		ok                bool
	}{
		{"local", "dev", filepath.Join("d", "local-dev.lock"), true},
		{"confluent", "env-a1b2", filepath.Join("d", "confluent-env-a1b2.lock"), true},
		{"local", "../etc", "", false},
		{"local", "..", "", false},
		{"local", "", "", false},
		{"lo/cal", "dev", "", false},
	}
	for _, tt := range tests {
		got, err := PathFor("d", tt.target, tt.env)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("PathFor(%q, %q) = %q, %v; want %q ok=%v", tt.target, tt.env, got, err, tt.want, tt.ok)
		}
	}
}
