package upstreamauth

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// maxAnswerBytes caps a token answer; RFC 6749 answers are small.
const maxAnswerBytes = 64 << 10

// Backoff after a failed fetch, doubled per failure up to maxBackoff; a
// Retry-After from the server raises it (RFC 9110 §10.2.3).
const (
	minBackoff = time.Second
	maxBackoff = time.Minute
)

// refreshAt is the share of a token's lifetime after which it is renewed
// in the background while still being served.
const refreshAt = 0.8

// Failure says why the gateway has no token: the classifier's result of
// the authorization server's answer, or a transport error.
type Failure struct {
	Result classify.Result // root cause first; includes upstream_auth_failed
	Status int             // the authorization server's status, 0 if none
	Detail string          // for logs: names causes and transport errors, never secrets
	Until  time.Time       // no new fetch before this time
}

// Client fetches and caches the gateway's token for one API.
type Client struct {
	cfg      Config
	tokenURL *url.URL
	secret   []byte
	key      crypto.Signer
	http     *http.Client
	now      func() time.Time
	opts     classify.Options
	header   string

	state    atomic.Pointer[state]
	mu       sync.Mutex
	inflight chan struct{}
	failures int

	intro introCache
}

// state is what requests read without a lock.
type state struct {
	value      string    // the header value, ready to set
	refresh    time.Time // renew in the background after this
	expires    time.Time // never served after this
	fail       *Failure  // set while backing off
	refreshing bool
}

// Options are the client's dependencies; zero values are the real ones.
type Options struct {
	HTTP   *http.Client
	Now    func() time.Time
	Getenv func(string) string
}

// New builds a client from a valid config. It reads the secret or key now,
// so a missing one is a config error at load time, not a request failure.
func New(cfg Config, o Options) (*Client, error) {
	if err := cfg.Validate("upstream_auth"); err != nil {
		return nil, err
	}
	u, _ := url.Parse(cfg.TokenURL)
	if cfg.TokenURL == "" {
		u, _ = url.Parse(cfg.IntrospectionURL)
	}
	c := &Client{cfg: cfg, tokenURL: u, now: o.Now, http: o.HTTP, header: cfg.Header}
	if c.now == nil {
		c.now = time.Now
	}
	if c.header == "" {
		c.header = defaultHeader
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var err error
	if cfg.method() == AuthPrivateKeyJWT {
		if c.key, err = loadKey(cfg.PrivateKeyFile); err != nil {
			return nil, fmt.Errorf("upstream_auth.private_key_file: %v", err)
		}
	} else if c.secret, err = cfg.secret(getenv); err != nil {
		return nil, fmt.Errorf("upstream_auth.%v", err)
	}
	if c.http == nil {
		c.http = newHTTPClient(u, cfg.TimeoutSeconds)
	}
	c.state.Store(&state{})
	c.intro.entries = map[[32]byte]introEntry{}
	return c, nil
}

// Introspects reports introspection mode (introspection_url set).
func (c *Client) Introspects() bool { return c.cfg.IntrospectionURL != "" }

// FetchesTokens reports token mode (token_url set).
func (c *Client) FetchesTokens() bool { return c.cfg.TokenURL != "" }

// Header is the request header the token goes in.
func (c *Client) Header() string { return c.header }

// newHTTPClient is the dedicated client: timeouts, TLS verification on
// (Go's default), and redirects only to the token URL's own host.
func newHTTPClient(u *url.URL, timeoutSeconds int) *http.Client {
	if timeoutSeconds == 0 {
		timeoutSeconds = defaultTimeout
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: time.Duration(timeoutSeconds) * time.Second}
	return &http.Client{
		Transport: tr,
		Timeout:   time.Duration(timeoutSeconds) * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != u.Host || len(via) > 3 {
				return fmt.Errorf("redirect to %s refused: the token request stays on %s", req.URL.Host, u.Host)
			}
			return nil
		},
	}
}

// Token returns the header value for the upstream request, or why there is
// none. A cached token costs one atomic load.
func (c *Client) Token(ctx context.Context) (string, *Failure) {
	now := c.now()
	st := c.state.Load()
	if st.value != "" && now.Before(st.expires) {
		if !now.Before(st.refresh) && !st.refreshing {
			c.refreshInBackground()
		}
		return st.value, nil
	}
	if st.fail != nil && now.Before(st.fail.Until) {
		return "", st.fail
	}
	return c.fetchShared(ctx)
}

