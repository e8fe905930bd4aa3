package traffic

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// Target is what a case needs running behind the gateway.
type Target string

// Targets.
const (
	TargetGateway  Target = "gateway"  // nothing but the gateway: Tyk answers itself
	TargetIdP      Target = "idp"      // the IdP of Config.IdP (Keycloak in compose, or Hydra)
	TargetUpstream Target = "upstream" // the misbehaving upstream
	TargetReplay   Target = "replay"   // the misbehaving upstream's fixture replay
)

// Case is one request and what oauthcheck must say about it.
type Case struct {
	Name   string // unique; part of the User-Agent
	Target Target
	APIID  string // the API the request goes through
	// Family is the cause family of the root cause ("" when no labels).
	Family classify.Family
	// WantCauses are the x-oauth-cause tag values, root first. Nil: the
	// record must carry no oauthcheck tag at all.
	WantCauses []string
	// RootOnly asserts only the root cause: a real IdP may add warnings
	// after it that depend on its version.
	RootOnly    bool
	WantVerdict string
	WantClient  string // x-oauth-client value; "" when not asserted
	// NoClient: the request carries no public client_id (or none fit for a
	// tag), so the record must have no x-oauth-client tag.
	NoClient   bool
	WantStatus int // 0: any
	// WantBody are the exact bytes the client must receive (nil: not
	// checked); with BodyIsPrefix only the start is compared.
	WantBody     []byte
	BodyIsPrefix bool
	// WantDebugHeader: the API has debug_header on, so the client gets
	// X-Oauthcheck-Result "<verdict>; causes=<causes>".
	WantDebugHeader bool
	// Stream: the response never ends; read WantBody, then hang up.
	Stream bool
	// Only names the one IdP that can produce this case ("" for any):
	// a run against another IdP leaves it out rather than skipping it.
	Only IdP
	// WantRepaired are the x-oauth-repaired tag values on a repair-enabled
	// API, in order; nil: none.
	WantRepaired []string

	send func(ctx context.Context, client *http.Client, r *Runner) error
}

// Exchange is what happened to one case.
type Exchange struct {
	Case      *Case
	UserAgent string
	Status    int
	Header    http.Header
	Body      []byte
	Requests  int    // HTTP requests sent (must be 1)
	Skipped   string // why the case was not sent
	Err       error  // transport failures and broken expectations at the client
}

// Runner sends cases through the gateway.
type Runner struct {
	Config Config
	base   http.RoundTripper

	mu      sync.Mutex
	secrets map[string]bool

	tykKey     string
	plainToken string // access token without openid scope
	oidcToken  string // access token with openid scope
	deviceCode string
}

// NewRunner returns a Runner for cfg.
func NewRunner(cfg Config) *Runner {
	return &Runner{
		Config: cfg,
		// DisableCompression: the client must see the upstream's bytes as
		// they were sent, not a body Go transparently gunzipped.
		base: &http.Transport{
			DisableCompression:    true,
			ResponseHeaderTimeout: 30 * time.Second,
			MaxIdleConnsPerHost:   4,
		},
		secrets: map[string]bool{},
	}
}

// UserAgent is the User-Agent a case's request carries in this run.
func (r *Runner) UserAgent(c *Case) string {
	return "oauthcheck-traffic/" + r.Config.RunID + " case=" + c.Name
}

// Secrets are every secret value the run sent or received: client
// secrets, passwords, tokens, device codes, the Tyk key. None may appear in
// an analytics record or a tag.
func (r *Runner) Secrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		out = append(out, s)
	}
	return out
}

func (r *Runner) addSecret(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		// Short values would match unrelated text; every real one is longer.
		if len(v) >= 8 {
			r.secrets[v] = true
		}
	}
}

// Available reports which targets answer, and why not for those that don't.
func (r *Runner) Available(ctx context.Context) map[Target]string {
	down := map[Target]string{}
	if err := r.probe(ctx, strings.TrimSuffix(r.Config.IdPURL, "/")+"/.well-known/openid-configuration"); err != nil {
		down[TargetIdP] = fmt.Sprintf("IdP not reachable at %s (set OAUTHCHECK_IDP_URL): %v", r.Config.IdPURL, err)
	}
	if err := r.probe(ctx, strings.TrimSuffix(r.Config.UpstreamURL, "/")+"/healthz"); err != nil {
		down[TargetUpstream] = fmt.Sprintf("misbehaving upstream not reachable at %s (set OAUTHCHECK_UPSTREAM_URL): %v", r.Config.UpstreamURL, err)
		down[TargetReplay] = down[TargetUpstream]
	} else if err := r.probe(ctx, strings.TrimSuffix(r.Config.UpstreamURL, "/")+upstream.ReplayPrefix); err != nil {
		down[TargetReplay] = fmt.Sprintf("misbehaving upstream at %s has no fixture replay (GET %s: %v): restart it from this tree", r.Config.UpstreamURL, upstream.ReplayPrefix, err)
	}
	return down
}

