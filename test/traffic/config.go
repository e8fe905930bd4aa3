// Package traffic sends real OAuth traffic through a Tyk gateway running
// oauthcheck: token, authorize, device and resource requests against the
// demo Keycloak realm, every route of the misbehaving upstream
// (test/upstream), and every captured provider fixture
// (plugin/classify/testdata) replayed by that upstream. Each request carries a User-Agent naming its run and
// case, so its analytics record can be found again. cmd/traffic prints the
// exchanges; the e2e suite checks their records. Attack (attack.go) is the
// other scenario: bursts that fire the guard's detectors on the demo IdP
// API, mixed with an innocent client.
package traffic

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
)

// Config says where the stack is and which demo credentials to use. Every
// field has the docker-compose default; the credentials are the demo
// values of deploy/keycloak/oauthcheck-demo-realm.json, which the Hydra
// demo clients (test/hydra) share.
type Config struct {
	GatewayURL    string // TYK_GATEWAY_URL
	GatewaySecret string // TYK_GW_SECRET: creates the demo Tyk key
	IdP           IdP    // OAUTHCHECK_IDP: keycloak (default) or hydra
	IdPURL        string // OAUTHCHECK_IDP_URL: the realm or Hydra's issuer, direct (reachability only)
	UpstreamURL   string // OAUTHCHECK_UPSTREAM_URL: the misbehaving upstream, direct
	RedisAddr     string // OAUTHCHECK_REDIS_ADDR: for the e2e suite

	ClientID       string // OAUTHCHECK_DEMO_CLIENT_ID: confidential client
	ClientSecret   string // OAUTHCHECK_DEMO_CLIENT_SECRET
	PublicClientID string // OAUTHCHECK_DEMO_PUBLIC_CLIENT_ID: authorize and device flows
	Username       string // OAUTHCHECK_DEMO_USERNAME
	Password       string // OAUTHCHECK_DEMO_PASSWORD

	// RunID tags this run's User-Agents; random unless OAUTHCHECK_RUN_ID.
	RunID string
}

// FromEnv reads Config from the environment, with compose defaults.
func FromEnv() Config {
	idp := IdP(env("OAUTHCHECK_IDP", string(Keycloak)))
	return Config{
		GatewayURL:     env("TYK_GATEWAY_URL", "http://127.0.0.1:8080"),
		GatewaySecret:  env("TYK_GW_SECRET", "demo-tyk-secret-change-me"),
		IdP:            idp,
		IdPURL:         env("OAUTHCHECK_IDP_URL", idp.defaultURL()),
		UpstreamURL:    env("OAUTHCHECK_UPSTREAM_URL", "http://127.0.0.1:8090"),
		RedisAddr:      env("OAUTHCHECK_REDIS_ADDR", "127.0.0.1:6379"),
		ClientID:       env("OAUTHCHECK_DEMO_CLIENT_ID", "demo-backend"),
		ClientSecret:   env("OAUTHCHECK_DEMO_CLIENT_SECRET", "demo-backend-secret"),
		PublicClientID: env("OAUTHCHECK_DEMO_PUBLIC_CLIENT_ID", "demo-web"),
		Username:       env("OAUTHCHECK_DEMO_USERNAME", "demo-user"),
		Password:       env("OAUTHCHECK_DEMO_PASSWORD", "demo-password"),
		RunID:          env("OAUTHCHECK_RUN_ID", randomID()),
	}
}

func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// IdP is the authorization server behind the demo IdP and resource APIs.
type IdP string

// The IdPs the suite knows. The empty IdP is Keycloak.
const (
	Keycloak IdP = "keycloak" // the compose stack's realm (apps/)
	Hydra    IdP = "hydra"    // Ory Hydra v2.3.0 (apps/hydra/, make hydra-up)
)

// Known reports whether the suite has cases for i.
func (i IdP) Known() bool { return i == "" || i == Keycloak || i == Hydra }

func (i IdP) orDefault() IdP {
	if i == "" {
		return Keycloak
	}
	return i
}

func (i IdP) defaultURL() string {
	if i == Hydra {
		return "http://127.0.0.1:4444"
	}
	return "http://127.0.0.1:8180/realms/oauthcheck-demo"
}

// Endpoints are an IdP's endpoint paths below the listen path of the demo
// IdP APIs ("" where the IdP has none).
type Endpoints struct {
	Token, Auth, DeviceAuth, Userinfo, Revoke string
}

// Endpoints of i: Keycloak's openid-connect paths (the API targets
// .../protocol/openid-connect/), Hydra's public paths (the API targets
// its root). Hydra v2.3.0 has no device flow.
func (i IdP) Endpoints() Endpoints {
	if i == Hydra {
		return Endpoints{Token: "/oauth2/token", Auth: "/oauth2/auth", Userinfo: "/userinfo", Revoke: "/oauth2/revoke"}
	}
	return Endpoints{Token: "/token", Auth: "/auth", DeviceAuth: "/auth/device", Userinfo: "/userinfo", Revoke: "/revoke"}
}

// Paths of the demo APIs (apps/), as the client sends them.
const (
	IdPPrefix         = "/idp"          // classic, keyless → Keycloak's openid-connect endpoints
	OASIdPPrefix      = "/oas-idp"      // OAS, keyless → the same
	UpstreamPrefix    = "/upstream"     // classic, keyless → the misbehaving upstream
	ResourcePrefix    = "/resource"     // classic, Tyk key → the IdP's userinfo (a resource server)
	OASResourcePrefix = "/oas-resource" // OAS, Tyk key → the same

	// UpstreamAuthPrefix is keyless; the gateway itself gets a token for
	// Keycloak's userinfo (upstream_auth, demo-backend's credentials).
	UpstreamAuthPrefix       = "/upstream-auth"
	UpstreamAuthBrokenPrefix = "/upstream-auth-broken" // the same with a wrong gateway secret

	// TykKeyHeader carries the Tyk key on the key-protected APIs, so that
	// Authorization stays free for the OAuth bearer token.
	TykKeyHeader = "X-Api-Key"
)

// API ids of the demo APIs (apps/).
const (
	IdPAPIID         = "oauthcheck-idp"
	OASIdPAPIID      = "oauthcheck-oas-idp"
	UpstreamAPIID    = "oauthcheck-upstream"
	ResourceAPIID    = "oauthcheck-resource"
	OASResourceAPIID = "oauthcheck-oas-resource"

	UpstreamAuthAPIID       = "oauthcheck-upstream-auth"
	UpstreamAuthBrokenAPIID = "oauthcheck-upstream-auth-broken"
)
