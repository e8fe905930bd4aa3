package upstreamauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

func introClient(t *testing.T, url string, clk *clock, mutate ...func(*Config)) *Client {
	t.Helper()
	return newClient(t, url, clk, append([]func(*Config){func(c *Config) {
		c.TokenURL, c.IntrospectionURL = "", url+"/introspect"
	}}, mutate...)...)
}

func TestIntrospectCachesUpToExp(t *testing.T) {
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	s := newAuthServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("token") == "PLACEHOLDER-live" {
			fmt.Fprintf(w, `{"active":true,"scope":"read","exp":%d}`, clk.now().Add(20*time.Second).Unix())
			return
		}
		fmt.Fprint(w, `{"active":false}`)
	})
	c := introClient(t, s.URL, clk)
	if c.FetchesTokens() {
		t.Error("introspection-only config fetches tokens")
	}
	for i := 0; i < 3; i++ {
		if active, fail := c.Introspect(context.Background(), "PLACEHOLDER-live"); !active || fail != nil {
			t.Fatalf("live token: active %v, %+v", active, fail)
		}
		if active, fail := c.Introspect(context.Background(), "PLACEHOLDER-dead"); active || fail != nil {
			t.Fatalf("dead token: active %v, %+v", active, fail)
		}
	}
	if got := s.hits.Load(); got != 2 {
		t.Errorf("introspection requests for 6 checks of 2 tokens: got %d, want 2", got)
	}
	if !strings.HasPrefix(s.auths[0], "Basic ") || !strings.Contains(s.forms[0], "token_type_hint=access_token") {
		t.Errorf("request: auth %q form %q, want the gateway's Basic credentials and a token_type_hint", s.auths[0], s.forms[0])
	}
	clk.add(25 * time.Second) // past the live token's exp, within the 60 s cache
	c.Introspect(context.Background(), "PLACEHOLDER-live")
	if got := s.hits.Load(); got != 3 {
		t.Errorf("after exp: got %d requests, want the live token asked again (3)", got)
	}
}

func TestIntrospectCacheIsBounded(t *testing.T) {
	s := newAuthServer(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"active":true}`)
	})
	c := introClient(t, s.URL, &clock{t: time.Unix(1_800_000_000, 0)}, func(cfg *Config) { cfg.IntrospectionCacheEntries = 50 })
	for i := 0; i < 500; i++ {
		c.Introspect(context.Background(), fmt.Sprintf("PLACEHOLDER-%d", i))
	}
	if n := len(c.intro.entries); n > 50 {
		t.Errorf("cache holds %d entries, want at most 50", n)
	}
}

func TestIntrospectFailuresAreClassified(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
		status int
		root   classify.Code
	}{
		{"no active field", `{"scope":"read"}`, 200, classify.MissingActive},
		{"html 502", `<html><body><center>nginx</center></body></html>`, 502, classify.ServerError},
		{"wrong gateway secret", `{"error":"invalid_client"}`, 401, classify.InvalidClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newAuthServer(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
				if strings.HasPrefix(tc.answer, "<") {
					w.Header().Set("Content-Type", "text/html")
				} else {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.answer)
			})
			clk := &clock{t: time.Unix(1_800_000_000, 0)}
			c := introClient(t, s.URL, clk)
			_, fail := c.Introspect(context.Background(), "PLACEHOLDER-tok")
			if fail == nil {
				t.Fatal("no failure")
			}
			if fail.Result.Root() != tc.root || !fail.Result.Has(classify.UpstreamAuthFailed) {
				t.Errorf("causes %v, want root %s and upstream_auth_failed", fail.Result.Causes(), tc.root)
			}
			if strings.Contains(fail.Detail, "PLACEHOLDER-tok") {
				t.Error("failure detail holds the caller's token")
			}
			for i := 0; i < 10; i++ {
				c.Introspect(context.Background(), fmt.Sprintf("PLACEHOLDER-other-%d", i))
			}
			if got := s.hits.Load(); got != 1 {
				t.Errorf("requests during the backoff: got %d, want 1", got)
			}
		})
	}
}
