package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// The hook-cost targets of issue 14 (docs/benchmarks.md): the whole
// response hook on a 1 KB token exchange against the classifier's own
// cost for the same exchange, in the same run.

const benchTokenPath = "/realms/demo/protocol/openid-connect/token"

const benchTokenRequest = "grant_type=client_credentials&client_id=demo-app&scope=profile+email"

// benchToken1KB is a Keycloak-shaped token response of about 1 KB.
var benchToken1KB = []byte(`{"access_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRlbW8ifQ.` + strings.Repeat("eyJzdWIiOiJkZW1vIn0", 30) +
	`.c2lnbmF0dXJl","expires_in":300,"refresh_expires_in":1800,"refresh_token":"eyJhbGciOiJIUzI1NiJ9.` + strings.Repeat("cmVmcmVzaA", 20) +
	`.sig","token_type":"Bearer","not-before-policy":0,"session_state":"5f1a0d1c-8d0a-4f0e-9a8b-2b1c0d9e8f7a","scope":"profile email"}`)

func benchTokenHeader(noStore bool) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if noStore {
		h["Cache-Control"] = []string{"no-store"}
		h["Pragma"] = []string{"no-cache"}
	}
	return h
}

// BenchmarkClassifierToken1KB is the classifier alone on the exchange.
func BenchmarkClassifierToken1KB(b *testing.B) {
	benchClassifier(b, true, classify.VerdictOK)
}

// BenchmarkClassifierToken1KBWarning is the classifier alone on the
// warning exchange (no Cache-Control: no-store).
func BenchmarkClassifierToken1KBWarning(b *testing.B) {
	benchClassifier(b, false, classify.VerdictWarning)
}

func benchClassifier(b *testing.B, noStore bool, verdict classify.Verdict) {
	req := classify.Request{Method: "POST", Path: benchTokenPath,
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(benchTokenRequest)}
	resp := classify.Response{Status: 200, Header: benchTokenHeader(noStore), Body: benchToken1KB}
	opts := classify.Options{}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchToken1KB)))
	for i := 0; i < b.N; i++ {
		if r := classify.Classify(&req, &resp, &opts); r.Verdict != verdict {
			b.Fatalf("verdict %s, want %s", r.Verdict, verdict)
		}
	}
}

// BenchmarkHookToken1KBOK is the whole response hook on the exchange:
// request and response body peek and replay, config lookup, classify,
// labels. The body is read back to the end, as the proxy does.
func BenchmarkHookToken1KBOK(b *testing.B) {
	benchHookToken(b, true, "ok")
}

// BenchmarkHookToken1KBWarningRepeated: the same exchange without
// Cache-Control: no-store, a missing_no_store warning on every response,
// logged at info once and then aggregated away.
func BenchmarkHookToken1KBWarningRepeated(b *testing.B) {
	benchHookToken(b, false, "warning")
}

func benchHookToken(b *testing.B, noStore bool, verdict string) {
	standin.Logger.SetOutput(io.Discard)
	standin.Logger.SetLevel(logrus.InfoLevel)
	r := httptest.NewRequest("POST", benchTokenPath, nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	standin.SetDefinition(r, &standin.APIDefinition{APIID: "bench-token"})
	res := &http.Response{StatusCode: 200, Header: benchTokenHeader(noStore), ContentLength: int64(len(benchToken1KB))}
	reqBody := &seekOnlyStartBody{}
	respBody := bytes.NewReader(nil)
	respBodyRC := io.NopCloser(respBody)
	reqBytes := []byte(benchTokenRequest)
	sink := make([]byte, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchToken1KB)))
	for i := 0; i < b.N; i++ {
		reqBody.Reset(reqBytes) // what Tyk's deepCopyBody leaves in r.Body
		respBody.Reset(benchToken1KB)
		r.Body, res.Body = reqBody, respBodyRC
		OAuthCheckResponse(nil, res, r)
		if got := r.Header[HeaderVerdict]; len(got) != 1 || got[0] != verdict {
			b.Fatalf("verdict label %v, want %s", got, verdict)
		}
		n, _ := io.ReadFull(res.Body, sink)
		res.Body.Close()
		if n != len(benchToken1KB) {
			b.Fatalf("client got %d bytes, want %d", n, len(benchToken1KB))
		}
	}
}

// seekOnlyStartBody behaves like Tyk's nopCloserBuffer, the request body
// a response hook sees (gateway/reverse_proxy.go): in memory, Close does
// nothing, and Seek supports io.SeekStart only.
type seekOnlyStartBody struct {
	r bytes.Reader
}

func (b *seekOnlyStartBody) Reset(p []byte)             { b.r.Reset(p) }
func (b *seekOnlyStartBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *seekOnlyStartBody) Close() error               { return nil }
func (b *seekOnlyStartBody) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("invalid seek method, only supporting SeekStart")
	}
	return b.r.Seek(off, whence)
}