// fetchShared lets one caller fetch while the others wait for its answer
// (single flight): an empty cache under load sends one token request.
func (c *Client) fetchShared(ctx context.Context) (string, *Failure) {
	c.mu.Lock()
	if wait := c.inflight; wait != nil {
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return "", &Failure{Result: classify.NewResult(classify.EndpointToken, classify.TemporarilyUnavailable, classify.UpstreamAuthFailed),
				Detail: "request cancelled while waiting for the token fetch"}
		}
		st := c.state.Load()
		if st.value != "" && c.now().Before(st.expires) {
			return st.value, nil
		}
		if st.fail != nil {
			return "", st.fail
		}
		return "", &Failure{Result: classify.NewResult(classify.EndpointToken, classify.ServerError, classify.UpstreamAuthFailed), Detail: "no token after the shared fetch"}
	}
	done := make(chan struct{})
	c.inflight = done
	c.mu.Unlock()

	value, fail := c.fetch(context.WithoutCancel(ctx))
	c.mu.Lock()
	c.inflight = nil
	close(done)
	c.mu.Unlock()
	return value, fail
}

func (c *Client) refreshInBackground() {
	c.mu.Lock()
	st := c.state.Load()
	if st.refreshing || c.inflight != nil {
		c.mu.Unlock()
		return
	}
	next := *st
	next.refreshing = true
	c.state.Store(&next)
	done := make(chan struct{})
	c.inflight = done
	c.mu.Unlock()
	go func() {
		defer func() { _ = recover() }() // never take the gateway down
		c.fetch(context.Background())
		c.mu.Lock()
		c.inflight = nil
		close(done)
		c.mu.Unlock()
	}()
}

// fetch sends one token request and stores its outcome.
func (c *Client) fetch(ctx context.Context) (string, *Failure) {
	form, err := c.form()
	if err != nil {
		return "", c.failed(classify.NewResult(classify.EndpointToken, classify.PluginMisconfigured, classify.UpstreamAuthFailed), 0, 0, "building the token request: "+err.Error())
	}
	body := form.Encode()
	req, res, err := c.post(ctx, c.tokenURL.String(), body)
	if req == nil {
		return "", c.failed(classify.NewResult(classify.EndpointToken, classify.PluginMisconfigured, classify.UpstreamAuthFailed), 0, 0, err.Error())
	}
	if err != nil {
		code := classify.TemporarilyUnavailable
		return "", c.failed(classify.NewResult(classify.EndpointToken, code, classify.UpstreamAuthFailed), 0, 0, "token request failed: "+transportError(err))
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes+1))
	truncated := len(answer) > maxAnswerBytes
	if truncated {
		answer = answer[:maxAnswerBytes]
	}
	creq := classify.Request{Method: http.MethodPost, Path: c.tokenURL.Path, Header: req.Header, Body: []byte(body)}
	cres := classify.Response{Status: res.StatusCode, Header: res.Header, Body: answer, Truncated: truncated}
	result := classify.ClassifyAs(classify.EndpointToken, &creq, &cres, &c.opts)
	if result.Verdict == classify.VerdictInvalid {
		return "", c.failed(result.With(classify.UpstreamAuthFailed), res.StatusCode, retryAfter(res.Header, c.now()), "")
	}
	tok, lifetime, err := parseToken(res.Header, answer)
	if err != nil {
		return "", c.failed(result.With(classify.MissingAccessToken).With(classify.UpstreamAuthFailed), res.StatusCode, 0, err.Error())
	}
	now := c.now()
	format := c.cfg.Format
	if format == "" {
		format = defaultFormat
	}
	// Renew at 80% of the lifetime, minus up to 5% jitter so gateways
	// started together do not renew together.
	early := time.Duration(float64(lifetime) * (refreshAt - 0.05*rand.Float64()))
	c.mu.Lock()
	c.failures = 0
	c.mu.Unlock()
	st := &state{value: strings.Replace(format, "{token}", tok, 1), refresh: now.Add(early), expires: now.Add(lifetime)}
	c.state.Store(st)
	return st.value, nil
}

