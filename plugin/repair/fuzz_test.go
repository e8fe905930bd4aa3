package repair_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

// FuzzApply: whatever the upstream sends to a token endpoint, Apply does
// not panic and a rewritten body is valid JSON with a registered error
// code or a compliant success (checkPlan).
func FuzzApply(f *testing.F) {
	for i := range repairCases {
		req, resp := parseCase(f, &repairCases[i])
		f.Add(resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"), resp.Body, req.Header.Get("Authorization") != "")
	}
	f.Add(200, "application/x-www-form-urlencoded", "", []byte("error=bad_verification_code&error_description=The+code+passed+is+incorrect"), false)
	f.Add(200, "text/plain", "", []byte("access_token=a%22b\\c&token_type=BEARER&expires_in=12&x=%00"), false)
	f.Add(429, "text/html", "", []byte("<html>Too many requests</html>"), true)
	f.Fuzz(func(t *testing.T, status int, contentType, encoding string, body []byte, basic bool) {
		if status < 100 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		req := classify.Request{Method: "POST", Path: "/oauth/token", Header: http.Header{},
			Body: []byte("grant_type=client_credentials&client_id=app")}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.Header.Set("Authorization", "Basic YXBwOnNlY3JldA==")
		}
		resp := classify.Response{Status: status, Header: http.Header{}, Body: body}
		if contentType != "" {
			resp.Header.Set("Content-Type", contentType)
		}
		if encoding != "" {
			resp.Header.Set("Content-Encoding", encoding)
		}
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		result := classify.Classify(&req, &resp, nil)
		plan := repair.Apply(&req, &resp, &result, nil)
		checkPlan(t, &req, &resp, &result, &plan)
		if plan.BodyChanged && strings.Contains(string(plan.Body), "YXBwOnNlY3JldA") {
			t.Errorf("the client's credentials reached the body: %s", plan.Body)
		}
	})
}

// Descriptions that quote a credential never reach the client; plain
// ones are kept, cleaned to the RFC 6749 §5.2 characters and capped.
func TestDescriptions(t *testing.T) {
	for _, tc := range []struct{ message, want string }{
		{"Error validating client secret.", "Error validating client secret."},
		{"The client_id and/or client_secret passed are incorrect.", "The client_id and/or client_secret passed are incorrect."},
		{"Invalid refresh token: 8xLOxBtZp8a", ""},
		{"token eyJhbGciOiJSUzI1NiJ9.e30.sig is expired", ""},
		{"client_secret=s3cr3tvalue", ""},
		{"Authorization header Bearer abcdefghijklmnop was rejected", ""},
		{"key AKIAIOSFODNN7EXAMPLE1234 unknown", ""},
		{`quote " and \ backslash`, "quote and backslash"},
		{"应用不存在", ""},
		{strings.Repeat("word ", 100), strings.TrimSpace(strings.Repeat("word ", 40))},
	} {
		body := `{"error":{"message":` + strconv.Quote(tc.message) + `}}`
		req := classify.Request{Method: "POST", Path: "/oauth/token", Header: http.Header{}, Body: []byte("grant_type=refresh_token&refresh_token=x")}
		resp := classify.Response{Status: 401, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
		result := classify.Classify(&req, &resp, nil)
		plan := repair.Apply(&req, &resp, &result, nil)
		if !plan.BodyChanged {
			t.Errorf("%q: not repaired (causes %v)", tc.message, result.Causes())
			continue
		}
		got := ""
		if i := strings.Index(string(plan.Body), `"error_description":"`); i >= 0 {
			got = strings.TrimSuffix(string(plan.Body)[i+len(`"error_description":"`):], `"}`)
		}
		if got != tc.want {
			t.Errorf("%q: description %q, want %q", tc.message, got, tc.want)
		}
	}
}

// FuzzObjectScan: the one-pass scanner accepts exactly what
// encoding/json accepts as a JSON object.
func FuzzObjectScan(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":[1,2,{"b":null}],"c":"\u00e9\n"}`, `{"a":01}`, `{"a":1,}`, `{"a":"\x01"}`, ` {"a":-0.5e+3} `, `{"a":tru}`, `[1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := json.Valid(b) && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{"))
		if got := repair.ValidObject(b); got != want {
			t.Errorf("ValidObject(%q) = %v, encoding/json says %v", b, got, want)
		}
		s := string(b)
		q := repair.AppendString(nil, s)
		var back string
		if err := json.Unmarshal(q, &back); err != nil || !utf8.Valid(q) {
			t.Errorf("AppendString(%q) = %q is not a valid JSON string: %v", s, q, err)
		}
	})
}
