package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

const fixtures = "../../plugin/classify/testdata"

type runResult struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, args ...string) runResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return runResult{code, out.String(), errOut.String()}
}

func fixture(name string) string { return filepath.Join(fixtures, filepath.FromSlash(name)) }

func loadCases(t *testing.T) []rawhttp.Case {
	t.Helper()
	cases, err := rawhttp.LoadCases(fixtures)
	if err != nil {
		t.Fatalf("LoadCases: %v", err)
	}
	return cases
}

// decodeStrict decodes the --json output, refusing any key outside the contract.
func decodeStrict(t *testing.T, s string) jsonResult {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		t.Fatalf("--json output is not a JSON object: %v\n%s", err, s)
	}
	for k := range raw {
		if k != "endpoint" && k != "verdict" && k != "causes" && k != "detected" && k != "rule" {
			t.Errorf("--json output: unexpected key %q", k)
		}
	}
	var causes []map[string]any
	if err := json.Unmarshal(raw["causes"], &causes); err != nil || causes == nil {
		t.Fatalf("causes: got %s, want an array: %v", raw["causes"], err)
	}
	want := []string{"code", "family", "severity", "fault", "summary", "hint"}
	for i, c := range causes {
		for _, k := range want {
			if v, ok := c[k].(string); !ok || v == "" {
				t.Errorf("causes[%d].%s: got %v, want a non-empty string", i, k, c[k])
			}
		}
		for k := range c {
			if !slices.Contains(want, k) && k != "rfc" {
				t.Errorf("causes[%d]: unexpected key %q", i, k)
			}
		}
	}
	var res jsonResult
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res
}

func codesOf(r jsonResult) []classify.Code {
	out := []classify.Code{}
	for _, c := range r.Causes {
		out = append(out, c.Code)
	}
	return out
}

// Every fixture through the CLI, in both output modes: the exit status
// follows the verdict, the JSON matches the engine's answer, and no secret
// of the fixture appears anywhere in the output.
func TestExplainEveryFixture(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			args := []string{"explain", "--json", fixture(c.Name) + ".resp"}
			if c.Request != nil {
				args = append(args, "--request", fixture(c.Name)+".req")
			}
			got := runCLI(t, "", args...)

			req := classify.Request{Method: "GET", Path: "/"}
			if c.Request != nil {
				req = *c.Request
			}
			resp := *c.Response
			want := classify.Classify(&req, &resp, &classify.Options{})
			wantCode := exitOK
			if want.Verdict == classify.VerdictInvalid {
				wantCode = exitInvalid
			}
			if got.code != wantCode {
				t.Errorf("exit: got %d, want %d (verdict %s); stderr %q", got.code, wantCode, want.Verdict, got.stderr)
			}
			if got.stderr != "" {
				t.Errorf("stderr: got %q, want nothing", got.stderr)
			}
			res := decodeStrict(t, got.stdout)
			if res.Endpoint != want.Endpoint || res.Verdict != want.Verdict {
				t.Errorf("endpoint, verdict: got %s %s, want %s %s", res.Endpoint, res.Verdict, want.Endpoint, want.Verdict)
			}
			if !slices.Equal(codesOf(res), want.Causes()) {
				t.Errorf("causes: got %v, want %v", codesOf(res), want.Causes())
			}

			text := runCLI(t, "", append([]string{"explain"}, args[2:]...)...)
			if text.code != got.code {
				t.Errorf("text mode exit: got %d, want %d like --json", text.code, got.code)
			}
			for _, code := range want.Causes() {
				if !strings.Contains(text.stdout, string(code)) {
					t.Errorf("text output lacks cause %s:\n%s", code, text.stdout)
				}
			}

			secrets := c.Secrets()
			for _, s := range secrets {
				for _, out := range []string{got.stdout, got.stderr, text.stdout, text.stderr} {
					if strings.Contains(out, s) {
						t.Errorf("output leaks the fixture secret %q", s)
					}
				}
			}
		})
	}
}

