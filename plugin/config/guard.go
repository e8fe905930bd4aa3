package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/guard"
)

// Guard modes.
const (
	GuardOff     = "off"
	GuardObserve = "observe"
	GuardEnforce = "enforce"
)

// Guard configures attack protection (plugin/guard). Every field is
// optional; with none, the guard observes and labels, never blocks.
type Guard struct {
	// Mode is off, observe (label and log only, the default) or enforce
	// (quarantined subjects get 429).
	Mode string `json:"mode,omitempty"`
	// AllowCIDRs are client networks never quarantined, e.g. 10.0.0.0/8.
	AllowCIDRs []string `json:"allow_cidrs,omitempty"`
	// AllowClients are client_ids never quarantined.
	AllowClients []string `json:"allow_clients,omitempty"`
	// Thresholds override a detector's defaults, by detector name.
	Thresholds map[string]GuardThreshold `json:"thresholds,omitempty"`
	// Quarantine: the first wait, the increment per repeat offence, the cap.
	QuarantineBaseSeconds      int `json:"quarantine_base_seconds,omitempty"`
	QuarantineIncrementSeconds int `json:"quarantine_increment_seconds,omitempty"`
	QuarantineMaxSeconds       int `json:"quarantine_max_seconds,omitempty"`
	// QuarantineClients lets grant_replay, redirect_probing and
	// scope_probing quarantine client_ids too. Off: anyone can send a
	// public client's id, so blocking it would hand attackers a switch.
	QuarantineClients bool `json:"quarantine_clients,omitempty"`
	// MemoryBytes caps the guard's state for this API.
	MemoryBytes int `json:"memory_bytes,omitempty"`
	// WebhookURL receives one JSON event per logged firing and per quarantine.
	WebhookURL string `json:"webhook_url,omitempty"`
	// RedisAddr (host:port) shares the failure counts of every gateway
	// whose API has the same id and the same Redis, so an attack spread
	// across gateways adds up. Unset: each gateway counts alone.
	RedisAddr string `json:"redis_addr,omitempty"`
	// RedisPasswordEnv names the gateway's environment variable holding
	// the Redis password (never the password itself in the definition).
	RedisPasswordEnv string `json:"redis_password_env,omitempty"`
	// RedisDB is the Redis database number. Default 0.
	RedisDB int `json:"redis_db,omitempty"`
	// RedisTLS connects to Redis over TLS.
	RedisTLS bool `json:"redis_tls,omitempty"`
}

// GuardThreshold overrides one detector's thresholds; zero keeps a default.
type GuardThreshold struct {
	Floor         int     `json:"floor,omitempty"`
	Factor        float64 `json:"factor,omitempty"`
	WindowSeconds int     `json:"window_seconds,omitempty"`
}

// GuardMode is the effective mode.
func (c Config) GuardMode() string {
	if c.Guard == nil || c.Guard.Mode == "" {
		return GuardObserve
	}
	return c.Guard.Mode
}

// GuardConfig turns a valid config into the engine's.
func (c Config) GuardConfig() guard.Config {
	var g guard.Config
	if c.Guard == nil {
		return g
	}
	for name, t := range c.Guard.Thresholds {
		if d, ok := guard.ByName(name); ok {
			g.Thresholds[d] = guard.Thresholds{Floor: t.Floor, Factor: t.Factor, Window: time.Duration(t.WindowSeconds) * time.Second}
		}
	}
	for _, s := range c.Guard.AllowCIDRs {
		if p, err := netip.ParsePrefix(s); err == nil {
			g.AllowCIDRs = append(g.AllowCIDRs, p.Masked())
		}
	}
	g.AllowClients = c.Guard.AllowClients
	g.QuarantineBase = time.Duration(c.Guard.QuarantineBaseSeconds) * time.Second
	g.QuarantineIncrement = time.Duration(c.Guard.QuarantineIncrementSeconds) * time.Second
	g.QuarantineMax = time.Duration(c.Guard.QuarantineMaxSeconds) * time.Second
	g.MemoryBytes = c.Guard.MemoryBytes
	g.QuarantineClients = c.Guard.QuarantineClients
	return g
}

