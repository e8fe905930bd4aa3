package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/logagg"
	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// Secrets used below; no log line or label may ever contain them.
const (
	demoClientSecret = "demo-client-secret-Zq81"
	demoCode         = "demo-auth-code-Hh27"
	demoVerifier     = "demo-pkce-verifier-Pp93-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	demoAccessToken  = "demo-access-token-Aa11"
	demoRefreshToken = "demo-refresh-token-Rr22"
	demoIDToken      = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJkZW1vLWlkLXRva2VuIn0."
)

var secrets = []string{demoClientSecret, demoCode, demoVerifier, demoAccessToken, demoRefreshToken, demoIDToken}

var logMu sync.Mutex

// captureLogs sends the plugin's log lines (standin.Logger, the stand-in
// for Tyk's log.Get()) to a buffer for the length of the test.
func captureLogs(t *testing.T) *bytes.Buffer {
	t.Helper()
	logMu.Lock()
	buf := &bytes.Buffer{}
	standin.Logger.SetOutput(buf)
	standin.Logger.SetFormatter(&logrus.JSONFormatter{})
	standin.Logger.SetLevel(logrus.DebugLevel)
	resetLogAggregation(logagg.Config{}) // each test sees its own first lines
	t.Cleanup(func() {
		standin.Logger.SetOutput(io.Discard)
		logMu.Unlock()
	})
	return buf
}

// resetLogAggregation gives the plugin a fresh aggregator with cfg (a
// test clock, limits).
func resetLogAggregation(cfg logagg.Config) {
	logTickerOff.Store(true)
	logAgg.Store(logagg.New[logKey, logPayload](cfg))
}

func logLines(t *testing.T, buf *bytes.Buffer) []map[string]interface{} {
	t.Helper()
	var lines []map[string]interface{}
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]interface{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		lines = append(lines, m)
	}
	return lines
}

func tokenRequest(def *standin.APIDefinition, body string) *http.Request {
	r := httptest.NewRequest("POST", "/idp/token", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if def != nil {
		standin.SetDefinition(r, def)
	}
	return r
}

func upstreamResponse(status int, body []byte, kv ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return b
}

const authCodeBody = "grant_type=authorization_code&code=" + demoCode + "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&client_id=demo-app&client_secret=" + demoClientSecret + "&code_verifier=" + demoVerifier

func TestPreStripsForgedLabels(t *testing.T) {
	r := httptest.NewRequest("GET", "/anything", nil)
	r.Header.Set("X-OAuth-Cause", "ok")
	r.Header["x-oauth-verdict"] = []string{"ok"} // a spelling Go's server would not canonicalise
	r.Header.Set("X-Oauth-Client", "forged")
	r.Header.Set("X-Other", "kept")
	OAuthCheckPre(httptest.NewRecorder(), r)
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-oauth-") {
			t.Errorf("header %q survived the pre hook", k)
		}
	}
	if r.Header.Get("X-Other") != "kept" {
		t.Errorf("X-Other: got %q, want it untouched", r.Header.Get("X-Other"))
	}
}

func TestResponseLabelsAndLogsTokenError(t *testing.T) {
	logs := captureLogs(t)
	def := &standin.APIDefinition{APIID: "idp-proxy"}
	r := tokenRequest(def, authCodeBody)
	r.Header.Set("X-OAuth-Cause", "ok") // forged, and no pre hook ran
	body := []byte(`{"error":"invalid_grant","error_description":"Incorrect redirect_uri"}`)
	res := upstreamResponse(400, body, "Content-Type", "application/json")

	OAuthCheckResponse(httptest.NewRecorder(), res, r)

	if got, want := r.Header.Values(HeaderCause), []string{"redirect_uri_mismatch"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("cause labels: got %v, want %v", got, want)
	}
	if got := r.Header.Get(HeaderVerdict); got != "invalid" {
		t.Errorf("verdict label: got %q, want invalid", got)
	}
	if got := r.Header.Get(HeaderClient); got != "demo-app" {
		t.Errorf("client label: got %q, want demo-app", got)
	}
	if got := readAll(t, res.Body); !bytes.Equal(got, body) {
		t.Errorf("client body: got %q, want the upstream's bytes %q", got, body)
	}
	if got := readAll(t, r.Body); string(got) != authCodeBody {
		t.Errorf("request body after the hook: got %q, want it intact", got)
	}
	lines := logLines(t, logs)
	if len(lines) != 1 {
		t.Fatalf("log lines: got %d, want 1: %s", len(lines), logs)
	}
	l := lines[0]
	for k, want := range map[string]interface{}{"level": "warning", "api_id": "idp-proxy", "endpoint": "token",
		"causes": "redirect_uri_mismatch", "upstream_status": float64(400), "client_id": "demo-app", "verdict": "invalid",
		"detected": "param grant_type",
		"rule":     `rule redirect_uri_subject, from error_description matching "redirect_uri"`} {
		if l[k] != want {
			t.Errorf("log field %s: got %v, want %v", k, l[k], want)
		}
	}
	assertNoSecrets(t, logs.String(), r.Header)
	if strings.Contains(logs.String(), "Incorrect redirect_uri") {
		t.Errorf("log echoes the upstream's description: %s", logs)
	}
}

