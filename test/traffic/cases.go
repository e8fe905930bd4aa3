package traffic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/test/hydra"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// Demo values the cases send on purpose; each is recorded as a secret.
const (
	wrongSecret          = "demo-wrong-client-secret"
	wrongPassword        = "demo-wrong-password"
	unregisteredRedirect = "http://127.0.0.1:8085/not-registered"
	registeredRedirect   = hydra.RegisteredRedirect // in the demo realm and Hydra's demo-web
	disallowedScope      = "phone"                  // a realm scope demo-backend may not request
)

// Cases returns every case of a run: the IdP ones for Config.IdP, one per
// misbehaving-upstream route (test/upstream.Routes), then one per captured
// provider fixture replayed (plugin/classify/testdata).
func (r *Runner) Cases() []*Case {
	cases := append(r.IdPCases(), UpstreamCases()...)
	cases = append(cases, ReplayCases()...)
	return append(cases, r.RepairCases()...)
}

func (r *Runner) gw(path string) string {
	return strings.TrimSuffix(r.Config.GatewayURL, "/") + path
}

// IdPCases are the cases of every IdP that can produce them, for the IdP
// of Config.IdP.
func (r *Runner) IdPCases() []*Case {
	idp := r.Config.IdP.orDefault()
	var out []*Case
	for _, c := range r.allIdPCases() {
		if c.Only == "" || c.Only == idp {
			out = append(out, c)
		}
	}
	return out
}

// Hydra's answers, verbatim (fosite's error texts): the client must get
// these bytes through the gateway.
const (
	hydraInvalidClient = `{"error":"invalid_client","error_description":"Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."}`
	hydraInvalidScope  = `{"error":"invalid_scope","error_description":"The requested scope is invalid, unknown, or malformed. The OAuth 2.0 Client is not allowed to request scope '%s'."}`
	// Hydra has no handler for an unknown grant: invalid_request, not
	// unsupported_grant_type.
	hydraInvalidRequest = `{"error":"invalid_request","error_description":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed. Make sure that the various parameters are correct, be aware of case sensitivity and trim your parameters. Make sure that the client you are using has exactly whitelisted the redirect_uri you specified."}`
	hydraInvalidGrant   = `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.%s"}`
	hydraUnauthorized   = `{"error":"request_unauthorized","error_description":"The request could not be authorized. Check that you provided valid credentials in the right format."}` + "\n"
	hydraRedirectError  = `/oauth2/fallbacks/error?error=invalid_request&amp;error_description=The+request+is+missing+a+required+parameter%2C+includes+an+invalid+parameter+value%2C+includes+a+parameter+more+than+once%2C+or+is+otherwise+malformed.+The+%27redirect_uri%27+parameter+does+not+match+any+of+the+OAuth+2.0+Client%27s+pre-registered+redirect+urls.`
)

// The narrow-scope demo client only Hydra registers.
const (
	narrowClientID     = hydra.NarrowClientID
	narrowClientSecret = hydra.NarrowClientSecret
	narrowScope        = hydra.NarrowScope
)