func TestExplainText(t *testing.T) {
	got := runCLI(t, "", "explain", "--request", fixture("entra/invalid_client_secret.req"), fixture("entra/invalid_client_secret.resp"))
	if got.code != exitInvalid {
		t.Errorf("exit: got %d, want %d", got.code, exitInvalid)
	}
	cause, _ := classify.Lookup(classify.InvalidClient)
	for _, want := range []string{
		"endpoint: token (param grant_type)\n",
		"verdict:  invalid\n",
		"chosen by: rule entra_aadsts, from error_codes\n",
		"1. invalid_client (root cause)\n",
		"severity: invalid, fault: client\n",
		cause.Summary,
		"fix: " + cause.Hint,
		"see: RFC 6749 §5.2",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, got.stdout)
		}
	}
	if strings.Contains(got.stdout, "AADSTS") || strings.Contains(got.stdout, "demo~entra~secret") {
		t.Errorf("output echoes upstream text or the secret:\n%s", got.stdout)
	}
}

// TestExplainTextNoCauses: a usable answer at a placed endpoint says so;
// only an unplaced exchange asks for --request or --endpoint.
func TestExplainTextNoCauses(t *testing.T) {
	dir := t.TempDir()
	reqFile, respFile := filepath.Join(dir, "me.req"), filepath.Join(dir, "me.resp")
	if err := os.WriteFile(reqFile, []byte("GET /v1/me HTTP/1.1\r\nHost: api.example\r\nAuthorization: Bearer PLACEHOLDER-at\r\n\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(respFile, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"id\":7}"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, "", "explain", "--request", reqFile, respFile)
	if want := "causes:   none (a usable answer)\n"; !strings.Contains(got.stdout, want) || got.code != exitOK {
		t.Errorf("placed, usable: got exit %d and\n%s\nwant %d and %q", got.code, got.stdout, exitOK, want)
	}
	got = runCLI(t, "", "explain", respFile)
	if want := "pass --request or --endpoint"; !strings.Contains(got.stdout, want) {
		t.Errorf("unplaced: got\n%s\nwant it to contain %q", got.stdout, want)
	}
}

func TestExplainWarningExitsZero(t *testing.T) {
	got := runCLI(t, "", "explain", "--json", "--request", fixture("broken/expires_in_string.req"), fixture("broken/expires_in_string.resp"))
	res := decodeStrict(t, got.stdout)
	if res.Verdict != classify.VerdictWarning || got.code != exitOK {
		t.Errorf("got verdict %s exit %d, want warning and %d", res.Verdict, got.code, exitOK)
	}
}

func TestExplainStdin(t *testing.T) {
	resp, err := os.ReadFile(fixture("keycloak/invalid_client_credentials.resp"))
	if err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, string(resp), "explain", "--json", "--request", fixture("keycloak/invalid_client_credentials.req"), "-")
	res := decodeStrict(t, got.stdout)
	if got.code != exitInvalid || !slices.Equal(codesOf(res), []classify.Code{classify.InvalidClient}) {
		t.Errorf("got exit %d causes %v, want %d [invalid_client]", got.code, codesOf(res), exitInvalid)
	}

	req, err := os.ReadFile(fixture("keycloak/invalid_client_credentials.req"))
	if err != nil {
		t.Fatal(err)
	}
	got = runCLI(t, string(req), "explain", "--json", "--request", "-", fixture("keycloak/invalid_client_credentials.resp"))
	if res := decodeStrict(t, got.stdout); res.Endpoint != classify.EndpointToken {
		t.Errorf("request on stdin: got endpoint %s, want token", res.Endpoint)
	}
}