// Clients that post JSON, or no Content-Type at all, are still read.
func TestResponseReadsJSONRequestBodies(t *testing.T) {
	captureLogs(t)
	def := &standin.APIDefinition{APIID: "idp-proxy"}
	r := httptest.NewRequest("POST", "/api/session", strings.NewReader(`{"grant_type":"refresh_token","refresh_token":"`+demoRefreshToken+`"}`))
	r.Header.Set("Content-Type", "application/json")
	standin.SetDefinition(r, def)
	body := []byte(`{"error":"invalid_grant","error_description":"Token is not active"}`)
	res := upstreamResponse(400, body, "Content-Type", "application/json")
	OAuthCheckResponse(httptest.NewRecorder(), res, r)
	if got := r.Header.Values(HeaderCause); strings.Join(got, ",") != "invalid_grant" {
		t.Errorf("labels: got %v, want [invalid_grant]", got)
	}
	if got := readAll(t, r.Body); !strings.Contains(string(got), demoRefreshToken) {
		t.Errorf("request body after the hook: got %q, want it intact", got)
	}
}

// A resource server's 2xx is read only up to a small peek, and only when
// it is JSON or HTML: Slack's {"ok":false} errors come with 200.
func TestResourceSuccessPeek(t *testing.T) {
	captureLogs(t)
	def := &standin.APIDefinition{APIID: "api"}
	r := httptest.NewRequest("GET", "/api/conversations.history", nil)
	r.Header.Set("Authorization", "Bearer "+demoAccessToken)
	standin.SetDefinition(r, def)
	errBody := []byte(`{"ok":false,"error":"invalid_auth"}`)
	res := upstreamResponse(200, errBody, "Content-Type", "application/json; charset=utf-8")
	OAuthCheckResponse(httptest.NewRecorder(), res, r)
	if got := r.Header.Values(HeaderCause); strings.Join(got, ",") != "invalid_token,error_in_success_status" {
		t.Errorf("labels: got %v, want [invalid_token error_in_success_status]", got)
	}
	if got := readAll(t, res.Body); !bytes.Equal(got, errBody) {
		t.Errorf("client body: got %q, want %q", got, errBody)
	}

	big := bytes.Repeat([]byte(`{"a":1},`), 4096)
	big = append(append([]byte(`[`), big...), []byte(`{}]`)...)
	r = httptest.NewRequest("GET", "/api/items", nil)
	r.Header.Set("Authorization", "Bearer "+demoAccessToken)
	standin.SetDefinition(r, def)
	res = upstreamResponse(200, big, "Content-Type", "application/json")
	counting := &countingBody{r: bytes.NewReader(big)}
	res.Body = counting
	OAuthCheckResponse(httptest.NewRecorder(), res, r)
	if counting.n > 4096 {
		t.Errorf("the hook read %d bytes of a resource success, want at most a small peek", counting.n)
	}
	if len(r.Header.Values(HeaderCause)) != 0 {
		t.Errorf("labels on a resource success: %v", r.Header.Values(HeaderCause))
	}
	if got := readAll(t, res.Body); !bytes.Equal(got, big) {
		t.Errorf("client body changed: %d bytes, want %d", len(got), len(big))
	}
}

