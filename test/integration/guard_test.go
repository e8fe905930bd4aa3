package integration

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/test/harness"
)

// guardTagHeaders add the guard's labels to the cause labels.
var guardTagHeaders = append(append([]string{}, harness.DefaultTagHeaders...), "x-oauth-risk", "x-oauth-anomaly", "x-oauth-action")

// In enforce mode, a client replaying authorization codes through the
// gateway against a real OAuth server (fosite) is quarantined: it gets 429
// with Retry-After and a JSON error written by the pre hook, which Tyk's
// error handler leaves as is, and its requests stop reaching the IdP. An
// innocent client on the same API keeps a 100% success rate.
func TestGuardEnforceBlocksAttackerInnocentUnaffected(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	apiID := uniqueAPIID("guard-enforce")
	g := harness.NewGateway(t, p, harness.API{ID: apiID, Upstream: d.URL, Keyless: true, TagHeaders: guardTagHeaders,
		ConfigData: map[string]interface{}{"oauthcheck": map[string]interface{}{"guard": map[string]interface{}{"mode": "enforce"}}}})
	logs := harness.CaptureLogs()

	innocent := func() harness.Exchange {
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(serviceClientID, d.secrets[serviceClientID])
		req.Header.Set("X-Real-IP", "198.51.100.8") // Tyk's request.RealIP honours it, as the harness's stand-in does
		return g.Do(t, nil, req)
	}
	attack := func(i int) harness.Exchange {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {"replayed-code-" + strconv.Itoa(i) + "." + randomString(t, 8)},
			"redirect_uri": {webRedirect}}
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(webClientID, d.secrets[webClientID])
		req.Header.Set("X-Real-IP", "203.0.113.7")
		return g.Do(t, nil, req)
	}

	var innocentOK, innocentTotal, attackUpstream, blocked int
	var firstBlock *harness.Exchange
	for i := 0; i < 80; i++ {
		ex := attack(i)
		switch ex.Status {
		case http.StatusTooManyRequests:
			blocked++
			if firstBlock == nil {
				firstBlock = &ex
			}
		case http.StatusBadRequest:
			attackUpstream++
			if firstBlock != nil {
				t.Fatalf("attack %d reached the IdP after the quarantine began", i)
			}
		default:
			t.Fatalf("attack %d: unexpected %d %s", i, ex.Status, ex.Body)
		}
		in := innocent()
		innocentTotal++
		if in.Status == http.StatusOK {
			innocentOK++
		} else {
			t.Errorf("innocent request %d: %d %s (tags %v)", i, in.Status, in.Body, in.Record.Tags)
		}
		if len(in.Record.TagsWithPrefix("x-oauth-action-")) > 0 || len(in.Record.TagsWithPrefix("x-oauth-anomaly-")) > 0 {
			t.Errorf("innocent request %d labelled %v", i, in.Record.Tags)
		}
	}
	t.Logf("attacker: %d answered by the IdP, %d blocked; innocent: %d/%d succeeded", attackUpstream, blocked, innocentOK, innocentTotal)
	if firstBlock == nil {
		t.Fatal("the attacker was never blocked")
	}
	if attackUpstream > 45 {
		t.Errorf("the attacker reached the IdP %d times before the quarantine", attackUpstream)
	}
	if innocentOK != innocentTotal {
		t.Errorf("innocent success %d/%d, want 100%%", innocentOK, innocentTotal)
	}

	ex := *firstBlock
	ra, err := strconv.Atoi(ex.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q, want 1 to 60", ex.Header.Get("Retry-After"))
	}
	var body map[string]string
	if err := json.Unmarshal(ex.Body, &body); err != nil || body["error"] != "too_many_requests" || body["error_description"] == "" || len(body) != 2 {
		t.Errorf("body %q is not exactly our JSON error (%v)", ex.Body, err)
	}
	if ct := ex.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if ex.Header.Get("X-Generator") != "" {
		t.Error("Tyk's error handler wrote its own answer over ours")
	}
	rec := ex.Record
	if !rec.ErrorPath || rec.ResponseCode != http.StatusTooManyRequests {
		t.Errorf("record: error path %v code %d, want the error handler's record of 429", rec.ErrorPath, rec.ResponseCode)
	}
	for _, tag := range []string{"x-oauth-action-blocked", "x-oauth-anomaly-grant_replay", "x-oauth-risk-high"} {
		if !rec.HasTag(tag) {
			t.Errorf("blocked record tags %v lack %s", rec.Tags, tag)
		}
	}
	var anomaly, block bool
	for _, l := range logs.ForAPI(apiID) {
		anomaly = anomaly || strings.HasPrefix(l.Field("msg"), "oauthcheck: anomaly: grant_replay")
		block = block || strings.HasPrefix(l.Field("msg"), "oauthcheck: blocked a quarantined")
	}
	if !anomaly || !block {
		t.Errorf("want an anomaly and a block log line (anomaly %v, block %v)", anomaly, block)
	}
	out := string(logs.Bytes())
	for _, s := range append(d.secretValues(), d.secrets[webClientID], d.secrets[serviceClientID]) {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("a secret (%.10s…) reached the logs", s)
		}
	}
}

// Clients cannot forge the guard's labels: the pre hook strips them.
func TestGuardLabelsCannotBeForged(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	g := harness.NewGateway(t, p, harness.API{ID: uniqueAPIID("guard-forged"), Upstream: d.URL, Keyless: true, TagHeaders: guardTagHeaders})
	req, _ := http.NewRequest(http.MethodGet, g.URL+"/api/nothing-oauth", nil)
	req.Header.Set("X-Oauth-Action", "blocked")
	req.Header.Set("X-Oauth-Risk", "low")
	req.Header.Set("X-Oauth-Anomaly", "upstream_incident")
	ex := g.Do(t, nil, req)
	if tags := oauthTags(ex.Record); len(tags) > 0 {
		t.Errorf("forged guard labels became tags %v", tags)
	}
}
