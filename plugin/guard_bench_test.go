package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// BenchmarkPreHookGuardEnforce is the pre hook (label stripping plus the
// enforcement check) on an enforce-mode API with nobody quarantined.
func BenchmarkPreHookGuardEnforce(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	def := guardAPI("bench-guard-pre", "enforce")
	r := httptest.NewRequest("POST", "/token", nil)
	standin.SetDefinition(r, def)
	w := httptest.NewRecorder()
	OAuthCheckPre(w, r) // parse the config once
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		OAuthCheckPre(w, r)
	}
}

// BenchmarkPreHookGuardQuarantineActive: one attacker is quarantined, so
// every request pays the IP and client_id lookups.
func BenchmarkPreHookGuardQuarantineActive(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	now := time.Unix(1_800_000_000, 0)
	guardNow = func() time.Time { return now }
	defer func() { guardNow = time.Now }()
	def := guardAPI("bench-guard-active", "enforce")
	for i := 0; i < 100; i++ {
		now = now.Add(100 * time.Millisecond)
		failToken(def, "203.0.113.99", guardReplayBody, `{"error":"invalid_grant"}`, 400)
	}
	r := httptest.NewRequest("POST", "/token?client_id=innocent-app", nil)
	standin.SetDefinition(r, def)
	w := httptest.NewRecorder()
	if OAuthCheckPre(w, r); w.Code != 200 || w.Body.Len() != 0 {
		b.Fatal("innocent request blocked")
	}
	if e := apiFor(r).guard.get("bench-guard-active"); e == nil || !e.AnyQuarantined(now) {
		b.Fatal("no quarantine active")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		OAuthCheckPre(w, r)
	}
}

// BenchmarkPreHookGuardQuarantineActiveClock is the case above with the
// real clock, which the request pays while a quarantine lasts.
func BenchmarkPreHookGuardQuarantineActiveClock(b *testing.B) {
	w, r := activeQuarantineRequest(b, "bench-guard-active-clock")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		OAuthCheckPre(w, r)
	}
}

// BenchmarkGuardCheckPreActiveClock is the guard's part of that pre hook
// alone (API lookup, clock, IP lookup), without the label stripping.
func BenchmarkGuardCheckPreActiveClock(b *testing.B) {
	w, r := activeQuarantineRequest(b, "bench-guard-check-clock")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		guardCheckRequest(w, r, "pre")
	}
}

// activeQuarantineRequest quarantines an attacker's IP on a new enforce-mode
// API, on the real clock, and returns an innocent request to it.
func activeQuarantineRequest(b *testing.B, name string) (*httptest.ResponseRecorder, *http.Request) {
	standin.Logger.SetOutput(io.Discard)
	now := time.Now()
	guardNow = func() time.Time { return now }
	defer func() { guardNow = time.Now }()
	def := guardAPI(name, "enforce")
	for i := 0; i < 100; i++ {
		now = now.Add(10 * time.Millisecond) // the quarantine starts within a second and lasts a minute
		failToken(def, "203.0.113.99", guardReplayBody, `{"error":"invalid_grant"}`, 400)
	}
	guardNow = time.Now
	r := httptest.NewRequest("POST", "/token?client_id=innocent-app", nil)
	standin.SetDefinition(r, def)
	w := httptest.NewRecorder()
	if OAuthCheckPre(w, r); w.Code != 200 || w.Body.Len() != 0 {
		b.Fatal("innocent request blocked")
	}
	if e := apiFor(r).guard.get(def.APIID); e == nil || !e.AnyQuarantined(time.Now()) {
		b.Fatal("no quarantine active")
	}
	return w, r
}

// BenchmarkGuardObserveFromHook is the response hook's guard call alone
// for an OAuth error: event building, engine, labels.
func BenchmarkGuardObserveFromHook(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	def := guardAPI("bench-guard-observe", "observe")
	r := tokenRequest(def, "grant_type=client_credentials&client_id=demo")
	api := apiFor(r)
	req := classify.Request{Method: "POST", Header: r.Header, Body: []byte("grant_type=client_credentials&client_id=demo")}
	result := classify.NewResult(classify.EndpointToken, classify.InvalidClient)
	who := caller{OAuthClientID: "demo"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		guardObserve(api, r, &req, &result, who)
	}
}
