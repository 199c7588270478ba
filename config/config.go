// Package config loads shift_left-compatible config.yaml files, applies the
// SL_* environment overrides and validates the keys each deployment target
// needs. Secrets are held as Secret values, which never print.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is the content of config.yaml after defaults and environment
// overrides. Unknown keys are ignored, as shift_left ignores them.
type Config struct {
	ConfluentCloud ConfluentCloud `yaml:"confluent_cloud" json:"confluent_cloud"`
	Flink          Flink          `yaml:"flink" json:"flink"`
	Kafka          Kafka          `yaml:"kafka" json:"kafka"`
	App            App            `yaml:"app" json:"app"`
	FlinkGateway   FlinkGateway   `yaml:"flink_gateway" json:"flink_gateway"`
	Targets        Targets        `yaml:"targets" json:"targets"`
	// SQLRewrites change the SQL deployed to some environments (rewrite.go).
	SQLRewrites []SQLRewrite `yaml:"sql_rewrites" json:"sql_rewrites,omitempty"`

	// Path is the file the configuration was read from ("" when none).
	Path string `yaml:"-" json:"path,omitempty"`
	// Warnings are problems that do not stop loading (world-readable file
	// holding secrets); the CLI logs them.
	Warnings []string `yaml:"-" json:"warnings,omitempty"`
}

// ConfluentCloud is the confluent_cloud section (control plane and the
// organization/environment every Flink SQL call names).
type ConfluentCloud struct {
	OrganizationID string `yaml:"organization_id" json:"organization_id"`
	EnvironmentID  string `yaml:"environment_id" json:"environment_id"`
	CloudProvider  string `yaml:"cloud_provider" json:"cloud_provider"`
	CloudRegion    string `yaml:"cloud_region" json:"cloud_region"`
	// Region feeds the statement-name abbreviation, and CloudRegion when
	// that is unset (shift_left's template writes region and provider;
	// its SQL endpoint falls back on them the same way).
	Region string `yaml:"region" json:"region"`
	// Provider is shift_left's template spelling of CloudProvider, read
	// when cloud_provider is unset.
	Provider    string `yaml:"provider" json:"provider,omitempty"`
	APIKey      Secret `yaml:"api_key" json:"api_key"`
	APISecret   Secret `yaml:"api_secret" json:"api_secret"`
	APIEndpoint string `yaml:"api_endpoint" json:"api_endpoint"`
	PageSize    int    `yaml:"page_size" json:"page_size"`
	// ServiceAccountID is the principal statements run as (spec.principal,
	// e.g. sa-abc123); empty: the owner of the Flink API key.
	ServiceAccountID string `yaml:"service_account_id" json:"service_account_id,omitempty"`
}

// Flink is the flink section (Flink SQL API of Confluent Cloud).
type Flink struct {
	ComputePoolID string `yaml:"compute_pool_id" json:"compute_pool_id"`
	CatalogName   string `yaml:"catalog_name" json:"catalog_name"`
	DatabaseName  string `yaml:"database_name" json:"database_name"`
	APIKey        Secret `yaml:"api_key" json:"api_key"`
	APISecret     Secret `yaml:"api_secret" json:"api_secret"`
	SQLEndpoint   string `yaml:"sql_endpoint" json:"sql_endpoint"`
	// Endpoint is shift_left's older spelling of SQLEndpoint.
	Endpoint                      string  `yaml:"endpoint" json:"endpoint,omitempty"`
	MaxCFU                        int     `yaml:"max_cfu" json:"max_cfu"`
	MaxCFUPercentBeforeAllocation float64 `yaml:"max_cfu_percent_before_allocation" json:"max_cfu_percent_before_allocation"`
	// PollTimer is shift_left's poll interval in seconds.
	PollTimer int `yaml:"poll_timer" json:"poll_timer"`
}

// Kafka is the kafka section.
type Kafka struct {
	ClusterType      string `yaml:"cluster_type" json:"cluster_type"`
	BootstrapServers string `yaml:"bootstrap.servers" json:"bootstrap.servers"`
}

