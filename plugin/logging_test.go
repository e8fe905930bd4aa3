package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/logagg"
	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// testClock is the injected clock; locked, since the plugin's flush
// ticker may read it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// tokenSuccess is a token answer without Cache-Control: no-store, so
// every one is the warning missing_no_store.
var tokenSuccess = []byte(`{"access_token":"` + demoAccessToken + `","token_type":"Bearer","expires_in":300,"refresh_token":"` + demoRefreshToken + `","id_token":"` + demoIDToken + `"}`)

// exchange runs one token exchange through the response hook on reused
// request and response values.
func exchange(r *http.Request, reqBody string, res *http.Response, body []byte) {
	r.Body = io.NopCloser(strings.NewReader(reqBody))
	res.Body = io.NopCloser(bytes.NewReader(body))
	OAuthCheckResponse(nil, res, r)
}

func TestIdenticalWarningsGiveAHandfulOfLines(t *testing.T) {
	logs := captureLogs(t)
	clock := &testClock{t: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)}
	resetLogAggregation(logagg.Config{Now: clock.now})
	def := &standin.APIDefinition{APIID: "agg-identical"}
	r := tokenRequest(def, "")
	res := upstreamResponse(200, nil, "Content-Type", "application/json")
	const n = 100_000
	for i := 0; i < n; i++ {
		exchange(r, authCodeBody, res, tokenSuccess)
		if got := r.Header.Values(HeaderCause); len(got) != 1 || got[0] != "missing_no_store" {
			t.Fatalf("request %d: labels %v, want [missing_no_store] on every record", i, got)
		}
		clock.add(time.Millisecond)
	}
	clock.add(logagg.DefaultWindow)
	writeLines(standin.Logger, logAgg.Load().Flush(nil))

	lines := logLines(t, logs)
	if len(lines) > 5 {
		t.Fatalf("got %d lines for %d identical warnings, want a handful", len(lines), n)
	}
	var firsts, repeats int
	for _, l := range lines {
		if l["api_id"] != "agg-identical" || l["causes"] != "missing_no_store" || l["client_id"] != "demo-app" || l["level"] != "info" {
			t.Errorf("line %v: want the key's fields at info", l)
		}
		r, ok := l["repeats"].(float64)
		if !ok {
			firsts++
			continue
		}
		repeats += int(r)
		w, err := time.ParseDuration(fmt.Sprint(l["window"]))
		if err != nil || w < logagg.DefaultWindow || l["upstream_status"] != float64(200) || l["endpoint"] != "token" {
			t.Errorf("summary %v: want a window of at least 1m0s and the first line's fields", l)
		}
	}
	if firsts != 1 || firsts+repeats != n {
		t.Fatalf("%d first lines + %d repeats = %d, want 1 + %d = %d", firsts, repeats, firsts+repeats, n-1, n)
	}
	assertNoSecrets(t, logs.String(), r.Header)
}

func TestBurstOfDistinctClientsStaysUnderTheCap(t *testing.T) {
	logs := captureLogs(t)
	clock := &testClock{t: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)}
	const perSec = 50
	resetLogAggregation(logagg.Config{Now: clock.now, LinesPerSecond: perSec, Capacity: 1000})
	// The guard's own firing lines (credential_stuffing) are not this test's subject.
	def := &standin.APIDefinition{APIID: "agg-burst", ConfigData: map[string]interface{}{"oauthcheck": map[string]interface{}{"guard": map[string]interface{}{"mode": "off"}}}}
	r := tokenRequest(def, "")
	res := upstreamResponse(401, nil, "Content-Type", "application/json")
	body := []byte(`{"error":"invalid_client"}`)
	const n = 100_000
	for i := 0; i < n; i++ {
		client := fmt.Sprintf("client-%d", i)
		exchange(r, "grant_type=client_credentials&client_id="+client, res, body)
		if got := r.Header.Get(HeaderClient); got != client {
			t.Fatalf("request %d: client label %q, want %q: every record keeps its labels", i, got, client)
		}
	}
	if got := len(logLines(t, logs)); got != perSec {
		t.Fatalf("burst in one second wrote %d lines, want the cap, %d", got, perSec)
	}
	clock.add(time.Second)
	writeLines(standin.Logger, logAgg.Load().Flush(nil))
	lines := logLines(t, logs)
	last := lines[len(lines)-1]
	if len(lines) != perSec+1 || last["dropped"] != float64(n-perSec) || last["level"] != "warning" {
		t.Fatalf("after the burst: %d lines, last %v; want %d lines, the last reporting dropped=%d", len(lines), last, perSec+1, n-perSec)
	}
}

