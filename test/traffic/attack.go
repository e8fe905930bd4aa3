package traffic

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthcheck/oauthcheck/plugin/guard"
)

// Scenarios of cmd/traffic.
const (
	ScenarioCases  = "cases"  // every case once (the default)
	ScenarioAttack = "attack" // bursts that fire the guard's detectors
)

// AttackCasePrefix starts the case name of every attack request: its
// User-Agent is "oauthcheck-traffic/<run> case=attack/<phase>".
const AttackCasePrefix = "attack/"

// InnocentPhase is the name of the benign client's requests.
const InnocentPhase = "innocent"

// innocentEvery: one benign request after this many attack requests, so
// the innocent client's traffic is mixed into every burst.
const innocentEvery = 10

// AttackPhase is one burst of the attack scenario against the demo IdP
// API (apps/oauthcheck-idp.json, guard mode observe).
type AttackPhase struct {
	Name     string // the detector it should fire, or InnocentPhase
	ClientID string // the client_id the requests carry ("": none)
	// ClientIP is sent as X-Real-IP, which Tyk's RealIP trusts when no
	// proxy overwrites it: each phase is its own IP subject, and the
	// innocent client never shares the attackers' IP.
	ClientIP   string
	Requests   int
	WantStatus int    // the IdP's answer to each request
	What       string // what is sent, for the printed line; never a secret
	build      func(ctx context.Context, i int) (*http.Request, error)
}

// CaseName is the phase's case name in User-Agents.
func (p *AttackPhase) CaseName() string { return AttackCasePrefix + p.Name }

// Attack is the whole scenario: the attack phases in order, and the
// innocent client mixed into them.
type Attack struct {
	Phases   []*AttackPhase
	Innocent *AttackPhase
	// NotSent names what the scenario leaves out for this IdP, and why.
	NotSent []string
}

// PhaseResult is what one phase's requests got.
type PhaseResult struct {
	Phase     *AttackPhase
	UserAgent string
	Sent      int
	Statuses  map[int]int
	// Unexpected counts answers other than WantStatus and the guard's 429.
	Unexpected int
	Errs       []error // transport failures (the first few)
	Skipped    string
}

// AttackerClientID is the unregistered client_id the credential-stuffing
// burst uses: one per run, so its counts start from nothing.
func (r *Runner) AttackerClientID() string { return "demo-attacker-" + r.Config.RunID }

// attackIP is a per-run address of the IPv6 documentation prefix
// (RFC 3849) for phase n: a rerun never lands on the last run's subjects.
func (r *Runner) attackIP(n int) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(r.Config.RunID))
	s := h.Sum64()
	ip := net.ParseIP(fmt.Sprintf("2001:db8:%x:%x::%x", uint16(s>>48), uint16(s>>32), n))
	return ip.String()
}

// attackValue is a distinct, per-run demo value (a guessed secret, code
// or token), recorded as a secret so the e2e suite looks for it.
func (r *Runner) attackValue(kind string, i int) string {
	sum := sha256.Sum256([]byte(r.Config.RunID + "/" + kind + "/" + strconv.Itoa(i)))
	v := "demo-" + kind + "-" + hex.EncodeToString(sum[:12])
	r.addSecret(v)
	return v
}

// burst is twice the detector's default floor, so it fires twice (risk
// medium, then high, which quarantines in enforce mode), plus a tail that
// enforce mode answers with 429.
func burst(d guard.Detector, extra int) int { return 2*guard.Registry[d].Defaults.Floor + extra }

