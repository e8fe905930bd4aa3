package repair_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

const tokenReq = "POST /oauth/token HTTP/1.1\r\nHost: idp.example\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
const basicReq = "POST /login/oauth/access_token HTTP/1.1\r\nHost: github.com\r\nAuthorization: Basic YXBwOndyb25n\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code=abc123"

// repairCase is one exchange and what the client must receive. The same
// table feeds the test, the benchmarks and the fuzz seeds.
type repairCase struct {
	name   string
	req    string
	resp   string
	opts   *repair.Options
	kinds  string // comma-separated, "" for no change
	status int
	body   string            // expected body; "" means unchanged
	header map[string]string // expected header values; "" means absent
}

var repairCases = []repairCase{
	{name: "compliant success untouched", req: tokenReq,
		resp: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n\r\n" + `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}`},
	{name: "compliant error untouched", req: tokenReq,
		resp: "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n" + `{"error":"invalid_grant","error_description":"code expired"}`},
	{name: "lowercase bearer alone untouched", req: tokenReq,
		resp: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n\r\n" + `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"bearer","expires_in":3600}`},
	{name: "github error with 200 and basic auth", req: basicReq,
		resp:  "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nEtag: W/\"abc\"\r\nX-Github-Request-Id: 1234\r\n\r\n" + `{"error":"incorrect_client_credentials","error_description":"The client_id and/or client_secret passed are incorrect.","error_uri":"https://docs.github.com/apps/troubleshooting"}`,
		kinds: "error_shape,error_status", status: 401,
		body:   `{"error":"invalid_client","error_description":"The client_id and/or client_secret passed are incorrect.","error_uri":"https://docs.github.com/apps/troubleshooting"}`,
		header: map[string]string{"Www-Authenticate": `Basic realm="oauth"`, "Etag": "", "X-Github-Request-Id": "1234", "Content-Type": "application/json"}},
	{name: "standard error with 200 gets 400, body kept", req: tokenReq,
		resp:  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + `{"error":"invalid_grant"}`,
		kinds: "error_status", status: 400},
	{name: "facebook nested error", req: tokenReq,
		resp:  "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n" + `{"error":{"message":"Error validating client secret.","type":"OAuthException","code":1,"fbtrace_id":"Ahx"}}`,
		kinds: "error_shape", status: 400,
		body: `{"error":"invalid_client","error_description":"Error validating client secret."}`},
	{name: "secret-looking description dropped", req: tokenReq,
		resp:  "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n" + `{"error":{"message":"Invalid refresh_token: 8xLOxBtZp8abc","code":"invalid_grant"}}`,
		kinds: "error_shape", status: 400, body: `{"error":"invalid_grant"}`},
	{name: "form-encoded success", req: tokenReq,
		resp:  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\naccess_token=2YotnFZFEjr1zCsicMWpAA&token_type=bearer&expires_in=3600&scope=repo%20user",
		kinds: "expires_in_number,success_json,no_store,token_type_case", status: 200,
		body:   `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,"scope":"repo user"}`,
		header: map[string]string{"Cache-Control": "no-store", "Content-Type": "application/json"}},
	{name: "form-encoded introspection: active as a boolean", req: "POST /oauth2/introspect HTTP/1.1\r\nHost: idp.example\r\nAuthorization: Basic YXBwOnNlY3JldA==\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ntoken=PLACEHOLDER-at",
		resp:  "HTTP/1.1 200 OK\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nactive=TRUE&client_id=app&exp=1800000000&scope=read",
		kinds: "success_json", status: 200,
		body: `{"active":true,"client_id":"app","exp":1800000000,"scope":"read"}`},
	{name: "xml success", req: tokenReq,
		resp:  "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\r\n" + `<?xml version="1.0"?><OAuthTokenDTO><accessToken>2YotnFZFEjr1zCsicMWpAA</accessToken><tokenType>Bearer</tokenType><expiresIn>900</expiresIn></OAuthTokenDTO>`,
		kinds: "expires_in_number,success_json,no_store", status: 200,
		body: `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":900}`},
	{name: "expires_in string", req: tokenReq,
		resp:  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: 86\r\n\r\n" + `{"access_token":"2YotnFZFEjr1zCsicMWpAA", "token_type":"Bearer","expires_in":"3600"}`,
		kinds: "expires_in_number", status: 200,
		body:   `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}`,
		header: map[string]string{"Content-Length": "81"}},
	{name: "missing no-store: header only", req: tokenReq,
		resp:  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}`,
		kinds: "no_store", status: 200,
		header: map[string]string{"Cache-Control": "no-store"}},
	{name: "nginx 503 page", req: tokenReq,
		resp:  "HTTP/1.1 503 Service Unavailable\r\nServer: nginx\r\nContent-Type: text/html\r\n\r\n<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>",
		kinds: "edge_error", status: 503,
		body:   `{"error":"temporarily_unavailable","error_description":"nginx answered 503 with an HTML page in place of the authorization server"}`,
		header: map[string]string{"Retry-After": "5", "Server": "nginx"}},
	{name: "empty 502", req: tokenReq,
		resp:  "HTTP/1.1 502 Bad Gateway\r\nServer: Caddy\r\n\r\n",
		kinds: "edge_error", status: 500,
		body: `{"error":"server_error","error_description":"Caddy answered 502 with an empty body in place of the authorization server"}`},
	{name: "empty 503 keeps Retry-After", req: tokenReq,
		resp:  "HTTP/1.1 503 Service Unavailable\r\nServer: Caddy\r\nRetry-After: 30\r\n\r\n",
		kinds: "edge_error", status: 503,
		body:   `{"error":"temporarily_unavailable","error_description":"Caddy answered 503 with an empty body in place of the authorization server"}`,
		header: map[string]string{"Retry-After": "30"}},
	{name: "gzip vendor error is decoded and sent as identity", req: tokenReq,
		resp:  "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Md5: abc\r\nVary: Accept-Encoding\r\n\r\n" + gz(`{"error":{"code":401,"message":"Invalid client credentials","status":"UNAUTHENTICATED"}}`),
		kinds: "error_shape", status: 401,
		body:   `{"error":"invalid_client","error_description":"Invalid client credentials"}`,
		header: map[string]string{"Content-Encoding": "", "Content-Md5": "", "Vary": "Accept-Encoding"}},
	{name: "resource answer untouched", req: "GET /api/me HTTP/1.1\r\nAuthorization: Bearer abc\r\n\r\n",
		resp: "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n" + `{"message":"Bad credentials"}`},
	{name: "kinds limit the repairs", req: tokenReq, opts: &repair.Options{Kinds: []repair.Kind{repair.NoStore}},
		resp:  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":"3600"}`,
		kinds: "no_store", status: 200},
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func parseCase(tb testing.TB, c *repairCase) (classify.Request, classify.Response) {
	tb.Helper()
	req, err := rawhttp.ParseRequest(strings.NewReader(c.req))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := rawhttp.ParseResponse(strings.NewReader(c.resp))
	if err != nil {
		tb.Fatal(err)
	}
	return *req, *resp
}

func kindList(p *repair.Plan) string {
	var s []string
	for _, k := range p.Kinds() {
		s = append(s, string(k))
	}
	return strings.Join(s, ",")
}

func TestApply(t *testing.T) {
	for i := range repairCases {
		c := &repairCases[i]
		t.Run(c.name, func(t *testing.T) {
			req, resp := parseCase(t, c)
			result := classify.Classify(&req, &resp, nil)
			plan := repair.Apply(&req, &resp, &result, c.opts)
			if got := kindList(&plan); got != c.kinds {
				t.Fatalf("kinds: got %q, want %q (causes %v)", got, c.kinds, result.Causes())
			}
			if c.kinds == "" {
				if plan.Header != nil || plan.Body != nil || plan.Status != 0 {
					t.Errorf("no repair, but the plan sets status %d, header %v, body %q", plan.Status, plan.Header, plan.Body)
				}
				return
			}
			if plan.Status != c.status {
				t.Errorf("status: got %d, want %d", plan.Status, c.status)
			}
			if c.body == "" && plan.BodyChanged {
				t.Errorf("body changed to %s, want it kept", plan.Body)
			}
			if c.body != "" && string(plan.Body) != c.body {
				t.Errorf("body:\n got %s\nwant %s", plan.Body, c.body)
			}
			for k, want := range c.header {
				if got := plan.Header.Get(k); got != want {
					t.Errorf("header %s: got %q, want %q", k, got, want)
				}
			}
			checkPlan(t, &req, &resp, &result, &plan)
		})
	}
}

// checkPlan asserts what holds for every repair: a new body is valid JSON
// carrying a registered error code or a compliant success, with an exact
// Content-Length and no validator or encoding of the old body; and the
// repaired response no longer has the shape causes it had.
func checkPlan(t testing.TB, req *classify.Request, resp *classify.Response, before *classify.Result, plan *repair.Plan) {
	t.Helper()
	if !plan.Changed() {
		return
	}
	if plan.BodyChanged {
		var obj map[string]any
		if err := json.Unmarshal(plan.Body, &obj); err != nil {
			t.Fatalf("repaired body is not a JSON object: %v: %q", err, plan.Body)
		}
		if e, isErr := obj["error"]; isErr {
			code, _ := e.(string)
			if !repair.IsWireCode(code) || !classify.Registered(classify.Code(code)) {
				t.Errorf("repaired error code %q is not registered", code)
			}
			for k := range obj {
				if k != "error" && k != "error_description" && k != "error_uri" {
					t.Errorf("repaired error carries member %q", k)
				}
			}
		}
		if got := plan.Header.Get("Content-Length"); got != strconv.Itoa(len(plan.Body)) {
			t.Errorf("Content-Length %q for a %d-byte body", got, len(plan.Body))
		}
		for _, k := range []string{"Content-Encoding", "Etag", "Content-Md5"} {
			if plan.Header.Get(k) != "" {
				t.Errorf("%s kept on a new body", k)
			}
		}
	}
	after := classify.Response{Status: plan.Status, Header: plan.Header, Body: resp.Body}
	if plan.BodyChanged {
		after.Body = plan.Body
	}
	r2 := classify.Classify(req, &after, nil)
	for _, c := range r2.Causes() {
		if !before.Has(c) && c != classify.OK {
			cause, _ := classify.Lookup(c)
			if cause.Family == classify.FamilyResponseFormat || cause.Family == classify.FamilyServer && before.Verdict == classify.VerdictOK {
				t.Errorf("repair introduced %s (before %v, after %v)", c, before.Causes(), r2.Causes())
			}
		}
	}
	for _, c := range shapeCauses {
		if r2.Has(c) && plan.BodyChanged {
			t.Errorf("still %s after repair %v: %s", c, plan.Kinds(), after.Body)
		}
	}
}

// Every captured fixture: valid answers are never touched, and every
// repair satisfies checkPlan.
func TestFixturesRepair(t *testing.T) {
	var all []rawhttp.Case
	for _, root := range []string{"../classify/testdata/corpus"} {
		cases, err := rawhttp.LoadCorpus(root)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, cases...)
	}
	top, err := rawhttp.LoadCases("../classify/testdata")
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, top...)
	repaired := 0
	for i := range all {
		k := &all[i]
		req, before := classifyCase(k)
		resp := *k.Response
		if len(resp.Body) > classify.DefaultMaxBodyBytes {
			resp.Body, resp.Truncated = resp.Body[:classify.DefaultMaxBodyBytes], true // as the plugin reads it
			before = classify.Classify(&req, &resp, nil)
		}
		plan := repair.Apply(&req, &resp, &before, nil)
		if before.Verdict == classify.VerdictOK && plan.Changed() {
			t.Errorf("%s: valid answer changed by %v", k.Name, plan.Kinds())
		}
		if resp.Truncated && (plan.Changed() || !plan.Skipped && before.Endpoint == classify.EndpointToken) {
			t.Errorf("%s: over-cap body: changed %v, skipped %v", k.Name, plan.Kinds(), plan.Skipped)
		}
		if plan.Changed() {
			repaired++
		}
		t.Run(k.Name, func(t *testing.T) { checkPlan(t, &req, &resp, &before, &plan) })
	}
	if repaired < 200 {
		t.Errorf("only %d fixtures repaired", repaired)
	}
}

