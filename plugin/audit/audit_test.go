package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestRegistryCompleteAndUnique(t *testing.T) {
	seen := map[string]bool{}
	kinds := map[Kind]bool{}
	for _, k := range Kinds {
		kinds[k] = true
	}
	for _, r := range Rules {
		if seen[r.ID] {
			t.Errorf("rule %s registered twice", r.ID)
		}
		seen[r.ID] = true
		if r.Severity.String() == "" {
			t.Errorf("%s: no severity", r.ID)
		}
		if !kinds[r.Kind] {
			t.Errorf("%s: unknown kind %q", r.ID, r.Kind)
		}
		if !strings.HasPrefix(r.ID, map[Kind]string{KindMetadata: "metadata_", KindAPIDefinition: "api_", KindPluginConfig: "config_"}[r.Kind]) {
			t.Errorf("%s: id prefix does not match kind %s", r.ID, r.Kind)
		}
		for name, v := range map[string]string{"meaning": r.Meaning, "fix": r.Fix, "ref": r.Ref} {
			if v == "" || strings.Contains(v, "\n") {
				t.Errorf("%s: %s must be one non-empty line", r.ID, name)
			}
		}
	}
	// Every rule id constant in rules.go is registered.
	src, err := os.ReadFile("rules.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[1] == "=" && strings.HasPrefix(f[2], `"`) && (strings.HasPrefix(f[0], "Metadata") || strings.HasPrefix(f[0], "API") || strings.HasPrefix(f[0], "Config")) {
			if id := strings.Trim(f[2], `"`); !seen[id] {
				t.Errorf("constant %s = %s is not in Rules", f[0], id)
			}
		}
	}
}

func ruleIDs(fs []Finding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Rule)
	}
	sort.Strings(ids)
	return ids
}

func TestWeakMetadata(t *testing.T) {
	b, err := os.ReadFile("testdata/weak-metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	fs, _, err := CheckMetadata("weak", b, "https://idp.example.com/realms/weak/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		MetadataAlgNone, MetadataImplicitOffered, MetadataIssuerMismatch, MetadataNoIssParameter,
		MetadataNoSenderConstraint, MetadataNotHTTPS, MetadataNotHTTPS, MetadataPKCENoS256,
		MetadataPKCEPlain, MetadataPasswordOffered, MetadataRequiredMissing,
	}
	sort.Strings(want)
	if got := ruleIDs(fs); !reflect.DeepEqual(got, want) {
		t.Errorf("rules:\n got %v\nwant %v", got, want)
	}
	for _, f := range fs {
		if f.Rule == MetadataRequiredMissing && f.Detail != "jwks_uri is missing" {
			t.Errorf("required-missing detail %q", f.Detail)
		}
	}
}

func TestMetadataRules(t *testing.T) {
	base := `"issuer":"https://as.example.com","authorization_endpoint":"https://as.example.com/a","token_endpoint":"https://as.example.com/t","response_types_supported":["code"],"code_challenge_methods_supported":["S256"],"authorization_response_iss_parameter_supported":true,"dpop_signing_alg_values_supported":["ES256"]`
	cases := []struct {
		name, doc, from string
		want            []string
	}{
		{"clean", "{" + base + "}", "https://as.example.com/.well-known/oauth-authorization-server", nil},
		{"path-inserted well-known matches", `{"issuer":"https://as.example.com/tenant","authorization_endpoint":"https://as.example.com/a","token_endpoint":"https://as.example.com/t","response_types_supported":["code"],"code_challenge_methods_supported":["S256"],"authorization_response_iss_parameter_supported":true,"tls_client_certificate_bound_access_tokens":true}`, "https://as.example.com/.well-known/oauth-authorization-server/tenant", nil},
		{"terminating slash is dropped", "{" + strings.Replace(base, `"issuer":"https://as.example.com"`, `"issuer":"https://as.example.com/"`, 1) + "}", "https://as.example.com/.well-known/openid-configuration", nil},
		{"other host", "{" + base + "}", "https://evil.example.com/.well-known/openid-configuration", []string{MetadataIssuerMismatch}},
		{"pkce absent", "{" + strings.Replace(base, `"code_challenge_methods_supported":["S256"],`, "", 1) + "}", "", []string{MetadataPKCENotAdvertised}},
		{"issuer with query", "{" + strings.Replace(base, `"issuer":"https://as.example.com"`, `"issuer":"https://as.example.com?x=1"`, 1) + "}", "", []string{MetadataIssuerInvalid}},
		{"id tokens only need no sender constraint", `{"issuer":"https://ci.example.com","jwks_uri":"https://ci.example.com/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`, "https://ci.example.com/.well-known/openid-configuration", []string{MetadataRequiredMissing}},
		{"implicit access tokens still want a sender constraint", `{"issuer":"https://ci.example.com","authorization_endpoint":"https://ci.example.com/a","response_types_supported":["token"]}`, "", []string{MetadataImplicitOffered, MetadataNoSenderConstraint}},
		{"no issuer", `{"response_types_supported":["token"],"grant_types_supported":["implicit"],"authorization_endpoint":"https://as.example.com/a","tls_client_certificate_bound_access_tokens":true}`, "", []string{MetadataImplicitOffered, MetadataIssuerInvalid, MetadataRequiredMissing}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, _, err := CheckMetadata("x", []byte(c.doc), c.from)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]string(nil), c.want...)
			sort.Strings(want)
			if got := ruleIDs(fs); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v want %v (%+v)", got, want, fs)
			}
		})
	}
	if _, _, err := CheckMetadata("x", []byte(`["not","an","object"]`), ""); err == nil {
		t.Error("an array was accepted as metadata")
	}
}

func TestIssuerFromURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/.well-known/openid-configuration":          "https://a.example",
		"https://a.example/realms/x/.well-known/openid-configuration": "https://a.example/realms/x",
		"https://a.example/.well-known/oauth-authorization-server/t1": "https://a.example/t1",
		"https://a.example/metadata.json":                             "",
	} {
		if got := IssuerFromURL(in); got != want {
			t.Errorf("IssuerFromURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAppsAuditCleanAtHigh(t *testing.T) {
	files, err := filepath.Glob("../../apps/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no apps: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := CheckAPIDefinitions(f, b, nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, x := range fs {
			if x.Severity >= SeverityHigh {
				t.Errorf("%s: high finding %s: %s", f, x.Rule, x.Detail)
			}
			if x.Rule == APIResponseWithoutPre || x.Rule == APITagHeadersMissing || x.Rule == ConfigInvalid {
				t.Errorf("%s: %s: %s", f, x.Rule, x.Detail)
			}
		}
	}
}

func TestWeakAPIDefinitions(t *testing.T) {
	md := &Metadata{Issuer: "https://idp.example.com"}
	cases := map[string][]string{
		"testdata/weak-api.json": {
			APIDetailedRecordingToken, APIKeylessTokenNoRateLimit, APIPluginDriverNotGoplugin, APIPluginPathUnversioned,
			APIPluginPathUnversioned, APIPluginPathsDiffer, APIResponseWithoutPre, APITagHeadersMissing,
			APIUpstreamPlainHTTP, APIUpstreamTLSUnverified, ConfigDebugHeaderOn, ConfigEndpointOutsideListen,
			ConfigIssuerDiffersMetadata, ConfigOptionsConflict, ConfigUpstreamSecretPlain,
		},
		"testdata/weak-api-oas.json": {
			APIDetailedRecordingToken, APIKeylessTokenNoRateLimit, APIPluginPathUnversioned, APIResponseWithoutPre,
			APIUpstreamTLSUnverified, ConfigInvalid,
		},
	}
	for file, want := range cases {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := CheckAPIDefinitions(file, b, md)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(want)
		if got := ruleIDs(fs); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", file, got, want)
		}
	}
}

