package integration

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauthcheck/oauthcheck/test/harness"
)

// TestObservedRisks runs real flows against fosite through the loaded .so
// with observe_risks on, and checks the risk labels reach the records after
// the root cause, without changing the verdict.
func TestObservedRisks(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	apiID := uniqueAPIID("risks")
	api := fositeAPI(d, apiID)
	api.ConfigData["oauthcheck"].(map[string]interface{})["observe_risks"] = true
	g := harness.NewGateway(t, p, api)
	f := &flow{t: t, d: d, g: g, client: rawClient()}
	conf := f.webConfig(d.secrets[webClientID], webRedirect)

	var code string
	t.Run("authorization request without PKCE", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, conf.AuthCodeURL("state-"+randomString(t, 8)), nil)
		ex := g.Do(t, f.client, req)
		loc, err := url.Parse(ex.Header.Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			t.Fatalf("fosite said %d Location %q, want a redirect with a code", ex.Status, ex.Header.Get("Location"))
		}
		code = loc.Query().Get("code")
		checkCauses(t, ex.Record, []string{"ok", "risk_pkce_missing"}, "ok")
	})
	t.Run("code exchange without code_verifier", func(t *testing.T) {
		if code == "" {
			t.Skip("no code from the step before")
		}
		tok, err := conf.Exchange(f.ctx(), code)
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		d.remember(tok.AccessToken, tok.RefreshToken)
		rec := f.last()
		if got := causeTags(rec); len(got) == 0 || got[0] != "ok" || !slices.Contains(got, "risk_pkce_missing") {
			t.Errorf("causes %q, want ok first and risk_pkce_missing", got)
		}
		if v := verdictTag(rec); v == "invalid" {
			t.Errorf("verdict %q: a risk never makes a usable answer invalid", v)
		}

		t.Run("access token in the query", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, g.URL+"/api/resource?access_token="+url.QueryEscape(tok.AccessToken), nil)
			ex := g.Do(t, f.client, req)
			if ex.Status != http.StatusOK {
				t.Fatalf("resource said %d %s, want 200 (fosite reads the query token)", ex.Status, ex.Body)
			}
			checkCauses(t, ex.Record, []string{"ok", "risk_token_in_query"}, "ok")
		})
	})
	t.Run("code exchange with PKCE carries no risk", func(t *testing.T) {
		code, verifier := f.authorize(conf, "/oauth2/auth") // checks the authorize answer is exactly ok
		tok, err := conf.Exchange(f.ctx(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		d.remember(tok.AccessToken, tok.RefreshToken)
		for _, c := range causeTags(f.last()) {
			if strings.HasPrefix(c, "risk_") {
				t.Errorf("cause %q on a PKCE exchange with a confidential client", c)
			}
		}
	})
	t.Run("password grant", func(t *testing.T) {
		ex := f.postForm(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"alice-password-" + randomString(t, 6)}},
			webClientID, d.secrets[webClientID])
		if ex.Status < 400 {
			t.Fatalf("fosite said %d to a password grant the client may not use, want an error", ex.Status)
		}
		got := causeTags(ex.Record)
		if len(got) < 2 || strings.HasPrefix(got[0], "risk_") || !slices.Contains(got, "risk_password_grant") {
			t.Errorf("causes %q, want the root first and risk_password_grant after it", got)
		}
		if v := verdictTag(ex.Record); v != "invalid" {
			t.Errorf("verdict %q, want invalid (the root decides, not the risk)", v)
		}
	})
	t.Run("no secret in logs or tags", func(t *testing.T) {
		assertNoSecrets(t, secretFragments(d.secretValues()), harness.CaptureLogs().Bytes(), g.Records(t))
	})
}

// TestObservedRisksOffByDefault: the same request without observe_risks
// gets no risk label.
func TestObservedRisksOffByDefault(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	g := harness.NewGateway(t, p, fositeAPI(d, uniqueAPIID("risks-off")))
	f := &flow{t: t, d: d, g: g, client: rawClient()}
	conf := f.webConfig(d.secrets[webClientID], webRedirect)
	req, _ := http.NewRequest(http.MethodGet, conf.AuthCodeURL("state-"+randomString(t, 8)), nil)
	ex := g.Do(t, f.client, req)
	checkCauses(t, ex.Record, []string{"ok"}, "ok")
}

// TestLoadTimeAuditWarning: a definition with a high audit finding gets
// one warn line when the plugin first parses it, not one per request, in
// classic and OAS shape.
func TestLoadTimeAuditWarning(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	for _, oas := range []bool{false, true} {
		name := "classic"
		if oas {
			name = "oas"
		}
		t.Run(name, func(t *testing.T) {
			logs := harness.CaptureLogs()
			apiID := uniqueAPIID("audit-warn-" + name)
			api := fositeAPI(d, apiID)
			api.OAS = oas
			api.DetailedRecording = true // raw token exchanges in analytics, and no OAuthCheckAnalytics
			g := harness.NewGateway(t, p, api)
			for i := 0; i < 3; i++ {
				ex := wrongSecretRequest(t, g)
				if ex.Status != http.StatusUnauthorized && ex.Status != http.StatusBadRequest {
					t.Fatalf("fosite said %d to a wrong secret", ex.Status)
				}
			}
			var warns []harness.LogLine
			for _, l := range logs.ForAPI(apiID) {
				if l.Field("rule") == "api_detailed_recording_on_token_endpoint" {
					warns = append(warns, l)
				}
			}
			if len(warns) != 1 {
				t.Fatalf("got %d audit warn lines for %s after 3 requests, want exactly 1", len(warns), apiID)
			}
			if warns[0].Level != "warning" || !strings.Contains(warns[0].Message, "risk") {
				t.Errorf("audit line: level %q message %q, want a warning naming the risk", warns[0].Level, warns[0].Message)
			}

			t.Run("a clean definition gets none", func(t *testing.T) {
				cleanID := uniqueAPIID("audit-clean-" + name)
				clean := fositeAPI(d, cleanID)
				clean.OAS = oas
				g := harness.NewGateway(t, p, clean)
				wrongSecretRequest(t, g)
				for _, l := range logs.ForAPI(cleanID) {
					if l.Field("rule") != "" && strings.HasPrefix(l.Field("rule"), "api_") {
						t.Errorf("clean definition got audit line %q", l.Raw)
					}
				}
			})
		})
	}
}

// wrongSecretRequest posts a client-credentials request with a wrong secret.
func wrongSecretRequest(t *testing.T, g *harness.Gateway) harness.Exchange {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.URL+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(serviceClientID, "wrong-"+randomString(t, 8))
	return g.Do(t, rawClient(), req)
}