func TestHeadAndStreamsUntouched(t *testing.T) {
	req, resp := parseCase(t, &repairCases[11]) // the nginx page
	req.Method = http.MethodHead
	result := classify.Classify(&req, &resp, nil)
	if plan := repair.Apply(&req, &resp, &result, nil); plan.Changed() {
		t.Errorf("HEAD repaired: %v", plan.Kinds())
	}
	req.Method = http.MethodPost
	resp.Unread = true
	result = classify.Classify(&req, &resp, nil)
	if plan := repair.Apply(&req, &resp, &result, nil); plan.Changed() {
		t.Errorf("unread body repaired: %v", plan.Kinds())
	}
}

func TestOverCapIsSkipped(t *testing.T) {
	req, resp := parseCase(t, &repairCases[5]) // facebook nested error
	resp.Truncated = true
	result := classify.Classify(&req, &resp, nil)
	plan := repair.Apply(&req, &resp, &result, nil)
	if plan.Changed() || !plan.Skipped {
		t.Errorf("over-cap body: kinds %v, skipped %v; want untouched and skipped", plan.Kinds(), plan.Skipped)
	}
}

func TestNothingIsModified(t *testing.T) {
	c := &repairCases[3]
	req, resp := parseCase(t, c)
	header := resp.Header.Clone()
	body := append([]byte(nil), resp.Body...)
	result := classify.Classify(&req, &resp, nil)
	repair.Apply(&req, &resp, &result, nil)
	if !bytes.Equal(body, resp.Body) || len(header) != len(resp.Header) || resp.Header.Get("Etag") != header.Get("Etag") {
		t.Error("Apply modified its input")
	}
}

