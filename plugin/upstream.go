package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
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
	value, fail := api.upstream.Token(r.Context())
	if fail == nil {
		r.Header.Set(api.upstream.Header(), value)
		return
	}
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
