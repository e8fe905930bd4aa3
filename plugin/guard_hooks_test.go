package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// fakeClock makes guardNow a clock the test moves.
func fakeClock(t *testing.T) *time.Time {
	t.Helper()
	now := time.Unix(1_800_000_000, 0)
	guardNow = func() time.Time { return now }
	t.Cleanup(func() { guardNow = time.Now })
	return &now
}

// guardSeq keeps API ids apart across -count runs: guards outlive
// definitions (hot reloads), so a reused id would carry state over.
var guardSeq atomic.Int64

func guardAPI(id, mode string) *standin.APIDefinition {
	id += "-" + strconv.FormatInt(guardSeq.Add(1), 10)
	return &standin.APIDefinition{APIID: id, ConfigData: map[string]interface{}{
		"oauthcheck": map[string]interface{}{"guard": map[string]interface{}{"mode": mode}}}}
}

// failToken sends one failing token request from ip through the response hook.
func failToken(def *standin.APIDefinition, ip, body, answer string, status int) *http.Request {
	r := tokenRequest(def, body)
	r.RemoteAddr = ip + ":40000"
	OAuthCheckResponse(httptest.NewRecorder(), upstreamResponse(status, []byte(answer), "Content-Type", "application/json"), r)
	return r
}

func preFrom(def *standin.APIDefinition, ip string) (*httptest.ResponseRecorder, *http.Request) {
	r := tokenRequest(def, "grant_type=client_credentials")
	r.RemoteAddr = ip + ":40001"
	w := httptest.NewRecorder()
	OAuthCheckPre(w, r)
	return w, r
}

const guardReplayBody = "grant_type=authorization_code&code=" + demoCode + "&client_id=demo-app&client_secret=" + demoClientSecret + "&code_verifier=" + demoVerifier

func TestGuardEnforceBlocksAttackerNotInnocent(t *testing.T) {
	logs := captureLogs(t)
	now := fakeClock(t)
	def := guardAPI("guard-enforce", "enforce")
	var last *http.Request
	for i := 0; i < 60; i++ {
		*now = now.Add(200 * time.Millisecond)
		last = failToken(def, "203.0.113.50", guardReplayBody, `{"error":"invalid_grant"}`, 400)
	}
	if got := last.Header.Values(HeaderRisk); len(got) != 1 || got[0] != "high" {
		t.Errorf("attacker's last response: risk label %v, want high", got)
	}
	w, r := preFrom(def, "203.0.113.50")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("attacker: pre answered %d, want 429", w.Code)
	}
	ra := w.Header().Get("Retry-After")
	if n, err := strconv.Atoi(ra); err != nil || n < 1 || n > 60 {
		t.Errorf("Retry-After %q, want 1 to 60 seconds (the first quarantine)", ra)
	}
	var body struct{ Error, ErrorDescription string }
	dec := json.NewDecoder(w.Body)
	if err := dec.Decode(&struct {
		Error            *string `json:"error"`
		ErrorDescription *string `json:"error_description"`
	}{&body.Error, &body.ErrorDescription}); err != nil || body.Error != "too_many_requests" || !strings.Contains(body.ErrorDescription, "after "+ra+" seconds") {
		t.Errorf("body %+v (%v)", body, err)
	}
	if w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", w.Header().Get("Content-Type"))
	}
	if r.Header.Get(HeaderAction) != "blocked" || r.Header.Get(HeaderAnomaly) != "grant_replay" || r.Header.Get(HeaderRisk) != "high" {
		t.Errorf("blocked request labels: %v", r.Header)
	}
	// An innocent client on the same API passes, unlabelled.
	w, r = preFrom(def, "198.51.100.7")
	if w.Code != http.StatusOK || w.Body.Len() != 0 || len(w.Header()) != 0 {
		t.Errorf("innocent: pre wrote %d %v %q", w.Code, w.Header(), w.Body.String())
	}
	if r.Header.Get(HeaderAction) != "" {
		t.Error("innocent request labelled blocked")
	}
	// After the quarantine the attacker passes again.
	*now = now.Add(61 * time.Second)
	if w, _ := preFrom(def, "203.0.113.50"); w.Code != http.StatusOK {
		t.Errorf("after the quarantine: %d", w.Code)
	}
	var firing, block bool
	for _, l := range logLines(t, logs) {
		msg, _ := l["msg"].(string)
		firing = firing || strings.HasPrefix(msg, "oauthcheck: anomaly: grant_replay fired") && l["level"] == "warning" && l["subject"] == "203.0.113.50"
		block = block || strings.HasPrefix(msg, "oauthcheck: blocked a quarantined ip") && l["hook"] == "pre"
	}
	if !firing || !block {
		t.Errorf("want a firing and a block warn line; firing %v block %v:\n%s", firing, block, logs)
	}
	assertNoSecrets(t, logs.String(), r.Header)
}

