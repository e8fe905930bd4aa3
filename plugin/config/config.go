// Package config parses and validates oauthcheck's per-API configuration.
//
// The JSON lives under the "oauthcheck" key of the API's plugin config:
// config_data in classic definitions, and
// x-tyk-api-gateway.middleware.global.pluginConfig.data.value in OAS ones.
// The fields of Config are that JSON.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/upstreamauth"
)

// Key is the config_data key that holds oauthcheck's options, so that other
// plugins on the same API can keep their own keys.
const Key = "oauthcheck"

// Body cap bounds, in bytes.
const (
	MinBodyBytes = 1 << 10
	MaxBodyBytes = 16 << 20
)

// Config is oauthcheck's per-API configuration. Every field is optional.
type Config struct {
	// Endpoints maps a request path, as the client sends it (listen path
	// included), to an endpoint kind, overriding detection. A path ending
	// in "*" matches as a prefix; the longest match wins. Kinds: token,
	// authorize, resource, introspect, revoke, device_authorization, none.
	Endpoints map[string]string `json:"endpoints,omitempty"`

	// Issuer is the expected "iss" of authorization responses (RFC 9207).
	// Empty: iss is not checked.
	Issuer string `json:"issuer,omitempty"`

	// TokenTypes are the accepted token_type values, case-insensitive.
	// Default: Bearer, DPoP, N_A.
	TokenTypes []string `json:"token_types,omitempty"`

	// MaxBodyBytes caps how much of each body is inspected; the rest is
	// streamed to the client untouched. Default 65536; 1024 to 16777216.
	MaxBodyBytes int `json:"max_body_bytes,omitempty"`

	// SuppressWarnings lists warning or info causes not to report,
	// for example ["missing_no_store", "scope_narrowed"].
	SuppressWarnings []string `json:"suppress_warnings,omitempty"`

	// DebugHeader adds X-OAuthcheck-Result (verdict and causes) to the
	// response the client receives. Off by default.
	DebugHeader bool `json:"debug_header,omitempty"`

	// ObserveRisks adds info causes (family risk) for risky practices seen
	// in traffic: an authorization request or code exchange without PKCE,
	// the password grant, an access token in the URL query, and a public
	// client's refresh without rotation. Labels only; the verdict and root
	// cause are unchanged. Off by default.
	ObserveRisks bool `json:"observe_risks,omitempty"`

	// UpstreamAuth makes the gateway fetch its own access token from the
	// upstream's authorization server (client credentials) and send it
	// upstream; see the upstreamauth package for its fields. Unset: off.
	UpstreamAuth *upstreamauth.Config `json:"upstream_auth,omitempty"`

	// Repair rewrites non-compliant token, device, introspection and
	// revocation answers into their one standard form: false (default),
	// true for every kind, or a list of kinds (docs/repair.md).
	Repair RepairSetting `json:"repair"`

	// Guard configures attack protection (guard.go). Default: observe.
	Guard *Guard `json:"guard,omitempty"`

	// LogVerdicts lists the verdicts that get log lines: ok, warning,
	// invalid. Default: invalid and warning; [] logs none. Analytics
	// labels are written whatever this says.
	LogVerdicts []string `json:"log_verdicts,omitempty"`

	// LogLevels maps a verdict to the level of its lines: debug, info,
	// warn or error. Default: invalid warn, warning info, ok debug.
	LogLevels map[string]string `json:"log_levels,omitempty"`
}

// Log levels a verdict's lines can take, lowest first.
var LogLevelNames = []string{"debug", "info", "warn", "error"}

// DefaultLogVerdicts are the verdicts logged when log_verdicts is unset.
var DefaultLogVerdicts = []string{string(classify.VerdictInvalid), string(classify.VerdictWarning)}

var defaultLogLevels = map[classify.Verdict]string{
	classify.VerdictInvalid: "warn",
	classify.VerdictWarning: "info",
	classify.VerdictOK:      "debug",
}

var verdictNames = []classify.Verdict{classify.VerdictOK, classify.VerdictWarning, classify.VerdictInvalid}

// Parse reads the oauthcheck key of an API's plugin config data. Missing
// data or a missing key gives the defaults. The error says what is wrong in
// lowercase, naming the option.
func Parse(configData map[string]interface{}) (Config, error) {
	raw, ok := configData[Key]
	if !ok || raw == nil {
		return Config{}, nil
	}
	if _, isObject := raw.(map[string]interface{}); !isObject {
		return Config{}, fmt.Errorf("%s: must be an object, got %s", Key, jsonKind(raw))
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %v", Key, err)
	}
	return ParseJSON(b)
}

// ParseJSON parses and validates the JSON object that sits under the
// oauthcheck key.
func ParseJSON(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, describeDecodeError(err)
	}
	c.Repair.prepare(c.BodyCap())
	return c, c.Validate()
}

func describeDecodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("%s.%s: must be %s, got %s", Key, typeErr.Field, goKindName(typeErr.Type.Kind().String()), typeErr.Value)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, Key+".") {
		return err // an option's own decoder named it already
	}
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Errorf("%s: unknown option %s (options: %s; guard options: %s)", Key, f, strings.Join(optionNames(), ", "), strings.Join(guardOptionNames(), ", "))
	}
	return fmt.Errorf("%s: %s", Key, strings.TrimPrefix(msg, "json: "))
}

