package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Problem is one missing or wrong key found by Validate.
type Problem struct {
	Key string `json:"key"`
	// Alias is another key of shift_left's that sets the same value
	// (confluent_cloud.provider for confluent_cloud.cloud_provider).
	Alias   string `json:"alias,omitempty"`
	Env     string `json:"env,omitempty"` // the SL_* variable that can set it
	Message string `json:"message"`
}

// NotSet is the Message of a key that has no value. validate-config and
// every target that refuses to open name a missing key with the same
// sentence, Problem.String of it.
const NotSet = "is not set"

// Missing is the problem of a key that has no value.
func Missing(key string) Problem { return problem(key, NotSet) }

// problem names key with the alias and the variable that can set it.
func problem(key, msg string) Problem {
	return Problem{Key: key, Alias: aliases[key], Env: EnvVarFor(key), Message: msg}
}

// String is "KEY is not set (set it in config.yaml or with SL_VAR)" for a
// missing key and "KEY: MESSAGE (…)" for any other problem.
func (p Problem) String() string {
	s := p.Key + ": " + p.Message
	if p.Message == NotSet {
		s = p.Key + " " + NotSet
	}
	switch {
	case p.Alias != "" && p.Env != "":
		s += " (set it, or " + p.Alias + ", in config.yaml or with " + p.Env + ")"
	case p.Alias != "":
		s += " (set it, or " + p.Alias + ", in config.yaml)"
	case p.Env != "":
		s += " (set it in config.yaml or with " + p.Env + ")"
	}
	return s
}

// aliases are the keys of shift_left's config template that Parse reads
// into the key named first when that one is not set.
var aliases = map[string]string{
	"confluent_cloud.cloud_provider": "confluent_cloud.provider",
	"confluent_cloud.cloud_region":   "confluent_cloud.region",
}

// Targets Validate knows.
const (
	TargetLocal     = "local"
	TargetConfluent = "confluent"
	TargetFlink     = "flink"
)

