package traffic

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/guard"
)

// seenRequest is what the stand-in gateway got.
type seenRequest struct {
	Method, Path, UserAgent, RealIP string
	Forged                          bool // every forged label header arrived
	Form, Query                     url.Values
	BasicUser, BasicPass, Bearer    string
	Status                          int
	Root                            classify.Code // the cause the answer stands for
}

// fakeGateway stands in for the gateway and the demo IdP behind it,
// answering as the IdP of idp does for the scenario's requests. answer,
// when set, overrides the status of request n of an IP.
type fakeGateway struct {
	idp    IdP
	answer func(ip string, n int) int

	mu   sync.Mutex
	seen []seenRequest
	byIP map[string]int
}

func (f *fakeGateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/.well-known/openid-configuration" {
		_, _ = w.Write([]byte(`{}`))
		return
	}
	_ = req.ParseForm()
	s := seenRequest{Method: req.Method, Path: req.URL.Path, UserAgent: req.UserAgent(), RealIP: req.Header.Get("X-Real-Ip"),
		Form: req.PostForm, Query: req.URL.Query(), Forged: true}
	for k := range forgedHeaders {
		if req.Header.Get(k) != Forged {
			s.Forged = false
		}
	}
	s.BasicUser, s.BasicPass, _ = req.BasicAuth()
	s.Bearer, _ = strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	ep := f.idp.Endpoints()
	switch req.URL.Path {
	case IdPPrefix + ep.Token:
		switch {
		case s.Form.Get("grant_type") == "client_credentials" && s.BasicUser == "demo-backend" && s.BasicPass == "demo-backend-secret":
			s.Status, s.Root = 200, classify.OK
			w.Header().Set("Content-Type", "application/json")
			defer func() {
				_, _ = w.Write([]byte(`{"access_token":"fake-gateway-access-token-1234","token_type":"bearer"}`))
			}()
		case s.Form.Get("grant_type") == "client_credentials":
			s.Status, s.Root = 401, classify.InvalidClient
		default:
			s.Status, s.Root = 400, classify.InvalidGrant
		}
	case IdPPrefix + ep.Auth:
		switch {
		case s.Query.Get("redirect_uri") != registeredRedirect && f.idp == Hydra:
			s.Status, s.Root = 302, classify.RedirectURIMismatch
		case s.Query.Get("redirect_uri") != registeredRedirect:
			s.Status, s.Root = 400, classify.RedirectURIMismatch
		case s.Query.Get("scope") != "openid" && f.idp == Hydra:
			s.Status, s.Root = 303, classify.InvalidScope
		case s.Query.Get("scope") != "openid":
			s.Status, s.Root = 302, classify.InvalidScope
		default:
			s.Status, s.Root = 200, classify.OK
		}
	case IdPPrefix + ep.Userinfo:
		s.Status, s.Root = 401, classify.InvalidToken
	default:
		s.Status = 404
	}
	f.mu.Lock()
	if f.byIP == nil {
		f.byIP = map[string]int{}
	}
	if f.answer != nil {
		if code := f.answer(s.RealIP, f.byIP[s.RealIP]); code != 0 {
			s.Status, s.Root = code, ""
		}
	}
	f.byIP[s.RealIP]++
	if strings.Contains(s.UserAgent, " case=attack/") { // not the runner's probes
		f.seen = append(f.seen, s)
	}
	f.mu.Unlock()
	if s.Status == 302 || s.Status == 303 {
		w.Header().Set("Location", registeredRedirect+"?error=x")
	}
	w.WriteHeader(s.Status)
}

func runFakeAttack(t *testing.T, idp IdP, answer func(ip string, n int) int) (*Runner, *Attack, []PhaseResult, *fakeGateway) {
	t.Helper()
	fake := &fakeGateway{idp: idp, answer: answer}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	r := NewRunner(Config{GatewayURL: srv.URL, IdP: idp, IdPURL: srv.URL, UpstreamURL: srv.URL, RunID: "attacktest",
		ClientID: "demo-backend", ClientSecret: "demo-backend-secret", PublicClientID: "demo-web"})
	a := r.Attack()
	results := r.RunAttack(context.Background(), a)
	return r, a, results, fake
}