type countingBody struct {
	r *bytes.Reader
	n int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func (c *countingBody) Close() error { return nil }

func TestSuccessLogsNoSecrets(t *testing.T) {
	logs := captureLogs(t)
	r := tokenRequest(&standin.APIDefinition{APIID: "idp-proxy"}, authCodeBody+"&scope=openid")
	standin.SetSession(r, &standin.SessionState{Alias: "demo-alias", KeyHash: "raw-key-when-hash_keys-is-off"})
	OAuthCheckAuth(httptest.NewRecorder(), r)
	body := []byte(`{"access_token":"` + demoAccessToken + `","token_type":"Bearer","expires_in":300,"refresh_token":"` + demoRefreshToken + `","id_token":"` + demoIDToken + `"}`)
	res := upstreamResponse(200, body, "Content-Type", "application/json")

	OAuthCheckResponse(httptest.NewRecorder(), res, r)

	if got := r.Header.Values(HeaderCause); strings.Join(got, ",") != "missing_no_store" {
		t.Errorf("labels: got %v, want [missing_no_store]", got)
	}
	lines := logLines(t, logs)
	if len(lines) != 1 || lines[0]["level"] != "info" || lines[0]["key_alias"] != "demo-alias" {
		t.Errorf("log: got %v, want one info line with key_alias demo-alias", lines)
	}
	assertNoSecrets(t, logs.String(), r.Header)
	if strings.Contains(logs.String(), "raw-key-when-hash_keys-is-off") {
		t.Errorf("log carries the raw key: %s", logs)
	}
}

func assertNoSecrets(t *testing.T, logs string, h http.Header) {
	t.Helper()
	var labels strings.Builder
	for k, vs := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-oauth") {
			labels.WriteString(strings.Join(vs, " "))
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("a secret (%.12s…) reached the logs", s)
		}
		if strings.Contains(labels.String(), s) {
			t.Errorf("a secret (%.12s…) reached the labels", s)
		}
	}
}

func TestNonOAuthAndResourceSuccessAreNotLabelled(t *testing.T) {
	captureLogs(t)
	def := &standin.APIDefinition{APIID: "plain"}
	plain := httptest.NewRequest("GET", "/orders/1", nil)
	standin.SetDefinition(plain, def)
	OAuthCheckResponse(httptest.NewRecorder(), upstreamResponse(200, []byte(`{"id":1}`), "Content-Type", "application/json"), plain)

	resource := httptest.NewRequest("GET", "/orders/1", nil)
	resource.Header.Set("Authorization", "Bearer "+demoAccessToken)
	standin.SetDefinition(resource, def)
	OAuthCheckResponse(httptest.NewRecorder(), upstreamResponse(200, []byte(`{"id":1}`)), resource)

	notOAuthError := httptest.NewRequest("GET", "/orders/404", nil)
	notOAuthError.Header.Set("Authorization", "Bearer "+demoAccessToken)
	standin.SetDefinition(notOAuthError, def)
	OAuthCheckResponse(httptest.NewRecorder(), upstreamResponse(404, []byte(`not here`)), notOAuthError)

	for name, r := range map[string]*http.Request{"plain": plain, "resource 200": resource, "resource 404": notOAuthError} {
		for _, h := range labelHeaders {
			if v := r.Header.Values(h); len(v) > 0 {
				t.Errorf("%s: got label %s=%v, want none", name, h, v)
			}
		}
	}
}

