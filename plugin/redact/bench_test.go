package redact

import (
	"strings"
	"testing"
)

// BenchmarkExchange2KB is issue 10's cost case: a 2 KB raw token request
// and a 2 KB raw token response, redacted together. Target ≤ 10 µs.
func BenchmarkExchange2KB(b *testing.B) {
	jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("eyJzdWIiOiIxMjM0NTY3ODkwIn0", 20) + ".c2lnbmF0dXJl"
	reqBody := "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb" +
		"&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=s6BhdRkqt3&state=" + strings.Repeat("x", 1500)
	req := []byte("POST /oauth2/token HTTP/1.1\r\nHost: idp.example.com\r\nUser-Agent: Go-http-client/1.1\r\n" +
		"Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Accept: application/json\r\nX-Request-Id: 6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f\r\n\r\n" + reqBody)
	respBody := `{"access_token":"` + jwt + `","token_type":"Bearer","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA",` +
		`"id_token":"` + jwt + `","scope":"openid profile email"}`
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nCache-Control: no-store\r\nPragma: no-cache\r\n" +
		"Date: Wed, 02 Dec 2026 12:00:00 GMT\r\n\r\n" + respBody)
	r := New([]byte("bench"))
	b.SetBytes(int64(len(req) + len(resp)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, e1, e2 := r.Exchange(req, resp); e1 != nil || e2 != nil {
			b.Fatal(e1, e2)
		}
	}
}