func TestExplainEndpointFlag(t *testing.T) {
	nginx := fixture("infra/nginx_502.resp")
	dir := t.TempDir()
	notFound := filepath.Join(dir, "404.resp")
	if err := os.WriteFile(notFound, []byte("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html>not found</html>"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Without a request nothing marks a 404 as OAuth.
	got := runCLI(t, "", "explain", "--json", notFound)
	if res := decodeStrict(t, got.stdout); res.Endpoint != classify.EndpointNone || got.code != exitOK || len(res.Causes) != 0 {
		t.Errorf("no request: got endpoint %s causes %v exit %d, want none, no causes, %d", res.Endpoint, codesOf(res), got.code, exitOK)
	}
	// A 502 is a server failure on its status alone.
	got = runCLI(t, "", "explain", "--json", nginx)
	if res := decodeStrict(t, got.stdout); res.Endpoint != classify.EndpointResource || len(res.Causes) == 0 || res.Causes[0].Code != classify.ServerError {
		t.Errorf("no request, 502: got endpoint %s causes %v, want resource [server_error …]", res.Endpoint, codesOf(res))
	}

	// --endpoint without a request classifies as that kind.
	got = runCLI(t, "", "explain", "--json", "--endpoint", "token", nginx)
	res := decodeStrict(t, got.stdout)
	if res.Endpoint != classify.EndpointToken || res.Causes[0].Code != classify.ServerError || got.code != exitInvalid {
		t.Errorf("--endpoint token: got %s %v exit %d, want token [server_error …] %d", res.Endpoint, codesOf(res), got.code, exitInvalid)
	}

	// --endpoint with a request routes the request's path, overriding detection.
	reqFile := filepath.Join(dir, "plain.req")
	if err := os.WriteFile(reqFile, []byte("GET /custom/oauth HTTP/1.1\r\nHost: idp.example\r\n\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = runCLI(t, "", "explain", "--json", "--request", reqFile, notFound)
	if res := decodeStrict(t, got.stdout); res.Endpoint != classify.EndpointNone {
		t.Errorf("plain GET: got endpoint %s, want none", res.Endpoint)
	}
	got = runCLI(t, "", "explain", "--json", "--request", reqFile, "--endpoint", "token", nginx)
	if res := decodeStrict(t, got.stdout); res.Endpoint != classify.EndpointToken {
		t.Errorf("plain GET with --endpoint token: got endpoint %s, want token", res.Endpoint)
	}
}

func TestExplainIssuerFlag(t *testing.T) {
	args := []string{"explain", "--json", "--request", fixture("rfc/authorize_iss.req"), fixture("rfc/authorize_iss.resp")}
	for _, tt := range []struct {
		issuer string
		want   []classify.Code
	}{
		{"", []classify.Code{classify.OK}},
		{"https://honest.as.example", []classify.Code{classify.OK}},
		{"https://other.as.example", []classify.Code{classify.IssuerMismatch}},
	} {
		got := runCLI(t, "", append(args, "--issuer", tt.issuer)...)
		if res := decodeStrict(t, got.stdout); !slices.Equal(codesOf(res), tt.want) {
			t.Errorf("--issuer %q: got %v, want %v", tt.issuer, codesOf(res), tt.want)
		}
	}
}

func TestExplainMaxBodyBytesFlag(t *testing.T) {
	args := []string{"explain", "--json", "--request", fixture("broken/large_token_response.req"), fixture("broken/large_token_response.resp")}
	got := runCLI(t, "", args...)
	if res := decodeStrict(t, got.stdout); !slices.Contains(codesOf(res), classify.BodyTruncated) {
		t.Errorf("default cap: got %v, want body_truncated", codesOf(res))
	}
	got = runCLI(t, "", append(args, "--max-body-bytes", "1000000")...)
	if res := decodeStrict(t, got.stdout); slices.Contains(codesOf(res), classify.BodyTruncated) {
		t.Errorf("--max-body-bytes 1000000: got %v, want no body_truncated", codesOf(res))
	}
}

func TestUsageErrors(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "garbage.resp")
	if err := os.WriteFile(garbage, []byte(`{"error":"invalid_client"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	resp := fixture("rfc/token_success.resp")
	tests := []struct {
		name string
		args []string
		want string // start of the stderr line
	}{
		{"no command", nil, "oauthcheck: missing command"},
		{"unknown command", []string{"explian"}, `oauthcheck: unknown command "explian"`},
		{"no response file", []string{"explain"}, "oauthcheck: explain: missing RESP_FILE"},
		{"two response files", []string{"explain", resp, resp}, "oauthcheck: explain: want one RESP_FILE"},
		{"both on stdin", []string{"explain", "--request", "-", "-"}, "oauthcheck: explain: only one of RESP_FILE and --request can be -"},
		{"unknown flag", []string{"explain", "--bogus", resp}, "oauthcheck: explain: flag provided but not defined: -bogus"},
		{"bad endpoint", []string{"explain", "--endpoint", "userinfo", resp}, `oauthcheck: explain: unknown --endpoint "userinfo"`},
		{"negative cap", []string{"explain", "--max-body-bytes", "-1", resp}, "oauthcheck: explain: --max-body-bytes must not be negative"},
		{"cap not a number", []string{"explain", "--max-body-bytes", "lots", resp}, "oauthcheck: explain: invalid value"},
		{"missing file", []string{"explain", filepath.Join(t.TempDir(), "nope.resp")}, "oauthcheck: open "},
		{"missing request file", []string{"explain", "--request", filepath.Join(t.TempDir(), "nope.req"), resp}, "oauthcheck: open "},
		{"not http", []string{"explain", garbage}, "oauthcheck: " + garbage + ": rawhttp: line 1: not an HTTP status line"},
		{"causes with argument", []string{"causes", "extra"}, `oauthcheck: causes: unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCLI(t, "", tt.args...)
			if got.code != exitUsage {
				t.Errorf("exit: got %d, want %d", got.code, exitUsage)
			}
			if got.stdout != "" {
				t.Errorf("stdout: got %q, want nothing", got.stdout)
			}
			if !strings.HasPrefix(got.stderr, tt.want) {
				t.Errorf("stderr: got %q, want it to start with %q", got.stderr, tt.want)
			}
			if strings.Count(got.stderr, "\n") != 1 || !strings.HasSuffix(got.stderr, "\n") {
				t.Errorf("stderr: got %q, want exactly one line", got.stderr)
			}
		})
	}
}

func TestEmptyStdinIsUnreadable(t *testing.T) {
	got := runCLI(t, "", "explain", "-")
	if got.code != exitUsage || got.stderr != "oauthcheck: rawhttp: empty input\n" {
		t.Errorf("got exit %d stderr %q, want %d and the parser's error", got.code, got.stderr, exitUsage)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"explain", "-h"}, {"causes", "--help"}} {
		got := runCLI(t, "", args...)
		if got.code != exitOK || !strings.HasPrefix(got.stdout, "usage:") || got.stderr != "" {
			t.Errorf("%v: got exit %d stdout %q stderr %q, want 0 and the usage on stdout", args, got.code, got.stdout, got.stderr)
		}
	}
}

func TestCausesMarkdown(t *testing.T) {
	got := runCLI(t, "", "causes", "--markdown")
	if got.code != exitOK || got.stderr != "" {
		t.Fatalf("exit %d stderr %q, want 0 and nothing", got.code, got.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(got.stdout, "\n"), "\n")
	if want := len(classify.Registry) + 2; len(lines) != want {
		t.Fatalf("lines: got %d, want %d (header, rule, one row per registered cause)", len(lines), want)
	}
	if lines[0] != "| Code | Family | Severity | Fault | RFC | Meaning | Fix hint |" {
		t.Errorf("header: got %q", lines[0])
	}
	for i, c := range classify.Registry {
		row := lines[i+2]
		if !strings.HasPrefix(row, "| `"+string(c.Code)+"` | "+string(c.Family)+" | "+string(c.Severity)+" | "+string(c.Fault)+" | ") {
			t.Errorf("row %d: got %q, want it to start with the code, family, severity and fault of %s", i, row, c.Code)
		}
		// Seven cells: an unescaped | in a summary would add one.
		if n := strings.Count(strings.ReplaceAll(row, `\|`, ""), "|"); n != 8 {
			t.Errorf("row %s: got %d cell separators, want 8", c.Code, n)
		}
	}

	plain := runCLI(t, "", "causes")
	if plain.code != exitOK || strings.Count(plain.stdout, "\n") != len(classify.Registry) {
		t.Errorf("causes: got exit %d and %d lines, want 0 and %d", plain.code, strings.Count(plain.stdout, "\n"), len(classify.Registry))
	}
}

func TestMarkdownCellEscaping(t *testing.T) {
	got := markdownTable([]classify.Cause{{Code: "x", Family: "f", Severity: "info", Fault: "client", Summary: "a|b\nc", Hint: "h"}})
	want := "| Code | Family | Severity | Fault | RFC | Meaning | Fix hint |\n|---|---|---|---|---|---|---|\n| `x` | f | info | client | — | a\\|b c | h |\n"
	if got != want {
		t.Errorf("markdownTable:\n got %q\nwant %q", got, want)
	}
}

// The README's cause table is generated; this keeps it from drifting.
// Regenerate with: go run ./cmd/oauthcheck causes --markdown
func TestReadmeCauseTable(t *testing.T) {
	const begin, end = "<!-- causes:begin -->", "<!-- causes:end -->"
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("README.md: %v; it must exist and hold the cause table between %s and %s", err, begin, end)
	}
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < 0 || j < i {
		t.Fatalf("README.md: markers %s and %s not found in order; put the output of `go run ./cmd/oauthcheck causes --markdown` between them", begin, end)
	}
	got := strings.TrimSpace(s[i+len(begin) : j])
	want := strings.TrimSpace(markdownTable(classify.Registry))
	if got != want {
		t.Errorf("README.md cause table is stale; replace the text between the markers with the output of `go run ./cmd/oauthcheck causes --markdown`.\n got:\n%s\nwant:\n%s", got, want)
	}
}

// explain says how the endpoint was found and which rule chose the root.
func TestExplainSaysHowAndWhy(t *testing.T) {
	dir := t.TempDir()
	req := dir + "/req"
	resp := dir + "/resp"
	writeFile(t, req, "POST /login/oauth/access_token HTTP/1.1\nHost: github.com\nContent-Type: application/x-www-form-urlencoded\n\nclient_id=Iv1.demo&client_secret=PLACEHOLDER-secret-77&code=PLACEHOLDER-code-77")
	writeFile(t, resp, "HTTP/1.1 400 Bad Request\nContent-Type: application/json\n\n{\"error\":\"invalid_request\",\"error_description\":\"The authorization code has expired.\"}")
	got := runCLI(t, "", "explain", "--json", "--request", req, resp)
	var out struct {
		Endpoint string              `json:"endpoint"`
		Detected []map[string]string `json:"detected"`
		Causes   []map[string]any    `json:"causes"`
		Rule     map[string]string   `json:"rule"`
	}
	if err := json.Unmarshal([]byte(got.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, got.stdout)
	}
	if out.Endpoint != "token" || len(out.Detected) == 0 || out.Detected[0]["kind"] != "param" || out.Detected[0]["value"] != "code" {
		t.Errorf("detected: got %s %v, want token found by param code", out.Endpoint, out.Detected)
	}
	if len(out.Causes) == 0 || out.Causes[0]["code"] != "invalid_grant" {
		t.Errorf("root: got %v, want invalid_grant", out.Causes)
	}
	if out.Rule["name"] != "grant_bad" || out.Rule["from"] != "error_description" || out.Rule["term"] == "" {
		t.Errorf("rule: got %v, want grant_bad from error_description with its term", out.Rule)
	}
	text := runCLI(t, "", "explain", "--request", req, resp)
	for _, want := range []string{"endpoint: token (param code", "chosen by: rule grant_bad, from error_description matching"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, text.stdout)
		}
	}
	for _, secret := range []string{"PLACEHOLDER-secret-77", "PLACEHOLDER-code-77", "has expired"} {
		if strings.Contains(got.stdout+text.stdout, secret) {
			t.Errorf("explain echoes %q", secret)
		}
	}
}

