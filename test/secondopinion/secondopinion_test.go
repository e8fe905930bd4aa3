// Package secondopinion replays every token-endpoint fixture to
// golang.org/x/oauth2, a widely used lenient client, and compares whether
// it accepts the response with oauthcheck's verdict. Each difference must
// be explained in the disagreements table, so a change in either side
// shows up as a test failure to look at.
package secondopinion

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

const fixtures = "../../plugin/classify/testdata"

// disagreements: fixture name → why x/oauth2 and oauthcheck differ.
// "accepts" means x/oauth2 returned a token with an access token and no
// error; oauthcheck "accepts" anything not judged invalid.
var disagreements = map[string]string{
	"rfc/token_success_example_type":                  "x/oauth2 never checks token_type; oauthcheck rejects \"example\" because a Bearer client would send the token with the wrong scheme (RFC 6749 §7.1).",
	"broken/missing_token_type":                       "x/oauth2 does not require token_type (Token.Type() defaults to Bearer); RFC 6749 §5.1 makes it REQUIRED.",
	"broken/expires_in_negative":                      "x/oauth2 accepts expires_in -1 and computes an expiry in the past, so the token looks expired at once; oauthcheck rejects non-positive lifetimes.",
	"broken/token_exchange_missing_issued_token_type": "x/oauth2 has no token-exchange support and reads only the RFC 6749 fields; RFC 8693 §2.2.1 requires issued_token_type.",
	"rfc/device_authorization_pending":                "authorization_pending is a normal polling state (oauthcheck: info, verdict ok); a single x/oauth2 token request returns it as a RetrieveError, and DeviceAccessToken would keep polling.",
	"rfc/device_slow_down":                            "slow_down is a normal polling state (oauthcheck: info, verdict ok); a single x/oauth2 token request returns it as a RetrieveError, and DeviceAccessToken would poll 5 s slower.",
	"google/device_authorization_pending":             "Google's 428 authorization_pending is normal polling (oauthcheck: info, verdict ok); x/oauth2 reports any non-2xx as a RetrieveError.",
	"google/device_slow_down":                         "Google's 403 slow_down is normal polling (oauthcheck: info, verdict ok); x/oauth2 reports any non-2xx as a RetrieveError.",
}

// Agreements worth stating, because x/oauth2's leniency could suggest otherwise:
//   - broken/expires_in_string: both accept ("3600" decodes through json.Number).
//   - broken/expires_in_soon: both reject (json.Number refuses "soon").
//   - broken/json_as_text_plain: both reject (x/oauth2 parses text/plain as a form and finds no access_token).
//   - github/*_form and *_json errors: both reject (x/oauth2 checks "error" even on 200).
//   - github/success_form: both accept (x/oauth2 reads form bodies; oauthcheck warns).
//   - broken/gzip_success: both accept; x/oauth2 relies on net/http's transparent
//     decompression, which applies because x/oauth2 sends no Accept-Encoding itself.

type outcome struct {
	xAccepts, oauthcheckAccepts bool
	xErr                        error
	verdict                     classify.Verdict
	causes                      []classify.Code
}

func TestSecondOpinion(t *testing.T) {
	cases, err := rawhttp.LoadCases(fixtures)
	if err != nil {
		t.Fatalf("LoadCases: %v", err)
	}
	byPath := map[string]*rawhttp.Response{}
	for i := range cases {
		byPath["/"+cases[i].Name] = cases[i].Response
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, ok := byPath[r.URL.Path]
		if !ok {
			http.Error(w, "no such fixture", http.StatusTeapot)
			return
		}
		replay(w, resp)
	}))
	defer srv.Close()

	seen := map[string]bool{}
	ran := 0
	for _, c := range cases {
		if c.Endpoint != string(classify.EndpointToken) {
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			got := judge(t, srv, c)
			differ := got.xAccepts != got.oauthcheckAccepts
			reason, listed := disagreements[c.Name]
			seen[c.Name] = true
			switch {
			case differ && !listed:
				t.Errorf("unlisted disagreement: x/oauth2 accepts=%v (err %v), oauthcheck verdict %s %v; explain it in disagreements or fix the engine",
					got.xAccepts, got.xErr, got.verdict, got.causes)
			case !differ && listed:
				t.Errorf("listed disagreement no longer occurs (x/oauth2 accepts=%v, oauthcheck verdict %s %v); drop it from disagreements: %q",
					got.xAccepts, got.verdict, got.causes, reason)
			case differ:
				t.Logf("x/oauth2 accepts=%v, oauthcheck %s %v: %s", got.xAccepts, got.verdict, got.causes, reason)
			}
		})
	}
	if ran == 0 {
		t.Fatal("no token-endpoint fixtures in the manifest")
	}
	for name := range disagreements {
		if !seen[name] {
			t.Errorf("disagreements lists %q, which is not a token-endpoint fixture", name)
		}
	}
}