// App is the app section.
type App struct {
	AcceptedCommonProducts []string `yaml:"accepted_common_products" json:"accepted_common_products"`
	// Naming is an optional statement-name template of ours (not shift_left's).
	Naming string `yaml:"naming" json:"naming,omitempty"`
	// SQLContentModifier is shift_left's Python class that rewrites SQL per
	// environment: read only to warn that sql_rewrites replace it.
	SQLContentModifier string `yaml:"sql_content_modifier" json:"sql_content_modifier,omitempty"`
}

// FlinkGateway is the flink_gateway section (open-source Flink target).
type FlinkGateway struct {
	URL           string `yaml:"url" json:"url"`
	JobManagerURL string `yaml:"jobmanager_url" json:"jobmanager_url"`
	// AllowInsecureHTTP accepts plain http:// to hosts other than
	// loopback (a gateway inside a cluster network); every command that
	// uses the flink target then warns.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http" json:"allow_insecure_http,omitempty"`
	// CAFile is a PEM file of certificate authorities trusted for https
	// to the gateway and JobManager, besides the system's (relative to
	// the config file).
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty"`
	// Headers are sent with every request (an authenticating proxy in
	// front of the gateway). Their values are secrets: they never print.
	Headers map[string]Secret `yaml:"headers" json:"headers,omitempty"`
	// TokenEnv names the environment variable holding a bearer token sent
	// as "Authorization: Bearer …" (default SL_FLINK_GATEWAY_TOKEN); Token
	// is the token read from it.
	TokenEnv string `yaml:"token_env" json:"token_env,omitempty"`
	Token    Secret `yaml:"-" json:"-"`
}

// DefaultFlinkTokenEnv is the variable read for the gateway's bearer token
// when flink_gateway.token_env is not set.
const DefaultFlinkTokenEnv = "SL_FLINK_GATEWAY_TOKEN"

// Targets holds per-target settings.
type Targets struct {
	Local     LocalTarget     `yaml:"local" json:"local"`
	Flink     FlinkTarget     `yaml:"flink" json:"flink"`
	Confluent ConfluentTarget `yaml:"confluent" json:"confluent"`
}

// ConfluentTarget tunes the Confluent Cloud client (our keys, not
// shift_left's). Durations are Go durations ("300ms", "10s"); empty keeps
// the client's defaults.
type ConfluentTarget struct {
	// PollInitial and PollMax bound the interval of statement polls
	// (default 1s doubling to 10s).
	PollInitial string `yaml:"poll_initial" json:"poll_initial,omitempty"`
	PollMax     string `yaml:"poll_max" json:"poll_max,omitempty"`
	// RequestTimeout bounds one HTTP attempt (default 30s).
	RequestTimeout string `yaml:"request_timeout" json:"request_timeout,omitempty"`
	// MaxAttempts bounds the attempts of one request (default 6).
	MaxAttempts int `yaml:"max_attempts" json:"max_attempts,omitempty"`
}

// LocalTarget configures the embedded local target.
type LocalTarget struct {
	StateDir string `yaml:"state_dir" json:"state_dir"`
}

// FlinkTarget configures the open-source Flink target. URL and
// JobManagerURL default to the flink_gateway section.
type FlinkTarget struct {
	URL           string            `yaml:"url" json:"url"`
	JobManagerURL string            `yaml:"jobmanager_url" json:"jobmanager_url"`
	SavepointDir  string            `yaml:"savepoint_dir" json:"savepoint_dir"`
	TableOptions  map[string]string `yaml:"table_options" json:"table_options,omitempty"`
	RemoveOptions []string          `yaml:"remove_options" json:"remove_options,omitempty"`
	// SchemaRegistryURL turns Confluent's registry formats into
	// avro-confluent reading this registry; without it they become json.
	SchemaRegistryURL string `yaml:"schema_registry_url" json:"schema_registry_url,omitempty"`
}

// Defaults, as shift_left applies them.
const (
	DefaultClusterType                   = "dev"
	DefaultRegion                        = "us-west-2"
	DefaultPageSize                      = 100
	DefaultMaxCFU                        = 10
	DefaultMaxCFUPercentBeforeAllocation = 0.8
	DefaultPollTimer                     = 10
	DefaultControlPlane                  = "https://api.confluent.cloud"
	DefaultFileName                      = "config.yaml"
)