// allIdPCases are real OAuth flows against the demo IdP through the
// gateway, with golang.org/x/oauth2 wherever a client library would be
// used. Keycloak's expectations name the root cause only (RootOnly):
// warnings a Keycloak version may add after it are not this suite's
// business; Hydra's are exact, bytes included, for the pinned version.
func (r *Runner) allIdPCases() []*Case {
	cfg := r.Config
	hydra := cfg.IdP == Hydra
	ep := cfg.IdP.Endpoints()
	// exact turns a Keycloak expectation into Hydra's: every cause, and
	// the bytes where the answer is fixed.
	exact := func(c *Case, body string) *Case {
		if hydra {
			c.RootOnly = false
			if body != "" {
				c.WantBody = []byte(body)
			}
		}
		return c
	}
	redirectStatus, loginStatus := 400, 200 // Keycloak's own pages
	var redirectBody string
	if hydra {
		// Hydra redirects to its error and login UIs.
		redirectStatus, loginStatus = 302, 302
		redirectBody = `<a href="` + strings.TrimSuffix(cfg.IdPURL, "/") + hydraRedirectError + "\">Found</a>.\n\n"
	}
	return []*Case{
		exact(&Case{
			Name: "idp/client-credentials-ok", Target: TargetIdP, APIID: IdPAPIID,
			Family: classify.FamilyOK, WantCauses: []string{"ok"}, WantVerdict: "ok",
			WantClient: cfg.ClientID, WantStatus: 200,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				tok, err := r.clientCredentials(IdPPrefix, cfg.ClientSecret).Token(withClient(ctx, hc))
				if err != nil {
					return err
				}
				r.plainToken = tok.AccessToken
				r.addTokenSecrets(tok)
				return nil
			},
		}, ""),
		exact(&Case{
			Name: "idp/client-credentials-openid", Target: TargetIdP, APIID: IdPAPIID,
			Family: classify.FamilyOK, WantCauses: []string{"ok"}, RootOnly: true, WantVerdict: "ok",
			WantClient: cfg.ClientID, WantStatus: 200,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				cc := r.clientCredentials(IdPPrefix, cfg.ClientSecret)
				cc.Scopes = []string{"openid", "profile", "email"}
				tok, err := cc.Token(withClient(ctx, hc))
				if err != nil {
					return err
				}
				r.oidcToken = tok.AccessToken
				r.addTokenSecrets(tok)
				return nil
			},
		}, ""),
		exact(&Case{
			Name: "idp/wrong-client-secret", Target: TargetIdP, APIID: IdPAPIID,
			Family: classify.FamilyCredentials, WantCauses: []string{"invalid_client"}, RootOnly: true,
			WantVerdict: "invalid", WantClient: cfg.ClientID, WantStatus: 401,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				_, err := r.clientCredentials(IdPPrefix, wrongSecret).Token(withClient(ctx, hc))
				return wantOAuthError(err)
			},
		}, hydraInvalidClient),
		exact(&Case{
			Name: "idp/redirect-uri-not-registered", Target: TargetIdP, APIID: IdPAPIID,
			Family: classify.FamilyRedirectURI, WantCauses: []string{"redirect_uri_mismatch"}, RootOnly: true,
			WantVerdict: "invalid", WantClient: cfg.PublicClientID, WantStatus: redirectStatus,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				return r.authorize(ctx, hc, unregisteredRedirect)
			},
		}, redirectBody),
		exact(&Case{
			Name: "idp/authorize-login-page", Target: TargetIdP, APIID: IdPAPIID,
			Family: classify.FamilyOK, WantCauses: []string{"ok"}, RootOnly: true, WantVerdict: "ok",
			WantClient: cfg.PublicClientID, WantStatus: loginStatus,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				return r.authorize(ctx, hc, registeredRedirect)
			},
		}, ""),
		{
			// The caller sends no token: the gateway's post hook fetched one
			// for itself (client credentials), and Keycloak's userinfo takes it.
			Name: "idp/upstream-auth-gateway-token", Target: TargetIdP, APIID: UpstreamAuthAPIID, Only: Keycloak,
			WantCauses: nil, NoClient: true, WantStatus: 200,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.gw(UpstreamAuthPrefix+ep.Userinfo), nil)
				if err != nil {
					return err
				}
				return do(hc, req)
			},
		},
		{
			// A wrong gateway secret: the client gets the plugin's 502, and the
			// record says the gateway's own fetch failed, not the caller.
			Name: "idp/upstream-auth-wrong-gateway-secret", Target: TargetIdP, APIID: UpstreamAuthBrokenAPIID, Only: Keycloak,
			Family: classify.FamilyCredentials, WantCauses: []string{"invalid_client", "upstream_auth_failed"},
			WantVerdict: "invalid", NoClient: true, WantStatus: 502,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.gw(UpstreamAuthBrokenPrefix+ep.Userinfo), nil)
				if err != nil {
					return err
				}
				return do(hc, req)
			},
		},
		{
			Name: "idp/unsupported-grant-type", Target: TargetIdP, APIID: IdPAPIID, Only: Keycloak,
			Family: classify.FamilyRequest, WantCauses: []string{"unsupported_grant_type"}, RootOnly: true,
			WantVerdict: "invalid", WantClient: cfg.ClientID, WantStatus: 400,
			send: r.unknownGrant,
		},
		{
			// The same request; Hydra's answer is invalid_request.
			Name: "idp/unknown-grant-type", Target: TargetIdP, APIID: IdPAPIID, Only: Hydra,
			Family: classify.FamilyRequest, WantCauses: []string{"invalid_request"},
			WantVerdict: "invalid", WantClient: cfg.ClientID, WantStatus: 400, WantBody: []byte(hydraInvalidRequest),
			send: r.unknownGrant,
		},
		{
			// Hydra v2.3.0 hands the password grant to Ory Kratos.
			Name: "idp/wrong-user-password", Target: TargetIdP, APIID: IdPAPIID, Only: Keycloak,
			Family: classify.FamilyGrant, WantCauses: []string{"invalid_grant"}, RootOnly: true,
			WantVerdict: "invalid", WantClient: cfg.ClientID, WantStatus: 401,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				oc := r.oauth2Config(IdPPrefix, cfg.ClientID, cfg.ClientSecret)
				r.addSecret(cfg.ClientSecret, cfg.Password, wrongPassword)
				_, err := oc.PasswordCredentialsToken(withClient(ctx, hc), cfg.Username, wrongPassword)
				return wantOAuthError(err)
			},
		},
		exact(&Case{
			Name: "idp/scope-not-allowed", Target: TargetIdP, APIID: IdPAPIID,
			Family: classify.FamilyScope, WantCauses: []string{"invalid_scope"}, RootOnly: true,
			WantVerdict: "invalid", WantClient: cfg.ClientID, WantStatus: 400,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				cc := r.clientCredentials(IdPPrefix, cfg.ClientSecret)
				cc.Scopes = []string{disallowedScope}
				_, err := cc.Token(withClient(ctx, hc))
				return wantOAuthError(err)
			},
		}, fmt.Sprintf(hydraInvalidScope, disallowedScope)),
		{
			Name: "idp/device-authorization", Target: TargetIdP, APIID: IdPAPIID, Only: Keycloak,
			Family: classify.FamilyOK, WantCauses: []string{"ok"}, RootOnly: true, WantVerdict: "ok",
			WantClient: cfg.PublicClientID, WantStatus: 200,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				oc := r.oauth2Config(IdPPrefix, cfg.PublicClientID, "")
				da, err := oc.DeviceAuth(withClient(ctx, hc))
				if err != nil {
					return err
				}
				r.deviceCode = da.DeviceCode
				r.addSecret(da.DeviceCode)
				return nil
			},
		},
		{
			// One poll, before anyone approved the device: the IdP answers
			// authorization_pending, a normal state (verdict ok). A single
			// request, not x/oauth2's polling loop, keeps the run exact.
			Name: "idp/device-poll-pending", Target: TargetIdP, APIID: IdPAPIID, Only: Keycloak,
			Family: classify.FamilyFlow, WantCauses: []string{"authorization_pending"}, RootOnly: true,
			WantVerdict: "ok", WantClient: cfg.PublicClientID, WantStatus: 400,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				if r.deviceCode == "" {
					return errors.New("no device_code: idp/device-authorization failed")
				}
				form := url.Values{
					"grant_type":  {"urn:ietf:params:oauth:grant-type:device_code"},
					"device_code": {r.deviceCode},
					"client_id":   {cfg.PublicClientID},
				}
				req, err := postForm(ctx, r.gw(IdPPrefix+ep.Token), form)
				if err != nil {
					return err
				}
				return do(hc, req)
			},
		},
		exact(&Case{
			Name: "idp/userinfo-invalid-token", Target: TargetIdP, APIID: IdPAPIID,
			Family: classify.FamilyToken, WantCauses: []string{"invalid_token"}, RootOnly: true,
			WantVerdict: "invalid", WantStatus: 401,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				return r.bearerGet(ctx, hc, IdPPrefix+ep.Userinfo, r.bogusToken(), false)
			},
		}, hydraUnauthorized),
		{
			Name: "idp/refresh-token-invalid", Target: TargetIdP, APIID: IdPAPIID, Only: Hydra,
			Family: classify.FamilyGrant, WantCauses: []string{"invalid_grant"},
			WantVerdict: "invalid", WantClient: cfg.ClientID, WantStatus: 400,
			WantBody: []byte(fmt.Sprintf(hydraInvalidGrant, " The refresh token is malformed or not valid.")),
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				src := r.oauth2Config(IdPPrefix, cfg.ClientID, cfg.ClientSecret).TokenSource(withClient(ctx, hc),
					&oauth2.Token{RefreshToken: r.bogusRefreshToken()})
				_, err := src.Token()
				return wantOAuthError(err)
			},
		},
		{
			// A public client (PKCE) redeeming a code Hydra never issued.
			Name: "idp/code-not-issued", Target: TargetIdP, APIID: IdPAPIID, Only: Hydra,
			Family: classify.FamilyGrant, WantCauses: []string{"invalid_grant"},
			WantVerdict: "invalid", WantClient: cfg.PublicClientID, WantStatus: 400,
			WantBody: []byte(fmt.Sprintf(hydraInvalidGrant, "")),
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				oc := r.oauth2Config(IdPPrefix, cfg.PublicClientID, "")
				oc.Endpoint.AuthStyle = oauth2.AuthStyleInParams
				oc.RedirectURL = registeredRedirect
				verifier := oauth2.GenerateVerifier()
				code := "demo-never-issued-code-" + cfg.RunID
				r.addSecret(verifier, code)
				_, err := oc.Exchange(withClient(ctx, hc), code, oauth2.VerifierOption(verifier))
				return wantOAuthError(err)
			},
		},
		{
			// The public client asks for a client_credentials token.
			Name: "idp/public-client-credentials", Target: TargetIdP, APIID: IdPAPIID, Only: Hydra,
			Family: classify.FamilyCredentials, WantCauses: []string{"unauthorized_client"},
			WantVerdict: "invalid", WantClient: cfg.PublicClientID, WantStatus: 400,
			WantBody: []byte(fmt.Sprintf(hydraInvalidGrant, " The OAuth 2.0 Client is marked as public and is thus not allowed to use authorization grant 'client_credentials'.")),
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cfg.PublicClientID}}
				req, err := postForm(ctx, r.gw(IdPPrefix+ep.Token), form)
				if err != nil {
					return err
				}
				return do(hc, req)
			},
		},
		{
			Name: "idp/narrow-scope-ok", Target: TargetIdP, APIID: IdPAPIID, Only: Hydra,
			Family: classify.FamilyOK, WantCauses: []string{"ok"}, WantVerdict: "ok",
			WantClient: narrowClientID, WantStatus: 200,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				tok, err := r.narrowClient([]string{narrowScope}).Token(withClient(ctx, hc))
				if err != nil {
					return err
				}
				r.addTokenSecrets(tok)
				return nil
			},
		},
		{
			Name: "idp/narrow-scope-openid", Target: TargetIdP, APIID: IdPAPIID, Only: Hydra,
			Family: classify.FamilyScope, WantCauses: []string{"invalid_scope"},
			WantVerdict: "invalid", WantClient: narrowClientID, WantStatus: 400,
			WantBody: []byte(fmt.Sprintf(hydraInvalidScope, "openid")),
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				_, err := r.narrowClient([]string{"openid"}).Token(withClient(ctx, hc))
				return wantOAuthError(err)
			},
		},
		{
			Name: "idp/revoke-wrong-client-secret", Target: TargetIdP, APIID: IdPAPIID, Only: Hydra,
			Family: classify.FamilyCredentials, WantCauses: []string{"invalid_client"},
			WantVerdict: "invalid", WantClient: cfg.ClientID, WantStatus: 401, WantBody: []byte(hydraInvalidClient),
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				return r.revoke(ctx, hc, wrongSecret)
			},
		},
		{
			// RFC 7009 §2.2: an unknown token is revoked with 200 too.
			Name: "idp/revoke-ok", Target: TargetIdP, APIID: IdPAPIID, Only: Hydra,
			Family: classify.FamilyOK, WantCauses: []string{"ok"}, WantVerdict: "ok",
			WantClient: cfg.ClientID, WantStatus: 200, WantBody: []byte{},
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				return r.revoke(ctx, hc, cfg.ClientSecret)
			},
		},
		{
			// A real access token without the openid scope: Keycloak's
			// userinfo, behind a Tyk key, refuses it (Hydra's serves it).
			Name: "resource/token-without-openid-scope", Target: TargetIdP, APIID: ResourceAPIID, Only: Keycloak,
			Family: classify.FamilyScope, WantCauses: []string{"insufficient_scope"}, RootOnly: true,
			WantVerdict: "invalid", WantStatus: 403,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				if r.plainToken == "" {
					return errors.New("no access token: idp/client-credentials-ok failed")
				}
				return r.bearerGet(ctx, hc, ResourcePrefix+ep.Userinfo, r.plainToken, true)
			},
		},
		{
			// A good call to a resource server: no labels at all.
			Name: "resource/userinfo-ok", Target: TargetIdP, APIID: ResourceAPIID,
			WantStatus: 200,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				if r.oidcToken == "" {
					return errors.New("no access token: idp/client-credentials-openid failed")
				}
				return r.bearerGet(ctx, hc, ResourcePrefix+ep.Userinfo, r.oidcToken, true)
			},
		},
		{
			// Tyk itself rejects the call (no Tyk key): the response hook
			// never runs, and the pre hook has dropped the forged labels.
			// Tyk rejects it before any upstream is asked, so only the
			// gateway is needed; the forged labels it carries must not
			// become tags on this error path either.
			Name: "resource/missing-tyk-key", Target: TargetGateway, APIID: ResourceAPIID,
			WantStatus: 401,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				return r.bearerGet(ctx, hc, ResourcePrefix+ep.Userinfo, r.bogusToken(), false)
			},
		},
		{
			Name: "resource/unknown-tyk-key", Target: TargetGateway, APIID: ResourceAPIID,
			WantStatus: 403,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				key := "demo-unknown-tyk-key-" + r.Config.RunID
				r.addSecret(key)
				client := &http.Client{Transport: headerTransport{base: hc.Transport, name: TykKeyHeader, value: key},
					CheckRedirect: hc.CheckRedirect, Timeout: hc.Timeout}
				return r.bearerGet(ctx, client, ResourcePrefix+ep.Userinfo, r.bogusToken(), false)
			},
		},
		exact(&Case{
			Name: "oas-idp/wrong-client-secret", Target: TargetIdP, APIID: OASIdPAPIID,
			Family: classify.FamilyCredentials, WantCauses: []string{"invalid_client"}, RootOnly: true,
			WantVerdict: "invalid", WantClient: cfg.ClientID, WantStatus: 401, WantDebugHeader: true,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				_, err := r.clientCredentials(OASIdPPrefix, wrongSecret).Token(withClient(ctx, hc))
				return wantOAuthError(err)
			},
		}, hydraInvalidClient),
		exact(&Case{
			Name: "oas-resource/invalid-token", Target: TargetIdP, APIID: OASResourceAPIID,
			Family: classify.FamilyToken, WantCauses: []string{"invalid_token"}, RootOnly: true,
			WantVerdict: "invalid", WantStatus: 401,
			send: func(ctx context.Context, hc *http.Client, r *Runner) error {
				return r.bearerGet(ctx, hc, OASResourcePrefix+ep.Userinfo, r.bogusToken(), true)
			},
		}, hydraUnauthorized),
	}
}