func TestGuardObserveLabelsNeverBlocks(t *testing.T) {
	captureLogs(t)
	now := fakeClock(t)
	for _, def := range []*standin.APIDefinition{guardAPI("guard-observe", "observe"), {APIID: "guard-default-" + strconv.FormatInt(guardSeq.Add(1), 10)}} {
		var anomaly []string
		for i := 0; i < 60; i++ {
			*now = now.Add(200 * time.Millisecond)
			r := failToken(def, "203.0.113.51", guardReplayBody, `{"error":"invalid_grant"}`, 400)
			if v := r.Header.Values(HeaderAnomaly); len(v) > 0 {
				anomaly = v
			}
		}
		if len(anomaly) == 0 || anomaly[0] != "grant_replay" {
			t.Errorf("%s: anomaly label %v, want grant_replay", def.APIID, anomaly)
		}
		if w, _ := preFrom(def, "203.0.113.51"); w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Errorf("%s: observe mode answered %d", def.APIID, w.Code)
		}
	}
}

func TestGuardOffFeedsNothing(t *testing.T) {
	now := fakeClock(t)
	def := guardAPI("guard-off", "off")
	for i := 0; i < 100; i++ {
		*now = now.Add(100 * time.Millisecond)
		r := failToken(def, "203.0.113.52", guardReplayBody, `{"error":"invalid_grant"}`, 400)
		if v := r.Header.Values(HeaderAnomaly); len(v) > 0 {
			t.Fatalf("mode off labelled %v", v)
		}
	}
}

// Password-grant stuffing: one username from many IPs is caught by its
// keyed hash; neither the username nor the password is logged or labelled.
func TestGuardPasswordStuffingKeepsSecrets(t *testing.T) {
	logs := captureLogs(t)
	now := fakeClock(t)
	def := guardAPI("guard-password", "enforce")
	const user, password = "alice.victim@example.com", "Password-Secret-123"
	var fired bool
	for i := 0; i < 40; i++ {
		*now = now.Add(time.Second)
		r := failToken(def, "198.18.0."+strconv.Itoa(i), "grant_type=password&username="+strings.ReplaceAll(user, "@", "%40")+"&password="+password+"&client_id=demo-app",
			`{"error":"invalid_grant","error_description":"Invalid user credentials"}`, 400)
		fired = fired || strings.Contains(strings.Join(r.Header.Values(HeaderAnomaly), ","), "credential_stuffing")
		for k, v := range r.Header {
			if strings.Contains(strings.Join(v, ","), "alice") || strings.Contains(strings.Join(v, ","), password) {
				if k != "Content-Type" {
					t.Fatalf("label %s carries a secret: %v", k, v)
				}
			}
		}
	}
	if !fired {
		t.Error("credential_stuffing did not fire for one username across 40 IPs")
	}
	out := logs.String()
	if strings.Contains(out, "alice") || strings.Contains(out, password) {
		t.Errorf("logs carry the username or password:\n%s", out)
	}
	if !strings.Contains(out, `"subject_kind":"user"`) {
		t.Errorf("no firing line for the user subject:\n%s", out)
	}
}

