package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/test/harness"
	"github.com/oauthcheck/oauthcheck/test/traffic"
)

// Hydra v2.3.0's answers to the attack scenario's requests, as the IdP
// cases of package traffic pin them.
const (
	hydraInvalidClientBody = `{"error":"invalid_client","error_description":"Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."}`
	hydraInvalidGrantBody  = `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}`
	hydraUnauthorizedBody  = `{"error":"request_unauthorized","error_description":"The request could not be authorized. Check that you provided valid credentials in the right format."}` + "\n"
	hydraRedirectErrorPath = `/oauth2/fallbacks/error?error=invalid_request&error_description=The+request+is+missing+a+required+parameter%2C+includes+an+invalid+parameter+value%2C+includes+a+parameter+more+than+once%2C+or+is+otherwise+malformed.+The+%27redirect_uri%27+parameter+does+not+match+any+of+the+OAuth+2.0+Client%27s+pre-registered+redirect+urls.`
	hydraInvalidScopeQuery = `error=invalid_scope&error_description=The+requested+scope+is+invalid%2C+unknown%2C+or+malformed.`
)

// hydraStandIn answers the scenario's requests with Hydra's status,
// headers and bytes: the demo clients' credentials succeed, everything the
// attack sends fails as Hydra fails it.
func hydraStandIn(t *testing.T) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		path := strings.TrimPrefix(req.URL.Path, traffic.IdPPrefix)
		ep := traffic.Hydra.Endpoints()
		_ = req.ParseForm()
		jsonAnswer := func(status int, body string) {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
		switch path {
		case "/.well-known/openid-configuration":
			jsonAnswer(200, `{"issuer":"`+srv.URL+`"}`)
		case ep.Token:
			user, pass, _ := req.BasicAuth()
			switch {
			case req.PostForm.Get("grant_type") == "client_credentials" && user == "demo-backend" && pass == "demo-backend-secret":
				jsonAnswer(200, `{"access_token":"ory_at_standin-access-token-0123456789","expires_in":3599,"scope":"","token_type":"bearer"}`)
			case req.PostForm.Get("grant_type") == "client_credentials":
				jsonAnswer(401, hydraInvalidClientBody)
			default:
				jsonAnswer(400, hydraInvalidGrantBody)
			}
		case ep.Auth:
			q := req.URL.Query()
			switch {
			case q.Get("redirect_uri") != "http://127.0.0.1:8085/callback":
				http.Redirect(w, req, srv.URL+hydraRedirectErrorPath, http.StatusFound)
			case q.Get("scope") != "openid":
				w.Header().Set("Location", q.Get("redirect_uri")+"?"+hydraInvalidScopeQuery+"&state="+url.QueryEscape(q.Get("state")))
				w.WriteHeader(http.StatusSeeOther)
			default:
				http.Redirect(w, req, srv.URL+"/oauth2/fallbacks/login?login_challenge=standin", http.StatusFound)
			}
		case ep.Userinfo:
			w.Header().Set("WWW-Authenticate", "error=request_unauthorized,error_description=The request could not be authorized. Check that you provided valid credentials in the right format.")
			jsonAnswer(401, hydraUnauthorizedBody)
		default:
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// demoIdPAPI is the demo IdP API of apps/hydra (the guard in observe
// mode) in front of upstream, under a fresh API id.
func demoIdPAPI(t *testing.T, upstream string) harness.API {
	raw, err := os.ReadFile(filepath.Join("..", "..", "apps", "hydra", "oauthcheck-idp.json"))
	if err != nil {
		t.Fatal(err)
	}
	var def struct {
		ConfigData map[string]interface{} `json:"config_data"`
		TagHeaders []string               `json:"tag_headers"`
		Keyless    bool                   `json:"use_keyless"`
	}
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	return harness.API{ID: uniqueAPIID("oauthcheck-idp"), Upstream: upstream, Keyless: def.Keyless,
		ConfigData: def.ConfigData, TagHeaders: def.TagHeaders}
}

// The attack scenario of cmd/traffic, through the plugin on the demo IdP
// API (apps/hydra/oauthcheck-idp.json) in front of a stand-in with
// Hydra's answers: in observe mode each phase's records carry its
// detector and reach risk high, the innocent client's carry no guard tag;
// in enforce mode each burst's tail is blocked with 429 and
// x-oauth-action-blocked, and the innocent client still always succeeds.
func TestAttackScenarioThroughDemoIdPAPI(t *testing.T) {
	p := loadPlugin(t)
	idp := hydraStandIn(t)
	for _, mode := range []string{"observe", "enforce"} {
		t.Run(mode, func(t *testing.T) {
			api := demoIdPAPI(t, idp.URL)
			oauthcheck, _ := api.ConfigData["oauthcheck"].(map[string]interface{})
			guardCfg, _ := oauthcheck["guard"].(map[string]interface{})
			if guardCfg["mode"] != "observe" {
				t.Fatalf("apps/hydra/oauthcheck-idp.json: guard %v, want mode observe", guardCfg)
			}
			// A copy: the other subtest reads the same map.
			cd := map[string]interface{}{}
			for k, v := range oauthcheck {
				cd[k] = v
			}
			cd["guard"] = map[string]interface{}{"mode": mode}
			api.ConfigData = map[string]interface{}{"oauthcheck": cd}
			g := harness.NewGateway(t, p, api)

			runner := traffic.NewRunner(traffic.Config{GatewayURL: g.URL, IdP: traffic.Hydra, IdPURL: idp.URL, UpstreamURL: idp.URL,
				RunID: "harness-" + mode, ClientID: "demo-backend", ClientSecret: "demo-backend-secret", PublicClientID: "demo-web"})
			attack := runner.Attack()
			results := runner.RunAttack(context.Background(), attack)
			recs := map[string][]harness.Record{}
			for _, rec := range g.Records(t) {
				recs[rec.UserAgent] = append(recs[rec.UserAgent], rec)
			}
			for _, res := range results {
				ph := res.Phase
				if res.Failed() || res.Skipped != "" {
					t.Errorf("%s", res.Line())
				}
				rs := recs[res.UserAgent]
				if len(rs) != res.Sent {
					t.Errorf("%s: %d records for %d requests", ph.Name, len(rs), res.Sent)
				}
				if ph.Name == traffic.InnocentPhase {
					if res.Statuses[http.StatusOK] != res.Sent {
						t.Errorf("innocent client: %s", res.StatusSummary())
					}
					for _, rec := range rs {
						if guard := append(append(rec.TagsWithPrefix("x-oauth-risk-"), rec.TagsWithPrefix("x-oauth-anomaly-")...), rec.TagsWithPrefix("x-oauth-action-")...); len(guard) > 0 ||
							!rec.HasTag("x-oauth-client-demo-backend") {
							t.Errorf("innocent client's record: tags %q", rec.Tags)
						}
					}
					continue
				}
				fired, high, blocked := 0, 0, 0
				for _, rec := range rs {
					if rec.HasTag("x-oauth-anomaly-"+ph.Name) && (ph.ClientID == "" || rec.HasTag("x-oauth-client-"+ph.ClientID) || rec.HasTag("x-oauth-action-blocked")) {
						fired++
					}
					if rec.HasTag("x-oauth-risk-high") {
						high++
					}
					if rec.HasTag("x-oauth-action-blocked") {
						blocked++
					}
				}
				if fired == 0 || high == 0 {
					t.Errorf("%s: of %d records %d carry x-oauth-anomaly-%s and %d x-oauth-risk-high (statuses %s)", ph.Name, len(rs), fired, ph.Name, high, res.StatusSummary())
				}
				wantBlocked := 0
				if mode == "enforce" {
					wantBlocked = res.Statuses[http.StatusTooManyRequests]
					if wantBlocked == 0 {
						t.Errorf("%s: enforce mode blocked nothing (statuses %s)", ph.Name, res.StatusSummary())
					}
				}
				if blocked != wantBlocked {
					t.Errorf("%s: %d records with x-oauth-action-blocked, want %d (statuses %s)", ph.Name, blocked, wantBlocked, res.StatusSummary())
				}
			}
			for _, l := range traffic.AttackReport(attack, results, runner.Config.RunID) {
				t.Log(l.Text)
			}
		})
	}
}
