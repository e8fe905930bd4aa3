package main

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/audit"
	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// The first request on a definition logs one warn line per high finding;
// later requests on the same definition log nothing more.
func TestLoadTimeRiskWarnings(t *testing.T) {
	src, err := os.ReadFile("audit/testdata/weak-api.json")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := audit.CheckAPIDefinitions("weak", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantRules := map[string]bool{}
	for _, f := range fs {
		if f.Severity >= audit.SeverityHigh && f.Rule != audit.ConfigUpstreamSecretPlain { // resolved by Tyk before the plugin sees it
			wantRules[f.Rule] = true
		}
	}
	if len(wantRules) < 3 {
		t.Fatalf("fixture has only %d high rules", len(wantRules))
	}

	logs := captureLogs(t)
	def := &standin.APIDefinition{APIID: "weak-load-audit", Source: src}
	for i := 0; i < 3; i++ {
		r := httptest.NewRequest("GET", "/weak/anything", nil)
		standin.SetDefinition(r, def)
		res := upstreamResponse(200, []byte(`{}`), "Content-Type", "application/json")
		OAuthCheckResponse(httptest.NewRecorder(), res, r)
	}
	got := map[string]int{}
	for _, l := range logLines(t, logs) {
		rule, _ := l["rule"].(string)
		if rule == "" {
			continue
		}
		if l["level"] != "warning" || l["api_id"] != "weak-load-audit" || !strings.HasPrefix(l["msg"].(string), "oauthcheck: risk: ") {
			t.Errorf("risk line: %v", l)
		}
		got[rule]++
	}
	for rule := range wantRules {
		if got[rule] != 1 {
			t.Errorf("rule %s logged %d times, want once", rule, got[rule])
		}
	}
	for rule := range got {
		if !wantRules[rule] {
			t.Errorf("non-high rule %s logged", rule)
		}
	}
}

// A definition without Source (or a clean one) logs no risk line.
func TestNoRiskLineForCleanDefinition(t *testing.T) {
	src, err := os.ReadFile("../apps/oauthcheck-idp.json")
	if err != nil {
		t.Fatal(err)
	}
	logs := captureLogs(t)
	for _, def := range []*standin.APIDefinition{{APIID: "clean-audit", Source: src}, {APIID: "no-source-audit"}} {
		r := httptest.NewRequest("GET", "/idp/userinfo", nil)
		standin.SetDefinition(r, def)
		OAuthCheckResponse(httptest.NewRecorder(), upstreamResponse(200, []byte(`{}`), "Content-Type", "application/json"), r)
	}
	for _, l := range logLines(t, logs) {
		if _, ok := l["rule"]; ok {
			t.Errorf("clean definition logged a risk: %v", l)
		}
	}
}