func TestScoreCommand(t *testing.T) {
	got := runCLI(t, "", "score", "--json", "../../plugin/score/testdata/mini")
	if got.code != exitOK {
		t.Fatalf("exit %d, stderr %q", got.code, got.stderr)
	}
	var r struct {
		Cases     int                       `json:"cases"`
		RootRight int                       `json:"root_right"`
		Parts     map[string]map[string]any `json:"parts"`
	}
	if err := json.Unmarshal([]byte(got.stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Cases != 4 || r.RootRight != 3 || r.Parts["heldout"]["cases"] != float64(2) {
		t.Errorf("got %+v, want 4 cases, 3 right, 2 held out", r)
	}
	text := runCLI(t, "", "score", "--misses", "all", "../../plugin/score/testdata/mini")
	for _, want := range []string{"globex/token_deliberate_miss", "heldout", "tuning"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, text.stdout)
		}
	}
	if bad := runCLI(t, "", "score"); bad.code != exitUsage {
		t.Errorf("score without DIR: exit %d, want %d", bad.code, exitUsage)
	}
	if bad := runCLI(t, "", "score", "--misses", "some", "x"); bad.code != exitUsage {
		t.Errorf("score --misses some: exit %d, want %d", bad.code, exitUsage)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A parse error quotes the offending line; by default that text is
// redacted, because it may be a secret.
func TestExplainRedactsInputInErrors(t *testing.T) {
	dir := t.TempDir()
	req := filepath.Join(dir, "bad.req")
	const secret = "client_secret=s3cr3t-in-a-bad-line"
	if err := os.WriteFile(req, []byte("POST /token HTTP/1.1\n"+secret+"\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resp := fixture("keycloak/code_not_valid.resp")
	got := runCLI(t, "", "explain", "--request", req, resp)
	if got.code != exitUsage || strings.Contains(got.stderr, "s3cr3t") || !strings.Contains(got.stderr, "line 2: not a header line") {
		t.Errorf("default: exit %d, stderr %q; want exit 2, the line number and no secret", got.code, got.stderr)
	}
	got = runCLI(t, "", "explain", "--redact=false", "--request", req, resp)
	if !strings.Contains(got.stderr, secret) {
		t.Errorf("--redact=false: stderr %q, want the quoted line", got.stderr)
	}
}