// TestAttackSendsBursts: against the stand-in gateway, each phase sends
// its burst (twice the detector's floor or more) from its own IP, tagged
// with its User-Agent and the forged labels, with distinct guesses where
// the detector counts distinct values; the innocent client's requests are
// mixed in, and every answer is the one expected.
func TestAttackSendsBursts(t *testing.T) {
	for _, idp := range []IdP{Keycloak, Hydra} {
		t.Run(string(idp), func(t *testing.T) {
			r, a, results, fake := runFakeAttack(t, idp, nil)
			ep := idp.Endpoints()
			wantPath := map[string]string{
				"credential_stuffing": IdPPrefix + ep.Token, "grant_replay": IdPPrefix + ep.Token,
				"redirect_probing": IdPPrefix + ep.Auth, "scope_probing": IdPPrefix + ep.Auth,
				"token_guessing": IdPPrefix + ep.Userinfo, InnocentPhase: IdPPrefix + ep.Token,
			}
			if len(results) != len(a.Phases)+1 || len(a.Phases) != 5 {
				t.Fatalf("%d results for %d phases, want 5 phases and the innocent client", len(results), len(a.Phases))
			}
			byUA := map[string][]seenRequest{}
			for _, s := range fake.seen {
				byUA[s.UserAgent] = append(byUA[s.UserAgent], s)
			}
			ips := map[string]string{}
			for _, res := range results {
				p := res.Phase
				seen := byUA["oauthcheck-traffic/attacktest case=attack/"+p.Name]
				if res.Failed() || res.Skipped != "" {
					t.Errorf("%s: failed or skipped: %s", p.Name, res.Line())
				}
				if len(seen) != p.Requests || res.Sent != p.Requests || res.Statuses[p.WantStatus] != p.Requests {
					t.Errorf("%s: gateway got %d, runner sent %d, %d answered %d; want %d", p.Name, len(seen), res.Sent, res.Statuses[p.WantStatus], p.WantStatus, p.Requests)
				}
				if d, ok := guard.ByName(p.Name); ok && p.Requests < 2*guard.Registry[d].Defaults.Floor {
					t.Errorf("%s: %d requests cannot fire twice at floor %d", p.Name, p.Requests, guard.Registry[d].Defaults.Floor)
				}
				if other, dup := ips[p.ClientIP]; dup {
					t.Errorf("%s and %s share the IP %s", p.Name, other, p.ClientIP)
				}
				ips[p.ClientIP] = p.Name
				distinct := map[string]bool{}
				for _, s := range seen {
					if s.Path != wantPath[p.Name] || s.RealIP != p.ClientIP || !s.Forged {
						t.Fatalf("%s: request %s %s with X-Real-IP %q (forged labels %v), want %s from %s with forged labels",
							p.Name, s.Method, s.Path, s.RealIP, s.Forged, wantPath[p.Name], p.ClientIP)
					}
					switch p.Name {
					case "credential_stuffing":
						if s.BasicUser != r.AttackerClientID() || s.BasicPass == r.Config.ClientSecret {
							t.Fatalf("credential_stuffing: client %q with the real secret %v", s.BasicUser, s.BasicPass == r.Config.ClientSecret)
						}
						distinct[s.BasicPass] = true
					case "grant_replay":
						if s.Form.Get("client_id") != r.Config.PublicClientID {
							t.Fatalf("grant_replay: client_id %q", s.Form.Get("client_id"))
						}
						distinct[s.Form.Get("grant_type")+":"+s.Form.Get("code")+s.Form.Get("refresh_token")] = true
					case "redirect_probing":
						if s.Query.Get("redirect_uri") == registeredRedirect {
							t.Fatal("redirect_probing sent the registered redirect_uri")
						}
						distinct[s.Query.Get("redirect_uri")] = true
					case "scope_probing":
						distinct[s.Query.Get("scope")] = true
					case "token_guessing":
						distinct[s.Bearer] = true
					case InnocentPhase:
						if s.BasicUser != r.Config.ClientID || s.BasicPass != r.Config.ClientSecret {
							t.Fatalf("innocent: client %q without its secret", s.BasicUser)
						}
						distinct["same"] = true
					}
				}
				if p.Name != InnocentPhase && len(distinct) != p.Requests {
					t.Errorf("%s: %d distinct guesses in %d requests", p.Name, len(distinct), p.Requests)
				}
			}
			// Mixed in: the first innocent request follows the first
			// innocentEvery attack requests.
			if len(fake.seen) <= innocentEvery || !strings.HasSuffix(fake.seen[innocentEvery].UserAgent, "case=attack/"+InnocentPhase) ||
				strings.HasSuffix(fake.seen[innocentEvery-1].UserAgent, InnocentPhase) {
				t.Errorf("the innocent client's requests are not mixed into the bursts")
			}
			if n := len(byUA["oauthcheck-traffic/attacktest case=attack/"+InnocentPhase]); n == 0 || n != a.Innocent.Requests {
				t.Errorf("innocent client sent %d requests, want %d (> 0)", n, a.Innocent.Requests)
			}
		})
	}
}