// unknownGrant asks the token endpoint for a grant no IdP knows.
func (r *Runner) unknownGrant(ctx context.Context, hc *http.Client, _ *Runner) error {
	cfg := r.Config
	form := url.Values{"grant_type": {"urn:oauthcheck:demo:unsupported"}}
	req, err := postForm(ctx, r.gw(IdPPrefix+cfg.IdP.Endpoints().Token), form)
	if err != nil {
		return err
	}
	req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
	r.addSecret(cfg.ClientSecret)
	return do(hc, req)
}

// revoke sends an RFC 7009 revocation of a token nobody issued, as the
// confidential client with secret.
func (r *Runner) revoke(ctx context.Context, hc *http.Client, secret string) error {
	token := r.bogusToken()
	req, err := postForm(ctx, r.gw(IdPPrefix+r.Config.IdP.Endpoints().Revoke), url.Values{"token": {token}})
	if err != nil {
		return err
	}
	req.SetBasicAuth(url.QueryEscape(r.Config.ClientID), url.QueryEscape(secret))
	r.addSecret(secret)
	return do(hc, req)
}

func (r *Runner) narrowClient(scopes []string) *clientcredentials.Config {
	r.addSecret(narrowClientSecret)
	return &clientcredentials.Config{
		ClientID: narrowClientID, ClientSecret: narrowClientSecret, Scopes: scopes,
		TokenURL: r.gw(IdPPrefix + r.Config.IdP.Endpoints().Token), AuthStyle: oauth2.AuthStyleInHeader,
	}
}