// Attack builds the scenario for Config.IdP. The demo IdP API must run
// the guard with its default thresholds.
func (r *Runner) Attack() *Attack {
	cfg := r.Config
	ep := cfg.IdP.Endpoints()
	token, auth, userinfo := IdPPrefix+ep.Token, IdPPrefix+ep.Auth, IdPPrefix+ep.Userinfo
	// Keycloak answers a wrong redirect_uri with its error page and sends
	// an authorize error to the callback with 302; Hydra redirects to its
	// error UI (302), and fosite sends authorize errors with 303
	// (fosite v0.49.0 authorize_error.go).
	redirectStatus, scopeStatus := http.StatusBadRequest, http.StatusFound
	if cfg.IdP == Hydra {
		redirectStatus, scopeStatus = http.StatusFound, http.StatusSeeOther
	}
	attacker := r.AttackerClientID()
	r.addSecret(cfg.ClientSecret)
	a := &Attack{
		Phases: []*AttackPhase{
			{
				Name: guard.CredentialStuffing.String(), ClientID: attacker, ClientIP: r.attackIP(1),
				Requests: burst(guard.CredentialStuffing, 5), WantStatus: http.StatusUnauthorized,
				What: "POST " + token + " client_credentials, HTTP Basic with one client_id and a different wrong secret each",
				build: func(ctx context.Context, i int) (*http.Request, error) {
					req, err := postForm(ctx, r.gw(token), url.Values{"grant_type": {"client_credentials"}})
					if err == nil {
						req.SetBasicAuth(url.QueryEscape(attacker), url.QueryEscape(r.attackValue("stuffed-secret", i)))
					}
					return req, err
				},
			},
			{
				Name: guard.GrantReplay.String(), ClientID: cfg.PublicClientID, ClientIP: r.attackIP(2),
				Requests: burst(guard.GrantReplay, 5), WantStatus: http.StatusBadRequest,
				What: "POST " + token + " as the public client, alternately a code and a refresh token nobody issued",
				build: func(ctx context.Context, i int) (*http.Request, error) {
					form := url.Values{"client_id": {cfg.PublicClientID}}
					if i%2 == 0 {
						form.Set("grant_type", "authorization_code")
						form.Set("code", r.attackValue("replayed-code", i))
						form.Set("redirect_uri", registeredRedirect)
						verifier := oauth2.GenerateVerifier()
						r.addSecret(verifier)
						form.Set("code_verifier", verifier)
					} else {
						form.Set("grant_type", "refresh_token")
						form.Set("refresh_token", r.attackValue("replayed-refresh-token", i))
					}
					return postForm(ctx, r.gw(token), form)
				},
			},
			{
				// Distinct URIs are what this detector counts, in a 64-bit
				// linear-counting sketch; the extra covers its collisions.
				Name: guard.RedirectProbing.String(), ClientID: cfg.PublicClientID, ClientIP: r.attackIP(3),
				Requests: burst(guard.RedirectProbing, 12), WantStatus: redirectStatus,
				What: "GET " + auth + " as the public client, a different unregistered redirect_uri each",
				build: func(ctx context.Context, i int) (*http.Request, error) {
					return r.authorizeRequest(ctx, auth, ProbeRedirectURI(cfg.RunID, i), "openid")
				},
			},
			{
				// The IdPs answer an unknown scope with a redirect to the
				// registered callback carrying error=invalid_scope.
				Name: guard.ScopeProbing.String(), ClientID: cfg.PublicClientID, ClientIP: r.attackIP(4),
				Requests: burst(guard.ScopeProbing, 5), WantStatus: scopeStatus,
				What: "GET " + auth + " as the public client, the registered redirect_uri and a different unknown scope each",
				build: func(ctx context.Context, i int) (*http.Request, error) {
					return r.authorizeRequest(ctx, auth, registeredRedirect, "openid demo-probe-"+strconv.Itoa(i))
				},
			},
			{
				// The demo IdP API maps userinfo as a resource endpoint:
				// the only resource server the guard watches.
				Name: guard.TokenGuessing.String(), ClientIP: r.attackIP(5),
				Requests: burst(guard.TokenGuessing, 5), WantStatus: http.StatusUnauthorized,
				What: "GET " + userinfo + " with a different guessed bearer token each",
				build: func(ctx context.Context, i int) (*http.Request, error) {
					req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.gw(userinfo), nil)
					if err == nil {
						req.Header.Set("Authorization", "Bearer "+r.attackValue("guessed-token", i))
					}
					return req, err
				},
			},
		},
		Innocent: &AttackPhase{
			// An address no attack phase uses.
			Name: InnocentPhase, ClientID: cfg.ClientID, ClientIP: r.attackIP(0xbe),
			WantStatus: http.StatusOK,
			What:       "POST " + token + " client_credentials with the right secret",
			build: func(ctx context.Context, _ int) (*http.Request, error) {
				req, err := postForm(ctx, r.gw(token), url.Values{"grant_type": {"client_credentials"}})
				if err == nil {
					req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
				}
				return req, err
			},
		},
		// Every password grant needs the confidential client, which is the
		// innocent one here; bursting it would label the innocent client.
		NotSent: []string{"password-grant stuffing (the credential_stuffing username shapes): it needs " + cfg.ClientID + "'s secret, and " + cfg.ClientID + " is the innocent client"},
	}
	total := 0
	for _, p := range a.Phases {
		total += p.Requests
	}
	a.Innocent.Requests = total / innocentEvery
	return a
}

