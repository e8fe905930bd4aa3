package main

import (
	"net/http"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// Label headers. The response hook sets them on the client's request, where
// Tyk's tag_headers turns each value into an analytics tag such as
// "x-oauth-cause-invalid_client" (gateway/handler_success.go tagHeaders).
const (
	// HeaderCause carries one value per cause, root cause first, or "ok".
	HeaderCause = "X-Oauth-Cause"
	// HeaderVerdict carries ok, warning or invalid, so dashboards can chart
	// the invalid ratio apart from warnings.
	HeaderVerdict = "X-Oauth-Verdict"
	// HeaderClient carries the public OAuth client_id, for per-client charts
	// on keyless token endpoints.
	HeaderClient = "X-Oauth-Client"
	// HeaderDebug is the opt-in response header for the client.
	HeaderDebug = "X-Oauthcheck-Result"
)

// labelPrefix starts every label header name.
const labelPrefix = "X-Oauth"

var labelHeaders = [...]string{HeaderCause, HeaderVerdict, HeaderClient, HeaderRepaired, HeaderRisk, HeaderAnomaly, HeaderAction}

// stripLabels removes every label header a client could have sent, in any
// spelling Go's server leaves un-canonicalised.
func stripLabels(h http.Header) {
	for k := range h {
		if len(k) < len(labelPrefix) || !strings.EqualFold(k[:len(labelPrefix)], labelPrefix) {
			continue // most headers: one comparison, not one per label
		}
		for _, name := range labelHeaders {
			if len(k) == len(name) && strings.EqualFold(k, name) {
				delete(h, k)
			}
		}
	}
}

func setLabels(r *http.Request, result classify.Result, clientID string) {
	causes := result.Causes()
	values := make([]string, len(causes))
	for i, c := range causes {
		values[i] = string(c)
	}
	r.Header[HeaderCause] = values
	r.Header[HeaderVerdict] = []string{string(result.Verdict)}
	if classify.LabelSafe(clientID) {
		r.Header[HeaderClient] = []string{clientID}
	}
}

func debugValue(result *classify.Result) string {
	var b strings.Builder
	b.WriteString(string(result.Verdict))
	b.WriteString("; causes=")
	for i, c := range result.Causes() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(c))
	}
	return b.String()
}