func (r *Runner) bogusRefreshToken() string {
	t := "demo-bogus-refresh-token-" + r.Config.RunID
	r.addSecret(t)
	return t
}

// UpstreamCases sends every misbehaving-upstream route through the keyless
// upstream API, expecting the route's own causes, in full, and the exact
// bytes the route serves. That API has debug_header on.
func UpstreamCases() []*Case {
	cases := make([]*Case, 0, len(upstream.Routes))
	for _, rt := range upstream.Routes {
		c := &Case{
			Name: "upstream" + rt.Path, Target: TargetUpstream, APIID: UpstreamAPIID,
			WantCauses: rt.WantCauses, WantVerdict: rt.WantVerdict,
			WantDebugHeader: rt.WantCauses != nil,
			Stream:          rt.Stream,
		}
		if len(rt.WantCauses) > 0 {
			if cause, ok := classify.Lookup(classify.Code(rt.WantCauses[0])); ok {
				c.Family = cause.Family
			}
			if form, err := url.ParseQuery(rt.Form); err == nil && rt.WantCauses != nil {
				c.WantClient = form.Get("client_id")
			}
		}
		if rt.Stream {
			c.WantBody, c.BodyIsPrefix = []byte(upstream.FirstEvent), true
		} else {
			c.WantBody, c.WantStatus = knownAnswer(rt)
		}
		c.send = func(ctx context.Context, hc *http.Client, r *Runner) error {
			req, err := rt.NewRequest(ctx, r.gw(UpstreamPrefix))
			if err != nil {
				return err
			}
			if !rt.Stream {
				return do(hc, req)
			}
			// Read the first event, then hang up: a gateway that buffered
			// the body would never deliver it.
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			res, err := hc.Do(req.WithContext(ctx))
			if err != nil {
				return err
			}
			defer res.Body.Close()
			_, err = io.ReadFull(res.Body, make([]byte, len(upstream.FirstEvent)))
			return err
		}
		cases = append(cases, c)
	}
	return cases
}

