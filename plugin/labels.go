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

var labelHeaders = [...]string{HeaderCause, HeaderVerdict, HeaderClient}

// stripLabels removes every label header a client could have sent, in any
// spelling Go's server leaves un-canonicalised.
func stripLabels(h http.Header) {
	for k := range h {
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
	causeValues   = map[classify.Code][]string{}
	verdictValues = map[classify.Verdict][]string{}
)

func init() {
	for _, c := range classify.Registry {
		causeValues[c.Code] = []string{string(c.Code)}[:1:1]
	}
	for _, v := range []classify.Verdict{classify.VerdictOK, classify.VerdictWarning, classify.VerdictInvalid} {
		verdictValues[v] = []string{string(v)}[:1:1]
	}
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
	if v, ok := verdictValues[result.Verdict]; ok {
		r.Header[HeaderVerdict] = v
	} else {
		r.Header[HeaderVerdict] = []string{string(result.Verdict)}
	}
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
