package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/guard"
)

func TestGuardValid(t *testing.T) {
	c, err := Parse(configData(t, `{"oauthcheck": {"guard": {
		"mode": "enforce", "allow_cidrs": ["10.0.0.0/8", "2001:db8::1/32"], "allow_clients": ["ci-bot"],
		"thresholds": {"token_guessing": {"floor": 50, "factor": 3, "window_seconds": 30}},
		"quarantine_base_seconds": 30, "quarantine_increment_seconds": 60, "quarantine_max_seconds": 600,
		"memory_bytes": 1048576, "quarantine_clients": true, "webhook_url": "https://hooks.example.com/oauth", "redis_addr": "redis:6379"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.GuardMode() != GuardEnforce {
		t.Errorf("mode %q", c.GuardMode())
	}
	g := c.GuardConfig()
	want := guard.Thresholds{Floor: 50, Factor: 3, Window: 30 * time.Second}
	if g.Thresholds[guard.TokenGuessing] != want || g.Thresholds[guard.GrantReplay] != (guard.Thresholds{}) {
		t.Errorf("thresholds %+v", g.Thresholds)
	}
	if len(g.AllowCIDRs) != 2 || g.AllowCIDRs[1].String() != "2001:db8::/32" || g.AllowClients[0] != "ci-bot" {
		t.Errorf("allowlists %v %v", g.AllowCIDRs, g.AllowClients)
	}
	if !g.QuarantineClients {
		t.Error("quarantine_clients not passed on")
	}
	if g.QuarantineBase != 30*time.Second || g.QuarantineIncrement != time.Minute || g.QuarantineMax != 10*time.Minute || g.MemoryBytes != 1<<20 {
		t.Errorf("quarantine/memory %+v", g)
	}
	if _, err := guard.New(g); err != nil {
		t.Errorf("a valid config must build an engine: %v", err)
	}
}

func TestGuardDefaultIsObserve(t *testing.T) {
	for _, data := range []string{`{}`, `{"oauthcheck": {}}`, `{"oauthcheck": {"guard": {}}}`} {
		c, err := Parse(configData(t, data))
		if err != nil || c.GuardMode() != GuardObserve {
			t.Errorf("%s: mode %q err %v, want observe", data, c.GuardMode(), err)
		}
		if _, err := guard.New(c.GuardConfig()); err != nil {
			t.Errorf("%s: %v", data, err)
		}
	}
}

func TestGuardErrors(t *testing.T) {
	cases := []struct{ guard, want string }{
		{`{"mode": "block"}`, `oauthcheck.guard.mode: must be off, observe or enforce, got "block"`},
		{`{"allow_cidrs": ["10.0.0.1"]}`, `oauthcheck.guard.allow_cidrs[0]: "10.0.0.1" is not a CIDR such as 10.0.0.0/8`},
		{`{"allow_clients": [" "]}`, `oauthcheck.guard.allow_clients[0]: must not be empty`},
		{`{"thresholds": {"brute_force": {"floor": 3}}}`, `oauthcheck.guard.thresholds: unknown detector "brute_force" (want one of credential_stuffing, grant_replay,`},
		{`{"thresholds": {"grant_replay": {"floor": -3}}}`, `oauthcheck.guard.thresholds.grant_replay.floor: must be between 1 and 30000, got -3`},
		{`{"thresholds": {"grant_replay": {"factor": 0.5}}}`, `oauthcheck.guard.thresholds.grant_replay.factor: must be between 1 and 1000, got 0.5`},
		{`{"thresholds": {"grant_replay": {"window_seconds": 7200}}}`, `oauthcheck.guard.thresholds.grant_replay.window_seconds: must be between 1 and 3600, got 7200`},
		{`{"quarantine_base_seconds": 600, "quarantine_max_seconds": 60}`, `oauthcheck.guard.quarantine_max_seconds: must be at least quarantine_base_seconds (600), got 60`},
		{`{"quarantine_increment_seconds": -1}`, `oauthcheck.guard.quarantine_increment_seconds: must be between 0 and 86400, got -1`},
		{`{"memory_bytes": 10}`, `oauthcheck.guard.memory_bytes: must be between 262144 and 1073741824, got 10`},
		{`{"webhook_url": "hooks.example.com"}`, `oauthcheck.guard.webhook_url: must be an absolute http(s) URL, got "hooks.example.com"`},
		{`{"redis_addr": "redis"}`, `oauthcheck.guard.redis_addr: must be host:port, got "redis"`},
		{`{"redis_password_env": "REDIS_PASSWORD"}`, `oauthcheck.guard.redis_addr: must be set when redis_password_env, redis_db or redis_tls is`},
		{`{"redis_addr": "redis:6379", "redis_password_env": "1PASS"}`, `oauthcheck.guard.redis_password_env: must be an environment variable name such as OAUTHCHECK_REDIS_PASSWORD, got "1PASS"`},
		{`{"redis_addr": "redis:6379", "redis_password_env": "env://REDIS_PASSWORD"}`, `oauthcheck.guard.redis_password_env: must be an environment variable name such as OAUTHCHECK_REDIS_PASSWORD, got "env://REDIS_PASSWORD"`},
		{`{"redis_addr": "redis:6379", "redis_db": -1}`, `oauthcheck.guard.redis_db: must not be negative, got -1`},
		{`{"mod": "off"}`, `oauthcheck: unknown option "mod"`},
		{`{"mode": 1}`, `oauthcheck.guard.mode: must be a string, got number`},
	}
	for _, tc := range cases {
		_, err := ParseJSON([]byte(`{"guard": ` + tc.guard + `}`))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("guard %s: got %v, want %q", tc.guard, err, tc.want)
		}
		if err != nil && err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] {
			t.Errorf("error %q must start lowercase", err)
		}
	}
}

// The README documents every guard option as guard.<name>.
func TestREADMEDocumentsEveryGuardOption(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(Guard{})
	for i := 0; i < typ.NumField(); i++ {
		name := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
		if !strings.Contains(string(readme), "| `guard."+name+"` |") {
			t.Errorf("README.md: guard option %q has no row", name)
		}
	}
}