// knownAnswer is what the route serves, straight from its handler: the
// bytes the client must get through the gateway.
func knownAnswer(rt upstream.Route) ([]byte, int) {
	req, err := rt.NewRequest(context.Background(), "http://upstream.invalid")
	if err != nil {
		return nil, 0
	}
	if req.Body == nil {
		req.Body = http.NoBody // as a server request has
	}
	rec := httptest.NewRecorder()
	upstream.Handler().ServeHTTP(rec, req)
	// Never nil: an empty body is an expectation too.
	return append([]byte{}, rec.Body.Bytes()...), rec.Code
}

func (r *Runner) oauth2Config(prefix, clientID, secret string) *oauth2.Config {
	if secret != "" {
		r.addSecret(secret)
	}
	ep := r.Config.IdP.Endpoints()
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		Endpoint: oauth2.Endpoint{
			AuthURL:       r.gw(prefix + ep.Auth),
			DeviceAuthURL: r.gw(prefix + ep.DeviceAuth),
			TokenURL:      r.gw(prefix + ep.Token),
			// Explicit: auto-detection retries a failed request with the
			// other style, which would send two requests per case.
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
}

func (r *Runner) clientCredentials(prefix, secret string) *clientcredentials.Config {
	r.addSecret(secret)
	return &clientcredentials.Config{
		ClientID:     r.Config.ClientID,
		ClientSecret: secret,
		TokenURL:     r.gw(prefix + r.Config.IdP.Endpoints().Token),
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
}

// authorize sends the browser's first request of an authorization code
// flow with PKCE, as x/oauth2 builds it.
func (r *Runner) authorize(ctx context.Context, hc *http.Client, redirect string) error {
	oc := r.oauth2Config(IdPPrefix, r.Config.PublicClientID, "")
	oc.RedirectURL = redirect
	oc.Scopes = []string{"openid"}
	verifier := oauth2.GenerateVerifier()
	r.addSecret(verifier)
	u := oc.AuthCodeURL("demo-state-"+r.Config.RunID, oauth2.S256ChallengeOption(verifier))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return do(hc, req)
}

// bearerGet calls a resource with an access token through x/oauth2's
// transport, and the demo Tyk key when withKey.
func (r *Runner) bearerGet(ctx context.Context, hc *http.Client, path, token string, withKey bool) error {
	base := hc.Transport
	if withKey {
		key, err := r.ensureTykKey(ctx)
		if err != nil {
			return err
		}
		base = headerTransport{base: base, name: TykKeyHeader, value: key}
	}
	client := &http.Client{
		Transport:     &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), Base: base},
		CheckRedirect: hc.CheckRedirect,
		Timeout:       hc.Timeout,
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.gw(path), nil)
	if err != nil {
		return err
	}
	return do(client, req)
}