// ErrNotFound is returned (wrapped) when an explicitly named config file
// does not exist.
var ErrNotFound = errors.New("config file not found")

// maxFileSize bounds what Load reads: a config file is a few KB.
const maxFileSize = 1 << 20

// Getenv reads one environment variable; os.Getenv fits, tests pass a map's
// lookup. A nil Getenv means "no environment".
type Getenv func(string) string

// MapEnv adapts a map to Getenv.
func MapEnv(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func (g Getenv) get(k string) string {
	if g == nil {
		return ""
	}
	return strings.TrimSpace(g(k))
}

// ResolvePath picks the config file: the explicit flag value, else
// SL_CONFIG_FILE, else CONFIG_FILE, else ./config.yaml. required is false
// only for the default, whose absence is fine.
func ResolvePath(explicit string, env Getenv) (path string, required bool) {
	if explicit != "" {
		return explicit, true
	}
	if p := env.get("SL_CONFIG_FILE"); p != "" {
		return p, true
	}
	if p := env.get("CONFIG_FILE"); p != "" {
		return p, true
	}
	return DefaultFileName, false
}

// Load resolves the path (see ResolvePath), reads and parses the file,
// applies defaults and environment overrides, and warns about a
// world-readable file holding secrets. A missing default file yields a
// configuration from defaults and environment only.
func Load(explicit string, env Getenv) (*Config, error) {
	path, required := ResolvePath(explicit, env)
	return LoadPath(path, required, env)
}

// LoadPath is Load for a path already resolved (e.g. made absolute by the
// CLI against its working directory); required says whether a missing
// file is an error.
func LoadPath(path string, required bool, env Getenv) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !required {
			return FromEnv(env), nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read config %s: %w (pass an existing file with --config or SL_CONFIG_FILE)", path, ErrNotFound)
		}
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("read config %s: is a directory, expected a YAML file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("read config %s: larger than %d bytes; is this the right file?", path, maxFileSize)
	}
	cfg, err := Parse(data, path, env)
	if err != nil {
		return nil, err
	}
	cfg.Path = path
	if cfg.App.SQLContentModifier != "" && len(cfg.SQLRewrites) == 0 {
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(
			"%s: app.sql_content_modifier names shift_left's Python hook %s, which shiftleft cannot run: the SQL is deployed as written; declare the rewrite as sql_rewrites (see the README)",
			path, cfg.App.SQLContentModifier))
	}
	if info.Mode().Perm()&0o004 != 0 && cfg.fileHasSecrets(data, path) {
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(
			"%s holds API secrets and is readable by every user (mode %04o); run chmod 600 %s or move the secrets to SL_* environment variables",
			path, info.Mode().Perm(), path))
	}
	return cfg, nil
}

// fileHasSecrets reports whether the file itself (not the environment)
// sets a real secret.
func (c *Config) fileHasSecrets(data []byte, path string) bool {
	raw, err := Parse(data, path, nil)
	if err != nil {
		return false
	}
	secrets := []Secret{raw.ConfluentCloud.APIKey, raw.ConfluentCloud.APISecret, raw.Flink.APIKey, raw.Flink.APISecret}
	for _, h := range raw.FlinkGateway.Headers {
		secrets = append(secrets, h)
	}
	for _, s := range secrets {
		if !IsPlaceholder(string(s)) {
			return true
		}
	}
	return false
}

// FromEnv is the configuration made of defaults and environment only.
func FromEnv(env Getenv) *Config {
	c := &Config{}
	c.finish(env)
	return c
}

// Parse decodes YAML, then applies defaults and environment overrides. The
// path only names the file in errors. An empty document is valid.
func Parse(data []byte, path string, env Getenv) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse config %s: %w (fix the YAML; keys are described in the README)", path, err)
	}
	c.finish(env)
	return c, nil
}

