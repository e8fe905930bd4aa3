package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

func repairAPI(id string, repair interface{}, extra ...interface{}) *standin.APIDefinition {
	cfg := map[string]interface{}{"repair": repair}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i].(string)] = extra[i+1]
	}
	return &standin.APIDefinition{APIID: id, ConfigData: map[string]interface{}{"oauthcheck": cfg}}
}

// githubError is GitHub's answer to a wrong client secret: HTTP 200.
var githubError = []byte(`{"error":"incorrect_client_credentials","error_description":"The client_id and/or client_secret passed are incorrect.","error_uri":"https://docs.github.com/apps"}`)

func basicTokenRequest(def *standin.APIDefinition) *http.Request {
	r := tokenRequest(def, "grant_type=authorization_code&code="+demoCode)
	r.SetBasicAuth("demo-app", demoClientSecret)
	return r
}

// writeLikeTyk writes res as Tyk's ReverseProxy.HandleResponse does:
// headers copied, status written, body copied (gateway/reverse_proxy.go).
func writeLikeTyk(w http.ResponseWriter, res *http.Response) {
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	io.Copy(w, res.Body)
}

// throughHook serves one upstream answer through the response hook and a
// real HTTP server, and returns what a client receives.
func throughHook(t *testing.T, def *standin.APIDefinition, method string, upstream func() *http.Response, basic bool) (*http.Response, []byte, *http.Request) {
	t.Helper()
	var seen *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		standin.SetDefinition(r, def)
		res := upstream()
		OAuthCheckResponse(w, res, r)
		seen = r
		writeLikeTyk(w, res)
	}))
	defer srv.Close()
	req, _ := http.NewRequest(method, srv.URL+"/login/oauth/access_token", strings.NewReader("grant_type=authorization_code&code="+demoCode))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth("demo-app", demoClientSecret)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("client body: %v", err)
	}
	return res, body, seen
}

func TestRepairOffKeepsUpstreamBytes(t *testing.T) {
	for _, def := range []*standin.APIDefinition{{APIID: "plain"}, repairAPI("off", false)} {
		res, body, seen := throughHook(t, def, "POST", func() *http.Response {
			return upstreamResponse(200, githubError, "Content-Type", "application/json; charset=utf-8", "Etag", `W/"1"`)
		}, true)
		if res.StatusCode != 200 || !bytes.Equal(body, githubError) || res.Header.Get("Etag") != `W/"1"` {
			t.Errorf("%s: client got %d %q etag %q, want the upstream's bytes", def.APIID, res.StatusCode, body, res.Header.Get("Etag"))
		}
		if got := seen.Header.Values(HeaderRepaired); len(got) != 0 {
			t.Errorf("%s: repaired label %v with repair off", def.APIID, got)
		}
	}
}

func TestRepairGitHubErrorWith200(t *testing.T) {
	logs := captureLogs(t)
	def := repairAPI("gh", true)
	res, body, seen := throughHook(t, def, "POST", func() *http.Response {
		return upstreamResponse(200, githubError, "Content-Type", "application/json; charset=utf-8", "Etag", `W/"1"`, "X-Github-Request-Id", "AB12")
	}, true)
	if res.StatusCode != 401 || res.Header.Get("Www-Authenticate") != `Basic realm="oauth"` {
		t.Errorf("client got %d, WWW-Authenticate %q; want 401 with Basic", res.StatusCode, res.Header.Get("Www-Authenticate"))
	}
	var e struct{ Error, ErrorDescription string }
	if err := json.Unmarshal(body, &e); err != nil || e.Error != "invalid_client" {
		t.Errorf("client body %q: want a JSON invalid_client", body)
	}
	if res.ContentLength != int64(len(body)) || res.Header.Get("Etag") != "" || res.Header.Get("X-Github-Request-Id") != "AB12" {
		t.Errorf("headers: length %d for %d bytes, etag %q, request id %q", res.ContentLength, len(body), res.Header.Get("Etag"), res.Header.Get("X-Github-Request-Id"))
	}
	if got := strings.Join(seen.Header.Values(HeaderCause), ","); got != "invalid_client,error_in_success_status" {
		t.Errorf("cause labels %q: the upstream's causes must stay", got)
	}
	if got := strings.Join(seen.Header.Values(HeaderRepaired), ","); got != "error_shape,error_status" {
		t.Errorf("repaired labels %q", got)
	}
	lines := logLines(t, logs)
	if len(lines) != 1 || lines[0]["repaired"] != "error_shape,error_status" || lines[0]["upstream_status"] != float64(200) {
		t.Errorf("log lines: %v", lines)
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) || strings.Contains(string(body), s) || strings.Contains(strings.Join(seen.Header.Values(HeaderRepaired), ","), s) {
			t.Errorf("secret %q leaked into a log line, label or body", s)
		}
	}
}

