package repair

import (
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// convertForm runs a 200 token answer through the conversion as Apply
// does, up to the compliance check. ok is false when there is no
// conversion to check.
func convertForm(reqBody, contentType string, body []byte, opts *Options) (*work, []field, bool) {
	req := &classify.Request{Method: "POST", Path: "/oauth/token",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(reqBody)}
	resp := &classify.Response{Status: 200, Header: http.Header{"Content-Type": {contentType}}, Body: body}
	result := classify.Classify(req, resp, nil)
	if result.Endpoint != classify.EndpointToken {
		return nil, nil, false
	}
	w := &work{req: req, resp: resp, result: &result, opts: opts, body: body, status: 200}
	fields, ok := parseForm(body, nil)
	if !ok {
		fields, ok = parseXML(body, resp)
	}
	if !ok || !w.isSuccess(fields) {
		return nil, nil, false
	}
	var conv Plan
	w.writeFields(&conv, fields)
	return w, fields, true
}

// checkPlainAgrees: what the cheap check accepts, the classifier accepts,
// so a conversion never trades one failure for another. It reports
// whether the cheap check accepted.
func checkPlainAgrees(t *testing.T, reqBody, contentType string, body []byte, opts *Options) bool {
	t.Helper()
	w, fields, ok := convertForm(reqBody, contentType, body, opts)
	if !ok || !w.plainTokenSuccess(fields) {
		return false
	}
	if !w.compliant(w.out) {
		r := classify.ClassifyAs(classify.EndpointToken, w.req, &classify.Response{Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}, Body: w.out}, nil)
		t.Errorf("cheap check accepts what the classifier rejects (%v): request %q, body %q, converted %s", r.Causes(), reqBody, body, w.out)
	}
	return true
}

var plainSeeds = []struct{ req, contentType, body string }{
	{"grant_type=authorization_code&code=abc", "text/plain", "access_token=2YotnFZFEjr1zCsicMWpAA&token_type=bearer&expires_in=3600"},
	{"grant_type=authorization_code&code=abc", "application/x-www-form-urlencoded", "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer"},
	{"grant_type=refresh_token&refresh_token=r", "text/plain", "access_token=a&token_type=Bearer&refresh_token=r&refresh_token_expires_in=15811200&expires_in=28800"},
	{"grant_type=client_credentials", "text/plain", "access_token=a%22b%5Cc%00&token_type=DPoP&x=%FF%FE&y=%C3%A9"},
	{"grant_type=client_credentials", "text/plain", "access_token=a&token_type=n_a&expires_in=12&pad=xxxx"},
	{"grant_type=client_credentials", "application/xml", "<r><accessToken>a</accessToken><tokenType>bearer</tokenType><expiresIn>60</expiresIn></r>"},
	// Rejected by the cheap check, or by both.
	{"grant_type=client_credentials", "text/plain", "access_token=a&token_type=bearer&expires_in=0"},
	{"grant_type=client_credentials", "text/plain", "access_token=a&token_type=mac"},
	{"grant_type=client_credentials", "text/plain", "access_token=a&token_type=bearer&expires_in=3600.5"},
	{"grant_type=authorization_code&code=abc", "text/plain", "access_token=a&token_type=bearer&scope=openid"},
	{"grant_type=authorization_code&code=abc", "text/plain", "access_token=a&token_type=bearer&scope=%6Fpenid"},
	{"grant_type=authorization_code&code=abc&scope=openid%20profile", "text/plain", "access_token=a&token_type=bearer"},
	{"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=x", "text/plain", "access_token=a&token_type=N_A"},
	{"grant_type=urn:ietf:params:oauth:grant-type:token-%65xchange", "text/plain", "access_token=a&token_type=Bearer"},
}

// Every seed, and variants with the repairs that shape the JSON turned
// off: the cheap check agrees with the classifier, and it does accept the
// common conversions (else it saves nothing).
func TestPlainTokenSuccessAgrees(t *testing.T) {
	restricted := &Options{Kinds: []Kind{SuccessJSON, NoStore}}
	accepted := 0
	for _, s := range plainSeeds {
		for _, opts := range []*Options{nil, restricted} {
			if checkPlainAgrees(t, s.req, s.contentType, []byte(s.body), opts) {
				accepted++
			}
		}
	}
	if accepted < 8 {
		t.Errorf("the cheap check accepted only %d conversions", accepted)
	}
	for _, s := range plainSeeds[6:] {
		if w, fields, ok := convertForm(s.req, s.contentType, []byte(s.body), nil); ok && w.plainTokenSuccess(fields) {
			t.Errorf("cheap check accepts %q after %q: the classifier must decide", s.body, s.req)
		}
	}
}

// FuzzPlainTokenSuccess: for any form or XML answer and any request, what
// the cheap check accepts the classifier accepts.
func FuzzPlainTokenSuccess(f *testing.F) {
	for _, s := range plainSeeds {
		f.Add(s.req, s.contentType == "application/xml", []byte(s.body), false)
	}
	f.Fuzz(func(t *testing.T, reqBody string, xml bool, body []byte, restricted bool) {
		contentType := "text/plain"
		if xml {
			contentType = "application/xml"
		}
		var opts *Options
		if restricted {
			opts = &Options{Kinds: []Kind{SuccessJSON, NoStore}}
		}
		checkPlainAgrees(t, reqBody, contentType, body, opts)
	})
}

// appendStringBytewise is appendString one byte at a time, as it was
// before the word-at-a-time scan: the reference it must match.
func appendStringBytewise(b []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			if r, size := utf8.DecodeRune(s[i:]); r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				start = i + 1
			} else {
				i += size - 1
			}
			continue
		}
		if jsonSafe[c] {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// FuzzWordwise: the word-at-a-time scans find what a byte-wise loop finds,
// at every offset and alignment.
func FuzzWordwise(f *testing.F) {
	for _, s := range []string{"", "abcdefgh", "abcdefghijklmnop\"", "0123456\\789", "aaaaaaaa\x1fbbbbbbbb", "aaaaaaa\x7fbbbb", "aaaaaaaaé", "aaaaaaaa\xff\xfe", "\x00\x01\x02 \"\\\x7f\x80"} {
		f.Add([]byte(s + s + s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i := 0; i <= len(b) && i < 16; i++ {
			want := i
			for want < len(b) && plainByte[b[want]] {
				want++
			}
			if got := plainEnd(b, i); got != want {
				t.Fatalf("plainEnd(%q, %d) = %d, want %d", b, i, got, want)
			}
			want = i
			for want < len(b) && jsonSafe[b[want]] {
				want++
			}
			if got := safeEnd(b, i); got != want {
				t.Fatalf("safeEnd(%q, %d) = %d, want %d", b, i, got, want)
			}
		}
		if got, want := appendString(nil, b), appendStringBytewise(nil, b); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %q, byte-wise %q", b, got, want)
		}
	})
}