func TestAPIArrayAndVersionedPath(t *testing.T) {
	def := `{"api_id":"v","proxy":{"listen_path":"/v/","target_url":"https://up.example/"},"custom_middleware":{"driver":"goplugin",
	 "pre":[{"name":"OAuthCheckPre","path":"/m/oauthcheck_v5.8.0_linux_amd64.so"}],"response":[{"name":"OAuthCheckResponse","path":"/m/oauthcheck_v5.8.0_linux_amd64.so"}]},
	 "tag_headers":["X-Oauth-Cause","x-oauth-verdict","x-oauth-client"]}`
	fs, err := CheckAPIDefinitions("gw", []byte("["+def+","+def+"]"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 0 {
		t.Errorf("clean definitions gave %+v", fs)
	}
	if _, err := CheckAPIDefinitions("bad", []byte(`{"api_id": 3}`), nil); err == nil {
		t.Error("a mistyped definition was accepted")
	}
}

func TestOutputs(t *testing.T) {
	fs := []Finding{finding(MetadataNotHTTPS, "a.json", "issuer is http"), finding(MetadataNoSenderConstraint, "a.json", "none"), finding(APIUpstreamPlainHTTP, "apis.json[1]", "x")}
	var text bytes.Buffer
	if err := WriteText(&text, fs); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if !strings.HasPrefix(out, "a.json\n  high   metadata_not_https") || strings.Index(out, "metadata_not_https") > strings.Index(out, "metadata_no_sender") {
		t.Errorf("text not grouped most severe first:\n%s", out)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, fs); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Findings []map[string]string `json:"findings"`
	}
	if err := json.Unmarshal(js.Bytes(), &parsed); err != nil {
		t.Fatal(err)
	}
	if len(parsed.Findings) != 3 || parsed.Findings[0]["severity"] != "high" || parsed.Findings[0]["rule"] != MetadataNotHTTPS {
		t.Errorf("json: %s", js.String())
	}
	for _, k := range []string{"rule", "severity", "subject", "detail", "fix", "ref"} {
		if parsed.Findings[0][k] == "" {
			t.Errorf("json finding lacks %s", k)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, p := range []string{"testdata/weak-metadata.json", "testdata/weak-api.json", "testdata/weak-api-oas.json", "../../apps/oauthcheck-idp.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, _, _ := CheckMetadata("f", b, "https://x.example/.well-known/openid-configuration")
		more, _ := CheckAPIDefinitions("f", b, &Metadata{Issuer: "https://x.example"})
		for _, x := range append(fs, more...) {
			if _, ok := LookupRule(x.Rule); !ok {
				t.Fatalf("unregistered rule %q", x.Rule)
			}
		}
		_ = WriteSARIF(&bytes.Buffer{}, append(fs, more...))
	})
}

func TestDetailsRedactUpstreamCredentials(t *testing.T) {
	def := `{"api_id":"c","proxy":{"listen_path":"/c/","target_url":"http://svc:hunter2secret@idp.internal/oauth2/","transport":{"ssl_insecure_skip_verify":true}}}`
	fs, err := CheckAPIDefinitions("c", []byte(def), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range fs {
		if strings.Contains(f.Detail, "hunter2secret") {
			t.Errorf("%s detail shows the password: %s", f.Rule, f.Detail)
		}
	}
}

func BenchmarkCheckAPIDefinition(b *testing.B) {
	src, err := os.ReadFile("../../apps/oauthcheck-oas-idp.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := CheckAPIDefinitions("x", src, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckMetadata(b *testing.B) {
	src, err := os.ReadFile("testdata/providers/google.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := CheckMetadata("x", src, "https://accounts.google.com/.well-known/openid-configuration"); err != nil {
			b.Fatal(err)
		}
	}
}

// Detailed recording in front of a token endpoint is safe with the
// redacting analytics plugin, and high without it (issue 10).
func TestDetailedRecordingNeedsTheRedactingPlugin(t *testing.T) {
	base := `{"api_id":"rec","use_keyless":true,"enable_detailed_recording":true,
		"global_rate_limit":{"rate":10,"per":1},
		"proxy":{"listen_path":"/idp/","target_url":"https://idp.example.com/oauth2/"},
		"custom_middleware":{"driver":"goplugin",
			"pre":[{"name":"OAuthCheckPre","path":"/p/oauthcheck.so"}],
			"response":[{"name":"OAuthCheckResponse","path":"/p/oauthcheck.so"}]},
		"tag_headers":["x-oauth-cause","x-oauth-verdict","x-oauth-client"],
		"config_data":{"oauthcheck":{"endpoints":{"/idp/token":"token"}}}%s}`
	for _, tc := range []struct {
		name, extra string
		want        bool
	}{
		{"no analytics plugin", ``, true},
		{"another analytics plugin", `,"analytics_plugin":{"enable":true,"plugin_path":"/p/other.so","func_name":"Other"}`, true},
		{"OAuthCheckAnalytics", `,"analytics_plugin":{"enable":true,"plugin_path":"/p/oauthcheck.so","func_name":"OAuthCheckAnalytics"}`, false},
	} {
		fs, err := CheckAPIDefinitions("rec.json", []byte(fmt.Sprintf(base, tc.extra)), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := slices.Contains(ruleIDs(fs), APIDetailedRecordingToken); got != tc.want {
			t.Errorf("%s: finding %s = %v, want %v (findings %v)", tc.name, APIDetailedRecordingToken, got, tc.want, ruleIDs(fs))
		}
	}
}
