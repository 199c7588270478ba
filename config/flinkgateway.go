package config

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
)

// CheckGatewayURL is CheckBaseURL for the open-source Flink target: with
// allowInsecure (flink_gateway.allow_insecure_http) plain http:// to any
// host is accepted, for a gateway reached inside a cluster network.
func CheckGatewayURL(raw string, allowInsecure bool) error {
	err := CheckBaseURL(raw)
	if err == nil || !allowInsecure {
		return err
	}
	if u, perr := url.Parse(raw); perr == nil && u.Scheme == "http" {
		u.Scheme = "https"
		return CheckBaseURL(u.String())
	}
	return err
}

// InsecureFlinkURLs lists the flink target's URLs sent in clear text over
// a network (http:// to a host other than loopback), sorted, for the
// warning every command that uses the target prints.
func (c *Config) InsecureFlinkURLs() []string {
	var out []string
	for _, raw := range []string{c.Targets.Flink.URL, c.Targets.Flink.JobManagerURL} {
		if u, err := url.Parse(raw); err == nil && u.Scheme == "http" && u.Hostname() != "" && !IsLoopback(u.Hostname()) {
			out = append(out, raw)
		}
	}
	sort.Strings(out)
	return out
}

// FlinkCAFile is flink_gateway.ca_file, relative to the config file's
// folder (or the working directory without a file).
func (c *Config) FlinkCAFile() string {
	f := c.FlinkGateway.CAFile
	if f == "" || filepath.IsAbs(f) || c.Path == "" {
		return f
	}
	return filepath.Join(filepath.Dir(c.Path), f)
}

// flinkGatewayProblems checks the keys of flink_gateway that reach the
// network: the CA file exists, header names are valid. Values are never
// named (headers carry credentials).
func (c *Config) flinkGatewayProblems() []Problem {
	var ps []Problem
	if f := c.FlinkCAFile(); f != "" {
		if _, err := os.Stat(f); err != nil {
			ps = append(ps, problem("flink_gateway.ca_file", fmt.Sprintf("cannot read %s: %v", f, err)))
		}
	}
	names := make([]string, 0, len(c.FlinkGateway.Headers))
	for k := range c.FlinkGateway.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k == "" || http.CanonicalHeaderKey(k) == "" || !validHeaderName(k) {
			ps = append(ps, problem("flink_gateway.headers", fmt.Sprintf("%q is not a valid HTTP header name", k)))
		}
	}
	return ps
}

// validHeaderName reports whether s is an HTTP token (RFC 9110, 5.6.2).
func validHeaderName(s string) bool {
	for _, r := range s {
		if r > 126 || r <= 32 || (r < 127 && isSeparator(byte(r))) {
			return false
		}
	}
	return s != ""
}

func isSeparator(b byte) bool {
	switch b {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}':
		return true
	}
	return false
}
