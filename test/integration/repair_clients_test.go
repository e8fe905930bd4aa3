package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/test/harness"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

var repairedRoutes = upstream.RepairedRoutes

const (
	repairClientID     = "misbehaving-client"
	repairClientSecret = "mb-client-secret-Rp44"
)

func repairGateway(t *testing.T, p *harness.Plugin, upstreamURL string, on bool) *harness.Gateway {
	t.Helper()
	cfg := map[string]interface{}{"repair": on}
	return harness.NewGateway(t, p, harness.API{
		ID: uniqueAPIID(fmt.Sprintf("repair-%v", on)), Upstream: upstreamURL, Keyless: true,
		ConfigData: map[string]interface{}{"oauthcheck": cfg},
		TagHeaders: append(slices.Clone(harness.DefaultTagHeaders), "x-oauth-repaired"),
	})
}

// Every misbehaving route through a repair-enabled API: the listed ones
// come out in their standard form, with the upstream's causes still
// tagged beside x-oauth-repaired-<kind>; all others byte for byte.
func TestRepairModeRoutes(t *testing.T) {
	p := loadPlugin(t)
	up := httptest.NewServer(upstream.Handler())
	defer up.Close()
	logs := harness.CaptureLogs()
	g := repairGateway(t, p, up.URL, true)
	for _, rt := range upstream.Routes {
		if rt.Stream {
			continue
		}
		t.Run(strings.TrimPrefix(rt.Path, "/token/"), func(t *testing.T) {
			direct := fetch(t, rt, up.URL)
			req, _ := rt.NewRequest(t.Context(), g.URL)
			ex := g.Do(t, rawClient(), req)
			var repaired []string
			for _, tag := range ex.Record.TagsWithPrefix("x-oauth-repaired-") {
				repaired = append(repaired, strings.TrimPrefix(tag, "x-oauth-repaired-"))
			}
			want, listed := repairedRoutes[rt.Path]
			if got := strings.Join(repaired, ","); got != want {
				t.Fatalf("repairs: got %q, want %q (causes %q)", got, want, causeTags(ex.Record))
			}
			if rt.WantCauses != nil && !slices.Equal(causeTags(ex.Record)[:min(len(rt.WantCauses), len(causeTags(ex.Record)))], rt.WantCauses) {
				t.Errorf("causes %q, want the upstream's %q", causeTags(ex.Record), rt.WantCauses)
			}
			if !listed {
				if ex.Status != direct.status || !bytes.Equal(ex.Body, direct.body) {
					t.Errorf("not a repair route, but the client got %d and %d bytes, want %d and %d bytes", ex.Status, len(ex.Body), direct.status, len(direct.body))
				}
				return
			}
			if ex.Record.ResponseCode != ex.Status {
				t.Errorf("record ResponseCode %d, client got %d: Tyk records the status after the response hooks", ex.Record.ResponseCode, ex.Status)
			}
			if cl := ex.Header.Get("Content-Length"); cl != strconv.Itoa(len(ex.Body)) {
				t.Errorf("Content-Length %q for %d bytes", cl, len(ex.Body))
			}
			var obj map[string]interface{}
			if err := json.Unmarshal(ex.Body, &obj); err != nil {
				t.Fatalf("client body is not JSON: %q", ex.Body)
			}
			if code, isErr := obj["error"].(string); isErr && !classify.Registered(classify.Code(code)) {
				t.Errorf("error %q is not a registered code", code)
			}
		})
	}
	if bytes.Contains(logs.Bytes(), []byte("mb-access-")) {
		t.Error("logs contain an access token from an upstream body")
	}
}

// clientOutcome is what one client library made of one answer, in the
// words of the README's table.
type clientOutcome struct {
	Go, Python string
}

// goClient runs golang.org/x/oauth2's client-credentials flow.
func goClient(ctx context.Context, tokenURL string) string {
	cfg := clientcredentials.Config{ClientID: repairClientID, ClientSecret: repairClientSecret, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cfg.Token(ctx)
	var re *oauth2.RetrieveError
	switch {
	case err == nil && tok.AccessToken != "":
		return "token (" + tok.Type() + ")"
	case errors.As(err, &re) && re.ErrorCode != "":
		return fmt.Sprintf("RetrieveError %d `%s`", re.Response.StatusCode, re.ErrorCode)
	case errors.As(err, &re):
		return fmt.Sprintf("RetrieveError %d, no error code", re.Response.StatusCode)
	case err != nil:
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "oauth2") {
			msg = msg[i+2:]
		}
		return "fails: " + msg
	}
	return "fails: empty access token"
}

