package rawhttp_test

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

const fixtures = "../classify/testdata"

// The manifest is a contract the engine's table test relies on, so check
// it is self-consistent before any engine runs on it.
func TestFixtureManifest(t *testing.T) {
	cases, err := rawhttp.LoadCases(fixtures)
	if err != nil {
		t.Fatalf("LoadCases: %v", err)
	}
	if len(cases) < 60 {
		t.Errorf("cases: got %d, want at least 60", len(cases))
	}

	files, err := rawhttp.FixtureNames(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	all, err := rawhttp.LoadCorpus(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range all {
		listed[c.Name] = true
	}
	for _, name := range files {
		if !listed[name] {
			t.Errorf("%s.resp: in no %s", name, rawhttp.ManifestFile)
		}
	}

	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			checkCase(t, c)
		})
	}
}

func checkCase(t *testing.T, c rawhttp.Case) {
	if c.Source == "" || c.Note == "" {
		t.Errorf("source %q, note %q: want both set", c.Source, c.Note)
	}
	if !slices.Contains(classify.Endpoints, classify.Endpoint(c.Endpoint)) {
		t.Errorf("endpoint %q: not one of %v", c.Endpoint, classify.Endpoints)
	}
	if len(c.Causes) == 0 {
		t.Fatalf("causes: got none, want at least one (ok for a usable response)")
	}
	worst := classify.VerdictOK
	for _, code := range c.Causes {
		if !classify.Registered(classify.Code(code)) {
			t.Errorf("cause %q: not in classify.Registry", code)
		}
		switch classify.SeverityOf(classify.Code(code)) {
		case classify.SeverityInvalid:
			worst = classify.VerdictInvalid
		case classify.SeverityWarning:
			if worst == classify.VerdictOK {
				worst = classify.VerdictWarning
			}
		}
	}
	if string(worst) != c.Verdict {
		t.Errorf("verdict: got %q in the manifest, want %q (worst severity of %v)", c.Verdict, worst, c.Causes)
	}
	if slices.Contains(c.Causes, "ok") && len(c.Causes) != 1 {
		t.Errorf("causes %v: ok must stand alone", c.Causes)
	}

	// Each fixture carries what detection needs to find its endpoint.
	if c.Response == nil {
		t.Fatalf("no response")
	}
	req := c.Request
	if req == nil {
		t.Fatalf("no request: every fixture needs one for detection")
	}
	form, _ := url.ParseQuery(string(req.Body))
	query, _ := url.ParseQuery(req.RawQuery)
	switch classify.Endpoint(c.Endpoint) {
	case classify.EndpointToken:
		if req.Method != "POST" || form.Get("grant_type") == "" {
			t.Errorf("token request: got %s with grant_type %q, want POST with a grant_type", req.Method, form.Get("grant_type"))
		}
	case classify.EndpointAuthorize:
		if query.Get("response_type") == "" {
			t.Errorf("authorize request: query %q lacks response_type", req.RawQuery)
		}
	case classify.EndpointResource:
		bearer := strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ")
		challenge := strings.HasPrefix(c.Response.Header.Get("Www-Authenticate"), "Bearer")
		if !bearer && !challenge {
			t.Errorf("resource: neither Authorization: Bearer nor a Bearer challenge")
		}
	case classify.EndpointIntrospect, classify.EndpointRevoke:
		if form.Get("token") == "" || !strings.Contains(req.Path, c.Endpoint[:6]) {
			t.Errorf("%s request: path %q, token %q: want the path to name the endpoint and a token", c.Endpoint, req.Path, form.Get("token"))
		}
	case classify.EndpointDeviceAuthorization:
		if form.Get("client_id") == "" || form.Has("grant_type") || !strings.Contains(req.Path, "device") {
			t.Errorf("device request: path %q, form %v", req.Path, form)
		}
	}

	// Token-bearing successes must expose their token to the secret scan.
	if c.Response.Status == 200 && c.Endpoint == "token" && slices.Contains(c.Causes, "ok") {
		if len(c.Secrets()) == 0 {
			t.Errorf("Secrets: got none for a token success")
		}
	}
}

