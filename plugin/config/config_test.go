package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

func configData(t *testing.T, s string) map[string]interface{} {
	t.Helper()
	var m map[string]interface{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

func TestParseValid(t *testing.T) {
	got, err := Parse(configData(t, `{"other_plugin": {"x": 1}, "oauthcheck": {
		"endpoints": {"/idp/token": "token", "/idp/auth*": "authorize"},
		"issuer": "https://idp.example.com/realms/demo/",
		"token_types": ["Bearer"],
		"max_body_bytes": 131072,
		"suppress_warnings": ["missing_no_store", "authorization_pending"],
		"debug_header": true}}`))
	if err != nil {
		t.Fatalf("Parse: got error %v, want none", err)
	}
	if got.BodyCap() != 131072 || !got.DebugHeader {
		t.Errorf("got cap %d debug %v, want 131072 true", got.BodyCap(), got.DebugHeader)
	}
	opts := got.Options()
	if opts.Issuer != "https://idp.example.com/realms/demo" {
		t.Errorf("issuer: got %q, want the trailing slash trimmed", opts.Issuer)
	}
	if !opts.Suppress[classify.MissingNoStore] || len(opts.Suppress) != 2 {
		t.Errorf("suppress: got %v, want missing_no_store and authorization_pending", opts.Suppress)
	}
	routes := map[string]classify.Route{}
	for _, r := range opts.Routes {
		routes[r.Path] = r
	}
	if r := routes["/idp/auth"]; !r.Prefix || r.Endpoint != classify.EndpointAuthorize {
		t.Errorf("route /idp/auth*: got %+v, want a prefix route to authorize", r)
	}
	if r := routes["/idp/token"]; r.Prefix || r.Endpoint != classify.EndpointToken {
		t.Errorf("route /idp/token: got %+v, want an exact route to token", r)
	}
}

func TestParseDefaults(t *testing.T) {
	for _, data := range []map[string]interface{}{nil, {}, {"someone_else": true}, {"oauthcheck": nil}} {
		got, err := Parse(data)
		if err != nil {
			t.Errorf("Parse(%v): got error %v, want defaults", data, err)
		}
		if got.BodyCap() != classify.DefaultMaxBodyBytes || got.DebugHeader {
			t.Errorf("Parse(%v): got %+v, want defaults", data, got)
		}
	}
}

func TestLogPolicy(t *testing.T) {
	for _, tc := range []struct {
		json    string
		verdict classify.Verdict
		logs    bool
		level   string
	}{
		{`{}`, classify.VerdictInvalid, true, "warn"},
		{`{}`, classify.VerdictWarning, true, "info"},
		{`{}`, classify.VerdictOK, false, "debug"},
		{`{"log_verdicts": []}`, classify.VerdictInvalid, false, "warn"},
		{`{"log_verdicts": ["ok"]}`, classify.VerdictOK, true, "debug"},
		{`{"log_verdicts": ["ok"]}`, classify.VerdictWarning, false, "info"},
		{`{"log_levels": {"warning": "debug"}}`, classify.VerdictWarning, true, "debug"},
		{`{"log_levels": {"warning": "debug"}}`, classify.VerdictInvalid, true, "warn"},
		{`{"log_levels": {"invalid": "error"}}`, classify.VerdictInvalid, true, "error"},
	} {
		c, err := ParseJSON([]byte(tc.json))
		if err != nil {
			t.Fatalf("ParseJSON(%s): %v", tc.json, err)
		}
		if got := c.Logs(tc.verdict); got != tc.logs {
			t.Errorf("%s: Logs(%s) = %v, want %v", tc.json, tc.verdict, got, tc.logs)
		}
		if got := c.LogLevel(tc.verdict); got != tc.level {
			t.Errorf("%s: LogLevel(%s) = %q, want %q", tc.json, tc.verdict, got, tc.level)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"oauthcheck": "on"}`, `oauthcheck: must be an object, got a string`},
		{`{"oauthcheck": {"max_body_bytes": "big"}}`, `oauthcheck.max_body_bytes: must be an integer, got string`},
		{`{"oauthcheck": {"max_body_bytes": 10}}`, `oauthcheck.max_body_bytes: must be between 1024 and 16777216, got 10`},
		{`{"oauthcheck": {"endpoint": {}}}`, `oauthcheck: unknown option "endpoint"`},
		{`{"oauthcheck": {"endpoints": {"/t": "tokn"}}}`, `oauthcheck.endpoints["/t"]: unknown endpoint kind "tokn"`},
		{`{"oauthcheck": {"endpoints": {"token": "token"}}}`, `oauthcheck.endpoints["token"]: path must start with /`},
		{`{"oauthcheck": {"issuer": "idp.example.com"}}`, `oauthcheck.issuer: must be an absolute http(s) URL`},
		{`{"oauthcheck": {"token_types": ["Bearer", " "]}}`, `oauthcheck.token_types[1]: must not be empty`},
		{`{"oauthcheck": {"suppress_warnings": ["invalid_client"]}}`, `oauthcheck.suppress_warnings[0]: "invalid_client" is an invalid-severity cause and cannot be suppressed`},
		{`{"oauthcheck": {"suppress_warnings": ["nope"]}}`, `oauthcheck.suppress_warnings[0]: "nope" is not a registered cause`},
		{`{"oauthcheck": {"debug_header": "yes"}}`, `oauthcheck.debug_header: must be a boolean, got string`},
		{`{"oauthcheck": {"log_verdicts": ["warning", "Invalid"]}}`, `oauthcheck.log_verdicts[1]: unknown verdict "Invalid" (want ok, warning or invalid)`},
		{`{"oauthcheck": {"log_verdicts": ["ok", "ok"]}}`, `oauthcheck.log_verdicts[1]: "ok" is listed twice`},
		{`{"oauthcheck": {"log_verdicts": "warning"}}`, `oauthcheck.log_verdicts: must be an array, got string`},
		{`{"oauthcheck": {"log_levels": {"warning": "loud"}}}`, `oauthcheck.log_levels["warning"]: unknown level "loud" (want one of debug, info, warn, error)`},
		{`{"oauthcheck": {"log_levels": {"bad": "info"}}}`, `oauthcheck.log_levels["bad"]: unknown verdict (want ok, warning or invalid)`},
	} {
		_, err := Parse(configData(t, tc.json))
		if err == nil {
			t.Errorf("Parse(%s): got no error, want %q", tc.json, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s):\n got  %q\n want it to contain %q", tc.json, err, tc.want)
		}
		if err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] {
			t.Errorf("Parse(%s): error %q must start lowercase", tc.json, err)
		}
	}
}