// post sends a form to the authorization server with the client's HTTP
// Basic credentials when that is the method. A nil request means the
// request could not be built; a nil response, that it was not answered.
func (c *Client) post(ctx context.Context, target, body string) (*http.Request, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.cfg.method() == AuthBasic {
		// RFC 6749 §2.3.1: both parts form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(string(c.secret)))
	}
	res, err := c.http.Do(req)
	return req, res, err
}

// failed keeps the last good token if it is still valid, and otherwise
// backs off: no new fetch until the backoff (or Retry-After) has passed.
func (c *Client) failed(result classify.Result, status int, after time.Duration, detail string) *Failure {
	c.mu.Lock()
	c.failures++
	backoff := minBackoff << min(c.failures-1, 6)
	c.mu.Unlock()
	if backoff > maxBackoff {
		backoff = maxBackoff
	}
	if after > backoff {
		backoff = after
	}
	if detail == "" {
		detail = "authorization server answered " + strconv.Itoa(status)
	}
	f := &Failure{Result: result, Status: status, Detail: detail, Until: c.now().Add(backoff)}
	prev := c.state.Load()
	next := &state{fail: f}
	if prev.value != "" && c.now().Before(prev.expires) {
		next.value, next.refresh, next.expires = prev.value, prev.expires, prev.expires // serve it until it expires
	}
	c.state.Store(next)
	return f
}

// form is the client-credentials request (RFC 6749 §4.4.2).
func (c *Client) form() (url.Values, error) {
	v := url.Values{"grant_type": {"client_credentials"}}
	for k, p := range c.cfg.Params {
		v.Set(k, p)
	}
	if c.cfg.Scope != "" {
		v.Set("scope", c.cfg.Scope)
	}
	if c.cfg.Audience != "" {
		v.Set("audience", c.cfg.Audience)
	}
	if c.cfg.Resource != "" {
		v.Set("resource", c.cfg.Resource)
	}
	return v, c.authenticate(v, c.cfg.TokenURL)
}

// authenticate adds the client's credentials to a form for the method
// that sends them in the body (RFC 6749 §2.3.1, RFC 7523 §2.2).
func (c *Client) authenticate(v url.Values, audience string) error {
	switch c.cfg.method() {
	case AuthPost:
		v.Set("client_id", c.cfg.ClientID)
		v.Set("client_secret", string(c.secret))
	case AuthPrivateKeyJWT:
		assertion, err := signAssertion(c.key, c.cfg.KeyID, c.cfg.ClientID, audience, c.now())
		if err != nil {
			return err
		}
		v.Set("client_id", c.cfg.ClientID)
		v.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		v.Set("client_assertion", assertion)
	}
	return nil
}

// parseToken reads access_token and expires_in, forgiving as x/oauth2's
// internal/token.go is: JSON or form, expires_in as a number or a string.
func parseToken(h http.Header, b []byte) (token string, lifetime time.Duration, err error) {
	var raw struct {
		AccessToken string          `json:"access_token"` // RFC 6749 §5.1
		ExpiresIn   json.RawMessage `json:"expires_in"`   // RFC 6749 §5.1, RECOMMENDED
	}
	var expires string
	if ct := h.Get("Content-Type"); strings.Contains(ct, "x-www-form-urlencoded") || strings.HasPrefix(ct, "text/plain") {
		vals, perr := url.ParseQuery(string(b))
		if perr != nil {
			return "", 0, errors.New("token answer is neither JSON nor a form")
		}
		raw.AccessToken, expires = vals.Get("access_token"), vals.Get("expires_in")
	} else if err := json.Unmarshal(b, &raw); err != nil {
		return "", 0, errors.New("token answer is not JSON")
	} else {
		expires = strings.Trim(string(raw.ExpiresIn), `"`)
	}
	if raw.AccessToken == "" {
		return "", 0, errors.New("token answer has no access_token")
	}
	lifetime = time.Hour // RFC 6749 leaves it to the server; one hour is the common default
	if n, err := strconv.ParseFloat(expires, 64); err == nil && n > 0 {
		lifetime = time.Duration(n * float64(time.Second))
	}
	return raw.AccessToken, lifetime, nil
}

func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(min(s, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), time.Hour)
	}
	return 0
}

// transportError names a transport failure without the URL's query.
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
