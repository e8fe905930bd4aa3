package traffic

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/config"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// TestCasesCoverEveryFamily: the run, with every target up, produces a
// root cause of every family a client can hit.
func TestCasesCoverEveryFamily(t *testing.T) {
	seen := map[classify.Family]bool{}
	for _, c := range NewRunner(Config{RunID: "test"}).Cases() {
		if len(c.WantCauses) > 0 {
			seen[c.Family] = true
		}
	}
	for _, f := range []classify.Family{
		classify.FamilyCredentials, classify.FamilyRedirectURI, classify.FamilyRequest,
		classify.FamilyGrant, classify.FamilyScope, classify.FamilyServer,
		classify.FamilyResponseFormat, classify.FamilyToken, classify.FamilyFlow,
	} {
		if !seen[f] {
			t.Errorf("no case with a root cause of family %q", f)
		}
	}
}

// TestCasesAreConsistent: for each IdP, names are unique (they correlate
// records), every expected cause is registered and its family matches.
func TestCasesAreConsistent(t *testing.T) {
	for _, idp := range []IdP{Keycloak, Hydra} {
		t.Run(string(idp), func(t *testing.T) { checkCasesConsistent(t, NewRunner(Config{RunID: "test", IdP: idp}).Cases()) })
	}
}

func checkCasesConsistent(t *testing.T, cases []*Case) {
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		names[c.Name] = true
		if c.send == nil {
			t.Errorf("%s: no send function", c.Name)
		}
		if c.WantCauses == nil {
			if c.WantVerdict != "" || c.Family != "" {
				t.Errorf("%s: no causes but verdict %q family %q", c.Name, c.WantVerdict, c.Family)
			}
			continue
		}
		for _, code := range c.WantCauses {
			if !classify.Registered(classify.Code(code)) {
				t.Errorf("%s: cause %q is not registered", c.Name, code)
			}
		}
		if root, _ := classify.Lookup(classify.Code(c.WantCauses[0])); root.Family != c.Family {
			t.Errorf("%s: family %q, but root cause %s is in %q", c.Name, c.Family, root.Code, root.Family)
		}
	}
}

// TestUpstreamAnswersKnown: every non-streaming upstream route has the bytes
// the client must get, taken from the route's own handler.
func TestUpstreamAnswersKnown(t *testing.T) {
	for _, c := range UpstreamCases() {
		if c.WantStatus == 0 && !c.Stream {
			t.Errorf("%s: no known status", c.Name)
		}
		if c.WantBody == nil {
			t.Errorf("%s: no known body", c.Name)
		}
	}
}

// TestReplayCoversEveryFamilyWithoutIdP: the fixture replay and the
// misbehaving upstream alone (no Keycloak) give a root cause of every
// family, and every fixture is replayed.
func TestReplayCoversEveryFamilyWithoutIdP(t *testing.T) {
	fixtures, err := LoadFixtures()
	if err != nil {
		t.Fatal(err)
	}
	replay := ReplayCases()
	if len(replay) != len(fixtures) {
		t.Fatalf("got %d replay cases, want one per fixture (%d)", len(replay), len(fixtures))
	}
	seen := map[classify.Family]bool{}
	for _, c := range append(UpstreamCases(), replay...) {
		if c.Target == TargetIdP {
			t.Errorf("%s: needs the IdP", c.Name)
		}
		if len(c.WantCauses) > 0 {
			seen[c.Family] = true
		}
	}
	for _, f := range everyFamily {
		if !seen[f] {
			t.Errorf("no upstream or replay case with a root cause of family %q", f)
		}
	}
}

var everyFamily = []classify.Family{
	classify.FamilyCredentials, classify.FamilyRedirectURI, classify.FamilyRequest,
	classify.FamilyGrant, classify.FamilyScope, classify.FamilyServer,
	classify.FamilyResponseFormat, classify.FamilyToken, classify.FamilyFlow,
}

