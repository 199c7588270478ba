package catalog_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shiftleft-dev/shiftleft/catalog"
)

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		loopback bool
	}{
		{"127.0.0.1:0", true},
		{"127.0.0.1:8000", true},
		{"[::1]:0", true},
		{"localhost:8080", true},
		{"LOCALHOST:8080", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
		{"example.com:80", false},
	} {
		err := catalog.CheckLoopback(tc.addr)
		if tc.loopback != (err == nil) {
			t.Errorf("CheckLoopback(%q) = %v, want loopback %v", tc.addr, err, tc.loopback)
		}
		if err != nil && !errors.Is(err, catalog.ErrNotLoopback) {
			t.Errorf("CheckLoopback(%q) = %v, want ErrNotLoopback", tc.addr, err)
		}
	}
	if err := catalog.CheckLoopback("8080"); err == nil || errors.Is(err, catalog.ErrNotLoopback) || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("CheckLoopback(8080) = %v, want a host:port error", err)
	}
}

func TestServe(t *testing.T) {
	if err := catalog.Serve(context.Background(), "0.0.0.0:0", nil, nil); !errors.Is(err, catalog.ErrNotLoopback) {
		t.Fatalf("Serve on every interface = %v, want ErrNotLoopback", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- catalog.Serve(ctx, "127.0.0.1:0", []byte("<html>the page</html>"), func(u string) { urls <- u })
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not say it was ready")
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/") {
		t.Errorf("url = %s", url)
	}
	get := func(u string) (int, string, http.Header) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	code, body, h := get(url)
	if code != 200 || body != "<html>the page</html>" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("GET / = %d %q %v", code, body, h)
	}
	if code, _, _ := get(url + "secrets.txt"); code != http.StatusNotFound {
		t.Errorf("GET /secrets.txt = %d, want 404", code)
	}
	resp, err := http.Post(url, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop when its context was cancelled")
	}
}
