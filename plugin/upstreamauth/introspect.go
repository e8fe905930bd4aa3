package upstreamauth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

const (
	defaultIntroCacheSeconds = 60
	defaultIntroCacheEntries = 10000
)

// introCache keeps introspection answers by the token's SHA-256, never
// the token itself, bounded in entries.
type introCache struct {
	mu      sync.Mutex
	entries map[[32]byte]introEntry
	fail    *Failure // the introspection endpoint's last failure, while backing off
	fails   int
}

type introEntry struct {
	active bool
	until  time.Time
}

// Introspect reports whether the caller's token is active (RFC 7662 §2.2),
// from the cache or the authorization server, or why it cannot tell.
func (c *Client) Introspect(ctx context.Context, token string) (active bool, fail *Failure) {
	key := sha256.Sum256([]byte(token))
	now := c.now()
	c.intro.mu.Lock()
	if e, ok := c.intro.entries[key]; ok && now.Before(e.until) {
		c.intro.mu.Unlock()
		return e.active, nil
	}
	if f := c.intro.fail; f != nil && now.Before(f.Until) {
		c.intro.mu.Unlock()
		return false, f
	}
	c.intro.mu.Unlock()

	active, exp, fail := c.introspect(ctx, token)
	c.intro.mu.Lock()
	defer c.intro.mu.Unlock()
	if fail != nil {
		c.intro.fails++
		backoff := minBackoff << min(c.intro.fails-1, 6)
		if backoff > maxBackoff {
			backoff = maxBackoff
		}
		if fail.Until.Sub(now) < backoff {
			fail.Until = now.Add(backoff)
		}
		c.intro.fail = fail
		return false, fail
	}
	c.intro.fails, c.intro.fail = 0, nil
	ttl := time.Duration(c.cfg.IntrospectionCacheSeconds) * time.Second
	if ttl == 0 {
		ttl = defaultIntroCacheSeconds * time.Second
	}
	until := now.Add(ttl)
	if active && !exp.IsZero() && exp.Before(until) {
		until = exp // never trusted past its own exp
	}
	max := c.cfg.IntrospectionCacheEntries
	if max == 0 {
		max = defaultIntroCacheEntries
	}
	if len(c.intro.entries) >= max {
		for k := range c.intro.entries { // bounded: drop one (Go's map order is random)
			delete(c.intro.entries, k)
			break
		}
	}
	c.intro.entries[key] = introEntry{active: active, until: until}
	return active, nil
}

// introspect asks the server once and classifies its answer.
func (c *Client) introspect(ctx context.Context, token string) (bool, time.Time, *Failure) {
	fail := func(result classify.Result, status int, after time.Duration, detail string) *Failure {
		return &Failure{Result: result.With(classify.UpstreamAuthFailed), Status: status, Detail: detail, Until: c.now().Add(after)}
	}
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	if err := c.authenticate(form, c.cfg.IntrospectionURL); err != nil {
		return false, time.Time{}, fail(classify.NewResult(classify.EndpointIntrospect, classify.PluginMisconfigured), 0, 0, err.Error())
	}
	req, res, err := c.post(context.WithoutCancel(ctx), c.cfg.IntrospectionURL, form.Encode())
	if req == nil {
		return false, time.Time{}, fail(classify.NewResult(classify.EndpointIntrospect, classify.PluginMisconfigured), 0, 0, err.Error())
	}
	if err != nil {
		return false, time.Time{}, fail(classify.NewResult(classify.EndpointIntrospect, classify.TemporarilyUnavailable), 0, 0, "introspection request failed: "+transportError(err))
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes))
	// The classifier sees the request without the caller's token.
	creq := classify.Request{Method: http.MethodPost, Path: req.URL.Path, Header: req.Header, Body: []byte("token=REDACTED&token_type_hint=access_token")}
	cres := classify.Response{Status: res.StatusCode, Header: res.Header, Body: answer}
	result := classify.ClassifyAs(classify.EndpointIntrospect, &creq, &cres, &c.opts)
	if result.Verdict == classify.VerdictInvalid {
		return false, time.Time{}, fail(result, res.StatusCode, retryAfter(res.Header, c.now()), "introspection answered "+http.StatusText(res.StatusCode))
	}
	var v struct {
		Active bool    `json:"active"` // RFC 7662 §2.2, REQUIRED
		Exp    float64 `json:"exp"`
	}
	if err := json.Unmarshal(answer, &v); err != nil {
		return false, time.Time{}, fail(result.With(classify.MissingActive), res.StatusCode, 0, "introspection answer is not JSON")
	}
	var exp time.Time
	if v.Exp > 0 {
		exp = time.Unix(int64(v.Exp), 0)
	}
	return v.Active, exp, nil
}