// Validate reports every missing, placeholder or malformed key the target
// needs, all at once, in a stable order. "" checks only what every target
// shares. Values are never included in messages (they may be secrets).
func (c *Config) Validate(target string) []Problem {
	var ps []Problem
	need := func(key, v string) {
		if strings.TrimSpace(v) == "" {
			ps = append(ps, Missing(key))
		} else if IsPlaceholder(v) {
			ps = append(ps, problem(key, "still a placeholder"))
		}
	}
	checkURL := func(key, v string) {
		if v == "" || IsPlaceholder(v) {
			return
		}
		if err := CheckBaseURL(v); err != nil {
			ps = append(ps, problem(key, err.Error()))
		}
	}
	if IsPlaceholder(c.Kafka.ClusterType) {
		need("kafka.cluster_type", c.Kafka.ClusterType)
	}
	switch target {
	case "", TargetLocal:
	case TargetConfluent:
		cc, f := c.ConfluentCloud, c.Flink
		need("confluent_cloud.organization_id", cc.OrganizationID)
		need("confluent_cloud.environment_id", cc.EnvironmentID)
		// Provider and region build the default SQL endpoint and name the
		// pools' region, so they are needed even with flink.sql_endpoint.
		need("confluent_cloud.cloud_provider", cc.CloudProvider)
		need("confluent_cloud.cloud_region", cc.CloudRegion)
		if p := cc.CloudProvider; p != "" && !IsPlaceholder(p) && p != "aws" && p != "gcp" && p != "azure" {
			ps = append(ps, problem("confluent_cloud.cloud_provider", "must be aws, gcp or azure"))
		}
		// Catch the classic mix-ups (an environment id pasted as the
		// organization, a pool name for its id) before any call fails.
		format := func(key, v, msg string, ok func(string) bool) {
			if v != "" && !IsPlaceholder(v) && !ok(v) {
				ps = append(ps, problem(key, msg))
			}
		}
		format("confluent_cloud.organization_id", cc.OrganizationID, "is not a UUID (organization ids look like 7c60d51f-b44e-4682-87d6-449835ea4de6)", isUUID)
		format("confluent_cloud.environment_id", cc.EnvironmentID, "must start with env- (e.g. env-abc123)", func(v string) bool { return strings.HasPrefix(v, "env-") })
		format("flink.compute_pool_id", f.ComputePoolID, "must start with lfcp- (e.g. lfcp-x7rgx1): use the pool's id, not its name", func(v string) bool { return strings.HasPrefix(v, "lfcp-") })
		if sa := cc.ServiceAccountID; sa != "" && IsPlaceholder(sa) {
			ps = append(ps, problem("confluent_cloud.service_account_id", "still a placeholder (remove the key to run statements as the owner of the Flink API key)"))
		}
		format("confluent_cloud.service_account_id", cc.ServiceAccountID, "must be a principal id: sa-… (service account), u-… (user) or pool-… (identity pool)", func(v string) bool {
			return strings.HasPrefix(v, "sa-") || strings.HasPrefix(v, "u-") || strings.HasPrefix(v, "pool-")
		})
		need("confluent_cloud.api_key", cc.APIKey.Reveal())
		need("confluent_cloud.api_secret", cc.APISecret.Reveal())
		checkURL("confluent_cloud.api_endpoint", cc.APIEndpoint)
		// No flink.compute_pool_id is fine: each table's pool is then the
		// one its running statement uses, else --compute-pool-id, else the
		// environment's default pool. A placeholder is still a mistake.
		if IsPlaceholder(f.ComputePoolID) && strings.TrimSpace(f.ComputePoolID) != "" {
			need("flink.compute_pool_id", f.ComputePoolID)
		}
		need("flink.catalog_name", f.CatalogName)
		need("flink.database_name", f.DatabaseName)
		need("flink.api_key", f.APIKey.Reveal())
		need("flink.api_secret", f.APISecret.Reveal())
		checkURL("flink.sql_endpoint", f.SQLEndpoint)
		switch f.MaxCFU {
		case 5, 10, 20, 30, 40, 50:
		default:
			ps = append(ps, Problem{Key: "flink.max_cfu", Message: fmt.Sprintf("must be one of 5, 10, 20, 30, 40, 50 (got %d)", f.MaxCFU)})
		}
		for _, d := range []struct{ key, v string }{
			{"targets.confluent.poll_initial", c.Targets.Confluent.PollInitial},
			{"targets.confluent.poll_max", c.Targets.Confluent.PollMax},
			{"targets.confluent.request_timeout", c.Targets.Confluent.RequestTimeout},
		} {
			if d.v == "" {
				continue
			}
			if v, err := time.ParseDuration(d.v); err != nil || v <= 0 {
				ps = append(ps, Problem{Key: d.key, Message: fmt.Sprintf("%q is not a positive duration such as 500ms or 10s", d.v)})
			}
		}
		if p := f.MaxCFUPercentBeforeAllocation; p <= 0 || p > 1 {
			ps = append(ps, Problem{Key: "flink.max_cfu_percent_before_allocation", Message: fmt.Sprintf("must be a fraction in (0, 1] (got %g)", p)})
		}
	case TargetFlink:
		// flink_gateway.* is the documented spelling; targets.flink.* an
		// override of ours, named when it is the one that holds the value.
		ft, gw := c.Targets.Flink, c.FlinkGateway
		urlKey, jmKey := "flink_gateway.url", "flink_gateway.jobmanager_url"
		if ft.URL != "" && ft.URL != gw.URL {
			urlKey = "targets.flink.url"
		}
		if ft.JobManagerURL != "" && ft.JobManagerURL != gw.JobManagerURL {
			jmKey = "targets.flink.jobmanager_url"
		}
		need(urlKey, ft.URL)
		need(jmKey, ft.JobManagerURL)
		for _, u := range []struct{ key, v string }{{urlKey, ft.URL}, {jmKey, ft.JobManagerURL}} {
			if u.v != "" && !IsPlaceholder(u.v) {
				if err := CheckGatewayURL(u.v, gw.AllowInsecureHTTP); err != nil {
					ps = append(ps, problem(u.key, err.Error()))
				}
			}
		}
		ps = append(ps, c.flinkGatewayProblems()...)
		for i, g := range c.Targets.Flink.RemoveOptions {
			if strings.TrimSpace(g) == "" {
				ps = append(ps, Problem{Key: fmt.Sprintf("targets.flink.remove_options[%d]", i), Message: "empty pattern"})
			}
		}
	default:
		ps = append(ps, Problem{Key: "target", Message: fmt.Sprintf("unknown target %q; use local, confluent or flink", target)})
	}
	return append(ps, c.rewriteProblems()...)
}

// CheckBaseURL accepts a base URL of scheme and host only (an optional
// trailing "/"), https anywhere and plain http only for loopback hosts
// (127.0.0.0/8, ::1, localhost), so credentials never cross a network in
// clear text.
func CheckBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("must start with https:// (got scheme %q)", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("has no host; write it as https://host[:port]")
	}
	if u.User != nil {
		return fmt.Errorf("must not carry credentials; use the api_key/api_secret keys")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("must be scheme and host only, without path or query (e.g. https://flink.us-east-1.aws.confluent.cloud)")
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return fmt.Errorf("plain http:// is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https://")
	}
	return nil
}

// IsLoopback reports whether host is localhost or a loopback IP.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// isUUID reports whether s is a UUID in its 8-4-4-4-12 hexadecimal form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
