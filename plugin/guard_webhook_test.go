package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

func webhookServer(t *testing.T, status int) (string, chan []byte) {
	t.Helper()
	got := make(chan []byte, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	webhookBackoff = 0
	t.Cleanup(func() { webhookBackoff = time.Second })
	return srv.URL + "/" + strings.ReplaceAll(t.Name(), "/", "-"), got
}

func receive(t *testing.T, got chan []byte) map[string]interface{} {
	t.Helper()
	select {
	case b := <-got:
		var m map[string]interface{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("webhook body %q: %v", b, err)
		}
		return m
	case <-time.After(10 * time.Second): // a failure bound, not a speed target
		t.Fatal("no webhook event arrived")
	}
	return nil
}

func TestGuardWebhookSendsFiringAndQuarantine(t *testing.T) {
	logs := captureLogs(t)
	now := fakeClock(t)
	url, got := webhookServer(t, http.StatusOK)
	def := &standin.APIDefinition{APIID: "guard-webhook-" + strconv.FormatInt(guardSeq.Add(1), 10), ConfigData: map[string]interface{}{
		"oauthcheck": map[string]interface{}{"guard": map[string]interface{}{"mode": "enforce", "webhook_url": url}}}}
	for i := 0; i < 60; i++ {
		*now = now.Add(200 * time.Millisecond)
		failToken(def, "203.0.113.60", guardReplayBody, `{"error":"invalid_grant"}`, 400)
	}
	seen := map[string]map[string]interface{}{}
	for len(seen) < 2 {
		m := receive(t, got)
		seen[m["event"].(string)] = m
	}
	a := seen["OAuthAnomaly"]
	if a["api_id"] != def.APIID || a["detector"] != "grant_replay" || a["message"] == "" || a["threshold"].(float64) != 20 {
		t.Errorf("anomaly event %v", a)
	}
	q := seen["OAuthQuarantine"]
	if q["subject_kind"] != "ip" || q["subject"] != "203.0.113.60" || q["retry_after_seconds"].(float64) != 60 || q["mode"] != "enforce" {
		t.Errorf("quarantine event %v", q)
	}
	all, _ := json.Marshal(seen)
	assertNoSecrets(t, logs.String()+string(all), nil)
}

func TestGuardWebhookRetriesAreBounded(t *testing.T) {
	captureLogs(t)
	url, got := webhookServer(t, http.StatusInternalServerError)
	h := &webhook{url: url, queue: make(chan []byte, 1), client: &http.Client{Timeout: webhookTimeout}}
	h.deliver([]byte(`{"event":"OAuthAnomaly"}`))
	if n := len(got); n != webhookAttempts {
		t.Errorf("%d attempts, want %d", n, webhookAttempts)
	}
}

func TestGuardWebhookQueueNeverBlocks(t *testing.T) {
	h := &webhook{url: "http://127.0.0.1:1/", queue: make(chan []byte, 2)} // no sender running
	for i := 0; i < 10; i++ {
		h.send(&webhookEvent{Event: "OAuthAnomaly"})
	}
	if len(h.queue) != 2 || h.dropped.Load() != 8 {
		t.Errorf("queue %d dropped %d, want 2 and 8", len(h.queue), h.dropped.Load())
	}
}