func TestRepairGzipIsSentAsIdentity(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"error":{"code":401,"message":"Invalid client credentials","status":"UNAUTHENTICATED"}}`))
	zw.Close()
	res, body, _ := throughHook(t, repairAPI("gz", true), "POST", func() *http.Response {
		return upstreamResponse(401, gz.Bytes(), "Content-Type", "application/json", "Content-Encoding", "gzip", "Content-Length", strconv.Itoa(gz.Len()), "Content-Md5", "x")
	}, false)
	if res.StatusCode != 401 || res.Header.Get("Content-Encoding") != "" || res.Header.Get("Content-Md5") != "" {
		t.Errorf("client got %d, encoding %q, md5 %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Content-Md5"))
	}
	if want := `{"error":"invalid_client","error_description":"Invalid client credentials"}`; string(body) != want || res.ContentLength != int64(len(want)) {
		t.Errorf("client body %q (length %d), want %s", body, res.ContentLength, want)
	}
}

func TestRepairSkipsOverCapHeadAndStreams(t *testing.T) {
	big := []byte(`{"error":{"message":"` + strings.Repeat("x", 3000) + `"}}`)
	res, body, seen := throughHook(t, repairAPI("cap", true, "max_body_bytes", 1024), "POST", func() *http.Response {
		return upstreamResponse(400, big, "Content-Type", "application/json")
	}, false)
	if res.StatusCode != 400 || !bytes.Equal(body, big) {
		t.Errorf("over-cap body changed: %d, %d bytes", res.StatusCode, len(body))
	}
	if causes := strings.Join(seen.Header.Values(HeaderCause), ","); !strings.Contains(causes, "repair_skipped") {
		t.Errorf("over-cap causes %q, want repair_skipped", causes)
	}

	page := "<html><body><center>nginx</center></body></html>"
	res, _, seen = throughHook(t, repairAPI("head", true), "HEAD", func() *http.Response {
		return upstreamResponse(503, []byte(page), "Content-Type", "text/html", "Server", "nginx")
	}, false)
	if res.StatusCode != 503 || len(seen.Header.Values(HeaderRepaired)) != 0 {
		t.Errorf("HEAD: got %d, repaired %v; want it untouched", res.StatusCode, seen.Header.Values(HeaderRepaired))
	}

	events := "data: {\"error\":\"x\"}\n\n"
	res, body, _ = throughHook(t, repairAPI("sse", true), "POST", func() *http.Response {
		return upstreamResponse(200, []byte(events), "Content-Type", "text/event-stream")
	}, false)
	if res.StatusCode != 200 || string(body) != events {
		t.Errorf("event stream: got %d %q, want it untouched", res.StatusCode, body)
	}
}

func TestRepairKindsAndForgedLabels(t *testing.T) {
	def := repairAPI("kinds", []interface{}{"no_store"})
	success := []byte(`{"access_token":"` + demoAccessToken + `","token_type":"Bearer","expires_in":"3600"}`)
	srvReq := tokenRequest(def, authCodeBody)
	srvReq.Header.Set("X-Oauth-Repaired", "forged")
	res := upstreamResponse(200, success, "Content-Type", "application/json")
	OAuthCheckResponse(httptest.NewRecorder(), res, srvReq)
	if got := readAll(t, res.Body); !bytes.Equal(got, success) || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("no_store only: body %q, Cache-Control %q", got, res.Header.Get("Cache-Control"))
	}
	if got := strings.Join(srvReq.Header.Values(HeaderRepaired), ","); got != "no_store" {
		t.Errorf("repaired labels %q, want no_store alone (the forged one stripped)", got)
	}
}

func TestRepairBadConfigLeavesTrafficAlone(t *testing.T) {
	logs := captureLogs(t)
	def := repairAPI("bad", []interface{}{"make_it_work"})
	res, body, seen := throughHook(t, def, "POST", func() *http.Response {
		return upstreamResponse(200, githubError, "Content-Type", "application/json")
	}, true)
	if res.StatusCode != 200 || !bytes.Equal(body, githubError) {
		t.Errorf("bad config: client got %d %q, want the upstream's answer", res.StatusCode, body)
	}
	if causes := strings.Join(seen.Header.Values(HeaderCause), ","); !strings.Contains(causes, "plugin_misconfigured") {
		t.Errorf("causes %q, want plugin_misconfigured", causes)
	}
	if !strings.Contains(logs.String(), `oauthcheck.repair[0]: unknown repair kind \"make_it_work\"`) {
		t.Errorf("no clear config error line: %s", logs)
	}
}

// BenchmarkResponseHookCompliantToken: a compliant token answer through
// the hook with repair off and on; the difference is what repair costs a
// response it does not rewrite (docs/benchmarks.md).
func BenchmarkResponseHookCompliantToken(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	body := []byte(`{"access_token":"PLACEHOLDER-bench-token-000001","token_type":"Bearer","expires_in":3600,"scope":"read"}`)
	for _, def := range []*standin.APIDefinition{repairAPI("off", false), repairAPI("on", true)} {
		b.Run("repair_"+def.APIID, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest("POST", "/token", bytes.NewReader([]byte("grant_type=client_credentials&client_id=demo")))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				standin.SetDefinition(r, def)
				res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}, Body: io.NopCloser(bytes.NewReader(body))}
				OAuthCheckResponse(nil, res, r)
				if len(r.Header.Values(HeaderRepaired)) != 0 {
					b.Fatal("a compliant answer was repaired")
				}
			}
		})
	}
}
