package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/upstreamauth"
)

// OAuthCheckPost is the post hook: Tyk runs it on every API, keyless ones
// included, after authentication (gateway/api_loader.go). It puts the
// gateway's own upstream token on the request when the API's config has
// upstream_auth. Keyed APIs may use post_key_auth (OAuthCheckAuth) instead.
func OAuthCheckPost(w http.ResponseWriter, r *http.Request) {
	defer recoverHook("post", r, nil)
	if r != nil && w != nil {
		applyUpstreamAuth(w, r)
	}
}

// applyUpstreamAuth sets the upstream token, or answers 502 itself: the
// request never goes upstream without the credentials it was meant to carry.
func applyUpstreamAuth(w http.ResponseWriter, r *http.Request) {
	api := apiFor(r)
	if !api.upstreamWanted {
		return
	}
	if api.upstream == nil {
		result := classify.NewResult(classify.EndpointToken, classify.PluginMisconfigured, classify.UpstreamAuthFailed)
		setLabels(r, result, "")
		writeUpstreamAuthError(w, result, 0, "the API's upstream_auth config is invalid; see the gateway log")
		return
	}
	if api.upstream.Introspects() && !introspectCaller(w, r, api) {
		return
	}
	if !api.upstream.FetchesTokens() {
		return
	}
	value, fail := api.upstream.Token(r.Context())
	if fail == nil {
		r.Header.Set(api.upstream.Header(), value)
		return
	}
	upstreamAuthFailed(w, r, api, fail)
}

// introspectCaller checks the caller's Bearer token by introspection (RFC
// 7662) and answers 401 for a missing or inactive one, 502 when the
// introspection endpoint fails. It reports whether the request may go on.
func introspectCaller(w http.ResponseWriter, r *http.Request, api *apiState) bool {
	auth := r.Header.Get("Authorization")
	if len(auth) < 7 || !strings.EqualFold(auth[:7], "bearer ") || strings.TrimSpace(auth[7:]) == "" {
		// RFC 6750 §3.1: no error code when the request has no token.
		setLabels(r, classify.NewResult(classify.EndpointResource, classify.MissingToken), "")
		writeBearerChallenge(w, `Bearer realm="oauthcheck"`, "invalid_request", "an access token is required")
		return false
	}
	active, fail := api.upstream.Introspect(r.Context(), strings.TrimSpace(auth[7:]))
	if fail != nil {
		upstreamAuthFailed(w, r, api, fail)
		return false
	}
	if !active {
		setLabels(r, classify.NewResult(classify.EndpointResource, classify.InvalidToken, classify.InactiveToken), "")
		writeBearerChallenge(w, `Bearer realm="oauthcheck", error="invalid_token", error_description="the access token is not active"`,
			"invalid_token", "the access token is not active")
		return false
	}
	return true
}

func writeBearerChallenge(w http.ResponseWriter, challenge, code, description string) {
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": description})
	h := w.Header()
	h.Set("WWW-Authenticate", challenge)
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write(body)
}

// upstreamAuthFailed labels, logs (once per failed fetch) and answers 502.
func upstreamAuthFailed(w http.ResponseWriter, r *http.Request, api *apiState, fail *upstreamauth.Failure) {
	setLabels(r, fail.Result, "")
	if api.upstreamLogged.Swap(fail) != fail { // one line per failed fetch, so per backoff window
		root, _ := classify.Lookup(fail.Result.Root())
		gatewayLogger().WithFields(logrus.Fields{
			"prefix": logPrefix, "api_id": api.id, "stage": "upstream_auth",
			"causes": joinCauses(fail.Result.Causes()), "as_status": fail.Status, "detail": fail.Detail,
			"retry_in": time.Until(fail.Until).Round(time.Second).String(), "hint": root.Hint,
		}).Warnf("oauthcheck: the gateway's upstream token fetch failed: %s", root.Summary)
	}
	wait := time.Until(fail.Until)
	root, _ := classify.Lookup(fail.Result.Root())
	writeUpstreamAuthError(w, fail.Result, wait, string(root.Code)+": "+root.Summary)
}

// writeUpstreamAuthError answers 502 with an RFC 6749 §5.2 style body that
// names the cause, never the authorization server's body or a secret.
func writeUpstreamAuthError(w http.ResponseWriter, result classify.Result, retry time.Duration, why string) {
	body, _ := json.Marshal(map[string]string{
		"error":             string(classify.UpstreamAuthFailed),
		"error_description": "the gateway could not get its own upstream access token (" + why + "); the caller's credentials are not at fault",
	})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if retry > 0 {
		h.Set("Retry-After", strconv.Itoa(int(retry.Round(time.Second)/time.Second)+1))
	}
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write(body)
}