func (r *Runner) bogusToken() string {
	t := "demo-bogus-access-token-" + r.Config.RunID
	r.addSecret(t)
	return t
}

func (r *Runner) addTokenSecrets(tok *oauth2.Token) {
	r.addSecret(tok.AccessToken, tok.RefreshToken)
	if id, ok := tok.Extra("id_token").(string); ok {
		r.addSecret(id)
	}
}

// ensureTykKey creates the demo Tyk key for the key-protected APIs once
// per run, through the Gateway API.
func (r *Runner) ensureTykKey(ctx context.Context) (string, error) {
	if r.tykKey != "" {
		return r.tykKey, nil
	}
	access := map[string]interface{}{}
	for _, id := range []string{ResourceAPIID, OASResourceAPIID} {
		access[id] = map[string]interface{}{"api_id": id, "api_name": id, "versions": []string{"Default"}}
	}
	session := map[string]interface{}{
		"alias":         "demo-traffic-" + r.Config.RunID,
		"org_id":        "oauthcheck-demo",
		"rate":          1000,
		"per":           1,
		"allowance":     1000,
		"quota_max":     -1,
		"expires":       time.Now().Add(time.Hour).Unix(),
		"access_rights": access,
	}
	body, _ := json.Marshal(session)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.gw("/tyk/keys/create"), bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Tyk-Authorization", r.Config.GatewaySecret)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Transport: r.base, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", fmt.Errorf("creating the demo Tyk key: %w", err)
	}
	defer res.Body.Close()
	var out struct {
		Key     string `json:"key"`
		Message string `json:"message"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusOK || out.Key == "" {
		return "", fmt.Errorf("creating the demo Tyk key: status %d %s (is TYK_GW_SECRET right?)", res.StatusCode, out.Message)
	}
	r.tykKey = out.Key
	r.addSecret(out.Key, r.Config.GatewaySecret)
	return out.Key, nil
}

type headerTransport struct {
	base        http.RoundTripper
	name, value string
}

func (t headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set(t.name, t.value)
	if t.base == nil {
		return http.DefaultTransport.RoundTrip(req)
	}
	return t.base.RoundTrip(req)
}

func withClient(ctx context.Context, hc *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

// wantOAuthError accepts the error x/oauth2 returns for an OAuth error
// response: the case asked for one.
func wantOAuthError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return &expectedError{err}
	}
	if err == nil {
		return errors.New("the IdP accepted a request the case expected it to refuse")
	}
	return err
}

func postForm(ctx context.Context, u string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

func do(hc *http.Client, req *http.Request) error {
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.Body.Close()
}
