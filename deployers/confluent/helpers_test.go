package confluent

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

// sleeper records the delays asked for and returns at once, so retry and
// poll tests run in milliseconds while asserting the delays.
type sleeper struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) Delays() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// env is a stand-in with a client and a target pointed at it, and a log
// buffer that tests scan for secrets.
type env struct {
	srv    *confluenttest.Server
	cfg    *config.Config
	client *Client
	target *Target
	sleep  *sleeper
	logs   *bytes.Buffer
}

func newEnv(t *testing.T, so confluenttest.Options, mod func(*Options)) *env {
	t.Helper()
	srv := confluenttest.NewServer(so)
	t.Cleanup(srv.Close)
	e := &env{srv: srv, cfg: srv.Config(), sleep: &sleeper{}, logs: &bytes.Buffer{}}
	o := Options{
		Version: "test", Sleep: e.sleep.Sleep, Jitter: func() float64 { return 0.5 },
		RequestTimeout: 10 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&o)
	}
	var err error
	if e.target, err = New(e.cfg, o); err != nil {
		t.Fatal(err)
	}
	e.client = e.target.Client()
	return e
}

// secretsOf lists every secret of the stand-in config plus its Basic
// credentials, for leak checks.
func (e *env) assertNoSecrets(t *testing.T, texts ...string) {
	t.Helper()
	canaries := []string{
		confluenttest.DefaultFlinkKey, confluenttest.DefaultFlinkSecret,
		confluenttest.DefaultCloudKey, confluenttest.DefaultCloudSecret, "CANARY",
	}
	all := append(texts, e.logs.String())
	for _, txt := range all {
		for _, c := range canaries {
			if strings.Contains(txt, c) {
				t.Errorf("secret %q leaked in %q", c, txt)
			}
		}
		if strings.Contains(txt, "Basic ") && !strings.Contains(txt, "Basic ****") {
			t.Errorf("credential leaked in %q", txt)
		}
	}
}
