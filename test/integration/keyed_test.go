package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthcheck/oauthcheck/test/harness"
)

// resourceAPI is a key-protected API in front of the IdP's resource
// endpoint. The Tyk key travels in X-Api-Key so that the client's own
// Authorization: Bearer reaches the resource server.
func resourceAPI(d *idp, id string, oas bool, keys map[string]harness.Session) harness.API {
	return harness.API{
		ID: id, Upstream: d.URL, OAS: oas, AuthHeader: "X-Api-Key", Keys: keys,
		ConfigData: map[string]interface{}{"oauthcheck": map[string]interface{}{"token_types": []interface{}{"Bearer"}}},
	}
}

func TestKeyProtectedResourceAPI(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	cc := clientcredentials.Config{ClientID: serviceClientID, ClientSecret: d.secrets[serviceClientID],
		TokenURL: d.URL + "/oauth2/token", Scopes: []string{"read"}, AuthStyle: oauth2.AuthStyleInHeader}
	good, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("token straight from the IdP: %v", err)
	}
	d.remember(good.AccessToken)
	badToken := "ory_at_" + randomString(t, 20) + "." + randomString(t, 20)
	d.remember(badToken)

	for _, oas := range []bool{false, true} {
		name := "classic"
		if oas {
			name = "oas"
		}
		t.Run(name, func(t *testing.T) {
			aliasKey := "tyk-key-alias-" + randomString(t, 12)
			bareKey := "tyk-key-bare-" + randomString(t, 12)
			apiID := uniqueAPIID("resource-api-" + name)
			g := harness.NewGateway(t, p, resourceAPI(d, apiID, oas, map[string]harness.Session{
				aliasKey: {Alias: "partner-portal", Tags: []string{"tier-gold"}},
				bareKey:  {},
			}))
			logs := harness.CaptureLogs()
			call := func(key, bearer string) harness.Exchange {
				t.Helper()
				req, _ := http.NewRequest(http.MethodGet, g.URL+"/api/resource", nil)
				req.Header.Set("X-Api-Key", key)
				if bearer != "" {
					req.Header.Set("Authorization", "Bearer "+bearer)
				}
				return g.Do(t, nil, req)
			}

			ex := call(aliasKey, badToken)
			if ex.Status != http.StatusUnauthorized {
				t.Fatalf("resource server said %d %s, want 401", ex.Status, ex.Body)
			}
			checkCauses(t, ex.Record, []string{"invalid_token"}, "invalid")
			if ex.Record.Alias != "partner-portal" || !ex.Record.HasTag("tier-gold") {
				t.Errorf("record alias %q tags %q, want partner-portal with the session tag", ex.Record.Alias, ex.Record.Tags)
			}
			lines := logs.ForAPI(apiID)
			if len(lines) != 1 {
				t.Fatalf("got %d log lines, want 1: %v", len(lines), lines)
			}
			if got := lines[0].Field("key_alias"); got != "partner-portal" {
				t.Errorf("log key_alias: got %q, want partner-portal (post_key_auth remembers the caller)", got)
			}
			if got := lines[0].Field("endpoint"); got != "resource" {
				t.Errorf("log endpoint: got %q, want resource", got)
			}
			if got := lines[0].Level; got != "warning" {
				t.Errorf("log level: got %q, want warning for an invalid verdict", got)
			}

			ex = call(aliasKey, good.AccessToken)
			if ex.Status != http.StatusOK {
				t.Fatalf("resource server said %d %s, want 200", ex.Status, ex.Body)
			}
			if tags := oauthTags(ex.Record); len(tags) != 0 {
				t.Errorf("200 resource response: got tags %q, want no labels", tags)
			}
			if n := len(logs.ForAPI(apiID)); n != 1 {
				t.Errorf("200 resource response logged: got %d lines, want still 1", n)
			}

			// A key without alias is logged by a fingerprint of its hash.
			ex = call(bareKey, badToken)
			checkCauses(t, ex.Record, []string{"invalid_token"}, "invalid")
			lines = logs.ForAPI(apiID)
			lastLine := lines[len(lines)-1]
			fp := lastLine.Field("key_hash")
			if fp == "" || lastLine.Field("key_alias") != "" {
				t.Errorf("log for a key without alias: key_hash %q key_alias %q, want a fingerprint and no alias", fp, lastLine.Field("key_alias"))
			}
			if full := harness.KeyHash(bareKey); fp == full || strings.Contains(string(logs.Bytes()), full) {
				t.Errorf("logs carry the full key hash; want only a fingerprint")
			}

			// No credentials at all for the resource: missing_token.
			ex = call(aliasKey, "")
			checkCauses(t, ex.Record, []string{"missing_token"}, "invalid")

			assertNoSecrets(t, secretFragments(append(d.secretValues(), aliasKey, bareKey)), logs.Bytes(), g.Records(t))
		})
	}
}
