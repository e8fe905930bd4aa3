package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// BenchmarkResponseHookNonOAuth is the hook's cost on traffic that is not
// OAuth: what every proxied response pays.
func BenchmarkResponseHookNonOAuth(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	r := httptest.NewRequest("GET", "/api/orders/42?expand=items", nil)
	r.Header.Set("Accept", "application/json")
	standin.SetDefinition(r, &standin.APIDefinition{APIID: "bench"})
	body := []byte(`{"id":42}`)
	res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}}
	rw := httptest.NewRecorder()
	reader := bytes.NewReader(body)
	res.Body = io.NopCloser(reader)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		reader.Reset(body)
		OAuthCheckResponse(rw, res, r)
	}
}

// BenchmarkResponseHookTokenError is the labelled path: read, classify,
// label and log (to a discarding logger at warn level).
func BenchmarkResponseHookTokenError(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	def := &standin.APIDefinition{APIID: "bench"}
	body := []byte(`{"error":"invalid_client","error_description":"Client authentication failed"}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("POST", "/token", bytes.NewReader([]byte("grant_type=client_credentials&client_id=demo")))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		standin.SetDefinition(r, def)
		res := &http.Response{StatusCode: 401, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body))}
		OAuthCheckResponse(nil, res, r)
	}
}

// What the wider detection costs traffic that turns out not to be OAuth,
// or to be an ordinary resource success (docs/benchmarks.md).

// BenchmarkResponseHookUndetected400: a non-OAuth API's 400 is read (up to
// the cap) because its body might carry an OAuth error; it carries none,
// so nothing is labelled.
func BenchmarkResponseHookUndetected400(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	r := httptest.NewRequest("GET", "/api/orders/42?expand=items", nil)
	standin.SetDefinition(r, &standin.APIDefinition{APIID: "bench"})
	body := []byte(`{"message":"validation failed","fields":["quantity"]}`)
	benchUnlabelled(b, r, 400, body)
}

// BenchmarkResponseHookUndetected502: a 5xx needs no OAuth signal to be a
// server failure, so a non-OAuth API's 502 is read (up to the cap) and
// labelled server_error.
func BenchmarkResponseHookUndetected502(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	r := httptest.NewRequest("GET", "/api/orders/42?expand=items", nil)
	standin.SetDefinition(r, &standin.APIDefinition{APIID: "bench"})
	body := []byte(`{"message":"upstream connect error","status":502}`)
	res := &http.Response{StatusCode: 502, Header: http.Header{"Content-Type": {"application/json"}}}
	reader := bytes.NewReader(body)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		reader.Reset(body)
		res.Body = io.NopCloser(reader)
		r.Header.Del(HeaderCause)
		OAuthCheckResponse(nil, res, r)
		if got := r.Header.Values(HeaderCause); len(got) == 0 || got[0] != "server_error" {
			b.Fatalf("a 502 was labelled %v, want server_error first", got)
		}
	}
}

// BenchmarkResponseHookResourceSuccess: a resource server's 2xx JSON is
// peeked (at most classify.ResourceSuccessPeek bytes) for Slack-style
// {"ok":false} errors; a real success is not labelled.
func BenchmarkResponseHookResourceSuccess(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	r := httptest.NewRequest("GET", "/api/orders/42", nil)
	r.Header.Set("Authorization", "Bearer PLACEHOLDER-bench-token-000001")
	standin.SetDefinition(r, &standin.APIDefinition{APIID: "bench"})
	body := bytes.Repeat([]byte(`{"id":42,"items":[1,2,3]},`), 40) // about 1 KB
	body = append(append([]byte(`[`), body...), []byte(`{}]`)...)
	benchUnlabelled(b, r, 200, body)
}

// benchUnlabelled runs the response hook on one answer again and again,
// and fails if it labels it.
func benchUnlabelled(b *testing.B, r *http.Request, status int, body []byte) {
	res := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
	reader := bytes.NewReader(body)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		reader.Reset(body)
		res.Body = io.NopCloser(reader)
		OAuthCheckResponse(nil, res, r)
		if len(r.Header.Values(HeaderCause)) != 0 {
			b.Fatalf("a %d answer that is not an OAuth error was labelled", status)
		}
	}
}

// BenchmarkResponseHookTokenPathSuccess is a non-OAuth 200 on a path that
// names a token (no credential, no access_token in the answer): the
// token-path hint makes the hook read the body to look for a token.
func BenchmarkResponseHookTokenPathSuccess(b *testing.B) {
	standin.Logger.SetOutput(io.Discard)
	r := httptest.NewRequest("GET", "/api/token-usage/42", nil)
	r.Header.Set("Accept", "application/json")
	standin.SetDefinition(r, &standin.APIDefinition{APIID: "bench"})
	body := []byte(`{"id":42,"usage":"` + strings.Repeat("x", 1000) + `"}`)
	res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}}
	rw := httptest.NewRecorder()
	reader := bytes.NewReader(body)
	res.Body = io.NopCloser(reader)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		reader.Reset(body)
		OAuthCheckResponse(rw, res, r)
	}
}