// authlibScript runs Authlib's requests client (Debian python3-authlib).
const authlibScript = `
import json, sys
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError
s = OAuth2Session(sys.argv[2], sys.argv[3], token_endpoint_auth_method="client_secret_basic")
try:
    tok = s.fetch_token(sys.argv[1], grant_type="client_credentials", timeout=10)
    out = "token (%s)" % tok.get("token_type") if tok.get("access_token") else "fails: no access_token"
except OAuthError as e:
    out = "OAuthError ` + "`%s`" + `" % e.error if isinstance(e.error, str) else "OAuthError with a %s as error" % type(e.error).__name__
except requests.HTTPError as e:
    code = ""
    try:
        code = e.response.json().get("error", "")
    except Exception:
        pass
    out = "HTTPError %d" % e.response.status_code + (", body error ` + "`%s`" + `" % code if isinstance(code, str) and code else "")
except Exception as e:
    out = "fails: %s" % type(e).__name__
print(out)
`

// authlibPython finds a python3 with Authlib; .ci/run installs it.
func authlibPython(t *testing.T) string {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import authlib.integrations.requests_client, requests").Run(); err == nil {
			return py
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("python3 with Authlib is missing; .ci/run installs python3-authlib")
	}
	t.Skip("python3 with Authlib (Debian python3-authlib) is not installed; .ci/run installs it")
	return ""
}

func pythonClient(t *testing.T, py, script, tokenURL string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, script, tokenURL, repairClientID, repairClientSecret).CombinedOutput()
	if err != nil {
		t.Fatalf("authlib: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// good: the client got a token or a typed error with a registered code.
func good(outcome string) bool {
	if strings.HasPrefix(outcome, "token (") {
		return true
	}
	for _, prefix := range []string{"RetrieveError ", "OAuthError `", "HTTPError "} {
		if strings.HasPrefix(outcome, prefix) {
			if i := strings.Index(outcome, "`"); i >= 0 {
				code := strings.Trim(outcome[i:], "`")
				return classify.Registered(classify.Code(code))
			}
		}
	}
	return false
}

// Real clients, golang.org/x/oauth2 and Authlib, against every repaired
// route with repair off and on. With repair on each gets a token or a
// typed error with a registered code; the README's client table is the
// output of this test (OAUTHCHECK_PRINT_REPAIR_TABLE=1 prints it).
func TestRepairModeRealClients(t *testing.T) {
	py := authlibPython(t)
	script := filepath.Join(t.TempDir(), "authlib_client.py")
	if err := os.WriteFile(script, []byte(authlibScript), 0o600); err != nil {
		t.Fatal(err)
	}
	p := loadPlugin(t)
	up := httptest.NewServer(upstream.Handler())
	defer up.Close()
	logs := harness.CaptureLogs()
	off := repairGateway(t, p, up.URL, false)
	on := repairGateway(t, p, up.URL, true)

	paths := make([]string, 0, len(repairedRoutes))
	for path := range repairedRoutes {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	var table strings.Builder
	table.WriteString("| upstream route | repairs | x/oauth2 without repair | x/oauth2 with repair | Authlib without repair | Authlib with repair |\n|---|---|---|---|---|---|\n")
	for _, path := range paths {
		before := clientOutcome{goClient(t.Context(), off.URL+path), pythonClient(t, py, script, off.URL+path)}
		after := clientOutcome{goClient(t.Context(), on.URL+path), pythonClient(t, py, script, on.URL+path)}
		if !good(after.Go) || !good(after.Python) {
			t.Errorf("%s with repair: x/oauth2 %q, Authlib %q; want a token or a registered error code", path, after.Go, after.Python)
		}
		fmt.Fprintf(&table, "| `%s` | %s | %s | %s | %s | %s |\n", path, repairedRoutes[path], before.Go, after.Go, before.Python, after.Python)
	}
	if os.Getenv("OAUTHCHECK_PRINT_REPAIR_TABLE") != "" {
		fmt.Print(table.String())
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range strings.Split(strings.TrimSpace(table.String()), "\n") {
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md lacks the client table row (run with OAUTHCHECK_PRINT_REPAIR_TABLE=1):\n%s", row)
		}
	}
	if bytes.Contains(logs.Bytes(), []byte(repairClientSecret)) {
		t.Error("the client secret reached a log line")
	}
}
