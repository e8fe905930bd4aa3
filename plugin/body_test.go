package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// errAfter yields its data, then err instead of EOF.
type errAfter struct {
	r   *bytes.Reader
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	if e.r.Len() == 0 {
		return 0, e.err
	}
	return e.r.Read(p)
}

func (e *errAfter) Close() error { return nil }

// The response replay yields exactly the upstream's bytes at every size
// around the pooled buffer's and the cap's edges, and replays a read error.
func TestResponseReplayIsByteExact(t *testing.T) {
	boom := errors.New("connection reset")
	for _, size := range []int{0, 1, 4095, 4096, 4097, 65535, 65536, 65537, 200_000} {
		for _, withErr := range []bool{false, true} {
			body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
			var src io.ReadCloser = io.NopCloser(bytes.NewReader(body))
			if withErr {
				src = &errAfter{r: bytes.NewReader(body), err: boom}
			}
			res := &http.Response{StatusCode: 200, Body: src}
			var bodies *hookBodies
			peeked, truncated := peekResponseBody(res, classify.DefaultMaxBodyBytes, &bodies)
			wantPeek := size
			if wantPeek > classify.DefaultMaxBodyBytes {
				wantPeek = classify.DefaultMaxBodyBytes
			}
			if len(peeked) != wantPeek || truncated != (size > classify.DefaultMaxBodyBytes) || !bytes.Equal(peeked, body[:wantPeek]) {
				t.Errorf("size %d: peeked %d bytes truncated %v, want the first %d", size, len(peeked), truncated, wantPeek)
			}
			got, err := io.ReadAll(res.Body)
			if !bytes.Equal(got, body) {
				t.Errorf("size %d err %v: client got %d bytes, want %d, byte-exact", size, withErr, len(got), size)
			}
			if withErr && !errors.Is(err, boom) || !withErr && err != nil {
				t.Errorf("size %d: read error %v, want %v", size, err, map[bool]error{true: boom}[withErr])
			}
			if bodies != nil && bodies.resp.buf != nil {
				t.Errorf("size %d: the pooled buffer was not handed back after the body was read", size)
			}
		}
	}
}

// A reader that never advances ends the peek with io.ErrNoProgress,
// which the client then sees, instead of spinning.
func TestPeekGivesUpOnReaderWithoutProgress(t *testing.T) {
	res := &http.Response{StatusCode: 200, Body: io.NopCloser(stuckReader{})}
	var bodies *hookBodies
	peekResponseBody(res, 1024, &bodies)
	if _, err := res.Body.Read(make([]byte, 8)); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("got %v, want io.ErrNoProgress", err)
	}
}

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

// failingSeeker seeks nowhere: the peek must fall back to a replay.
type failingSeeker struct{ io.Reader }

func (failingSeeker) Close() error                   { return nil }
func (failingSeeker) Seek(int64, int) (int64, error) { return 0, errors.New("no seeking") }

// Tyk's request body (a seekable in-memory buffer) is rewound and left in
// place; one that cannot rewind is replayed; either way the next reader
// gets every byte.
func TestRequestBodyPeekLeavesEveryByte(t *testing.T) {
	long := "grant_type=client_credentials&client_id=demo-app&pad=" + strings.Repeat("x", 70_000)
	for _, tc := range []struct {
		name      string
		body      func(string) io.ReadCloser
		inPlace   bool
		requestOf string
	}{
		{"tyk buffer", func(s string) io.ReadCloser { b := &seekOnlyStartBody{}; b.Reset([]byte(s)); return b }, true, authCodeBody},
		{"tyk buffer over the cap", func(s string) io.ReadCloser { b := &seekOnlyStartBody{}; b.Reset([]byte(s)); return b }, true, long},
		{"seek fails", func(s string) io.ReadCloser { return failingSeeker{strings.NewReader(s)} }, false, authCodeBody},
		{"plain reader", func(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }, false, long},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tokenRequest(&standin.APIDefinition{APIID: "body-" + tc.name}, "")
			orig := tc.body(tc.requestOf)
			r.Body = orig
			res := upstreamResponse(400, []byte(`{"error":"invalid_grant"}`), "Content-Type", "application/json")
			OAuthCheckResponse(nil, res, r)
			if got := r.Header.Get(HeaderVerdict); got != "invalid" {
				t.Fatalf("verdict %q, want invalid: the request body was read", got)
			}
			if (r.Body == orig) != tc.inPlace {
				t.Errorf("body left in place: %v, want %v", r.Body == orig, tc.inPlace)
			}
			if got := readAll(t, r.Body); string(got) != tc.requestOf {
				t.Errorf("next reader got %d bytes, want the %d the client sent", len(got), len(tc.requestOf))
			}
		})
	}
}

// Two exchanges in flight: the second hook runs before the first body is
// sent; each client still gets its own bytes (no buffer is shared early).
func TestInterleavedExchangesKeepTheirBytes(t *testing.T) {
	bodyA := []byte(`{"error":"invalid_client","error_description":"A"}`)
	bodyB := []byte(`{"error":"invalid_grant","error_description":"BBBBBBBB"}`)
	def := &standin.APIDefinition{APIID: "body-interleaved"}
	rA, rB := tokenRequest(def, authCodeBody), tokenRequest(def, "grant_type=refresh_token&refresh_token="+demoRefreshToken)
	resA := upstreamResponse(401, bodyA, "Content-Type", "application/json")
	resB := upstreamResponse(400, bodyB, "Content-Type", "application/json")
	OAuthCheckResponse(nil, resA, rA)
	OAuthCheckResponse(nil, resB, rB)
	if got := readAll(t, resA.Body); !bytes.Equal(got, bodyA) {
		t.Errorf("client A got %q, want %q", got, bodyA)
	}
	if got := readAll(t, resB.Body); !bytes.Equal(got, bodyB) {
		t.Errorf("client B got %q, want %q", got, bodyB)
	}
	if got := readAll(t, rA.Body); string(got) != authCodeBody {
		t.Errorf("request A body %q, want what the client sent", got)
	}
}

// The label slices are shared between requests: a later Add on one
// request's header must copy, never change another request's labels.
func TestSharedLabelSlicesSurviveAdd(t *testing.T) {
	def := &standin.APIDefinition{APIID: "labels-shared"}
	r1, r2 := tokenRequest(def, authCodeBody), tokenRequest(def, authCodeBody)
	body := []byte(`{"error":"invalid_grant"}`)
	OAuthCheckResponse(nil, upstreamResponse(400, body, "Content-Type", "application/json"), r1)
	OAuthCheckResponse(nil, upstreamResponse(400, body, "Content-Type", "application/json"), r2)
	r1.Header.Add(HeaderCause, "added-later")
	r1.Header.Add(HeaderVerdict, "added-later")
	if got := r2.Header.Values(HeaderCause); len(got) != 1 || got[0] != "invalid_grant" {
		t.Errorf("second request's causes %v, want [invalid_grant]", got)
	}
	if got := r2.Header.Values(HeaderVerdict); len(got) != 1 || got[0] != "invalid" {
		t.Errorf("second request's verdict %v, want [invalid]", got)
	}
	if got := causeValues[classify.InvalidGrant]; len(got) != 1 || cap(got) != 1 {
		t.Errorf("shared slice changed: %v (cap %d)", got, cap(got))
	}
}