// validateGuard checks the guard section; each error names its option.
func (g *Guard) validate() []string {
	if g == nil {
		return nil
	}
	const p = Key + ".guard"
	var errs []string
	switch g.Mode {
	case "", GuardOff, GuardObserve, GuardEnforce:
	default:
		errs = append(errs, fmt.Sprintf("%s.mode: must be off, observe or enforce, got %q", p, g.Mode))
	}
	for i, s := range g.AllowCIDRs {
		if _, err := netip.ParsePrefix(s); err != nil {
			errs = append(errs, fmt.Sprintf("%s.allow_cidrs[%d]: %q is not a CIDR such as 10.0.0.0/8 or 2001:db8::/32", p, i, s))
		}
	}
	for i, id := range g.AllowClients {
		if strings.TrimSpace(id) == "" {
			errs = append(errs, fmt.Sprintf("%s.allow_clients[%d]: must not be empty", p, i))
		}
	}
	names := make([]string, 0, len(g.Thresholds))
	for name := range g.Thresholds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := g.Thresholds[name]
		if _, ok := guard.ByName(name); !ok {
			errs = append(errs, fmt.Sprintf("%s.thresholds: unknown detector %q (want one of %s)", p, name, detectorNames()))
			continue
		}
		if t.Floor < 0 || t.Floor > 30000 {
			errs = append(errs, fmt.Sprintf("%s.thresholds.%s.floor: must be between 1 and 30000, got %d", p, name, t.Floor))
		}
		if t.Factor != 0 && (t.Factor < 1 || t.Factor > 1000) {
			errs = append(errs, fmt.Sprintf("%s.thresholds.%s.factor: must be between 1 and 1000, got %g", p, name, t.Factor))
		}
		if t.WindowSeconds < 0 || t.WindowSeconds > 3600 {
			errs = append(errs, fmt.Sprintf("%s.thresholds.%s.window_seconds: must be between 1 and 3600, got %d", p, name, t.WindowSeconds))
		}
	}
	for _, q := range []struct {
		name string
		v    int
	}{{"quarantine_base_seconds", g.QuarantineBaseSeconds}, {"quarantine_increment_seconds", g.QuarantineIncrementSeconds}, {"quarantine_max_seconds", g.QuarantineMaxSeconds}} {
		if q.v < 0 || q.v > 86400 {
			errs = append(errs, fmt.Sprintf("%s.%s: must be between 0 and 86400, got %d", p, q.name, q.v))
		}
	}
	base, max := g.QuarantineBaseSeconds, g.QuarantineMaxSeconds
	if base == 0 {
		base = int(guard.DefaultQuarantineBase / time.Second)
	}
	if max == 0 {
		max = int(guard.DefaultQuarantineMax / time.Second)
	}
	if max < base {
		errs = append(errs, fmt.Sprintf("%s.quarantine_max_seconds: must be at least quarantine_base_seconds (%d), got %d", p, base, max))
	}
	if g.MemoryBytes != 0 && (g.MemoryBytes < guard.MinMemoryBytes || g.MemoryBytes > guard.MaxMemoryBytes) {
		errs = append(errs, fmt.Sprintf("%s.memory_bytes: must be between %d and %d, got %d", p, guard.MinMemoryBytes, guard.MaxMemoryBytes, g.MemoryBytes))
	}
	if g.WebhookURL != "" {
		u, err := url.Parse(g.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("%s.webhook_url: must be an absolute http(s) URL, got %q", p, g.WebhookURL))
		}
	}
	if g.RedisAddr != "" {
		if host, port, err := net.SplitHostPort(g.RedisAddr); err != nil || host == "" || port == "" {
			errs = append(errs, fmt.Sprintf("%s.redis_addr: must be host:port, got %q", p, g.RedisAddr))
		}
	}
	if g.RedisAddr == "" && (g.RedisPasswordEnv != "" || g.RedisDB != 0 || g.RedisTLS) {
		errs = append(errs, fmt.Sprintf("%s.redis_addr: must be set when redis_password_env, redis_db or redis_tls is", p))
	}
	if g.RedisPasswordEnv != "" && !envName(g.RedisPasswordEnv) {
		errs = append(errs, fmt.Sprintf("%s.redis_password_env: must be an environment variable name such as OAUTHCHECK_REDIS_PASSWORD, got %q", p, g.RedisPasswordEnv))
	}
	if g.RedisDB < 0 {
		errs = append(errs, fmt.Sprintf("%s.redis_db: must not be negative, got %d", p, g.RedisDB))
	}
	return errs
}

// envName: letters, digits and underscores, not starting with a digit.
func envName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

func detectorNames() string {
	names := make([]string, len(guard.Registry))
	for i, s := range guard.Registry {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// guardOptionNames are the JSON names of Guard's fields.
func guardOptionNames() []string {
	t := reflect.TypeOf(Guard{})
	names := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" {
			names = append(names, name)
		}
	}
	return names
}