// envOverrides lists every SL_* variable with the key it overrides, in the
// order validate-config prints them.
var envOverrides = []struct {
	env, key string
	set      func(*Config, string)
}{
	{"SL_CLOUD_ORGANIZATION_ID", "confluent_cloud.organization_id", func(c *Config, v string) { c.ConfluentCloud.OrganizationID = v }},
	{"SL_FLINK_ENV_ID", "confluent_cloud.environment_id", func(c *Config, v string) { c.ConfluentCloud.EnvironmentID = v }},
	{"SL_CLOUD_PROVIDER", "confluent_cloud.cloud_provider", func(c *Config, v string) { c.ConfluentCloud.CloudProvider = v }},
	{"SL_CLOUD_REGION", "confluent_cloud.cloud_region", func(c *Config, v string) { c.ConfluentCloud.CloudRegion = v }},
	{"SL_CONFLUENT_CLOUD_API_KEY", "confluent_cloud.api_key", func(c *Config, v string) { c.ConfluentCloud.APIKey = Secret(v) }},
	{"SL_CONFLUENT_CLOUD_API_SECRET", "confluent_cloud.api_secret", func(c *Config, v string) { c.ConfluentCloud.APISecret = Secret(v) }},
	{"SL_CONFLUENT_CLOUD_API_ENDPOINT", "confluent_cloud.api_endpoint", func(c *Config, v string) { c.ConfluentCloud.APIEndpoint = v }},
	{"SL_CONFLUENT_PRINCIPAL_ID", "confluent_cloud.service_account_id", func(c *Config, v string) { c.ConfluentCloud.ServiceAccountID = v }},
	{"SL_FLINK_COMPUTE_POOL_ID", "flink.compute_pool_id", func(c *Config, v string) { c.Flink.ComputePoolID = v }},
	{"SL_FLINK_ENV_NAME", "flink.catalog_name", func(c *Config, v string) { c.Flink.CatalogName = v }},
	{"SL_FLINK_DATABASE_NAME", "flink.database_name", func(c *Config, v string) { c.Flink.DatabaseName = v }},
	{"SL_FLINK_API_KEY", "flink.api_key", func(c *Config, v string) { c.Flink.APIKey = Secret(v) }},
	{"SL_FLINK_API_SECRET", "flink.api_secret", func(c *Config, v string) { c.Flink.APISecret = Secret(v) }},
	{"SL_FLINK_SQL_ENDPOINT", "flink.sql_endpoint", func(c *Config, v string) { c.Flink.SQLEndpoint = v }},
	{"SL_KAFKA_BOOTSTRAP", "kafka.bootstrap.servers", func(c *Config, v string) { c.Kafka.BootstrapServers = v }},
	{"SL_FLINK_GATEWAY_URL", "flink_gateway.url", func(c *Config, v string) { c.FlinkGateway.URL = v; c.Targets.Flink.URL = v }},
	{"SL_FLINK_JOBMANAGER_URL", "flink_gateway.jobmanager_url", func(c *Config, v string) {
		c.FlinkGateway.JobManagerURL = v
		c.Targets.Flink.JobManagerURL = v
	}},
}

// EnvVarFor returns the SL_* variable that overrides a key ("" if none).
func EnvVarFor(key string) string {
	for _, o := range envOverrides {
		if o.key == key {
			return o.env
		}
	}
	return ""
}