func (r *Runner) probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := (&http.Client{Transport: r.base}).Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// Run sends every case in order (later IdP cases use tokens earlier ones
// obtained). Cases whose target is down are skipped with the reason.
func (r *Runner) Run(ctx context.Context, cases []*Case) []Exchange {
	down := r.Available(ctx)
	out := make([]Exchange, 0, len(cases))
	for _, c := range cases {
		if reason, ok := down[c.Target]; ok {
			out = append(out, Exchange{Case: c, UserAgent: r.UserAgent(c), Skipped: reason})
			continue
		}
		out = append(out, r.runCase(ctx, c))
	}
	return out
}

func (r *Runner) runCase(ctx context.Context, c *Case) Exchange {
	ex := Exchange{Case: c, UserAgent: r.UserAgent(c)}
	tr := &caseTransport{base: r.base, userAgent: ex.UserAgent, stream: c.Stream}
	client := &http.Client{
		Transport: tr,
		// Authorize answers are redirects: the client must see them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}
	err := c.send(ctx, client, r)
	ex.Requests = tr.requests
	ex.Status, ex.Header, ex.Body = tr.status, tr.header, tr.body
	r.addResponseSecrets(ex.Header, ex.Body)
	if tr.requests == 0 {
		ex.Err = fmt.Errorf("no request sent: %v", err)
		return ex
	}
	var expected *expectedError
	if err != nil && !errors.As(err, &expected) {
		ex.Err = err
	}
	ex.Err = errors.Join(ex.Err, tr.err, r.checkClientSide(&ex))
	return ex
}

// expectedError marks an error an OAuth client library returns for an
// error response: the case expected it.
type expectedError struct{ error }

// checkClientSide checks what the client got: status, exact body, debug
// header, and that the request was sent once.
func (r *Runner) checkClientSide(ex *Exchange) error {
	c := ex.Case
	var errs []error
	if ex.Requests != 1 {
		errs = append(errs, fmt.Errorf("sent %d requests, want 1", ex.Requests))
	}
	if c.WantStatus != 0 && ex.Status != c.WantStatus {
		errs = append(errs, fmt.Errorf("status %d, want %d", ex.Status, c.WantStatus))
	}
	if c.WantBody != nil {
		got := ex.Body
		if c.BodyIsPrefix && len(got) > len(c.WantBody) {
			got = got[:len(c.WantBody)]
		}
		if !bytes.Equal(got, c.WantBody) {
			errs = append(errs, fmt.Errorf("body differs from the upstream's bytes: got %d bytes %q, want %d bytes %q",
				len(ex.Body), clip(ex.Body), len(c.WantBody), clip(c.WantBody)))
		}
	}
	if c.WantDebugHeader {
		got := ex.Header.Get("X-Oauthcheck-Result")
		want := c.WantVerdict + "; causes=" + strings.Join(c.WantCauses, ",")
		if c.RootOnly {
			want = c.WantVerdict + "; causes=" + c.WantCauses[0]
			if strings.HasPrefix(got, want+",") {
				got = want
			}
		}
		if got != want {
			errs = append(errs, fmt.Errorf("X-Oauthcheck-Result %q, want %q", got, want))
		}
	}
	return errors.Join(errs...)
}

func clip(b []byte) []byte {
	if len(b) > 120 {
		return append(b[:120:120], "…"...)
	}
	return b
}

// Forged label headers every request carries, in odd spellings: the
// plugin's pre hook must drop them, so no record may carry "forged".
var forgedHeaders = map[string]string{
	"X-OAuth-Cause":   "forged",
	"x-oauth-verdict": "forged",
	"X-OAUTH-CLIENT":  "forged",
}

// Forged is the value of the forged label headers.
const Forged = "forged"

// caseTransport sends one case's requests: it sets the User-Agent and the
// forged headers, counts requests, and keeps the last response's status,
// header and body (the whole body, unless the case streams).
type caseTransport struct {
	base      http.RoundTripper
	userAgent string
	stream    bool

	requests int
	status   int
	header   http.Header
	body     []byte
	err      error
}

func (t *caseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.userAgent)
	for k, v := range forgedHeaders {
		req.Header[k] = []string{v} // raw keys: sent as spelled
	}
	t.requests++
	res, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.status, t.header = res.StatusCode, res.Header.Clone()
	if t.stream {
		res.Body = &teeBody{ReadCloser: res.Body, t: t}
		return res, nil
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	res.Body.Close()
	if err != nil {
		t.err = fmt.Errorf("reading body: %w", err)
	}
	t.body = body
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

// teeBody keeps what the client read of a streamed body.
type teeBody struct {
	io.ReadCloser
	t *caseTransport
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.t.body = append(b.t.body, p[:n]...)
	return n, err
}

// tokenFields are the response fields whose values are secrets.
var tokenFields = []string{"access_token", "refresh_token", "id_token", "device_code", "code"}

// addResponseSecrets records the tokens a response body carried (JSON or
// form, gzip-decoded when so encoded), so the e2e suite can look for them.
func (r *Runner) addResponseSecrets(header http.Header, body []byte) {
	if strings.EqualFold(header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return
		}
		body, _ = io.ReadAll(io.LimitReader(zr, 1<<20))
	}
	var obj map[string]any
	if json.Unmarshal(body, &obj) == nil {
		for _, f := range tokenFields {
			if s, ok := obj[f].(string); ok {
				r.addSecret(s)
			}
		}
		return
	}
	if form, err := url.ParseQuery(string(body)); err == nil {
		for _, f := range tokenFields {
			r.addSecret(form.Get(f))
		}
	}
}