func TestMisconfiguredAPIIsLabelledAndLoggedOnce(t *testing.T) {
	logs := captureLogs(t)
	def := &standin.APIDefinition{APIID: "bad-config", ConfigData: map[string]interface{}{
		"oauthcheck": map[string]interface{}{"max_body_bytes": "big"}}}
	body := []byte(`{"error":"invalid_client"}`)
	for i := 0; i < 5; i++ {
		r := tokenRequest(def, "grant_type=client_credentials")
		res := upstreamResponse(401, body, "Content-Type", "application/json")
		OAuthCheckResponse(httptest.NewRecorder(), res, r)
		if got := strings.Join(r.Header.Values(HeaderCause), ","); got != "invalid_client,plugin_misconfigured" {
			t.Fatalf("request %d labels: got %s, want invalid_client,plugin_misconfigured", i, got)
		}
		if got := readAll(t, res.Body); !bytes.Equal(got, body) {
			t.Fatalf("request %d body: got %q, want %q", i, got, body)
		}
	}
	errorsLogged := 0
	for _, l := range logLines(t, logs) {
		if l["level"] == "error" {
			errorsLogged++
			if !strings.Contains(l["error"].(string), "oauthcheck.max_body_bytes: must be an integer") {
				t.Errorf("config error line: got %v, want the option named", l["error"])
			}
		}
	}
	if errorsLogged != 1 {
		t.Errorf("config error lines: got %d, want exactly 1 across 5 requests", errorsLogged)
	}
}

func TestHotReloadReparsesConfig(t *testing.T) {
	captureLogs(t)
	older := &standin.APIDefinition{APIID: "reloaded"}
	newer := &standin.APIDefinition{APIID: "reloaded", ConfigData: map[string]interface{}{
		"oauthcheck": map[string]interface{}{"suppress_warnings": []interface{}{"missing_no_store"}}}}
	success := `{"access_token":"` + demoAccessToken + `","token_type":"Bearer"}`
	run := func(def *standin.APIDefinition) string {
		r := tokenRequest(def, "grant_type=client_credentials")
		OAuthCheckResponse(httptest.NewRecorder(), upstreamResponse(200, []byte(success), "Content-Type", "application/json"), r)
		return strings.Join(r.Header.Values(HeaderCause), ",")
	}
	if got := run(older); got != "missing_no_store" {
		t.Errorf("before reload: got %s, want missing_no_store", got)
	}
	if got := run(newer); got != "ok" {
		t.Errorf("after reload: got %s, want ok (warning suppressed by the new config)", got)
	}
	_, oldKept := (*apis.byDef.Load())[older]
	if oldKept {
		t.Errorf("the replaced definition is still cached; reloads would leak")
	}
}

func TestOASDefinitionConfig(t *testing.T) {
	captureLogs(t)
	def := &standin.OASDefinition{ID: "oas-api", PluginDataEnabled: true, PluginData: map[string]interface{}{
		"oauthcheck": map[string]interface{}{"endpoints": map[string]interface{}{"/custom/path": "token"}}}}
	r := httptest.NewRequest("GET", "/custom/path", nil) // not detectable without the route
	standin.SetOASDefinition(r, def)
	OAuthCheckResponse(httptest.NewRecorder(), upstreamResponse(502, []byte("<html>bad gateway</html>"), "Content-Type", "text/html"), r)
	if got := strings.Join(r.Header.Values(HeaderCause), ","); got != "server_error,html_error_page" {
		t.Errorf("labels: got %s, want server_error,html_error_page", got)
	}
}

func TestPanicIsRecoveredAndBodyUntouched(t *testing.T) {
	logs := captureLogs(t)
	testClassify = func(classify.Endpoint, *classify.Request, *classify.Response, *classify.Options) classify.Result {
		panic("boom")
	}
	t.Cleanup(func() { testClassify = nil })
	body := []byte(`{"error":"invalid_client"}`)
	r := tokenRequest(&standin.APIDefinition{APIID: "x"}, "grant_type=client_credentials")
	res := upstreamResponse(401, body, "Content-Type", "application/json")

	OAuthCheckResponse(httptest.NewRecorder(), res, r) // must not panic

	if got := readAll(t, res.Body); !bytes.Equal(got, body) {
		t.Errorf("body after a recovered panic: got %q, want %q", got, body)
	}
	if res.StatusCode != 401 {
		t.Errorf("status: got %d, want 401 untouched", res.StatusCode)
	}
	if got := r.Header.Get(HeaderCause); got != "plugin_error" {
		t.Errorf("label: got %q, want plugin_error", got)
	}
	if !strings.Contains(logs.String(), "recovered from panic") {
		t.Errorf("no recovery log line: %s", logs)
	}
}

