package integration

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthcheck/oauthcheck/test/harness"
)

// fositeAPI proxies the whole IdP keylessly, as a token endpoint usually is:
// only the pre and response hooks run. The endpoints map makes requests
// without grant_type (malformed on purpose) count as token requests too.
func fositeAPI(d *idp, id string) harness.API {
	return harness.API{
		ID: id, Upstream: d.URL, Keyless: true,
		ConfigData: map[string]interface{}{"oauthcheck": map[string]interface{}{
			"endpoints": map[string]interface{}{"/oauth2/token": "token", "/oauth2/auth": "authorize", "/expired/oauth2/auth": "authorize"},
		}},
	}
}

type flow struct {
	t      *testing.T
	d      *idp
	g      *harness.Gateway
	client *http.Client // to the gateway; never follows redirects
}

func (f *flow) ctx() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, f.client)
}

func (f *flow) webConfig(secret, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     webClientID,
		ClientSecret: secret,
		RedirectURL:  redirect,
		Scopes:       []string{"openid", "offline", "read"},
		Endpoint: oauth2.Endpoint{
			AuthURL:   f.g.URL + "/oauth2/auth",
			TokenURL:  f.g.URL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader, // one request per exchange
		},
	}
}

// authorize runs the front channel through the gateway and returns the
// code from the redirect, and the PKCE verifier it used.
func (f *flow) authorize(conf *oauth2.Config, authPath string) (code, verifier string) {
	t := f.t
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	f.d.rememberVerifier(verifier)
	c := *conf
	c.Endpoint.AuthURL = f.g.URL + authPath
	state := "state-" + randomString(t, 8)
	u := c.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "nonce-"+randomString(t, 8)))
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	ex := f.g.Do(t, f.client, req)
	if ex.Status != http.StatusSeeOther && ex.Status != http.StatusFound {
		t.Fatalf("authorize: got %d %s, want a redirect", ex.Status, ex.Body)
	}
	loc, err := url.Parse(ex.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Query().Get("state"); got != state {
		t.Fatalf("authorize: state %q, want %q", got, state)
	}
	code = loc.Query().Get("code")
	if code == "" {
		t.Fatalf("authorize: no code in %s", loc.Redacted())
	}
	checkCauses(t, ex.Record, []string{"ok"}, "ok")
	return code, verifier
}

// last returns the newest analytics record.
func (f *flow) last() harness.Record {
	f.t.Helper()
	recs := f.g.Records(f.t)
	if len(recs) == 0 {
		f.t.Fatal("no analytics record")
	}
	return recs[len(recs)-1]
}

func retrieveError(t *testing.T, err error) *oauth2.RetrieveError {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("got error %v, want an *oauth2.RetrieveError", err)
	}
	return re
}

// postForm sends a raw form to the token endpoint through the gateway,
// for requests x/oauth2 would never build.
func (f *flow) postForm(form url.Values, user, pass string) harness.Exchange {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.g.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	return f.g.Do(f.t, f.client, req)
}

