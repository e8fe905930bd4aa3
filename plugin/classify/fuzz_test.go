package classify

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// checkResult holds for every classification: only registered causes, at
// most MaxCauses, and a verdict that follows their severities.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	worst := VerdictOK
	for _, c := range r.Causes() {
		if !Registered(c) {
			t.Fatalf("unregistered cause %q in %v", c, r.Causes())
		}
		switch SeverityOf(c) {
		case SeverityInvalid:
			worst = VerdictInvalid
		case SeverityWarning:
			if worst == VerdictOK {
				worst = VerdictWarning
			}
		}
	}
	if r.Verdict != worst {
		t.Fatalf("verdict %q does not follow causes %v (want %q)", r.Verdict, r.Causes(), worst)
	}
	if r.Endpoint == EndpointNone && len(r.Causes()) != 0 {
		t.Fatalf("non-OAuth exchange got causes %v", r.Causes())
	}
}

var fuzzContentTypes = []string{"", "application/json", "application/x-www-form-urlencoded", "text/html", "text/plain", "application/problem+json"}
var fuzzEncodings = []string{"", "gzip", "deflate", "br"}

func FuzzClassify(f *testing.F) {
	for _, x := range exchanges {
		f.Add(string(x.req.Method), x.req.Path, x.req.RawQuery, string(x.req.Body),
			x.resp.Status, headerValue(x.resp.Header, "Www-Authenticate"), string(x.resp.Body), uint8(0), uint8(0))
	}
	f.Add("POST", "/token", "", "grant_type=client_credentials", 200, "", strings.Repeat("[", 5000), uint8(1), uint8(0))
	f.Add("GET", "/r", "", "", 401, "Bearer ,,, error=\"", "", uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, method, path, query, reqBody string, status int, challenge, respBody string, ct, enc uint8) {
		req := Request{Method: method, Path: path, RawQuery: query, Body: []byte(reqBody),
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Basic ZGVtbzpzZWNyZXQ="}}}
		resp := Response{Status: status % 1000, Body: []byte(respBody), Header: http.Header{}}
		if c := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]; c != "" {
			resp.Header.Set("Content-Type", c)
		}
		if e := fuzzEncodings[int(enc)%len(fuzzEncodings)]; e != "" {
			resp.Header.Set("Content-Encoding", e)
		}
		if challenge != "" {
			resp.Header.Set("WWW-Authenticate", challenge)
		}
		opts := &Options{MaxBodyBytes: 4096, Issuer: "https://as.example"}
		checkResult(t, Classify(&req, &resp, opts))
		for _, e := range Endpoints {
			checkResult(t, ClassifyAs(e, &req, &resp, opts))
		}
		_ = PublicClientID(&req)
		req.Header = http.Header{"Content-Type": {"multipart/form-data; boundary=b"}}
		checkResult(t, Classify(&req, &resp, opts))
	})
}

// FuzzJSONScan checks the scanner against encoding/json: what it accepts as
// an object, encoding/json accepts too, and the reverse within its depth.
func FuzzJSONScan(f *testing.F) {
	for _, x := range exchanges {
		f.Add(x.resp.Body)
	}
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":null}],"c":"\u00e9\n"}`, `{"a":1,}`, `{"a":"\x01"}`, `{"a":-0.5e+3}`, `{"a":01}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		obj := newJSONObject(b)
		n := 0
		for {
			key, val, kind, ok := obj.next()
			if !ok {
				break
			}
			n++
			if kind == kindNone {
				t.Fatalf("field %q: no kind", key)
			}
			_ = unescapeJSON(key)
			_ = unescapeJSON(val)
		}
		trimmed := strings.TrimSpace(string(b))
		isObject := strings.HasPrefix(trimmed, "{")
		valid := json.Valid(b)
		if !obj.err && !valid {
			t.Fatalf("scanner accepted %q, encoding/json rejects it", b)
		}
		if obj.err && valid && isObject && depth(b) < maxJSONDepth {
			t.Fatalf("scanner rejected %q, encoding/json accepts it", b)
		}
		_ = parseFields(b, "application/json", len(b)%2 == 0)
	})
}

// depth is a rough nesting depth (it ignores brackets inside strings, so it
// over-counts, which only makes the check above more lenient).
func depth(b []byte) int {
	d, max := 0, 0
	for _, c := range b {
		switch c {
		case '{', '[':
			d++
			if d > max {
				max = d
			}
		case '}', ']':
			d--
		}
	}
	return max
}

func FuzzFormParse(f *testing.F) {
	for _, s := range []string{"grant_type=client_credentials&scope=a+b", "a&&b=&=c", "x=%zz&y=%41", "error=bad_verification_code&error_description=The+code"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs := formPairs{b: b}
		total := 0
		for {
			k, v, ok := pairs.next()
			if !ok {
				break
			}
			total += len(k) + len(v)
			if got := unescapeForm(v); len(got) > len(v) {
				t.Fatalf("unescapeForm grew %q to %q", v, got)
			}
		}
		if total > len(b) {
			t.Fatalf("pairs cover %d bytes of a %d-byte body", total, len(b))
		}
		fields := parseFields(b, "application/x-www-form-urlencoded", false)
		_ = fields.hasError()
		_, _ = formValue(b, "grant_type")
		_, _ = queryValue(string(b), "state")
		_, _ = pathKind(string(b))
		_ = newRequestParams(&Request{RawQuery: string(b), Body: b}).has(pCode)
	})
}

func FuzzWWWAuthenticate(f *testing.F) {
	for _, s := range []string{
		`Bearer realm="example", error="invalid_token", error_description="The access token expired"`,
		`Basic realm="x", Bearer error="insufficient_scope", scope="a b"`,
		`DPoP algs="ES256", error="use_dpop_nonce"`,
		`Bearer`, `Negotiate abc==, Bearer error=invalid_token`, `Bearer error="\"`, `,,,`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ch := oauthChallenge([]string{s})
		if ch.errorCode != "" && !ch.found {
			t.Fatalf("error code %q without a challenge", ch.errorCode)
		}
		if !strings.Contains(s, ch.errorCode) {
			t.Fatalf("error code %q is not part of the header %q", ch.errorCode, s)
		}
		if ch.found && !containsFold(s, "bearer") && !containsFold(s, "dpop") {
			t.Fatalf("challenge found in %q, which names neither Bearer nor DPoP", s)
		}
	})
}
