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

// One-value header slices for every registered code and verdict, made
// once, so labelling a single-cause result allocates nothing. Their
// capacity is their length: an Add on the header copies, never writes
// into the shared array.
var (
	causeValues = map[classify.Code][]string{}
	okValues    = []string{string(classify.VerdictOK)}[:1:1]
	warnValues  = []string{string(classify.VerdictWarning)}[:1:1]
	badValues   = []string{string(classify.VerdictInvalid)}[:1:1]
)

func init() {
	for _, c := range classify.Registry {
		causeValues[c.Code] = []string{string(c.Code)}[:1:1]
	}
}

func verdictValues(v classify.Verdict) []string {
	switch v {
	case classify.VerdictOK:
		return okValues
	case classify.VerdictWarning:
		return warnValues
	case classify.VerdictInvalid:
		return badValues
	}
	return []string{string(v)}
}

func setLabels(r *http.Request, result classify.Result, clientID string) {
	causes := result.Causes()
	var values []string
	if len(causes) == 1 {
		values = causeValues[causes[0]]
	}
	if values == nil {
		values = make([]string, len(causes))
		for i, c := range causes {
			values[i] = string(c)
		}
	}
	r.Header[HeaderCause] = values
	r.Header[HeaderVerdict] = verdictValues(result.Verdict)
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