// TestReplayExpectationsHoldThroughGateway replays every fixture over real
// HTTP from the misbehaving upstream and classifies it the way the plugin
// does inside the gateway: with the request as the client sends it to
// /upstream/replay/<name> (the response hook sees the client's path, listen
// path included), the upstream API's config_data from apps/, and the
// response as it arrives. Each case's expected labels must come out, so a
// fixture whose causes depend on its original path fails here, not only
// against a live gateway. It also checks the upstream serves the exact
// fixture bytes and headers.
func TestReplayExpectationsHoldThroughGateway(t *testing.T) {
	dir, err := upstream.FindFixtures()
	if err != nil {
		t.Fatal(err)
	}
	rp, err := upstream.LoadReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	client := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cfg := upstreamAPIConfig(t, filepath.Join(dir, "..", "..", ".."))
	opts := cfg.Options()
	replayCases := map[string]*Case{}
	for _, c := range ReplayCases() {
		replayCases[c.Name] = c
	}
	for i := range rp.Cases {
		fx := &rp.Cases[i]
		c := replayCases["replay/"+fx.Name]
		t.Run(fx.Name, func(t *testing.T) {
			if c == nil {
				t.Fatal("no replay case")
			}
			gwReq, err := ReplayRequest(context.Background(), "http://gateway.invalid", fx)
			if err != nil {
				t.Fatal(err)
			}
			// What the gateway sends on: the listen path stripped.
			upReq := gwReq.Clone(context.Background())
			upReq.URL, _ = url.Parse(srv.URL + strings.TrimPrefix(gwReq.URL.RequestURI(), UpstreamPrefix))
			upReq.RequestURI, upReq.Host = "", ""
			if fx.Request != nil && len(fx.Request.Body) > 0 {
				upReq.Body = io.NopCloser(bytes.NewReader(fx.Request.Body))
			}
			res, err := client.Do(upReq)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.WantStatus || !bytes.Equal(body, c.WantBody) {
				t.Errorf("upstream answered %d with %d bytes, want %d with the fixture's %d bytes", res.StatusCode, len(body), c.WantStatus, len(c.WantBody))
			}
			checkReplayHeaders(t, res.Header, fx.Response.Header)

			// The plugin's view (plugin/hooks.go OAuthCheckResponse).
			req := classify.Request{Method: gwReq.Method, Path: gwReq.URL.Path, RawQuery: gwReq.URL.RawQuery, Header: gwReq.Header}
			if fx.Request != nil {
				req.Body = fx.Request.Body
				if len(req.Body) > cfg.BodyCap() {
					req.Body = req.Body[:cfg.BodyCap()]
				}
			}
			resp := classify.Response{Status: res.StatusCode, Header: res.Header, Body: body}
			if len(resp.Body) > cfg.BodyCap() {
				resp.Body, resp.Truncated = resp.Body[:cfg.BodyCap()], true
			}
			endpoint := classify.Detect(&req, res.StatusCode, res.Header, &opts)
			if string(endpoint) != fx.Endpoint {
				t.Errorf("endpoint through the gateway %q, fixture's %q", endpoint, fx.Endpoint)
			}
			var got []string
			verdict := ""
			if endpoint != classify.EndpointNone && !(endpoint == classify.EndpointResource && res.StatusCode < 400) {
				result := classify.ClassifyAs(endpoint, &req, &resp, &opts)
				for _, code := range result.Causes() {
					got = append(got, string(code))
				}
				if len(got) > 0 {
					verdict = string(result.Verdict)
				}
			}
			if !slices.Equal(got, c.WantCauses) || verdict != c.WantVerdict {
				t.Errorf("through the gateway: causes %q verdict %q, want %q %q", got, verdict, c.WantCauses, c.WantVerdict)
			}
			if c.WantCauses != nil {
				if id := classify.PublicClientID(&req); classify.LabelSafe(id) != (c.WantClient != "") || (c.WantClient != "" && id != c.WantClient) {
					t.Errorf("client_id through the gateway %q, want %q", id, c.WantClient)
				}
			}
		})
	}
}