// A key guessing tokens at a resource server is blocked in post_key_auth.
func TestGuardBlocksKeyInPostKeyAuth(t *testing.T) {
	captureLogs(t)
	now := fakeClock(t)
	def := guardAPI("guard-key", "enforce")
	session := &standin.SessionState{Alias: "partner", KeyHash: "partner-key-hash"}
	for i := 0; i < 80; i++ {
		*now = now.Add(300 * time.Millisecond)
		r := httptest.NewRequest("GET", "/orders/1", nil)
		r.RemoteAddr = "198.19.0." + strconv.Itoa(i%200) + ":1"
		r.Header.Set("Authorization", "Bearer "+demoAccessToken)
		standin.SetDefinition(r, def)
		standin.SetSession(r, session)
		OAuthCheckResponse(httptest.NewRecorder(), upstreamResponse(401, nil, "WWW-Authenticate", `Bearer error="invalid_token"`), r)
	}
	r := httptest.NewRequest("GET", "/orders/1", nil)
	standin.SetDefinition(r, def)
	standin.SetSession(r, session)
	w := httptest.NewRecorder()
	OAuthCheckAuth(w, r)
	if w.Code != http.StatusTooManyRequests || r.Header.Get(HeaderAnomaly) != "token_guessing" {
		t.Fatalf("key: %d %v, want 429 for token_guessing", w.Code, r.Header)
	}
	other := httptest.NewRequest("GET", "/orders/1", nil)
	standin.SetDefinition(other, def)
	standin.SetSession(other, &standin.SessionState{Alias: "good", KeyHash: "good-key-hash"})
	w = httptest.NewRecorder()
	OAuthCheckAuth(w, other)
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("another key blocked: %d", w.Code)
	}
}

func TestPreStripsForgedGuardLabels(t *testing.T) {
	r := httptest.NewRequest("GET", "/anything", nil)
	r.Header.Set("X-Oauth-Action", "blocked")
	r.Header["x-oauth-risk"] = []string{"low"}
	r.Header.Set("X-OAUTH-ANOMALY", "none")
	OAuthCheckPre(httptest.NewRecorder(), r)
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-oauth-") {
			t.Errorf("forged %s survived", k)
		}
	}
}

// A hot reload (a new definition object, same API id and guard config)
// keeps the quarantine; a changed guard config starts afresh.
func TestGuardSurvivesHotReload(t *testing.T) {
	captureLogs(t)
	now := fakeClock(t)
	def := guardAPI("guard-reload", "enforce")
	for i := 0; i < 60; i++ {
		*now = now.Add(200 * time.Millisecond)
		failToken(def, "203.0.113.70", guardReplayBody, `{"error":"invalid_grant"}`, 400)
	}
	if w, _ := preFrom(def, "203.0.113.70"); w.Code != http.StatusTooManyRequests {
		t.Fatalf("not quarantined before the reload: %d", w.Code)
	}
	reloaded := &standin.APIDefinition{APIID: def.APIID, ConfigData: def.ConfigData}
	if w, _ := preFrom(reloaded, "203.0.113.70"); w.Code != http.StatusTooManyRequests {
		t.Errorf("quarantine lost on a reload with the same config: %d", w.Code)
	}
	changed := &standin.APIDefinition{APIID: def.APIID, ConfigData: map[string]interface{}{
		"oauthcheck": map[string]interface{}{"guard": map[string]interface{}{"mode": "enforce", "quarantine_max_seconds": 300}}}}
	if w, _ := preFrom(changed, "203.0.113.70"); w.Code != http.StatusOK {
		t.Errorf("a changed guard config kept the old state: %d", w.Code)
	}
}
