package redact

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"math/rand"
	"net/url"
	"strings"
	"testing"
)

// placement puts a secret in one position of a raw message.
type placement struct {
	name  string
	build func(secret string) string
}

func req(headers, body string) string {
	return "POST /oauth/token HTTP/1.1\r\nHost: idp.example.com\r\n" + headers + "Content-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
}

func resp(headers, body string) string {
	return "HTTP/1.1 200 OK\r\n" + headers + "Content-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func zl(s string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func rawDeflate(s string) string {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// placements covers every supported position and encoding (issue 10).
var placements = []placement{
	{"authorization bearer", func(s string) string { return req("Authorization: Bearer "+s+"\r\n", "") }},
	{"authorization basic", func(s string) string {
		return req("Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("client:"+s))+"\r\n", "grant_type=client_credentials")
	}},
	{"authorization dpop", func(s string) string { return req("Authorization: DPoP "+s+"\r\nDPoP: "+s+"\r\n", "") }},
	{"cookie", func(s string) string { return req("Cookie: sid="+s+"; theme=dark\r\n", "") }},
	{"set-cookie", func(s string) string { return resp("Set-Cookie: session="+s+"; Path=/; HttpOnly\r\n", "") }},
	{"vendor key header", func(s string) string { return req("X-Api-Key: "+s+"\r\nX-Shopify-Access-Token: "+s+"\r\n", "") }},
	{"custom auth header", func(s string) string {
		return req("X-Tyk-Authorization: "+s+"\r\nX-Custom-Authorization: "+s+"\r\n", "")
	}},
	{"vendor -auth and -sess headers", func(s string) string { return req("X-Tableau-Auth: "+s+"\r\nU-Sess: "+s+"\r\n", "") }},
	{"subsonic query credentials", func(s string) string {
		return "GET /rest/ping.view?u=ada&p=" + url.QueryEscape(s) + "&t=" + url.QueryEscape(s) + "&s=" + url.QueryEscape(s) + "&v=1.16.1&c=app HTTP/1.1\r\nHost: music.example.com\r\n\r\n"
	}},
	{"bot token in the path", func(s string) string {
		return "GET /bot123456:" + url.PathEscape(s) + "/getMe HTTP/1.1\r\nHost: api.telegram.org\r\n\r\n"
	}},
	{"query access_token", func(s string) string {
		return "GET /api/me?access_token=" + url.QueryEscape(s) + "&x=1 HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
	}},
	{"redirect code and fragment token", func(s string) string {
		return "HTTP/1.1 302 Found\r\nLocation: https://app.example.com/cb?code=" + url.QueryEscape(s) + "&state=x#access_token=" + url.QueryEscape(s) + "\r\n\r\n"
	}},
	{"fragment after state", func(s string) string {
		return "HTTP/1.1 302 Found\r\nLocation: https://app.example.com/cb?state=x#id_token=" + url.QueryEscape(s) + "\r\n\r\n"
	}},
}

func init() {
	for _, f := range []string{"client_secret", "code", "code_verifier", "refresh_token", "password", "assertion",
		"client_assertion", "subject_token", "actor_token", "device_code", "token"} {
		f := f
		placements = append(placements,
			placement{"form " + f, func(s string) string {
				return req("Content-Type: application/x-www-form-urlencoded\r\n", "grant_type=x&"+f+"="+url.QueryEscape(s)+"&client_id=c1")
			}},
			placement{"json " + f, func(s string) string {
				return req("Content-Type: application/json\r\n", `{"grant_type":"x","`+f+`":"`+jsonEscape(s)+`"}`)
			}},
			placement{"query " + f, func(s string) string {
				return "GET /oauth/token?" + f + "=" + url.QueryEscape(s) + " HTTP/1.1\r\nHost: idp.example.com\r\n\r\n"
			}},
			placement{"chunked form " + f, func(s string) string {
				body := f + "=" + url.QueryEscape(s)
				return "POST /oauth/token HTTP/1.1\r\nHost: idp.example.com\r\nTransfer-Encoding: chunked\r\n\r\n" +
					fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
			}},
		)
	}
	for _, f := range []string{"access_token", "refresh_token", "id_token", "device_code", "issued_token"} {
		f := f
		body := func(s string) string {
			return `{"token_type":"Bearer","` + f + `":"` + jsonEscape(s) + `","expires_in":3600}`
		}
		placements = append(placements,
			placement{"response json " + f, func(s string) string { return resp("Content-Type: application/json\r\n", body(s)) }},
			placement{"response nested " + f, func(s string) string {
				return resp("Content-Type: application/json\r\n", `{"data":{"session":`+body(s)+`}}`)
			}},
			placement{"response gzip " + f, func(s string) string {
				return resp("Content-Type: application/json\r\nContent-Encoding: gzip\r\n", gz(body(s)))
			}},
			placement{"response deflate " + f, func(s string) string {
				return resp("Content-Type: application/json\r\nContent-Encoding: deflate\r\n", zl(body(s)))
			}},
			placement{"response raw deflate " + f, func(s string) string {
				return resp("Content-Type: application/json\r\nContent-Encoding: deflate\r\n", rawDeflate(body(s)))
			}},
			placement{"response form " + f, func(s string) string {
				return resp("Content-Type: application/x-www-form-urlencoded\r\n", f+"="+url.QueryEscape(s)+"&token_type=bearer")
			}},
			placement{"response camelCase " + f, func(s string) string {
				return resp("Content-Type: application/json\r\n", `{"`+camel(f)+`":"`+jsonEscape(s)+`"}`)
			}},
		)
	}
	placements = append(placements,
		placement{"unknown encoding", func(s string) string {
			return resp("Content-Type: application/json\r\nContent-Encoding: br\r\n", `{"access_token":"`+s+`"}`)
		}},
		placement{"broken gzip", func(s string) string {
			return resp("Content-Type: application/json\r\nContent-Encoding: gzip\r\n", `{"access_token":"`+s+`"}`)
		}},
	)
}

func camel(f string) string {
	parts := strings.Split(f, "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

func jsonEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "/", `\/`).Replace(s)
}

// secretShapes generates secrets of the shapes real ones have.
func secretShapes(rng *rand.Rand) []string {
	const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	const printable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=!*"
	word := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	return []string{
		"eyJ" + word(b64url, 20) + "." + word(b64url, 40) + "." + word(b64url, 43), // a JWT
		word(b64url, 32),            // an opaque token
		"ya29." + word(b64url, 60),  // Google-style
		word(printable, 24),         // a secret with +, /, = and friends
		"gho_" + word(b64url, 36),   // GitHub-style
		word("0123456789", 12),      // a numeric code
		"s3cr3t " + word(b64url, 8), // with a space
	}
}

// TestNoSecretSurvives is the property: a generated secret in any
// supported position and encoding never appears in the redacted output,
// neither raw nor in any encoding a reader could undo.
func TestNoSecretSurvives(t *testing.T) {
	r := New([]byte("test-key"))
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 20; round++ {
		for _, secret := range secretShapes(rng) {
			for _, p := range placements {
				raw := p.build(secret)
				out, err := r.Message([]byte(raw))
				if err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				if leaked := leak(out, secret); leaked != "" {
					t.Fatalf("%s: secret %q survives as %s in:\n%s", p.name, secret, leaked, out)
				}
			}
		}
	}
}

// leak returns how secret still shows in out, or "".
func leak(out []byte, secret string) string {
	forms := map[string]string{
		"raw":         secret,
		"form":        url.QueryEscape(secret),
		"json":        jsonEscape(secret),
		"basic(b64)":  base64.StdEncoding.EncodeToString([]byte("client:" + secret)),
		"path-escape": url.PathEscape(secret),
	}
	for name, f := range forms {
		if len(f) >= 6 && bytes.Contains(out, []byte(f)) {
			return name
		}
	}
	return ""
}

func TestStructureStays(t *testing.T) {
	r := New([]byte("k"))
	in := resp("Content-Type: application/json\r\nCache-Control: no-store\r\n",
		`{"access_token":"abcdefgh","token_type":"Bearer","expires_in":3600,"scope":"read"}`)
	out, err := r.Message([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"access_token":"` + r.Marker([]byte("abcdefgh")) + `","token_type":"Bearer","expires_in":3600,"scope":"read"}`
	if !bytes.HasSuffix(out, []byte(want)) {
		t.Errorf("body: got\n%s\nwant suffix\n%s", out, want)
	}
	if !bytes.Contains(out, []byte("Cache-Control: no-store\r\n")) {
		t.Errorf("headers: got %s, want Cache-Control kept", out)
	}
	if !bytes.Contains(out, []byte(fmt.Sprintf("Content-Length: %d\r\n", len(want)))) {
		t.Errorf("Content-Length not rewritten for the redacted body: %s", out)
	}
}

func TestFingerprintsCorrelate(t *testing.T) {
	r := New([]byte("k"))
	const rt = "tGzv3JOkF0XG5Qx2TlKWIA/+="
	a, _ := r.Message([]byte(req("Content-Type: application/x-www-form-urlencoded\r\n", "grant_type=refresh_token&refresh_token="+url.QueryEscape(rt))))
	b, _ := r.Message([]byte(resp("Content-Type: application/json\r\n", `{"refresh_token":"`+jsonEscape(rt)+`"}`)))
	m := r.Marker([]byte(rt))
	if !bytes.Contains(a, []byte(m)) || !bytes.Contains(b, []byte(m)) {
		t.Errorf("the same refresh token in a form request and a JSON response: got\n%s\n%s\nwant both to carry %s", a, b, m)
	}
	if other := New([]byte("other")).Marker([]byte(rt)); other == m {
		t.Errorf("fingerprints do not depend on the key: %s", m)
	}
	if !strings.Contains(m, fmt.Sprintf("len=%d", len(rt))) {
		t.Errorf("marker %s does not carry the length %d", m, len(rt))
	}
}

func TestErrorCodesStay(t *testing.T) {
	r := New(nil)
	in := "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n" +
		`{"error":"invalid_grant","error_description":"Code not valid","code":"AUTH_401"}`
	out, err := r.Message([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []string{`"error":"invalid_grant"`, `"code":"AUTH_401"`, "Code not valid"} {
		if !bytes.Contains(out, []byte(keep)) {
			t.Errorf("got %s, want %s kept: a response's error code is no secret", out, keep)
		}
	}
}

func TestDecodedAndDroppedBodiesAreMarked(t *testing.T) {
	r := New(nil)
	tests := []struct {
		name, in, marker string
		bodyKept         bool
	}{
		{"gzip", resp("Content-Encoding: gzip\r\n", gz(`{"ok":true}`)), "body decoded from gzip", true},
		{"br", resp("Content-Encoding: br\r\n", "\x8b\x01\x80"), "body dropped: unknown content encoding", false},
		{"bad gzip", resp("Content-Encoding: gzip\r\n", "not gzip"), "body dropped: gzip body could not be decoded", false},
	}
	for _, tc := range tests {
		out, err := r.Message([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Contains(out, []byte(MarkerHeader+": "+tc.marker+"\r\n")) {
			t.Errorf("%s: got %q, want marker %q", tc.name, out, tc.marker)
		}
		if bytes.Contains(out, []byte("Content-Encoding")) {
			t.Errorf("%s: got %q, want Content-Encoding gone (the body is no longer encoded)", tc.name, out)
		}
		if got := bytes.HasSuffix(out, []byte(`{"ok":true}`)); got != tc.bodyKept {
			t.Errorf("%s: body kept %v, want %v: %q", tc.name, got, tc.bodyKept, out)
		}
	}
}

func TestUnreadableMessagesAreErrors(t *testing.T) {
	r := New(nil)
	for name, in := range map[string]string{
		"no blank line, body-like line": "POST /token HTTP/1.1\r\nAuthorization: Bearer abc\r\nclient_secret=abc",
		"not http":                      "hello world\r\n\r\nbody",
		"header no colon":               "HTTP/1.1 200 OK\r\nbroken header\r\n\r\n{}",
		"bad chunking":                  "POST /token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nclient_secret=abc\r\n0\r\n\r\n",
		"short chunk":                   "POST /token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nclient_secret=abc\r\n",
		"empty":                         "",
	} {
		if out, err := r.Message([]byte(in)); err == nil {
			t.Errorf("%s: got %q and no error, want an error (the caller drops the field)", name, out)
		}
	}
}

func TestSetCookieKeepsAttributes(t *testing.T) {
	r := New([]byte("k"))
	for in, want := range map[string]string{
		"session=abcdefgh; Path=/; HttpOnly": "session=" + r.Marker([]byte("abcdefgh")) + "; Path=/; HttpOnly",
		"session=abcdefgh":                   "session=" + r.Marker([]byte("abcdefgh")),
	} {
		out, err := r.Message([]byte("HTTP/1.1 200 OK\r\nSet-Cookie: " + in + "\r\n\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(out, []byte("Set-Cookie: "+want+"\r\n")) {
			t.Errorf("Set-Cookie %q: got %q, want %q", in, out, want)
		}
	}
}
