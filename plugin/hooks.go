package main

import (
	"context"
	"net/http"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// OAuthCheckPre is the pre hook. It runs for every API, before
// authentication, and removes client-supplied label headers so that no
// client can forge an oauthcheck tag, even on requests Tyk later rejects.
func OAuthCheckPre(_ http.ResponseWriter, r *http.Request) {
	defer recoverHook("pre", r, nil)
	if r != nil {
		stripLabels(r.Header)
	}
}

// OAuthCheckAuth is the post_key_auth hook (Tyk runs it only on APIs with
// authentication). It remembers who the caller is for labels and logs.
func OAuthCheckAuth(_ http.ResponseWriter, r *http.Request) {
	defer recoverHook("post_key_auth", r, nil)
	if r == nil {
		return
	}
	if c, ok := sessionOf(r); ok {
		*r = *r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
	}
}

// OAuthCheckResponse is the response hook. It classifies the upstream
// response against the client's request and labels the request for Tyk's
// analytics. It never changes what the client receives, except for the
// opt-in debug header.
func OAuthCheckResponse(_ http.ResponseWriter, res *http.Response, r *http.Request) {
	defer recoverHook("response", r, res)
	if r == nil || res == nil {
		return
	}
	stripLabels(r.Header)
	api := apiFor(r)
	cap := api.cfg.BodyCap()

	req := classify.Request{Method: r.Method, Header: r.Header}
	if r.URL != nil {
		req.Path, req.RawQuery = r.URL.Path, r.URL.RawQuery
	}
	if wantsRequestBody(r) {
		req.Body = peekRequestBody(r, cap)
	}
	endpoint := classify.Detect(&req, res.StatusCode, res.Header, &api.opts)
	if !worthClassifying(endpoint, res.StatusCode) {
		if api.err != nil {
			setLabels(r, classify.NewResult(endpoint, classify.PluginMisconfigured), "")
		}
		return
	}

	resp := classify.Response{Status: res.StatusCode, Header: res.Header}
	switch bodyPolicy(r, res) {
	case bodyRead:
		resp.Body, resp.Truncated = peekResponseBody(res, cap)
	case bodyUnread:
		resp.Unread = true
	}
	var result classify.Result
	if testClassify != nil {
		reqCopy, respCopy := req, resp // keeps req and resp on the stack on the normal path
		result = testClassify(endpoint, &reqCopy, &respCopy, &api.opts)
	} else {
		result = classify.ClassifyAs(endpoint, &req, &resp, &api.opts)
	}
	if api.err != nil {
		result = result.With(classify.PluginMisconfigured)
	}
	if len(result.Causes()) == 0 {
		return // a resource server's own failure, not an OAuth error
	}

	who := callerFrom(r)
	if who.OAuthClientID == "" {
		who.OAuthClientID = classify.PublicClientID(&req)
	}
	setLabels(r, result, who.OAuthClientID)
	logResult(api.id, &result, res.StatusCode, who)
	if api.cfg.DebugHeader {
		res.Header.Set(HeaderDebug, debugValue(&result))
	}
}

// testClassify, when set by a test, replaces the engine (to make it panic).
var testClassify func(classify.Endpoint, *classify.Request, *classify.Response, *classify.Options) classify.Result

// worthClassifying skips traffic that is not OAuth, and resource-server
// answers that succeeded: only their OAuth errors are labelled.
func worthClassifying(endpoint classify.Endpoint, status int) bool {
	switch endpoint {
	case classify.EndpointNone:
		return false
	case classify.EndpointResource:
		return status >= 400
	}
	return true
}