func TestLogVerdictsAndLevels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string // the oauthcheck object
		status int
		body   []byte
		want   string // level of the one line, "" for none
	}{
		{"warning at info by default", `{}`, 200, tokenSuccess, "info"},
		{"invalid at warn by default", `{}`, 400, []byte(`{"error":"invalid_grant"}`), "warning"},
		{"warning not listed", `{"log_verdicts": ["invalid"]}`, 200, tokenSuccess, ""},
		{"none listed", `{"log_verdicts": []}`, 400, []byte(`{"error":"invalid_grant"}`), ""},
		{"warning raised to warn", `{"log_levels": {"warning": "warn"}}`, 200, tokenSuccess, "warning"},
		{"invalid raised to error", `{"log_levels": {"invalid": "error"}}`, 400, []byte(`{"error":"invalid_grant"}`), "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := captureLogs(t)
			def := &standin.APIDefinition{APIID: "agg-policy", ConfigData: configData(t, tc.config)}
			r := tokenRequest(def, authCodeBody)
			OAuthCheckResponse(nil, upstreamResponse(tc.status, tc.body, "Content-Type", "application/json"), r)
			if len(r.Header.Values(HeaderVerdict)) != 1 {
				t.Fatalf("labels %v: want a verdict label whatever the log policy", r.Header)
			}
			var got []string
			for _, l := range logLines(t, logs) {
				if l["api_id"] == "agg-policy" && l["verdict"] != nil {
					got = append(got, l["level"].(string))
				}
			}
			if want := []string{tc.want}; tc.want == "" && len(got) != 0 || tc.want != "" && strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("levels of lines: got %v, want %q", got, tc.want)
			}
		})
	}
}

// The ok verdict is logged only when listed, at debug unless told.
func TestOKLoggedWhenListed(t *testing.T) {
	logs := captureLogs(t)
	def := &standin.APIDefinition{APIID: "agg-ok", ConfigData: configData(t, `{"log_verdicts": ["ok"]}`)}
	r := tokenRequest(def, authCodeBody)
	OAuthCheckResponse(nil, upstreamResponse(200, tokenSuccess, "Content-Type", "application/json", "Cache-Control", "no-store"), r)
	if v := r.Header.Get(HeaderVerdict); v != "ok" {
		t.Fatalf("verdict %q, want ok", v)
	}
	lines := logLines(t, logs)
	if len(lines) != 1 || lines[0]["level"] != "debug" || lines[0]["msg"] != "oauthcheck: OAuth response ok" {
		t.Fatalf("got %v, want one debug ok line", lines)
	}
}

func TestBadLogConfigIsMisconfigured(t *testing.T) {
	logs := captureLogs(t)
	def := &standin.APIDefinition{APIID: "agg-bad", ConfigData: configData(t, `{"log_levels": {"warning": "LOUD"}}`)}
	r := tokenRequest(def, authCodeBody)
	res := upstreamResponse(200, tokenSuccess, "Content-Type", "application/json")
	OAuthCheckResponse(nil, res, r)
	if got := r.Header.Values(HeaderCause); !contains(got, "plugin_misconfigured") {
		t.Errorf("labels %v, want plugin_misconfigured", got)
	}
	if got := readAll(t, res.Body); !bytes.Equal(got, tokenSuccess) {
		t.Errorf("client body changed: traffic must be unaffected by a bad config")
	}
	var errs []string
	for _, l := range logLines(t, logs) {
		if l["level"] == "error" {
			errs = append(errs, l["error"].(string))
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], `oauthcheck.log_levels["warning"]: unknown level "LOUD"`) {
		t.Errorf("error lines %q, want one naming log_levels", errs)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The flush ticker's body, run by hand: a summary comes out when traffic
// has stopped.
func TestFlushWritesSummaryAfterTrafficStops(t *testing.T) {
	logs := captureLogs(t)
	clock := &testClock{t: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)}
	resetLogAggregation(logagg.Config{Now: clock.now})
	r := tokenRequest(&standin.APIDefinition{APIID: "agg-flush"}, "")
	res := upstreamResponse(200, nil, "Content-Type", "application/json")
	for i := 0; i < 3; i++ {
		exchange(r, authCodeBody, res, tokenSuccess)
	}
	clock.add(30 * time.Second)
	writeLines(standin.Logger, logAgg.Load().Flush(nil))
	if n := len(logLines(t, logs)); n != 1 {
		t.Fatalf("got %d lines before the window ended, want 1", n)
	}
	clock.add(30 * time.Second)
	writeLines(standin.Logger, logAgg.Load().Flush(nil))
	lines := logLines(t, logs)
	if len(lines) != 2 || lines[1]["repeats"] != float64(2) || lines[1]["window"] != "1m0s" {
		t.Fatalf("got %v, want the first line and a summary of 2 repeats over 1m0s", lines)
	}
}

func configData(t *testing.T, oauthcheck string) map[string]interface{} {
	t.Helper()
	var m map[string]interface{}
	if err := json.Unmarshal([]byte(oauthcheck), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", oauthcheck, err)
	}
	return map[string]interface{}{"oauthcheck": m}
}
