package classify

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

// A compression bomb costs no more than the cap: 16 MiB of zeros
// compresses to about 16 KiB, and only MaxBodyBytes of it is ever decoded.
func TestGzipBombIsDecodedOnlyToTheCap(t *testing.T) {
	var zipped bytes.Buffer
	w := gzip.NewWriter(&zipped)
	_, _ = w.Write(make([]byte, 16<<20))
	_ = w.Close()
	resp := Response{Status: 200, Header: hdr("Content-Type", "application/json", "Content-Encoding", "gzip"), Body: zipped.Bytes()}

	const limit = 4096
	d := decodeBody(&resp, limit)
	if len(d.b) > limit || !d.truncated {
		t.Fatalf("decoded %d bytes, truncated=%v; want at most %d and truncated", len(d.b), d.truncated, limit)
	}
	req := formPost("/token", "grant_type=client_credentials")
	got := Classify(&req, &resp, &Options{MaxBodyBytes: limit})
	if !got.Has(BodyTruncated) || !got.Has(NotJSON) {
		t.Errorf("causes: got %v, want not_json and body_truncated", got.Causes())
	}
	allocated := testing.AllocsPerRun(5, func() { _ = decodeBody(&resp, limit) })
	if allocated > 10 {
		t.Errorf("decoding a bomb: %.0f allocations per run, want a handful (the output buffer is capped)", allocated)
	}
}

func TestHostileBodiesAreBounded(t *testing.T) {
	req := formPost("/token", "grant_type=client_credentials")
	for _, tc := range []struct {
		name string
		body string
		want []Code
	}{
		{"deep nesting", `{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, []Code{NotJSON}},
		{"deep nesting in error", `{"error":` + strings.Repeat(`{"x":`, 64) + `1` + strings.Repeat("}", 64) + `}`, []Code{NotJSON}},
		{"invalid utf-8 in values", "{\"access_token\":\"\xff\xfe\xfd\",\"token_type\":\"Bearer\",\"expires_in\":60}", []Code{OK}},
		{"invalid utf-8 in keys", "{\"\xff\":1,\"access_token\":\"x\",\"token_type\":\"Bearer\"}", []Code{OK}},
		{"nul bytes", "{\"error\":\"invalid_client\u0000\"}", []Code{NotJSON}},
		{"lone surrogate escape", `{"error":"invalid_\ud800client"}`, []Code{InvalidRequest, UnrecognizedError}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := jsonResp("200", tc.body)
			if tc.name == "lone surrogate escape" {
				resp = jsonResp("400", tc.body)
			}
			got := Classify(&req, &resp, nil)
			if got.Root() != tc.want[0] {
				t.Errorf("root cause: got %v, want %v first", got.Causes(), tc.want)
			}
		})
	}
}