// finish applies aliases, environment overrides and defaults, in that
// order, so an environment variable beats the file and a default fills only
// what neither set.
func (c *Config) finish(env Getenv) {
	if c.Flink.SQLEndpoint == "" && c.Flink.Endpoint != "" {
		c.Flink.SQLEndpoint = c.Flink.Endpoint
	}
	if c.ConfluentCloud.CloudProvider == "" {
		c.ConfluentCloud.CloudProvider = c.ConfluentCloud.Provider
	}
	if c.ConfluentCloud.CloudRegion == "" {
		c.ConfluentCloud.CloudRegion = c.ConfluentCloud.Region
	}
	if c.Targets.Flink.URL == "" {
		c.Targets.Flink.URL = c.FlinkGateway.URL
	}
	if c.Targets.Flink.JobManagerURL == "" {
		c.Targets.Flink.JobManagerURL = c.FlinkGateway.JobManagerURL
	}
	for _, o := range envOverrides {
		if v := env.get(o.env); v != "" {
			o.set(c, v)
		}
	}
	tokenEnv := c.FlinkGateway.TokenEnv
	if tokenEnv == "" {
		tokenEnv = DefaultFlinkTokenEnv
	}
	c.FlinkGateway.Token = Secret(env.get(tokenEnv))
	if c.Kafka.ClusterType == "" {
		c.Kafka.ClusterType = DefaultClusterType
	}
	if c.ConfluentCloud.PageSize <= 0 {
		c.ConfluentCloud.PageSize = DefaultPageSize
	}
	if c.Flink.MaxCFU <= 0 {
		c.Flink.MaxCFU = DefaultMaxCFU
	}
	if c.Flink.MaxCFUPercentBeforeAllocation <= 0 {
		c.Flink.MaxCFUPercentBeforeAllocation = DefaultMaxCFUPercentBeforeAllocation
	}
	if c.Flink.PollTimer <= 0 {
		c.Flink.PollTimer = DefaultPollTimer
	}
	if c.App.AcceptedCommonProducts == nil {
		c.App.AcceptedCommonProducts = []string{"common", "seeds"}
	}
	c.ConfluentCloud.CloudProvider = strings.ToLower(c.ConfluentCloud.CloudProvider)
}

// SQLEndpoint is the Flink SQL API base URL: flink.sql_endpoint when set,
// else https://flink.<cloud_region>.<cloud_provider>.confluent.cloud.
func (c *Config) SQLEndpoint() string {
	if c.Flink.SQLEndpoint != "" {
		return strings.TrimRight(c.Flink.SQLEndpoint, "/")
	}
	if c.ConfluentCloud.CloudRegion == "" || c.ConfluentCloud.CloudProvider == "" {
		return ""
	}
	return "https://flink." + c.ConfluentCloud.CloudRegion + "." + c.ConfluentCloud.CloudProvider + ".confluent.cloud"
}

// ControlPlaneEndpoint is the control plane base URL (compute pools).
func (c *Config) ControlPlaneEndpoint() string {
	if c.ConfluentCloud.APIEndpoint != "" {
		return strings.TrimRight(c.ConfluentCloud.APIEndpoint, "/")
	}
	return DefaultControlPlane
}

// Redactor masks every secret of this configuration, and the Basic
// credentials made of them, in arbitrary text.
func (c *Config) Redactor() *Redactor {
	values := []string{
		c.ConfluentCloud.APIKey.Reveal(), c.ConfluentCloud.APISecret.Reveal(),
		c.Flink.APIKey.Reveal(), c.Flink.APISecret.Reveal(),
		c.FlinkGateway.Token.Reveal(),
	}
	for _, v := range c.FlinkGateway.Headers {
		values = append(values, v.Reveal())
	}
	return NewRedactor(
		values,
		[2]string{c.Flink.APIKey.Reveal(), c.Flink.APISecret.Reveal()},
		[2]string{c.ConfluentCloud.APIKey.Reveal(), c.ConfluentCloud.APISecret.Reveal()},
	)
}

// StatementPrefix is shift_left's statement-name prefix
// "<kafka.cluster_type>-<abbreviated region>", e.g. "dev-usw2". Unlike
// shift_left it falls back to cloud_region when region is unset, so other
// regions do not all get "usw2".
func (c *Config) StatementPrefix() string {
	region := c.ConfluentCloud.Region
	if region == "" {
		region = c.ConfluentCloud.CloudRegion
	}
	if region == "" {
		region = DefaultRegion
	}
	return c.Kafka.ClusterType + "-" + AbbreviateRegion(region)
}

// AbbreviateRegion shortens a cloud region the way shift_left does:
// us-west-2 → usw2, eu-central-1 → euc1, ap-southeast-1 → apse1.
func AbbreviateRegion(region string) string {
	r := strings.ReplaceAll(strings.ToLower(region), "-", "")
	for _, p := range [][2]string{{"east", "e"}, {"west", "w"}, {"south", "s"}, {"north", "n"}, {"central", "c"}} {
		r = strings.ReplaceAll(r, p[0], p[1])
	}
	return r
}
