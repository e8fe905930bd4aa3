package integration

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/storage"
	"github.com/ory/fosite/token/jwt"
	"golang.org/x/crypto/bcrypt"
)

// Registered clients of the test IdP.
const (
	webClientID     = "web-app"
	serviceClientID = "reporting-service"
	webRedirect     = "http://127.0.0.1:5555/callback"
	webRedirectAlt  = "http://127.0.0.1:5555/callback-alt"
)

// idp is a real OAuth 2.0 / OIDC server (ory/fosite, all handlers
// enabled, in-memory storage) with a resource endpoint that checks tokens
// by introspection.
//
//	/oauth2/auth, /oauth2/token         the provider
//	/expired/oauth2/auth                 same store and secret, but codes it issues are already expired
//	/api/resource                        200 with a valid token carrying "read", else RFC 6750 errors
type idp struct {
	URL     string
	issuer  string
	secrets map[string]string // client id → secret (plain)

	provider fosite.OAuth2Provider

	tokenRequests atomic.Int64 // requests to /oauth2/token

	mu       sync.Mutex
	issued   []string // every code and token the IdP handed out
	verifier []string // PKCE verifiers the tests used
}

func randomString(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	d := &idp{URL: srv.URL, issuer: srv.URL, secrets: map[string]string{
		webClientID:     "web-secret-" + randomString(t, 16),
		serviceClientID: "svc-secret-" + randomString(t, 16),
	}}
	globalSecret := []byte(randomString(t, 16)) // 32 bytes

	newConfig := func(codeLifespan time.Duration) *fosite.Config {
		return &fosite.Config{
			GlobalSecret:          globalSecret,
			AccessTokenLifespan:   time.Hour,
			RefreshTokenLifespan:  24 * time.Hour,
			AuthorizeCodeLifespan: codeLifespan,
			IDTokenLifespan:       time.Hour,
			IDTokenIssuer:         srv.URL,
			AccessTokenIssuer:     srv.URL,
			HashCost:              bcrypt.MinCost,
			ScopeStrategy:         fosite.ExactScopeStrategy,
		}
	}
	store := storage.NewMemoryStore()
	cfg := newConfig(10 * time.Minute)
	hasher := &fosite.BCrypt{Config: cfg}
	hash := func(secret string) []byte {
		h, err := hasher.Hash(context.Background(), []byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	store.Clients[webClientID] = &fosite.DefaultClient{
		ID:            webClientID,
		Secret:        hash(d.secrets[webClientID]),
		RedirectURIs:  []string{webRedirect, webRedirectAlt},
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"},
		Scopes:        []string{"openid", "offline", "read"},
	}
	store.Clients[serviceClientID] = &fosite.DefaultClient{
		ID:         serviceClientID,
		Secret:     hash(d.secrets[serviceClientID]),
		GrantTypes: []string{"client_credentials"},
		Scopes:     []string{"read", "write"},
	}
	d.provider = compose.ComposeAllEnabled(cfg, store, key)
	// Codes from this provider expire the moment they are issued; the
	// normal provider redeems them, as it shares store and secret.
	expiring := compose.ComposeAllEnabled(newConfig(-time.Minute), store, key)

	mux.HandleFunc("/oauth2/auth", d.authorize(d.provider))
	mux.HandleFunc("/expired/oauth2/auth", d.authorize(expiring))
	mux.HandleFunc("/oauth2/token", d.token)
	mux.HandleFunc("/api/resource", d.resource)
	mux.HandleFunc("/oauth2/introspect", d.introspect)
	return d
}

func (d *idp) session() *openid.DefaultSession {
	now := time.Now().UTC()
	return &openid.DefaultSession{
		Claims:  &jwt.IDTokenClaims{Issuer: d.issuer, Subject: "alice", AuthTime: now, RequestedAt: now},
		Headers: &jwt.Headers{},
		Subject: "alice",
	}
}

// authorize consents to every requested scope for user alice.
func (d *idp) authorize(p fosite.OAuth2Provider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ar, err := p.NewAuthorizeRequest(ctx, r)
		if err != nil {
			p.WriteAuthorizeError(ctx, w, ar, err)
			return
		}
		for _, s := range ar.GetRequestedScopes() {
			ar.GrantScope(s)
		}
		resp, err := p.NewAuthorizeResponse(ctx, ar, d.session())
		if err != nil {
			p.WriteAuthorizeError(ctx, w, ar, err)
			return
		}
		if code := resp.GetParameters().Get("code"); code != "" {
			d.remember(code)
		}
		p.WriteAuthorizeResponse(ctx, w, ar, resp)
	}
}

func (d *idp) token(w http.ResponseWriter, r *http.Request) {
	d.tokenRequests.Add(1)
	ctx := r.Context()
	ar, err := d.provider.NewAccessRequest(ctx, r, d.session())
	if err != nil {
		d.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	if ar.GetGrantTypes().ExactOne("client_credentials") {
		for _, s := range ar.GetRequestedScopes() {
			ar.GrantScope(s)
		}
	}
	resp, err := d.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		d.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	d.remember(resp.GetAccessToken())
	for _, k := range []string{"refresh_token", "id_token"} {
		if v, ok := resp.GetExtra(k).(string); ok && v != "" {
			d.remember(v)
		}
	}
	d.provider.WriteAccessResponse(ctx, w, ar, resp)
}

// introspect is fosite's RFC 7662 endpoint (the caller authenticates as a client).
func (d *idp) introspect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ir, err := d.provider.NewIntrospectionRequest(ctx, r, d.session())
	if err != nil {
		d.provider.WriteIntrospectionError(ctx, w, err)
		return
	}
	d.provider.WriteIntrospectionResponse(ctx, w, ir)
}

// resource answers like an RFC 6750 resource server.
func (d *idp) resource(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tok := fosite.AccessTokenFromRequest(r)
	if tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	_, ar, err := d.provider.IntrospectToken(ctx, tok, fosite.AccessToken, d.session())
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_description="The access token is invalid or has expired"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_token","error_description":"The access token is invalid or has expired"}`))
		return
	}
	if !ar.GetGrantedScopes().Has("read") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="insufficient_scope", scope="read"`)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"subject": ar.GetClient().GetID(), "data": "quarterly numbers"})
}

func (d *idp) remember(values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.issued = append(d.issued, values...)
}

func (d *idp) rememberVerifier(v string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.verifier = append(d.verifier, v)
}

// secretValues is every value that must never reach a log or a tag.
func (d *idp) secretValues() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := append([]string(nil), d.issued...)
	out = append(out, d.verifier...)
	for _, s := range d.secrets {
		out = append(out, s)
	}
	return out
}

// secretFragments splits values at '.' (HMAC tokens and JWTs are
// dot-separated) so that a logged signature alone is caught too.
func secretFragments(values []string) []string {
	var out []string
	for _, v := range values {
		if v == "" {
			continue
		}
		out = append(out, v)
		for _, part := range strings.Split(v, ".") {
			if len(part) >= 16 && part != v {
				out = append(out, part)
			}
		}
	}
	return out
}
