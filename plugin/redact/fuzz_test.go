package redact

import (
	"bytes"
	"strings"
	"testing"
)

func TestEchoedSecretsAreRemoved(t *testing.T) {
	r := New([]byte("k"))
	const rt = "PLACEHOLDER-refresh-0001"
	req, resp, reqErr, respErr := r.Exchange(
		[]byte(reqFor("grant_type=refresh_token&refresh_token="+rt)),
		[]byte("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n"+
			`{"error":"invalid_grant","error_description":"Invalid refresh token: `+rt+`"}`))
	if reqErr != nil || respErr != nil {
		t.Fatal(reqErr, respErr)
	}
	for _, out := range [][]byte{req, resp} {
		if bytes.Contains(out, []byte(rt)) {
			t.Errorf("got %s, want the echoed refresh token gone", out)
		}
	}
	if !bytes.Contains(resp, []byte("Invalid refresh token: "+r.Marker([]byte(rt)))) {
		t.Errorf("got %s, want the description kept around a marker", resp)
	}
}

func reqFor(body string) string {
	return "POST /oauth/token HTTP/1.1\r\nHost: idp.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n" + body
}

// FuzzPlacedSecret is the property test under the fuzzer: any secret in
// any placement is gone from the output.
func FuzzPlacedSecret(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", 0)
	f.Add("tGzv3JOkF0XG5Qx2TlKWIA", 7)
	f.Add("a+b/c=d&e;f#g", 12)
	r := New([]byte("fuzz"))
	f.Fuzz(func(t *testing.T, secret string, at int) {
		if len(secret) < 8 || len(secret) > 200 || strings.ContainsAny(secret, "\r\n\x00") {
			return
		}
		if at < 0 {
			at = -at
		}
		p := placements[at%len(placements)]
		out, err := r.Message([]byte(p.build(secret)))
		if err != nil {
			return // dropped by the caller
		}
		if l := leak(out, secret); l != "" {
			t.Fatalf("%s: secret %q survives as %s in %q", p.name, secret, l, out)
		}
	})
}

// FuzzMessage: arbitrary input never panics, and no JWT-shaped string
// survives in what is returned.
func FuzzMessage(f *testing.F) {
	f.Add([]byte("POST /token HTTP/1.1\r\nAuthorization: Basic YTpi\r\n\r\nclient_secret=x"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte(`HTTP/1.1 200 OK` + "\r\n\r\n" + `{"access_token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."}`))
	r := New([]byte("fuzz"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := r.Message(raw)
		if err != nil {
			return
		}
		for i := bytes.Index(out, []byte("eyJ")); i >= 0; {
			if end, ok := jwtEnd(out, i); ok && (i == 0 || !base64URL(out[i-1])) {
				t.Fatalf("JWT-shaped %q survives in %q", out[i:end], out)
			}
			next := bytes.Index(out[i+3:], []byte("eyJ"))
			if next < 0 {
				break
			}
			i += 3 + next
		}
	})
}
