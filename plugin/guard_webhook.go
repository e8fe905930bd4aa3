package main

// The guard's optional webhook: one JSON event per logged firing and per
// new quarantine, in the style of Tyk's event webhooks ("event",
// "message", "api_id", then the details). Sending is off the request path:
// a bounded queue, dropped when full, and a bounded number of attempts.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

const (
	webhookQueue    = 256
	webhookAttempts = 3
	webhookTimeout  = 5 * time.Second
)

// webhookBackoff is the wait before the second attempt, doubled after;
// tests set it to 0.
var webhookBackoff = time.Second

// webhookEvent is the JSON body.
type webhookEvent struct {
	Event       string  `json:"event"` // OAuthAnomaly or OAuthQuarantine
	Message     string  `json:"message"`
	APIID       string  `json:"api_id"`
	Detector    string  `json:"detector"`
	SubjectKind string  `json:"subject_kind"`
	Subject     string  `json:"subject,omitempty"` // public identifiers only
	WindowCount int     `json:"window_count,omitempty"`
	Baseline    float64 `json:"baseline,omitempty"`
	Threshold   float64 `json:"threshold,omitempty"`
	Risk        string  `json:"risk,omitempty"`
	RetryAfter  int64   `json:"retry_after_seconds,omitempty"`
	Mode        string  `json:"mode"`
	Timestamp   string  `json:"timestamp"`
}

type webhook struct {
	url     string
	queue   chan []byte
	client  *http.Client
	dropped atomic.Int64
	lastLog atomic.Int64
}

// webhooks are shared per URL, so reloads and APIs with the same URL
// start one sender each, not one per definition.
var webhooks sync.Map // url → *webhook

func webhookFor(url string) *webhook {
	if url == "" {
		return nil
	}
	if h, ok := webhooks.Load(url); ok {
		return h.(*webhook)
	}
	h := &webhook{url: url, queue: make(chan []byte, webhookQueue), client: &http.Client{Timeout: webhookTimeout}}
	if actual, loaded := webhooks.LoadOrStore(url, h); loaded {
		return actual.(*webhook)
	}
	go h.run()
	return h
}

// send queues ev without ever blocking the caller.
func (h *webhook) send(ev *webhookEvent) {
	if h == nil {
		return
	}
	ev.Timestamp = guardNow().UTC().Format(time.RFC3339)
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	select {
	case h.queue <- b:
	default:
		h.dropped.Add(1)
	}
}

func (h *webhook) run() {
	defer func() { _ = recover() }() // a sender bug must not take the gateway down
	for body := range h.queue {
		h.deliver(body)
	}
}

func (h *webhook) deliver(body []byte) {
	wait := webhookBackoff
	var lastErr string
	for attempt := 1; attempt <= webhookAttempts; attempt++ {
		res, err := h.client.Post(h.url, "application/json", bytes.NewReader(body))
		if err == nil {
			res.Body.Close()
			if res.StatusCode < 300 {
				return
			}
			lastErr = res.Status
		} else {
			lastErr = err.Error()
		}
		if attempt < webhookAttempts {
			time.Sleep(wait)
			wait *= 2
		}
	}
	if allowLog(&h.lastLog, guardNow()) {
		gatewayLogger().WithFields(logrus.Fields{"prefix": logPrefix, "attempts": webhookAttempts, "dropped_full_queue": h.dropped.Load()}).
			Warn("oauthcheck: guard webhook gave up on an event: " + lastErr)
	}
}