// ProbeRedirectURI is the i-th unregistered redirect URI of redirect
// probing.
func ProbeRedirectURI(runID string, i int) string {
	return "https://attacker.example/" + url.PathEscape(runID) + "/callback-" + strconv.Itoa(i)
}

// authorizeRequest is the browser's first request of a code flow with
// PKCE for the public client, as x/oauth2 builds it.
func (r *Runner) authorizeRequest(ctx context.Context, path, redirect, scope string) (*http.Request, error) {
	verifier := oauth2.GenerateVerifier()
	r.addSecret(verifier)
	oc := oauth2.Config{ClientID: r.Config.PublicClientID, RedirectURL: redirect, Scopes: strings.Fields(scope),
		Endpoint: oauth2.Endpoint{AuthURL: r.gw(path)}}
	u := oc.AuthCodeURL("demo-state-"+r.Config.RunID, oauth2.S256ChallengeOption(verifier))
	return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
}

// RunAttack sends the scenario: each phase's burst in order, with one
// innocent request after every innocentEvery attack requests. Results are
// the phases in order, then the innocent client's. Without the IdP every
// phase is skipped with the reason.
func (r *Runner) RunAttack(ctx context.Context, a *Attack) []PhaseResult {
	results := make([]PhaseResult, len(a.Phases)+1)
	all := append(append([]*AttackPhase{}, a.Phases...), a.Innocent)
	for i, p := range all {
		results[i] = PhaseResult{Phase: p, UserAgent: r.attackUserAgent(p), Statuses: map[int]int{}}
	}
	innocent := &results[len(a.Phases)]
	if reason, down := r.Available(ctx)[TargetIdP]; down {
		for i := range results {
			results[i].Skipped = reason
		}
		return results
	}
	sent := 0
	for i, p := range a.Phases {
		for n := 0; n < p.Requests && ctx.Err() == nil; n++ {
			r.sendAttack(ctx, &results[i], n)
			sent++
			if sent%innocentEvery == 0 && innocent.Sent < a.Innocent.Requests {
				r.sendAttack(ctx, innocent, innocent.Sent)
			}
		}
	}
	for innocent.Sent < a.Innocent.Requests && ctx.Err() == nil {
		r.sendAttack(ctx, innocent, innocent.Sent)
	}
	return results
}

func (r *Runner) attackUserAgent(p *AttackPhase) string {
	return "oauthcheck-traffic/" + r.Config.RunID + " case=" + p.CaseName()
}