// TestFositeUpstream drives a real OAuth server through the gateway with a
// real client and checks the labels oauthcheck gives each outcome.
func TestFositeUpstream(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	apiID := uniqueAPIID("fosite-token-api")
	g := harness.NewGateway(t, p, fositeAPI(d, apiID))
	f := &flow{t: t, d: d, g: g, client: rawClient()}
	webSecret, svcSecret := d.secrets[webClientID], d.secrets[serviceClientID]
	wrongSecret := "wrong-secret-" + randomString(t, 16)

	t.Run("client_credentials ok", func(t *testing.T) {
		f.t = t
		cc := clientcredentials.Config{ClientID: serviceClientID, ClientSecret: svcSecret, TokenURL: g.URL + "/oauth2/token",
			Scopes: []string{"read"}, AuthStyle: oauth2.AuthStyleInHeader}
		tok, err := cc.Token(f.ctx())
		if err != nil {
			t.Fatalf("client_credentials: %v", err)
		}
		d.remember(tok.AccessToken)
		rec := f.last()
		checkCauses(t, rec, []string{"ok"}, "ok")
		if !rec.HasTag("x-oauth-client-" + serviceClientID) {
			t.Errorf("tags %q lack x-oauth-client-%s", rec.Tags, serviceClientID)
		}
		if got := rec.ClientHeader.Get("Cache-Control"); !strings.Contains(got, "no-store") {
			t.Errorf("fosite's Cache-Control: got %q, want no-store (else missing_no_store would be right)", got)
		}
	})

	t.Run("wrong client secret is invalid_client", func(t *testing.T) {
		f.t = t
		cc := clientcredentials.Config{ClientID: serviceClientID, ClientSecret: wrongSecret, TokenURL: g.URL + "/oauth2/token",
			Scopes: []string{"read"}, AuthStyle: oauth2.AuthStyleInHeader}
		_, err := cc.Token(f.ctx())
		if re := retrieveError(t, err); re.ErrorCode != "invalid_client" {
			t.Fatalf("fosite said %q, want invalid_client", re.ErrorCode)
		}
		checkCauses(t, f.last(), []string{"invalid_client"}, "invalid")
	})

	t.Run("unknown client is invalid_client", func(t *testing.T) {
		f.t = t
		cc := clientcredentials.Config{ClientID: "no-such-client", ClientSecret: wrongSecret, TokenURL: g.URL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader}
		_, err := cc.Token(f.ctx())
		if re := retrieveError(t, err); re.ErrorCode != "invalid_client" {
			t.Fatalf("fosite said %q, want invalid_client", re.ErrorCode)
		}
		rec := f.last()
		checkCauses(t, rec, []string{"invalid_client"}, "invalid")
		if !rec.HasTag("x-oauth-client-no-such-client") {
			t.Errorf("tags %q lack the public client id", rec.Tags)
		}
	})

	t.Run("scope not allowed is invalid_scope", func(t *testing.T) {
		f.t = t
		cc := clientcredentials.Config{ClientID: serviceClientID, ClientSecret: svcSecret, TokenURL: g.URL + "/oauth2/token",
			Scopes: []string{"admin"}, AuthStyle: oauth2.AuthStyleInHeader}
		_, err := cc.Token(f.ctx())
		if re := retrieveError(t, err); re.ErrorCode != "invalid_scope" {
			t.Fatalf("fosite said %q, want invalid_scope", re.ErrorCode)
		}
		checkCauses(t, f.last(), []string{"invalid_scope"}, "invalid")
	})

	t.Run("missing grant_type is invalid_request", func(t *testing.T) {
		f.t = t
		ex := f.postForm(url.Values{"scope": {"read"}}, serviceClientID, svcSecret)
		if ex.Status != http.StatusBadRequest || !strings.Contains(string(ex.Body), `"invalid_request"`) {
			t.Fatalf("fosite said %d %s, want 400 invalid_request", ex.Status, ex.Body)
		}
		checkCauses(t, ex.Record, []string{"invalid_request"}, "invalid")
	})

	t.Run("authorization_code with PKCE and openid is ok, refresh is ok", func(t *testing.T) {
		f.t = t
		conf := f.webConfig(webSecret, webRedirect)
		code, verifier := f.authorize(conf, "/oauth2/auth")
		tok, err := conf.Exchange(f.ctx(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		idToken, _ := tok.Extra("id_token").(string)
		d.remember(tok.AccessToken, tok.RefreshToken, idToken)
		if idToken == "" || tok.RefreshToken == "" {
			t.Fatalf("fosite issued id_token=%v refresh_token=%v, want both", idToken != "", tok.RefreshToken != "")
		}
		rec := f.last()
		checkCauses(t, rec, []string{"ok"}, "ok")
		if !rec.HasTag("x-oauth-client-" + webClientID) {
			t.Errorf("tags %q lack x-oauth-client-%s (Basic username)", rec.Tags, webClientID)
		}

		tok.Expiry = tok.Expiry.Add(-24 * 3600 * 1e9) // force a refresh
		refreshed, err := conf.TokenSource(f.ctx(), tok).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		refreshedID, _ := refreshed.Extra("id_token").(string)
		d.remember(refreshed.AccessToken, refreshed.RefreshToken, refreshedID)
		checkCauses(t, f.last(), []string{"ok"}, "ok")
	})

	t.Run("reused code is invalid_grant", func(t *testing.T) {
		f.t = t
		conf := f.webConfig(webSecret, webRedirect)
		code, verifier := f.authorize(conf, "/oauth2/auth")
		tok, err := conf.Exchange(f.ctx(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("first exchange: %v", err)
		}
		idToken, _ := tok.Extra("id_token").(string)
		d.remember(tok.AccessToken, tok.RefreshToken, idToken)
		_, err = conf.Exchange(f.ctx(), code, oauth2.VerifierOption(verifier))
		if re := retrieveError(t, err); re.ErrorCode != "invalid_grant" {
			t.Fatalf("fosite said %q, want invalid_grant", re.ErrorCode)
		}
		checkCauses(t, f.last(), []string{"invalid_grant"}, "invalid")
	})

	t.Run("expired code is what fosite says", func(t *testing.T) {
		f.t = t
		conf := f.webConfig(webSecret, webRedirect)
		code, verifier := f.authorize(conf, "/expired/oauth2/auth")
		_, err := conf.Exchange(f.ctx(), code, oauth2.VerifierOption(verifier))
		// With the memory store, fosite v0.49 notices the expiry only in
		// PopulateTokenEndpointResponse (flow_authorize_code_token.go:131)
		// and answers invalid_request; the label follows the server.
		if re := retrieveError(t, err); re.ErrorCode != "invalid_request" {
			t.Fatalf("fosite said %q (%s), want invalid_request", re.ErrorCode, re.ErrorDescription)
		}
		rec := f.last()
		checkCauses(t, rec, []string{"invalid_request"}, "invalid")
		if t.Failed() {
			t.Logf("upstream body: %s", rec.ClientBody)
		}
	})

	t.Run("wrong PKCE verifier is invalid_grant", func(t *testing.T) {
		f.t = t
		conf := f.webConfig(webSecret, webRedirect)
		code, _ := f.authorize(conf, "/oauth2/auth")
		other := oauth2.GenerateVerifier()
		d.rememberVerifier(other)
		_, err := conf.Exchange(f.ctx(), code, oauth2.VerifierOption(other))
		if re := retrieveError(t, err); re.ErrorCode != "invalid_grant" {
			t.Fatalf("fosite said %q, want invalid_grant", re.ErrorCode)
		}
		checkCauses(t, f.last(), []string{"invalid_grant"}, "invalid")
	})

	t.Run("code redeemed with another redirect_uri is redirect_uri_mismatch", func(t *testing.T) {
		f.t = t
		conf := f.webConfig(webSecret, webRedirect)
		code, verifier := f.authorize(conf, "/oauth2/auth")
		_, err := f.webConfig(webSecret, webRedirectAlt).Exchange(f.ctx(), code, oauth2.VerifierOption(verifier))
		re := retrieveError(t, err)
		if re.ErrorCode != "invalid_grant" || !strings.Contains(re.ErrorDescription, "redirect_uri") {
			t.Fatalf("fosite said %q %q, want invalid_grant naming redirect_uri", re.ErrorCode, re.ErrorDescription)
		}
		checkCauses(t, f.last(), []string{"redirect_uri_mismatch"}, "invalid")
	})

	t.Run("missing code is what fosite says", func(t *testing.T) {
		f.t = t
		ex := f.postForm(url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {webRedirect}}, webClientID, webSecret)
		// fosite looks the (empty) code up and answers invalid_grant, not
		// invalid_request: the label must follow what the server said.
		if ex.Status != http.StatusBadRequest || !strings.Contains(string(ex.Body), `"invalid_grant"`) {
			t.Fatalf("fosite said %d %s, want 400 invalid_grant", ex.Status, ex.Body)
		}
		checkCauses(t, ex.Record, []string{"invalid_grant"}, "invalid")
	})

	t.Run("authorize with an unregistered redirect_uri is redirect_uri_mismatch", func(t *testing.T) {
		f.t = t
		conf := f.webConfig(webSecret, "http://127.0.0.1:5555/not-registered")
		req, _ := http.NewRequest(http.MethodGet, conf.AuthCodeURL("state-"+randomString(t, 8)), nil)
		ex := g.Do(t, f.client, req)
		if ex.Status < 400 {
			t.Fatalf("fosite said %d %s, want an error page", ex.Status, ex.Body)
		}
		checkCauses(t, ex.Record, []string{"redirect_uri_mismatch"}, "invalid")
	})

	t.Run("authorize with a scope not allowed redirects invalid_scope", func(t *testing.T) {
		f.t = t
		conf := f.webConfig(webSecret, webRedirect)
		conf.Scopes = []string{"openid", "admin"}
		req, _ := http.NewRequest(http.MethodGet, conf.AuthCodeURL("state-"+randomString(t, 8)), nil)
		ex := g.Do(t, f.client, req)
		loc, _ := url.Parse(ex.Header.Get("Location"))
		if loc == nil || loc.Query().Get("error") != "invalid_scope" {
			t.Fatalf("fosite said %d Location %q, want a redirect with error=invalid_scope", ex.Status, ex.Header.Get("Location"))
		}
		checkCauses(t, ex.Record, []string{"invalid_scope"}, "invalid")
	})

	f.t = t
	t.Run("no secret in logs, tags or records", func(t *testing.T) {
		secrets := secretFragments(append(d.secretValues(), wrongSecret))
		if len(secrets) < 10 {
			t.Fatalf("collected only %d secret values; the flows above did not run", len(secrets))
		}
		assertNoSecrets(t, secrets, harness.CaptureLogs().Bytes(), g.Records(t))
		if n := len(harness.CaptureLogs().ForAPI(apiID)); n == 0 {
			t.Errorf("got no log lines for %s, want one per OAuth response", apiID)
		}
	})
}

// assertNoSecrets fails if any secret occurs in the logs or in anything an
// analytics record stores besides the response body.
func assertNoSecrets(t *testing.T, secrets []string, logs []byte, recs []harness.Record) {
	t.Helper()
	var sb strings.Builder
	for _, r := range recs {
		sb.WriteString(r.APIID + "\n" + r.Path + "\n" + r.Alias + "\n" + r.OauthClientID + "\n")
		sb.WriteString(strings.Join(r.Tags, "\n") + "\n")
	}
	where := map[string]string{"logs": string(logs), "records": sb.String()}
	for name, text := range where {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contain a secret value (%d chars, starts %q)", name, len(s), s[:min(6, len(s))])
			}
		}
	}
}