func TestRegistryIsCompleteAndUnique(t *testing.T) {
	seen := map[repair.Kind]bool{}
	for _, r := range repair.Registry {
		if seen[r.Kind] {
			t.Errorf("%s listed twice", r.Kind)
		}
		seen[r.Kind] = true
		if r.Doc == "" || r.RFC == "" || strings.Contains(r.Doc, "\n") {
			t.Errorf("%s: doc and RFC must be one line each", r.Kind)
		}
		if !classify.LabelSafe(string(r.Kind)) {
			t.Errorf("%s is not label-safe", r.Kind)
		}
	}
	for _, k := range []repair.Kind{repair.ErrorStatus, repair.ErrorShape, repair.SuccessJSON, repair.ExpiresInNumber,
		repair.TokenTypeCase, repair.EdgeError, repair.NoStore, repair.ContentType} {
		if !seen[k] || !repair.Known(k) {
			t.Errorf("%s is not in the registry", k)
		}
	}
	if len(seen) != 8 {
		t.Errorf("registry has %d kinds, the constants 8", len(seen))
	}
	for _, code := range repair.WireCodes() {
		if !classify.Registered(classify.Code(code)) {
			t.Errorf("wire code %s is not a registered cause", code)
		}
	}
}

// A small gzip body that inflates past the cap is not inflated: the
// classifier saw only its start (body_truncated), and the decoder stops
// at the cap anyway.
func TestCompressionBombIsSkipped(t *testing.T) {
	body := `{"error":{"message":"` + strings.Repeat(" ", 1<<20) + `"}}`
	req := classify.Request{Method: "POST", Path: "/oauth/token", Header: http.Header{}, Body: []byte("grant_type=client_credentials")}
	resp := classify.Response{Status: 400, Header: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}, Body: []byte(gz(body))}
	if len(resp.Body) > 8<<10 {
		t.Fatalf("the bomb is %d bytes compressed", len(resp.Body))
	}
	result := classify.Classify(&req, &resp, nil)
	plan := repair.Apply(&req, &resp, &result, nil)
	if plan.Changed() || !plan.Skipped {
		t.Errorf("bomb: kinds %v, skipped %v (causes %v); want it skipped", plan.Kinds(), plan.Skipped, result.Causes())
	}
	// Even with a result that does not say so, the decoder stops at the cap.
	forged := classify.NewResult(classify.EndpointToken, classify.InvalidRequest, classify.NonstandardErrorShape)
	plan = repair.Apply(&req, &resp, &forged, &repair.Options{MaxBodyBytes: 4096})
	if plan.Changed() || !plan.Skipped {
		t.Errorf("bomb past MaxBodyBytes: kinds %v, skipped %v", plan.Kinds(), plan.Skipped)
	}
}