// TestAttackFiresEachDetector: the requests the stand-in gateway got, fed
// with the causes of its answers to a guard engine with the default
// thresholds, fire each phase's detector for the phase's IP, and nothing
// for the innocent client.
func TestAttackFiresEachDetector(t *testing.T) {
	r, a, _, fake := runFakeAttack(t, Keycloak, nil)
	e, err := guard.New(guard.Config{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1_800_000_000, 0)     // the start of a window: no previous one to carry
	fired := map[string]map[string]bool{} // User-Agent → detectors
	levels := map[string]guard.Level{}
	for _, s := range fake.seen {
		cause, _ := classify.Lookup(s.Root)
		ev := guard.Event{IP: s.RealIP, ClientID: s.BasicUser + s.Form.Get("client_id") + s.Query.Get("client_id"),
			Root: s.Root, Family: cause.Family, At: at}
		if s.Root == classify.RedirectURIMismatch {
			// Well mixed, as the plugin's maphash; deterministic here.
			sum := sha256.Sum256([]byte(s.Query.Get("redirect_uri")))
			ev.RedirectURIHash = binary.BigEndian.Uint64(sum[:]) | 1
		}
		var out guard.Outcome
		e.Observe(&ev, &out)
		if fired[s.UserAgent] == nil {
			fired[s.UserAgent] = map[string]bool{}
		}
		for _, f := range out.Firings() {
			if f.Kind == guard.KindIP && f.Subject == s.RealIP {
				fired[s.UserAgent][f.Detector.String()] = true
			}
		}
		levels[s.UserAgent] = max(levels[s.UserAgent], out.Level)
	}
	for _, p := range a.Phases {
		ua := r.attackUserAgent(p)
		if !fired[ua][p.Name] || levels[ua] != guard.LevelHigh {
			t.Errorf("%s: fired %v, highest risk %s; want %s for its IP and risk high", p.Name, fired[ua], levels[ua], p.Name)
		}
	}
	if ua := r.attackUserAgent(a.Innocent); len(fired[ua]) > 0 || levels[ua] != guard.LevelLow {
		t.Errorf("innocent client: fired %v, risk %s; want nothing", fired[ua], levels[ua])
	}
}

// TestAttackReportNamesNoSecret: the printed lines show each phase's
// statuses and labels, and none of the secrets, guesses or tokens sent or
// received.
func TestAttackReportNamesNoSecret(t *testing.T) {
	r, a, results, _ := runFakeAttack(t, Hydra, nil)
	lines := AttackReport(a, results, r.Config.RunID)
	var text strings.Builder
	for _, l := range lines {
		if l.Failed {
			t.Errorf("failed line: %s", l.Text)
		}
		text.WriteString(l.Text + "\n")
	}
	out := text.String()
	secrets := r.Secrets()
	if len(secrets) < 200 {
		t.Fatalf("the run recorded %d secrets; want every guess, the real secret and the token", len(secrets))
	}
	for _, want := range []string{"demo-backend-secret", "fake-gateway-access-token-1234"} {
		found := false
		for _, s := range secrets {
			found = found || s == want
		}
		if !found {
			t.Errorf("%q is not among the run's secrets", want)
		}
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the report prints a secret (%d bytes, starts %q)", len(s), s[:4])
		}
	}
	for _, res := range results {
		p := res.Phase
		want := []string{"case=attack/" + p.Name, p.CaseName() + " ", "ip " + p.ClientIP, res.StatusSummary()}
		if p.Name == InnocentPhase {
			want = append(want, "no x-oauth-risk-*")
		} else {
			want = append(want, "x-oauth-anomaly-"+p.Name, "x-oauth-risk-high", "x-oauth-action-blocked")
		}
		for _, w := range want[1:] {
			if !strings.Contains(out, w) {
				t.Errorf("%s: report lacks %q:\n%s", p.Name, w, out)
			}
		}
	}
	if !strings.Contains(out, "oauthcheck-traffic/"+r.Config.RunID+" case=attack/") {
		t.Errorf("report does not say how to find the records:\n%s", out)
	}
}

