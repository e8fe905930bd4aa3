package harness

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// smokeRuns keeps API ids apart across -count runs (logs are per process).
var smokeRuns int

func TestLoadFindsHooksWithTyksTypes(t *testing.T) {
	p := LoadPlugin(t)
	if p.Pre == nil || p.Auth == nil || p.Response == nil {
		t.Fatalf("got hooks pre=%v auth=%v response=%v, want all three", p.Pre != nil, p.Auth != nil, p.Response != nil)
	}
	again := Load(t, p.Path)
	if again.Path != p.Path {
		t.Fatalf("got path %q on reload, want %q", again.Path, p.Path)
	}
}

func TestBuildPluginIsCachedPerProcess(t *testing.T) {
	if a, b := BuildPlugin(t), BuildPlugin(t); a != b {
		t.Fatalf("got two builds %q and %q, want one cached path", a, b)
	}
}

// The gateway proxies byte-exact, runs the pre hook before auth and the
// response hook on the same request, and turns label headers into tags.
func TestGatewayProxiesAndTags(t *testing.T) {
	p := LoadPlugin(t)
	const body = `{"error":"invalid_client","error_description":"bad secret"}`
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, body)
	}))
	defer up.Close()
	smokeRuns++
	apiID := fmt.Sprintf("harness-smoke-%d", smokeRuns)
	g := NewGateway(t, p, API{ID: apiID, Upstream: up.URL, Keyless: true})

	req, _ := http.NewRequest(http.MethodPost, g.URL+"/token", strings.NewReader("grant_type=client_credentials&client_id=smoke-client"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Oauth-Cause", "ok")
	ex := g.Do(t, nil, req)

	if ex.Status != http.StatusUnauthorized || string(ex.Body) != body {
		t.Fatalf("got %d %q, want 401 %q", ex.Status, ex.Body, body)
	}
	if string(ex.Record.ClientBody) != body {
		t.Fatalf("record kept client body %q, want %q", ex.Record.ClientBody, body)
	}
	for _, want := range []string{"x-oauth-cause-invalid_client", "x-oauth-verdict-invalid", "x-oauth-client-smoke-client"} {
		if !ex.Record.HasTag(want) {
			t.Errorf("tags %q lack %q", ex.Record.Tags, want)
		}
	}
	if ex.Record.HasTag("x-oauth-cause-ok") {
		t.Errorf("tags %q contain the forged x-oauth-cause-ok", ex.Record.Tags)
	}
	if lines := CaptureLogs().ForAPI(apiID); len(lines) != 1 {
		t.Errorf("got %d log lines for the API, want 1: %v", len(lines), lines)
	}
}

func TestTagHeadersMatchesTyk(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header["X-Oauth-Cause"] = []string{"invalid_client", "html_error_page"}
	r.Header["X-Other"] = []string{"x"}
	got := tagHeaders(r, []string{"x-oauth-cause"}, []string{"pre"})
	want := []string{"pre", "x-oauth-cause-invalid_client", "x-oauth-cause-html_error_page"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// Like Tyk: a panicking response hook gives the client 500 (the upstream
// body still follows), a panicking request hook goes to the error handler.
func TestGatewayRecoversHookPanicsLikeTyk(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream body")
	}))
	defer up.Close()
	noop := func(http.ResponseWriter, *http.Request) {}

	resPanics := &Plugin{Pre: noop, Auth: noop, Response: func(http.ResponseWriter, *http.Response, *http.Request) { panic("boom") }}
	g := NewGateway(t, resPanics, API{ID: "panic-response", Upstream: up.URL, Keyless: true})
	req, _ := http.NewRequest(http.MethodGet, g.URL+"/x", nil)
	ex := g.Do(t, nil, req)
	if ex.Status != http.StatusInternalServerError || string(ex.Body) != "upstream body" {
		t.Errorf("response hook panic: got %d %q, want 500 with the upstream body", ex.Status, ex.Body)
	}
	if ex.Record.ResponseCode != http.StatusOK || ex.Record.ErrorPath {
		t.Errorf("record: got code %d errorPath %v, want Tyk's 200 from the upstream on the success path", ex.Record.ResponseCode, ex.Record.ErrorPath)
	}

	prePanics := &Plugin{Pre: func(http.ResponseWriter, *http.Request) { panic("boom") }, Auth: noop,
		Response: func(http.ResponseWriter, *http.Response, *http.Request) {}}
	g = NewGateway(t, prePanics, API{ID: "panic-pre", Upstream: up.URL, Keyless: true})
	req, _ = http.NewRequest(http.MethodGet, g.URL+"/x", nil)
	ex = g.Do(t, nil, req)
	if ex.Status != http.StatusInternalServerError || !ex.Record.ErrorPath {
		t.Errorf("pre hook panic: got %d errorPath %v, want 500 from the error handler", ex.Status, ex.Record.ErrorPath)
	}
}

// post_key_auth runs only on APIs with authentication, after the key check.
func TestPostKeyAuthOnlyForKeyedAPIs(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	var calls int
	var mu sync.Mutex
	p := &Plugin{
		Pre:      func(http.ResponseWriter, *http.Request) {},
		Auth:     func(http.ResponseWriter, *http.Request) { mu.Lock(); calls++; mu.Unlock() },
		Response: func(http.ResponseWriter, *http.Response, *http.Request) {},
	}
	keyless := NewGateway(t, p, API{ID: "pka-keyless", Upstream: up.URL, Keyless: true})
	keyed := NewGateway(t, p, API{ID: "pka-keyed", Upstream: up.URL, Keys: map[string]Session{"k1": {Alias: "a"}}})
	for _, tc := range []struct {
		g      *Gateway
		key    string
		status int
	}{{keyless, "", 200}, {keyed, "", 401}, {keyed, "nope", 403}, {keyed, "k1", 200}, {keyed, "Bearer k1", 200}} {
		req, _ := http.NewRequest(http.MethodGet, tc.g.URL+"/", nil)
		if tc.key != "" {
			req.Header.Set("Authorization", tc.key)
		}
		if ex := tc.g.Do(t, nil, req); ex.Status != tc.status {
			t.Errorf("key %q: got %d, want %d", tc.key, ex.Status, tc.status)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("post_key_auth ran %d times, want 2 (the two good keys on the keyed API)", calls)
	}
}
