package flink

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/shiftleft-dev/shiftleft/config"
)

// httpClient is the client of the gateway and the JobManager: a 60 s
// timeout, the system's certificate authorities plus Options.CAFile, and
// the authenticating proxy's headers (Options.Headers, Options.Token) on
// every request.
func httpClient(opts Options) (*http.Client, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: flink_gateway.ca_file: %v", ErrConfig, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: flink_gateway.ca_file %s holds no PEM certificate", ErrConfig, opts.CAFile)
		}
		base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: 60 * time.Second, Transport: withHeaders(base, opts)}, nil
}

// withHeaders wraps rt so every request carries the configured headers and
// bearer token; rt is returned as is when there are none.
func withHeaders(rt http.RoundTripper, opts Options) http.RoundTripper {
	if len(opts.Headers) == 0 && opts.Token == "" {
		return rt
	}
	values := []string{opts.Token.Reveal()}
	for _, v := range opts.Headers {
		values = append(values, v.Reveal())
	}
	return &headerTransport{base: rt, headers: opts.Headers, token: opts.Token, redact: config.NewRedactor(values)}
}

// headerTransport adds headers to each request. The values stay
// config.Secret until the request is built, so no log or error prints them.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]config.Secret
	token   config.Secret
	redact  *config.Redactor
}

func (h *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper must not change the caller's request.
	r := req.Clone(req.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v.Reveal())
	}
	if h.token != "" {
		r.Header.Set("Authorization", "Bearer "+h.token.Reveal())
	}
	resp, err := h.base.RoundTrip(r)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	// A proxy may echo the request's headers in its answer (error pages
	// often do): the answer reaches errors and logs only with the header
	// values and the token masked. Cost: the body is read whole, bounded
	// by maxBody as every reader of it is.
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if rerr != nil {
		return nil, rerr
	}
	masked := h.redact.Redact(string(body))
	resp.Body = io.NopCloser(strings.NewReader(masked))
	resp.ContentLength = int64(len(masked))
	return resp, nil
}