func TestBodiesReachTheClientByteForByte(t *testing.T) {
	captureLogs(t)
	def := &standin.APIDefinition{APIID: "bodies", ConfigData: map[string]interface{}{
		"oauthcheck": map[string]interface{}{"max_body_bytes": float64(1024)}}}
	big := bytes.Repeat([]byte(`{"padding":"`+strings.Repeat("x", 100)+`"},`), 500)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write([]byte(`{"access_token":"` + demoAccessToken + `","token_type":"Bearer","expires_in":60}`))
	_ = w.Close()

	for _, tc := range []struct {
		name   string
		body   []byte
		kv     []string
		causes string
	}{
		{"oversized", append([]byte(`{"error":"server_error","x":[`), big...), []string{"Content-Type", "application/json"}, "server_error,error_in_success_status,body_truncated"},
		{"gzip", gz.Bytes(), []string{"Content-Type", "application/json", "Content-Encoding", "gzip", "Cache-Control", "no-store"}, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tokenRequest(def, "grant_type=client_credentials")
			res := upstreamResponse(200, tc.body, tc.kv...)
			res.ContentLength = -1 // as for a chunked upstream
			OAuthCheckResponse(httptest.NewRecorder(), res, r)
			if got := readAll(t, res.Body); !bytes.Equal(got, tc.body) {
				t.Errorf("body: got %d bytes, want the upstream's %d bytes unchanged", len(got), len(tc.body))
			}
			if got := strings.Join(r.Header.Values(HeaderCause), ","); got != tc.causes {
				t.Errorf("labels: got %s, want %s", got, tc.causes)
			}
		})
	}
}

// failingReader fails after n bytes, as a connection reset would.
type failingReader struct{ n int }

var errReset = errors.New("connection reset by peer")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errReset
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	for i := range p {
		p[i] = 'a'
	}
	f.n -= len(p)
	return len(p), nil
}

func TestUpstreamReadErrorIsReplayedToTheClient(t *testing.T) {
	captureLogs(t)
	r := tokenRequest(&standin.APIDefinition{APIID: "err"}, "grant_type=client_credentials")
	res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(&failingReader{n: 10})}
	OAuthCheckResponse(httptest.NewRecorder(), res, r)
	got, err := io.ReadAll(res.Body)
	if string(got) != "aaaaaaaaaa" || !errors.Is(err, errReset) {
		t.Errorf("client read: got %q, %v; want the 10 bytes then the upstream's error", got, err)
	}
}

// untouchableBody fails the test if the hook reads it.
type untouchableBody struct{ t *testing.T }

func (u untouchableBody) Read([]byte) (int, error) {
	u.t.Errorf("the hook read a body it must stream untouched")
	return 0, io.EOF
}
func (u untouchableBody) Close() error { return nil }

func TestStreamsAndBodilessResponsesAreNotRead(t *testing.T) {
	captureLogs(t)
	def := &standin.APIDefinition{APIID: "streams"}
	for _, tc := range []struct {
		name   string
		method string
		status int
		ct     string
	}{
		{"event stream", "POST", 200, "text/event-stream"},
		{"HEAD", "HEAD", 200, "application/json"},
		{"204", "POST", 204, ""},
		{"304", "POST", 304, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tokenRequest(def, "grant_type=client_credentials")
			r.Method = tc.method
			res := &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: untouchableBody{t}}
			if tc.ct != "" {
				res.Header.Set("Content-Type", tc.ct)
			}
			OAuthCheckResponse(httptest.NewRecorder(), res, r)
		})
	}
}

func TestDebugHeaderIsOptIn(t *testing.T) {
	captureLogs(t)
	for _, debug := range []bool{false, true} {
		def := &standin.APIDefinition{APIID: "debug", ConfigData: map[string]interface{}{
			"oauthcheck": map[string]interface{}{"debug_header": debug}}}
		r := tokenRequest(def, "grant_type=client_credentials")
		res := upstreamResponse(401, []byte(`{"error":"invalid_client"}`), "Content-Type", "application/json")
		OAuthCheckResponse(httptest.NewRecorder(), res, r)
		got := res.Header.Get(HeaderDebug)
		want := ""
		if debug {
			want = "invalid; causes=invalid_client"
		}
		if got != want {
			t.Errorf("debug_header=%v: got %q, want %q", debug, got, want)
		}
	}
}