// TestAttackCountsUnexpectedAnswers: the guard's 429 is an expected
// answer (enforce mode); any other status fails the phase and says so.
func TestAttackCountsUnexpectedAnswers(t *testing.T) {
	r := NewRunner(Config{RunID: "attacktest"})
	stuffingIP, replayIP := r.attackIP(1), r.attackIP(2)
	_, _, results, _ := runFakeAttack(t, Keycloak, func(ip string, n int) int {
		switch {
		case ip == stuffingIP && n >= 40:
			return http.StatusTooManyRequests
		case ip == replayIP && n == 3:
			return http.StatusBadGateway
		}
		return 0
	})
	stuffing, replay := results[0], results[1]
	if stuffing.Failed() || stuffing.StatusSummary() != "401×40 429×5" {
		t.Errorf("credential_stuffing: %s", stuffing.Line())
	}
	if !replay.Failed() || replay.Unexpected != 1 || !strings.Contains(replay.Line(), "UNEXPECTED") {
		t.Errorf("grant_replay with one 502: %s", replay.Line())
	}
}

// TestAttackSkipsWithoutIdP: with the IdP unreachable nothing is sent and
// every phase says why.
func TestAttackSkipsWithoutIdP(t *testing.T) {
	var mu sync.Mutex
	sent := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		if req.URL.Path != "/.well-known/openid-configuration" && req.URL.Path != "/healthz" {
			sent++
		}
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	r := NewRunner(Config{GatewayURL: srv.URL, IdPURL: srv.URL, UpstreamURL: srv.URL, RunID: "attacktest"})
	a := r.Attack()
	results := r.RunAttack(context.Background(), a)
	for _, res := range results {
		if res.Skipped == "" || res.Sent != 0 || !strings.HasSuffix(res.Line(), "skipped (see above)") {
			t.Errorf("%s: %s", res.Phase.Name, res.Line())
		}
	}
	if sent != 0 {
		t.Errorf("%d requests reached the gateway", sent)
	}
	if report := AttackReport(a, results, r.Config.RunID); !strings.Contains(report[2].Text, "# skipping the attack scenario: IdP not reachable") {
		t.Errorf("the report does not say why: %q", report[2].Text)
	}
}