// checkReplayHeaders: the replay sends the fixture's headers, except the
// framing ones net/http computes, and adds none of its own beyond framing.
func checkReplayHeaders(t *testing.T, got, want http.Header) {
	t.Helper()
	framing := map[string]bool{"Content-Length": true, "Transfer-Encoding": true, "Connection": true}
	for k, vv := range want {
		if !framing[k] && !slices.Equal(got[k], vv) {
			t.Errorf("header %s: got %q, want %q", k, got[k], vv)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && !framing[k] {
			t.Errorf("header %s %q added by the replay", k, got[k])
		}
	}
}

// upstreamAPIConfig parses the oauthcheck config_data of the upstream API
// definition in apps/.
func upstreamAPIConfig(t *testing.T, root string) config.Config {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "apps", "oauthcheck-upstream.json"))
	if err != nil {
		t.Fatal(err)
	}
	var def struct {
		APIID      string                 `json:"api_id"`
		ConfigData map[string]interface{} `json:"config_data"`
	}
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	if def.APIID != UpstreamAPIID {
		t.Fatalf("apps/oauthcheck-upstream.json api_id %q, want %q", def.APIID, UpstreamAPIID)
	}
	cfg, err := config.Parse(def.ConfigData)
	if err != nil {
		t.Fatalf("config_data: %v", err)
	}
	return cfg
}

// TestIdPCasesPerIdP: a run sends exactly the IdP cases its IdP can
// produce, the shared ones under the same names, and every Hydra case
// asserts the exact bytes wherever Hydra's answer is fixed.
func TestIdPCasesPerIdP(t *testing.T) {
	names := func(idp IdP) map[string]*Case {
		out := map[string]*Case{}
		for _, c := range NewRunner(Config{RunID: "test", IdP: idp, IdPURL: "http://127.0.0.1:4444"}).IdPCases() {
			if c.Only != "" && c.Only != idp.orDefault() {
				t.Errorf("%s run includes %s, which only %s can produce", idp, c.Name, c.Only)
			}
			out[c.Name] = c
		}
		return out
	}
	kc, hy := names(Keycloak), names(Hydra)
	shared := 0
	for name, c := range kc {
		if h, ok := hy[name]; ok {
			shared++
			if h.APIID != c.APIID || h.Family != c.Family {
				t.Errorf("%s: Keycloak and Hydra disagree on API or family", name)
			}
		} else if c.Only != Keycloak {
			t.Errorf("%s: missing from the Hydra run but not marked Keycloak-only", name)
		}
	}
	if shared == 0 {
		t.Error("no case shared by Keycloak and Hydra")
	}
	for name, c := range hy {
		if c.Target == TargetIdP && c.WantStatus >= 400 && c.WantBody == nil {
			t.Errorf("%s: a Hydra error answer without its exact bytes", name)
		}
		if c.Target == TargetIdP && c.RootOnly {
			t.Errorf("%s: Hydra is pinned, so its causes are asserted in full", name)
		}
	}
	if got := names(""); len(got) != len(kc) {
		t.Errorf("the empty IdP gives %d cases, Keycloak %d", len(got), len(kc))
	}
}

// TestReadmeNamesIdPOnlyCases: the README's "only with" table lists
// exactly the cases each IdP alone produces.
func TestReadmeNamesIdPOnlyCases(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]IdP{}
	for _, line := range strings.Split(string(b), "\n") {
		for _, idp := range []IdP{Keycloak, Hydra} {
			prefix := "| " + strings.ToUpper(string(idp[:1])) + string(idp[1:]) + " | "
			if !strings.HasPrefix(line, prefix) {
				continue
			}
			cells := strings.Split(line, "|")
			for _, f := range strings.Split(cells[2], "`") {
				if strings.Contains(f, "/") {
					listed[strings.TrimSpace(f)] = idp
				}
			}
		}
	}
	want := map[string]IdP{}
	for _, idp := range []IdP{Keycloak, Hydra} {
		for _, c := range NewRunner(Config{RunID: "test", IdP: idp}).IdPCases() {
			if c.Only != "" {
				want[c.Name] = c.Only
			}
		}
	}
	for name, idp := range want {
		if listed[name] != idp {
			t.Errorf("README: %s is %s-only, the table says %q", name, idp, listed[name])
		}
	}
	for name := range listed {
		if _, ok := want[name]; !ok {
			t.Errorf("README lists %s as IdP-only, but no such case is", name)
		}
	}
}