// Validate checks values that decode but make no sense.
func (c Config) Validate() error {
	var errs []string
	paths := make([]string, 0, len(c.Endpoints))
	for p := range c.Endpoints {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		kind := c.Endpoints[p]
		if !strings.HasPrefix(p, "/") {
			errs = append(errs, fmt.Sprintf("%s.endpoints[%q]: path must start with /", Key, p))
		}
		if !knownEndpoint(kind) {
			errs = append(errs, fmt.Sprintf("%s.endpoints[%q]: unknown endpoint kind %q (want one of %s)", Key, p, kind, endpointNames()))
		}
	}
	if c.Issuer != "" {
		u, err := url.Parse(c.Issuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Sprintf("%s.issuer: must be an absolute http(s) URL with no query or fragment, got %q", Key, c.Issuer))
		}
	}
	for i, t := range c.TokenTypes {
		if strings.TrimSpace(t) == "" {
			errs = append(errs, fmt.Sprintf("%s.token_types[%d]: must not be empty", Key, i))
		}
	}
	if c.MaxBodyBytes != 0 && (c.MaxBodyBytes < MinBodyBytes || c.MaxBodyBytes > MaxBodyBytes) {
		errs = append(errs, fmt.Sprintf("%s.max_body_bytes: must be between %d and %d, got %d", Key, MinBodyBytes, MaxBodyBytes, c.MaxBodyBytes))
	}
	for i, code := range c.SuppressWarnings {
		cause, ok := classify.Lookup(classify.Code(code))
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("%s.suppress_warnings[%d]: %q is not a registered cause", Key, i, code))
		case cause.Severity == classify.SeverityInvalid || cause.Code == classify.OK:
			errs = append(errs, fmt.Sprintf("%s.suppress_warnings[%d]: %q is an invalid-severity cause and cannot be suppressed", Key, i, code))
		}
	}
	if c.UpstreamAuth != nil {
		if err := c.UpstreamAuth.Validate(Key + ".upstream_auth"); err != nil {
			errs = append(errs, err.Error())
		}
	}
	errs = append(errs, c.Guard.validate()...)
	seen := map[string]bool{}
	for i, v := range c.LogVerdicts {
		switch {
		case !knownVerdict(v):
			errs = append(errs, fmt.Sprintf("%s.log_verdicts[%d]: unknown verdict %q (want ok, warning or invalid)", Key, i, v))
		case seen[v]:
			errs = append(errs, fmt.Sprintf("%s.log_verdicts[%d]: %q is listed twice", Key, i, v))
		}
		seen[v] = true
	}
	verdicts := make([]string, 0, len(c.LogLevels))
	for v := range c.LogLevels {
		verdicts = append(verdicts, v)
	}
	sort.Strings(verdicts)
	for _, v := range verdicts {
		if !knownVerdict(v) {
			errs = append(errs, fmt.Sprintf("%s.log_levels[%q]: unknown verdict (want ok, warning or invalid)", Key, v))
		}
		if level := c.LogLevels[v]; !knownLevel(level) {
			errs = append(errs, fmt.Sprintf("%s.log_levels[%q]: unknown level %q (want one of %s)", Key, v, level, strings.Join(LogLevelNames, ", ")))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Options turns a valid Config into classifier options.
func (c Config) Options() classify.Options {
	o := classify.Options{
		Issuer:       strings.TrimSuffix(c.Issuer, "/"),
		TokenTypes:   c.TokenTypes,
		MaxBodyBytes: c.MaxBodyBytes,
		ObserveRisks: c.ObserveRisks,
	}
	for p, kind := range c.Endpoints {
		r := classify.Route{Path: p, Endpoint: classify.Endpoint(kind)}
		if strings.HasSuffix(p, "*") {
			r.Path, r.Prefix = strings.TrimSuffix(p, "*"), true
		}
		o.Routes = append(o.Routes, r)
	}
	if len(c.SuppressWarnings) > 0 {
		o.Suppress = make(map[classify.Code]bool, len(c.SuppressWarnings))
		for _, code := range c.SuppressWarnings {
			o.Suppress[classify.Code(code)] = true
		}
	}
	return o
}

// Logs reports whether lines of verdict v are written.
func (c Config) Logs(v classify.Verdict) bool {
	list := c.LogVerdicts
	if list == nil {
		list = DefaultLogVerdicts
	}
	for _, name := range list {
		if name == string(v) {
			return true
		}
	}
	return false
}

// LogLevel is the level name (one of LogLevelNames) of verdict v's lines.
func (c Config) LogLevel(v classify.Verdict) string {
	if level, ok := c.LogLevels[string(v)]; ok && knownLevel(level) {
		return level
	}
	return defaultLogLevels[v]
}

func knownVerdict(v string) bool {
	for _, name := range verdictNames {
		if string(name) == v {
			return true
		}
	}
	return false
}

func knownLevel(level string) bool {
	for _, name := range LogLevelNames {
		if name == level {
			return true
		}
	}
	return false
}

// BodyCap is the effective inspection cap in bytes.
func (c Config) BodyCap() int {
	if c.MaxBodyBytes == 0 {
		return classify.DefaultMaxBodyBytes
	}
	return c.MaxBodyBytes
}

// optionNames are the JSON names of Config's fields, for the unknown-option error.
func optionNames() []string {
	t := reflect.TypeOf(Config{})
	names := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

func knownEndpoint(kind string) bool {
	for _, e := range classify.Endpoints {
		if string(e) == kind {
			return true
		}
	}
	return false
}

func endpointNames() string {
	names := make([]string, len(classify.Endpoints))
	for i, e := range classify.Endpoints {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

func jsonKind(v interface{}) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []interface{}:
		return "an array"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func goKindName(kind string) string {
	switch kind {
	case "map", "struct":
		return "an object"
	case "slice":
		return "an array"
	case "int", "int64":
		return "an integer"
	case "bool":
		return "a boolean"
	default:
		return "a " + kind
	}
}
