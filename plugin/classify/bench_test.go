package classify

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"
)

// benchCases name the exchanges the speed targets are stated for
// (docs/benchmarks.md).
var benchCases = []struct{ bench, exchange string }{
	{"non_oauth", "non-oauth"},
	{"token_success_1KB", "large jwt success"},
	{"rfc_error", "rfc6749 5.2 invalid_request"},
	{"html_5xx", "nginx 502 html"},
	{"gzip_token", "gzip success"},
}

func exchangeNamed(tb testing.TB, name string) exchange {
	for _, x := range exchanges {
		if x.name == name {
			return x
		}
	}
	tb.Fatalf("no exchange named %q", name)
	return exchange{}
}

func BenchmarkClassify(b *testing.B) {
	for _, bc := range benchCases {
		x := exchangeNamed(b, bc.exchange)
		b.Run(bc.bench, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(x.resp.Body)))
			for i := 0; i < b.N; i++ {
				r := Classify(&x.req, &x.resp, x.opts)
				if r.Endpoint != x.endpoint {
					b.Fatalf("endpoint: got %q, want %q", r.Endpoint, x.endpoint)
				}
			}
		})
	}
}

// BenchmarkBaselineDecodeMap is what a naive check costs: undoing gzip as
// net/http would, then decoding the body with encoding/json into
// map[string]any, and nothing else.
func BenchmarkBaselineDecodeMap(b *testing.B) {
	for _, bc := range benchCases {
		x := exchangeNamed(b, bc.exchange)
		if !json.Valid(decodeBody(&x.resp, DefaultMaxBodyBytes).b) {
			continue // the baseline only exists for JSON bodies
		}
		gzipped := headerValue(x.resp.Header, "Content-Encoding") == "gzip"
		b.Run(bc.bench, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(x.resp.Body)))
			for i := 0; i < b.N; i++ {
				body := x.resp.Body
				if gzipped {
					zr, err := gzip.NewReader(bytes.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					if body, err = io.ReadAll(zr); err != nil {
						b.Fatal(err)
					}
				}
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestNonOAuthDoesNotAllocate pins the zero-allocation promise for traffic
// that is not OAuth, and for a JSON token success (the hot OAuth path).
func TestClassifyAllocations(t *testing.T) {
	for _, tc := range []struct {
		exchange string
		max      float64
	}{
		{"non-oauth", 0},
		// Errors of traffic that is not OAuth are scanned for a value
		// shaped like a token (carriesTokenLike), without allocating.
		{"non-oauth 404 with a long query value", 0},
		{"non-oauth 403 to a body with a long value", 0},
		{"large jwt success", 2},
		{"rfc6749 5.2 invalid_request", 2},
	} {
		x := exchangeNamed(t, tc.exchange)
		got := testing.AllocsPerRun(200, func() { _ = Classify(&x.req, &x.resp, x.opts) })
		if got > tc.max {
			t.Errorf("%s: got %.1f allocs per Classify, want at most %.0f", tc.exchange, got, tc.max)
		}
	}
}