// sendAttack sends request n of res's phase and counts its answer.
func (r *Runner) sendAttack(ctx context.Context, res *PhaseResult, n int) {
	p := res.Phase
	res.Sent++
	req, err := p.build(ctx, n)
	if err != nil {
		res.addErr(err)
		return
	}
	tr := &caseTransport{base: headerTransport{base: r.base, name: "X-Real-Ip", value: p.ClientIP}, userAgent: res.UserAgent}
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	resp, err := client.Do(req)
	if err != nil {
		res.addErr(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.addResponseSecrets(tr.header, tr.body)
	res.Statuses[tr.status]++
	if tr.status != p.WantStatus && tr.status != http.StatusTooManyRequests {
		res.Unexpected++
	}
}

func (res *PhaseResult) addErr(err error) {
	if len(res.Errs) < 3 {
		res.Errs = append(res.Errs, err)
	}
}

// Failed reports transport failures or unexpected answers.
func (res *PhaseResult) Failed() bool { return res.Unexpected > 0 || len(res.Errs) > 0 }

// StatusSummary is "401×45" or "401×40 429×5", by status.
func (res *PhaseResult) StatusSummary() string {
	codes := make([]int, 0, len(res.Statuses))
	for c := range res.Statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, res.Statuses[c]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// LookFor is the labels this phase's analytics records should carry.
func (p *AttackPhase) LookFor() string {
	client := ""
	if p.ClientID != "" {
		client = ", x-oauth-client-" + p.ClientID
	}
	if p.Name == InnocentPhase {
		return "x-oauth-cause-ok" + client + ", and no x-oauth-risk-*, x-oauth-anomaly-* or x-oauth-action-*"
	}
	d, _ := guard.ByName(p.Name)
	floor := guard.Registry[d].Defaults.Floor
	unit := ""
	if d == guard.RedirectProbing {
		unit = " distinct URIs"
	}
	return fmt.Sprintf("x-oauth-anomaly-%s (at %d and %d%s), x-oauth-risk-medium then x-oauth-risk-high%s; "+
		"enforce: 429 with x-oauth-action-blocked once the ip is quarantined", p.Name, floor, 2*floor, unit, client)
}

// Line is the phase's printed line: what was sent, the statuses seen and
// the labels to look for. It names no secret: secrets, codes and tokens
// are described, never shown.
func (res *PhaseResult) Line() string {
	p := res.Phase
	head := fmt.Sprintf("%-28s ip %s", p.CaseName(), p.ClientIP)
	if p.ClientID != "" {
		head += " client_id " + p.ClientID
	}
	if res.Skipped != "" {
		return head + ": skipped (see above)"
	}
	line := fmt.Sprintf("%s: sent %d× %s; got %s (want %d); look for %s",
		head, res.Sent, p.What, res.StatusSummary(), p.WantStatus, p.LookFor())
	if res.Unexpected > 0 {
		line += fmt.Sprintf("  # UNEXPECTED: %d answers other than %d or 429", res.Unexpected, p.WantStatus)
	}
	for _, err := range res.Errs {
		line += "  # FAIL: " + strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	return line
}

// ReportLine is one printed line of the attack scenario.
type ReportLine struct {
	Text   string
	Failed bool
}

// AttackReport is what cmd/traffic prints for an attack run: what was left
// out, where to look, then one line per phase and the innocent client's.
func AttackReport(a *Attack, results []PhaseResult, runID string) []ReportLine {
	out := make([]ReportLine, 0, len(results)+len(a.NotSent)+2)
	for _, n := range a.NotSent {
		out = append(out, ReportLine{Text: "# not sent: " + n})
	}
	out = append(out, ReportLine{Text: fmt.Sprintf("# records: docker compose logs pump | grep 'oauthcheck-traffic/%s case=%s'; "+
		"firings: docker compose logs gateway | grep 'oauthcheck: anomaly'", runID, AttackCasePrefix)})
	if len(results) > 0 && results[0].Skipped != "" {
		out = append(out, ReportLine{Text: "# skipping the attack scenario: " + results[0].Skipped})
	}
	for i := range results {
		out = append(out, ReportLine{Text: results[i].Line(), Failed: results[i].Failed()})
	}
	return out
}
