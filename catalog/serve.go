package catalog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// ErrNotLoopback is returned by Serve for an address other machines could
// reach: the catalog shows SQL and ownership, and serving it is a local
// convenience, not a publishing step.
var ErrNotLoopback = errors.New("not a loopback address")

// CheckLoopback reports whether addr (host:port) can only be reached from
// this machine: its host is "localhost" or a loopback IP. An empty host
// (":8080") listens on every interface and is refused.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %v (give host:port, e.g. 127.0.0.1:8000)", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("address %q: %w: the catalog is served on this machine only (use 127.0.0.1:PORT or [::1]:PORT)", addr, ErrNotLoopback)
}

// Serve serves page at / on addr, which must be a loopback address (port 0
// picks a free port), until ctx is cancelled. ready is called with the
// page's URL once the listener is open. On cancellation it stops accepting,
// lets requests in flight finish (up to five seconds) and returns nil.
func Serve(ctx context.Context, addr string, page []byte, ready func(url string)) error {
	if err := CheckLoopback(addr); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("serve the catalog: %w", err)
	}
	srv := &http.Server{Handler: Handler(page), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String() + "/")
	}
	select {
	case err := <-done:
		return fmt.Errorf("serve the catalog: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("stop serving the catalog: %w", err)
	}
	return nil
}

// Handler serves page at / (and /index.html) and nothing else.
func Handler(page []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "/index.html" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		// The page fetches nothing: say so to the browser as well.
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			return
		}
		w.Write(page)
	})
}
