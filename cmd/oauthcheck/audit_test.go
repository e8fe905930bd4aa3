package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

const auditData = "../../plugin/audit/testdata"

func TestAuditFiles(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"apps clean at high", []string{"audit", "--apis", "../../apps"}, exitOK, []string{"api_upstream_plain_http", "fix: "}},
		{"apps fail at medium", []string{"audit", "--apis", "../../apps", "--fail-on", "medium"}, exitInvalid, nil},
		{"weak metadata", []string{"audit", "--metadata", auditData + "/weak-metadata.json"}, exitInvalid, []string{"metadata_password_offered", "metadata_alg_none"}},
		{"weak api json", []string{"audit", "--apis", auditData + "/weak-api.json", "--json"}, exitInvalid, []string{`"rule": "api_response_hook_without_pre"`, `"severity": "high"`}},
		{"weak api sarif", []string{"audit", "--apis", auditData + "/weak-api-oas.json", "--sarif"}, exitInvalid, []string{`"version": "2.1.0"`, `"level": "error"`}},
		{"missing file", []string{"audit", "--apis", "no/such/file.json"}, exitUsage, nil},
		{"malformed", []string{"audit", "--metadata", "audit.go"}, exitUsage, nil},
		{"no input", []string{"audit"}, exitUsage, nil},
		{"bad fail-on", []string{"audit", "--apis", "../../apps", "--fail-on", "severe"}, exitUsage, nil},
		{"json and sarif", []string{"audit", "--apis", "../../apps", "--json", "--sarif"}, exitUsage, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, c.code, r.stderr)
			}
			for _, s := range c.contains {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output lacks %q:\n%s", s, r.stdout)
				}
			}
			if c.code == exitUsage && !strings.HasPrefix(r.stderr, "oauthcheck: ") {
				t.Errorf("no clear error: %q", r.stderr)
			}
		})
	}
}

func TestAuditMetadataURL(t *testing.T) {
	weak, err := os.ReadFile(auditData + "/weak-metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	block := make(chan struct{})
	defer close(block)
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/good/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		doc := map[string]interface{}{
			"issuer": srv.URL + "/good", "authorization_endpoint": srv.URL + "/good/auth", "token_endpoint": srv.URL + "/good/token",
			"jwks_uri": srv.URL + "/good/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
			"authorization_response_iss_parameter_supported": true, "dpop_signing_alg_values_supported": []string{"ES256"},
		}
		_ = json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("/weak/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(weak) })
	mux.HandleFunc("/big/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"issuer":"` + strings.Repeat("a", int(maxMetadataBytes)) + `"}`))
	})
	mux.HandleFunc("/broken/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"issuer":`)) })
	mux.HandleFunc("/gone/.well-known/openid-configuration", http.NotFound)
	mux.HandleFunc("/slow/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	// Only the never-answering server gets a short deadline: the others
	// must not fail because a loaded machine was slow.
	old := fetchTimeout
	defer func() { fetchTimeout = old }()

	wk := "/.well-known/openid-configuration"
	// The loopback server is plain http, so not_https (high) fires; the
	// good document is otherwise clean.
	r := runCLI(t, "", "audit", "--metadata", srv.URL+"/good"+wk, "--json")
	var out struct {
		Findings []struct{ Rule string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s %s", err, r.stdout, r.stderr)
	}
	for _, f := range out.Findings {
		if f.Rule != "metadata_not_https" {
			t.Errorf("good document: unexpected %s", f.Rule)
		}
	}
	if r := runCLI(t, "", "audit", "--metadata", srv.URL+"/weak"+wk); r.code != exitInvalid || !strings.Contains(r.stdout, "metadata_issuer_mismatch") {
		t.Errorf("weak: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for name, want := range map[string]string{"big": "larger than", "broken": "metadata is not", "gone": "status 404", "slow": "within"} {
		fetchTimeout = old
		if name == "slow" {
			fetchTimeout = 200 * time.Millisecond
		}
		r := runCLI(t, "", "audit", "--metadata", srv.URL+"/"+name+wk)
		if r.code != exitUsage || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", name, r.code, r.stderr, want)
		}
	}
}

func TestAuditGateway(t *testing.T) {
	const secret = "s3cret-gateway-key"
	apps, err := os.ReadFile("../../apps/oauthcheck-idp.json")
	if err != nil {
		t.Fatal(err)
	}
	weak, err := os.ReadFile(auditData + "/weak-api.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/tyk/apis" || r.Header.Get("X-Tyk-Authorization") != secret {
			http.Error(w, `{"status":"error","message":"Attempted administrative access with invalid or missing key!"}`, http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte("[" + string(apps) + "," + string(weak) + "]"))
	}))
	defer srv.Close()

	t.Setenv(GatewaySecretEnv, "")
	if r := runCLI(t, "", "audit", "--gateway", srv.URL); r.code != exitUsage || !strings.Contains(r.stderr, GatewaySecretEnv) {
		t.Errorf("no secret: exit %d %q", r.code, r.stderr)
	}
	t.Setenv(GatewaySecretEnv, "wrong")
	if r := runCLI(t, "", "audit", "--gateway", srv.URL); r.code != exitUsage || !strings.Contains(r.stderr, "403") {
		t.Errorf("wrong secret: exit %d %q", r.code, r.stderr)
	}
	t.Setenv(GatewaySecretEnv, secret)
	r := runCLI(t, "", "audit", "--gateway", srv.URL+"/", "--sarif")
	if r.code != exitInvalid {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `"uri": "`+srv.URL+`/tyk/apis"`) || !strings.Contains(r.stdout, "api_detailed_recording_on_token_endpoint") {
		t.Errorf("sarif lacks the gateway location or the weak API's findings:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Error("the gateway secret leaked into the output")
	}
}

func TestAuditGatewaySecretNotRedirected(t *testing.T) {
	const secret = "redirect-me-not"
	leaked := make(chan string, 1)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked <- r.Header.Get("X-Tyk-Authorization")
		_, _ = w.Write([]byte("[]"))
	}))
	defer other.Close()
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/tyk/apis", http.StatusFound)
	}))
	defer gw.Close()
	t.Setenv(GatewaySecretEnv, secret)
	r := runCLI(t, "", "audit", "--gateway", gw.URL)
	if r.code != exitUsage || !strings.Contains(r.stderr, "302") {
		t.Errorf("redirect: exit %d, stderr %q", r.code, r.stderr)
	}
	select {
	case got := <-leaked:
		t.Errorf("the redirect target was called, with secret %q", got)
	default:
	}
}