// replay writes a captured response. Framing headers are net/http's job;
// everything else, Content-Encoding included, goes out as captured.
func replay(w http.ResponseWriter, resp *rawhttp.Response) {
	for k, vs := range resp.Header {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Connection":
			continue
		}
		w.Header()[k] = slices.Clone(vs)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// judge asks x/oauth2 for a token the way a client with the fixture's
// grant type would, and asks oauthcheck about the same exchange.
func judge(t *testing.T, srv *httptest.Server, c rawhttp.Case) outcome {
	t.Helper()
	if c.Request == nil {
		t.Fatalf("token fixture without a request: the grant type decides which x/oauth2 call to make")
	}
	form, err := url.ParseQuery(string(c.Request.Body))
	if err != nil {
		t.Fatalf("request body: %v", err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	tokenURL := srv.URL + "/" + c.Name
	clientID, clientSecret := clientCredentials(c.Request, form)
	scopes := strings.Fields(form.Get("scope"))
	endpoint := oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}

	var tok *oauth2.Token
	switch grant := form.Get("grant_type"); grant {
	case "client_credentials":
		cc := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL,
			Scopes: scopes, AuthStyle: oauth2.AuthStyleInParams}
		tok, err = cc.Token(ctx)
	case "password":
		cfg := oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, Endpoint: endpoint, Scopes: scopes}
		tok, err = cfg.PasswordCredentialsToken(ctx, form.Get("username"), form.Get("password"))
	case "authorization_code":
		cfg := oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, Endpoint: endpoint, RedirectURL: form.Get("redirect_uri")}
		tok, err = cfg.Exchange(ctx, form.Get("code"))
	case "":
		t.Fatalf("token fixture without grant_type")
	default:
		// Device-code polling and token exchange: x/oauth2 has no
		// single-request call for them, so send one token request with the
		// fixture's grant type through Exchange. The response handling is
		// the same code path (internal.RetrieveToken).
		cfg := oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, Endpoint: endpoint}
		var opts []oauth2.AuthCodeOption
		for k := range form {
			opts = append(opts, oauth2.SetAuthURLParam(k, form.Get(k)))
		}
		tok, err = cfg.Exchange(ctx, form.Get("code"), opts...)
	}
	var retrieveErr *oauth2.RetrieveError
	if err != nil && !errors.As(err, &retrieveErr) && !strings.HasPrefix(err.Error(), "oauth2: ") {
		// Transport trouble would make the comparison meaningless.
		t.Fatalf("x/oauth2: not a token-response error: %v", err)
	}

	req := *c.Request
	resp := *c.Response
	result := classify.Classify(&req, &resp, &classify.Options{})
	return outcome{
		xAccepts:          err == nil && tok != nil && tok.AccessToken != "",
		xErr:              err,
		oauthcheckAccepts: result.Verdict != classify.VerdictInvalid,
		verdict:           result.Verdict,
		causes:            slices.Clone(result.Causes()),
	}
}

// clientCredentials takes the client's id and secret from the form or
// from Basic authentication.
func clientCredentials(req *rawhttp.Request, form url.Values) (id, secret string) {
	id, secret = form.Get("client_id"), form.Get("client_secret")
	hr := http.Request{Header: req.Header}
	if u, p, ok := hr.BasicAuth(); ok {
		id, secret = u, p
	}
	if id == "" {
		id = "demo-client"
	}
	return id, secret
}