func TestLoadCasesErrors(t *testing.T) {
	const okResp = "HTTP/1.1 200 OK\r\n\r\n{}"
	tests := []struct {
		name  string
		files map[string]string
		want  string // substring of the error
	}{
		{"no manifest", map[string]string{}, "cases.json: no such file"},
		{"bad json", map[string]string{"cases.json": "[{"}, "cases.json: unexpected EOF"},
		{"unknown field", map[string]string{"cases.json": `[{"name":"a","cause":["x"]}]`, "a.resp": okResp}, `unknown field "cause"`},
		{"duplicate", map[string]string{"cases.json": `[{"name":"a"},{"name":"a"}]`, "a.resp": okResp}, `duplicate case "a"`},
		{"extension in name", map[string]string{"cases.json": `[{"name":"a.resp"}]`}, "must be a relative path without extension"},
		{"escaping name", map[string]string{"cases.json": `[{"name":"../a"}]`}, "must be a relative path without extension"},
		{"missing resp", map[string]string{"cases.json": `[{"name":"p/a"}]`}, "a.resp: no such file"},
		{"bad resp", map[string]string{"cases.json": `[{"name":"a"}]`, "a.resp": "{}"}, "a.resp: line 1: not an HTTP status line"},
		{"bad req", map[string]string{"cases.json": `[{"name":"a"}]`, "a.resp": okResp, "a.req": "nope"}, "a.req: line 1: not an HTTP request line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				path := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := rawhttp.LoadCases(dir)
			if err == nil {
				t.Fatalf("LoadCases: got %d cases, want error containing %q", len(got), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "rawhttp: ") {
				t.Errorf("error: got %q, want it to start with rawhttp: and contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadCasesOptionalRequest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cases.json", `[{"name":"a","source":"s","endpoint":"token","verdict":"ok","causes":["ok"]},{"name":"b"}]`)
	write("a.resp", "HTTP/1.1 200 OK\r\n\r\n{}")
	write("b.resp", "HTTP/1.1 500 Internal Server Error\r\n\r\n")
	write("b.req", "POST /token HTTP/1.1\r\n\r\ngrant_type=client_credentials")
	cases, err := rawhttp.LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 {
		t.Fatalf("cases: got %d, want 2", len(cases))
	}
	if cases[0].Request != nil {
		t.Errorf("a: got request %+v, want nil (no .req file)", cases[0].Request)
	}
	if cases[0].Response.Status != 200 || !slices.Equal(cases[0].Causes, []string{"ok"}) {
		t.Errorf("a: got status %d causes %v, want 200 [ok]", cases[0].Response.Status, cases[0].Causes)
	}
	if cases[1].Request == nil || cases[1].Request.Path != "/token" || cases[1].Response.Status != 500 {
		t.Errorf("b: got request %+v response %+v", cases[1].Request, cases[1].Response)
	}
}

func TestSecrets(t *testing.T) {
	req, err := rawhttp.ParseRequest(strings.NewReader("POST /token?code=query-code-123 HTTP/1.1\r\n" +
		"Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW\r\n\r\n" +
		"grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&scope=short&client_secret=xyz"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rawhttp.ParseResponse(strings.NewReader("HTTP/1.1 200 OK\r\nLocation: https://c.example/cb?code=location-code-1&state=state-value-long\r\n\r\n" +
		`{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","id_token":"eyJ.demo-id-token","scope":"read write admin"}`))
	if err != nil {
		t.Fatal(err)
	}
	c := rawhttp.Case{Request: req, Response: resp}
	got := c.Secrets()
	want := []string{"query-code-123", "tGzv3JOkF0XG5Qx2TlKWIA", "czZCaGRSa3F0MzpnWDFmQmF0M2JW", "gX1fBat3bV",
		"2YotnFZFEjr1zCsicMWpAA", "eyJ.demo-id-token", "location-code-1"}
	if !slices.Equal(got, want) {
		t.Errorf("Secrets:\n got %q\nwant %q", got, want)
	}
}

// The gzip fixture's token is inside the compressed body.
func TestSecretsGzip(t *testing.T) {
	cases, err := rawhttp.LoadCases(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Name != "broken/gzip_success" {
			continue
		}
		if got := c.Secrets(); !slices.Contains(got, "SlAV32hkKG-demo-gzip-token") {
			t.Errorf("Secrets: got %q, want it to contain the gzip body's access_token", got)
		}
		return
	}
	t.Fatal("broken/gzip_success: not in the manifest")
}
