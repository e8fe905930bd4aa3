package hydra

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDemoClients: the registrations the suite relies on, unique by id:
// a confidential client, a public one (no secret, PKCE) with exactly one
// redirect URI, and one confined to a single narrow scope.
func TestDemoClients(t *testing.T) {
	ids := map[string]bool{}
	byID := map[string]Client{}
	for _, c := range DemoClients {
		if c.ID == "" || ids[c.ID] {
			t.Errorf("client id %q empty or repeated", c.ID)
		}
		ids[c.ID] = true
		byID[c.ID] = c
		if (c.Secret == "") != (c.TokenEndpointAuthMethod == "none") {
			t.Errorf("%s: secret %v but token_endpoint_auth_method %q", c.ID, c.Secret != "", c.TokenEndpointAuthMethod)
		}
	}
	if c := byID[ConfidentialClientID]; c.Secret != ConfidentialClientSecret || !has(c.GrantTypes, "client_credentials") || strings.Contains(c.Scope, "phone") {
		t.Errorf("confidential client %+v: want its secret, client_credentials, and no phone scope", c)
	}
	if c := byID[PublicClientID]; c.Secret != "" || len(c.RedirectURIs) != 1 || c.RedirectURIs[0] != RegisteredRedirect || !has(c.GrantTypes, "authorization_code") {
		t.Errorf("public client %+v: want no secret, authorization_code and exactly %s", c, RegisteredRedirect)
	}
	if c := byID[NarrowClientID]; c.Scope != NarrowScope || c.Secret != NarrowClientSecret {
		t.Errorf("narrow client %+v: want scope %q only", c, NarrowScope)
	}
	// The admin API's field names (Hydra's client.Client JSON).
	b, _ := json.Marshal(byID[PublicClientID])
	for _, field := range []string{`"client_id"`, `"grant_types"`, `"redirect_uris"`, `"token_endpoint_auth_method"`, `"scope"`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("registration JSON %s lacks %s", b, field)
		}
	}
}

func has(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
