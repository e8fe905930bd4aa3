package main

import (
	"context"
	"net/http"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

// OAuthCheckPre is the pre hook. It runs for every API, before
// authentication, and removes client-supplied label headers so that no
// client can forge an oauthcheck tag, even on requests Tyk later rejects.
// In guard enforce mode it answers a quarantined IP or client_id with 429.
func OAuthCheckPre(w http.ResponseWriter, r *http.Request) {
	defer recoverHook("pre", r, nil)
	if r != nil {
		stripLabels(r.Header)
		guardCheckRequest(w, r, "pre")
	}
}

// OAuthCheckAuth is the post_key_auth hook (Tyk runs it only on APIs with
// authentication). It remembers who the caller is for labels and logs, in
// guard enforce mode answers a quarantined key with 429, and otherwise puts
// the gateway's upstream token on the request (upstream_auth).
func OAuthCheckAuth(w http.ResponseWriter, r *http.Request) {
	defer recoverHook("post_key_auth", r, nil)
	if r == nil {
		return
	}
	if c, ok := sessionOf(r); ok {
		*r = *r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
	}
	if guardCheckRequest(w, r, "post_key_auth") {
		return // answered 429: no upstream token is fetched for a blocked caller
	}
	if w != nil {
		applyUpstreamAuth(w, r)
	}
}

// OAuthCheckResponse is the response hook. It classifies the upstream
// response against the client's request and labels the request for Tyk's
// analytics. It never changes what the client receives, except for the
// opt-in debug header and the opt-in repair mode.
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
	var bodies *hookBodies
	var scratch peekScratch
	defer scratch.release() // after the last use of req.Body
	if classify.RequestBodyWanted(r.Method, r.Header) && r.Body != nil && r.Body != http.NoBody {
		req.Body = peekRequestBody(r, cap, &bodies, &scratch)
	}
	detected := classify.DetectExchange(&req, res.StatusCode, res.Header, &api.opts)
	want := classify.BodyWanted(detected, res.StatusCode, res.Header, &api.opts)
	if detected.Endpoint == classify.EndpointNone && want == 0 {
		if api.err != nil {
			setLabels(r, classify.NewResult(classify.EndpointNone, classify.PluginMisconfigured), "")
		}
		return
	}

	var who caller
	knowWho := false
	if detected.Endpoint == classify.EndpointResource || detected.Endpoint == classify.EndpointNone {
		// Only resource answers care whether the gateway used a key.
		who, knowWho = callerFrom(r), true
		req.GatewayKeyed = who.Alias != "" || who.KeyFingerprint != ""
	}
	resp := classify.Response{Status: res.StatusCode, Header: res.Header}
	switch bodyPolicy(r, res) {
	case bodyRead:
		if want > 0 {
			resp.Body, resp.Truncated = peekResponseBody(res, want, &bodies)
		}
	case bodyUnread:
		resp.Unread = true
	}
	var result classify.Result
	if testClassify != nil {
		reqCopy, respCopy := req, resp // keeps req and resp on the stack on the normal path
		result = testClassify(detected.Endpoint, &reqCopy, &respCopy, &api.opts)
	} else {
		result = classify.ClassifyDetected(&detected, &req, &resp, &api.opts)
	}
	if api.err != nil {
		result = result.With(classify.PluginMisconfigured)
	}
	if len(result.Causes()) == 0 {
		if api.err != nil {
			setLabels(r, classify.NewResult(result.Endpoint, classify.PluginMisconfigured), "")
		}
		return // not OAuth after all, or a resource server's own failure
	}

	if !knowWho {
		who = callerFrom(r)
	}
	if who.OAuthClientID == "" {
		who.OAuthClientID = classify.PublicClientID(&req)
	}
	upstreamStatus := res.StatusCode
	var plan repair.Plan
	if api.cfg.Repair.On {
		// Repair mode (opt-in): the causes stay those of the upstream's answer.
		// Copies keep req, resp and result on the stack on the other paths.
		reqCopy, respCopy, resultCopy := req, resp, result
		if plan = repairResponse(api, res, &reqCopy, &respCopy, &resultCopy); plan.Skipped {
			result = result.With(classify.RepairSkipped)
		}
	}
	setLabels(r, result, who.OAuthClientID)
	setRepairLabels(r, &plan)
	if api.guard != nil {
		greq, gres := req, result // copies: the guard's pointers would move req and result to the heap
		guardObserve(api, r, &greq, &gres, who)
	}
	logResult(api, &result, upstreamStatus, who, repairedField(&plan))
	if api.cfg.DebugHeader {
		res.Header.Set(HeaderDebug, debugValue(&result))
	}
}

// testClassify, when set by a test, replaces the engine (to make it panic).
var testClassify func(classify.Endpoint, *classify.Request, *classify.Response, *classify.Options) classify.Result
