package integration

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/test/harness"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// forge adds label headers a client might send to fake a tag, in several
// spellings; the server canonicalises most, the map keeps the rest.
func forge(h http.Header) {
	h.Set("X-OAuth-Cause", "ok")
	h.Add("X-OAuth-Cause", "forged_cause")
	h.Set("X-Oauth-Verdict", "ok")
	h["x-oauth-client"] = []string{"forged-client"}
	h["X-OAUTH-CAUSE"] = append(h["X-OAUTH-CAUSE"], "forged_upper")
}

func forgedTags(rec harness.Record) []string {
	var out []string
	for _, tag := range rec.Tags {
		if strings.Contains(tag, "forged") || tag == "x-oauth-cause-ok" || tag == "x-oauth-verdict-ok" {
			out = append(out, tag)
		}
	}
	return out
}

func TestForgedLabelHeadersAreStripped(t *testing.T) {
	p := loadPlugin(t)
	up := httptest.NewServer(upstream.Handler())
	defer up.Close()
	const key = "forged-test-key-0123456789"
	keys := map[string]harness.Session{key: {Alias: "forger"}}
	nginx, _ := upstream.Lookup("/token/nginx-502")

	cases := []struct {
		name     string
		api      harness.API
		key      string
		route    upstream.Route
		status   int
		want     []string // causes; nil: no labels
		errorRec bool
	}{
		{name: "keyless token API", api: harness.API{ID: "forged-keyless", Upstream: up.URL, Keyless: true},
			route: nginx, status: 502, want: nginx.WantCauses},
		// A path that names no token: an answer there is nobody's OAuth
		// (a token answer on a /token/ path is read since batch 7).
		{name: "keyless non-OAuth request", api: harness.API{ID: "forged-keyless-plain", Upstream: up.URL, Keyless: true},
			route: upstream.Route{Path: "/orders/42", Method: http.MethodGet}, status: 404},
		{name: "keyed API with a valid key", api: harness.API{ID: "forged-keyed", Upstream: up.URL, Keys: keys, AuthHeader: "X-Api-Key"},
			key: key, route: nginx, status: 502, want: nginx.WantCauses},
		{name: "keyed API, key missing", api: harness.API{ID: "forged-nokey", Upstream: up.URL, Keys: keys, AuthHeader: "X-Api-Key"},
			route: nginx, status: 401, errorRec: true},
		{name: "keyed API, key unknown", api: harness.API{ID: "forged-badkey", Upstream: up.URL, Keys: keys, AuthHeader: "X-Api-Key"},
			key: "not-a-key", route: nginx, status: 403, errorRec: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := harness.NewGateway(t, p, tc.api)
			req, err := tc.route.NewRequest(t.Context(), g.URL)
			if err != nil {
				t.Fatal(err)
			}
			forge(req.Header)
			if tc.key != "" {
				req.Header.Set("X-Api-Key", tc.key)
			}
			ex := g.Do(t, nil, req)
			if ex.Status != tc.status {
				t.Fatalf("status: got %d, want %d (%s)", ex.Status, tc.status, ex.Body)
			}
			if ex.Record.ErrorPath != tc.errorRec {
				t.Errorf("record from the error path: got %v, want %v", ex.Record.ErrorPath, tc.errorRec)
			}
			if forged := forgedTags(ex.Record); len(forged) != 0 {
				t.Errorf("forged tags reached analytics: %q (all tags %q)", forged, ex.Record.Tags)
			}
			if tc.want == nil {
				if tags := oauthTags(ex.Record); len(tags) != 0 {
					t.Errorf("tags: got %q, want no oauthcheck labels", tags)
				}
				return
			}
			checkCauses(t, ex.Record, tc.want, "invalid")
			if n := len(ex.Record.TagsWithPrefix("x-oauth-verdict-")); n != 1 {
				t.Errorf("got %d verdict tags, want 1: %q", n, ex.Record.Tags)
			}
		})
	}
}
