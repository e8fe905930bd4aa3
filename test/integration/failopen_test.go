package integration

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/test/harness"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// An API with an invalid config still proxies byte-exact, labels every
// response plugin_misconfigured, and says why once per definition.
func TestInvalidConfigFailsOpen(t *testing.T) {
	p := loadPlugin(t)
	up := httptest.NewServer(upstream.Handler())
	defer up.Close()
	apiID := uniqueAPIID("misconfigured-api")
	g := harness.NewGateway(t, p, harness.API{ID: apiID, Upstream: up.URL, Keyless: true,
		ConfigData: map[string]interface{}{"oauthcheck": map[string]interface{}{"max_body_bytes": "big"}}})
	logs := harness.CaptureLogs()

	configErrors := func() int {
		n := 0
		for _, l := range logs.ForAPI(apiID) {
			if l.Level == "error" && strings.Contains(l.Message, "config") {
				n++
			}
		}
		return n
	}

	paths := []string{"/token/nginx-502", "/token/missing-access-token", "/token/gzip", "/token/oversized",
		"/token/deep-json", "/token/invalid-utf8", "/token/gzip-bomb", "/token/head", "/token/no-content"}
	for round := 0; round < 3; round++ {
		for _, path := range paths {
			rt, _ := upstream.Lookup(path)
			direct := fetch(t, rt, up.URL)
			req, _ := rt.NewRequest(t.Context(), g.URL)
			ex := g.Do(t, rawClient(), req)
			if ex.Status != direct.status || !bytes.Equal(ex.Body, direct.body) {
				t.Errorf("%s: got %d and %d bytes, want upstream's %d and %d bytes", path, ex.Status, len(ex.Body), direct.status, len(direct.body))
			}
			if !ex.Record.HasTag("x-oauth-cause-plugin_misconfigured") {
				t.Errorf("%s: tags %q lack x-oauth-cause-plugin_misconfigured", path, ex.Record.Tags)
			}
			if ex.Record.HasTag("x-oauth-cause-plugin_error") {
				t.Errorf("%s: tags %q: the hook panicked", path, ex.Record.Tags)
			}
		}
	}
	if n := configErrors(); n != 1 {
		t.Errorf("got %d config error lines over %d requests, want 1", n, 3*len(paths))
	}
	for _, l := range logs.ForAPI(apiID) {
		if l.Level == "error" && !strings.Contains(l.Raw, "max_body_bytes") {
			t.Errorf("config error line does not name the option: %s", l.Raw)
		}
	}

	// A hot reload brings a new definition object: it is parsed, and
	// reported, once more.
	g.Reload()
	rt, _ := upstream.Lookup("/token/nginx-502")
	for i := 0; i < 3; i++ {
		req, _ := rt.NewRequest(t.Context(), g.URL)
		g.Do(t, rawClient(), req)
	}
	if n := configErrors(); n != 2 {
		t.Errorf("after a reload: got %d config error lines, want 2", n)
	}
}

// Hostile bodies on a correctly configured API with the smallest cap: never
// a 500, always the exact bytes.
func TestHostileBodiesPassThrough(t *testing.T) {
	p := loadPlugin(t)
	up := httptest.NewServer(upstream.Handler())
	defer up.Close()
	g := harness.NewGateway(t, p, harness.API{ID: "hostile-small-cap", Upstream: up.URL, Keyless: true,
		ConfigData: map[string]interface{}{"oauthcheck": map[string]interface{}{"max_body_bytes": 1024}}})
	for _, rt := range upstream.Routes {
		if rt.Stream {
			continue
		}
		direct := fetch(t, rt, up.URL)
		req, _ := rt.NewRequest(t.Context(), g.URL)
		ex := g.Do(t, rawClient(), req)
		if ex.Status == http.StatusInternalServerError && direct.status != http.StatusInternalServerError {
			t.Errorf("%s: client got 500", rt.Path)
		}
		if ex.Status != direct.status || !bytes.Equal(ex.Body, direct.body) {
			t.Errorf("%s: got %d and %d bytes, want %d and %d bytes", rt.Path, ex.Status, len(ex.Body), direct.status, len(direct.body))
		}
		if ex.Record.HasTag("x-oauth-cause-plugin_error") || ex.Record.HasTag("x-oauth-cause-plugin_misconfigured") {
			t.Errorf("%s: tags %q", rt.Path, ex.Record.Tags)
		}
	}
}
