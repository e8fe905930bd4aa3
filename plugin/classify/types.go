// Package classify decides whether an upstream OAuth 2.0 / OpenID Connect
// response is usable by a standards-following client and, if not, why.
//
// It is a pure engine: no Tyk import, no I/O beyond decompressing the
// bytes it is handed. The plugin in the parent folder is a thin adapter.
package classify

import "net/http"

// Endpoint is the kind of OAuth endpoint an exchange went to.
type Endpoint string

// Endpoint kinds. Token exchange and device-code polling count as token.
const (
	EndpointNone                Endpoint = "none"
	EndpointToken               Endpoint = "token"
	EndpointAuthorize           Endpoint = "authorize"
	EndpointResource            Endpoint = "resource"
	EndpointIntrospect          Endpoint = "introspect"
	EndpointRevoke              Endpoint = "revoke"
	EndpointDeviceAuthorization Endpoint = "device_authorization"
)

// Endpoints lists every kind, for config validation and docs.
var Endpoints = []Endpoint{
	EndpointToken, EndpointAuthorize, EndpointResource, EndpointIntrospect,
	EndpointRevoke, EndpointDeviceAuthorization, EndpointNone,
}

// Verdict is the overall answer.
type Verdict string

// Verdicts.
const (
	VerdictOK      Verdict = "ok"
	VerdictWarning Verdict = "warning"
	VerdictInvalid Verdict = "invalid"
)

// Request is what the client sent.
type Request struct {
	Method   string
	Path     string // URL path as the client sent it
	RawQuery string
	Header   http.Header
	// Body is the request body, at most the configured cap.
	Body []byte
	// GatewayKeyed is set by an adapter when the gateway itself
	// authenticated the request with an API key: key headers then carry
	// the gateway's key, not a credential for the upstream.
	GatewayKeyed bool
}

// Response is what the upstream answered.
type Response struct {
	Status int
	Header http.Header
	// Body is the raw body as sent (possibly gzip or deflate encoded),
	// at most the configured cap.
	Body []byte
	// Truncated is set when Body is only the start of a longer body.
	Truncated bool
	// Unread is set when the body was deliberately not read (an event
	// stream, a HEAD answer): it is judged by its headers, never as empty.
	Unread bool
}

// MaxCauses bounds the causes of one result; the root cause comes first.
const MaxCauses = 8

// Result is the classifier's answer. It is a value type so that
// classifying allocates nothing on its own account.
type Result struct {
	Endpoint Endpoint
	Verdict  Verdict
	// Why says how the endpoint was detected and which rule chose the
	// root cause.
	Why    Why
	causes [MaxCauses]Code
	// tokenGrant: the request presented a token as its grant.
	tokenGrant bool
	// devicePoll: the request polls for a device-flow token (RFC 8628 §3.4).
	devicePoll bool
	// passwordLogin: the request presents the resource owner's password.
	passwordLogin bool
	// jsonGrant: the token request sent its grant_type in a JSON body,
	// which RFC 6749 §4.1.3 does not allow (form encoding only).
	jsonGrant bool
	// clientAuth: the request authenticates a client (client_id, a
	// secret or an assertion, or HTTP Basic).
	clientAuth bool
	// clientGrant: a client_credentials request (RFC 6749 §4.4), whose
	// only grant is the client's own credentials.
	clientGrant bool
	// clientHeaders: a resource call sent the client's secret in a header.
	clientHeaders bool
	// codeGrant: an authorization code exchange (RFC 6749 §4.1.3).
	codeGrant bool
	// refreshGrant: a refresh request carrying its refresh token, which is
	// all RFC 6749 §6 requires besides client authentication.
	refreshGrant bool
	// refreshAsked: grant_type=refresh_token, with or without the token
	// in the body (errors only).
	refreshAsked bool
	// assertionAuth: the client authenticates with a client_assertion
	// (RFC 7523 §2.2).
	assertionAuth bool
	// queryGrant: grant_type came in the query, not the body (RFC 6749
	// §4.1.3 wants the form body).
	queryGrant bool
	// bodyUnread: a POST whose form the server cannot have read: no body
	// and no query at all, or a body sent without a Content-Type.
	bodyUnread bool
	// pinRoot keeps the first cause the root even when a later one is
	// worse: a device-poll state in a broken shape is still that state.
	pinRoot bool
	// wordsUnmatched: chooseRoot read every text of the body's error and
	// no phrase row matched, so reading them again finds nothing.
	wordsUnmatched bool
	// formGrant: the form body carried a grant_type, so a server that
	// reads forms saw it.
	formGrant bool
	// apiKeyGrant: the grant is an API key (IBM Cloud's
	// urn:ibm:params:oauth:grant-type:apikey), so a refused key is the grant.
	apiKeyGrant bool
	// clientNamed: the words or code refuse the client's own identity (a
	// client certificate, a client-id header), which a resource server
	// checks too: invalid_client there is not turned into invalid_token.
	clientNamed bool
	// bearerSent: a resource call carried a Bearer or DPoP token, so a
	// key or client id the words call missing is not that token.
	bearerSent bool
	n          int
}

// Causes returns the causes, root cause first. A usable response has the
// single cause ok; a resource answer that is not an OAuth error has none.
func (r *Result) Causes() []Code { return r.causes[:r.n] }

// Has reports whether code is among the causes.
func (r *Result) Has(code Code) bool {
	for _, c := range r.causes[:r.n] {
		if c == code {
			return true
		}
	}
	return false
}

// Root returns the first cause, or ok.
func (r *Result) Root() Code {
	if r.n == 0 {
		return OK
	}
	return r.causes[0]
}

// add appends code once; causes past MaxCauses are dropped.
func (r *Result) add(code Code) {
	if code == "" || r.Has(code) || r.n == MaxCauses {
		return
	}
	r.causes[r.n] = code
	r.n++
}

// NewResult builds a result from causes, for adapters that add their own
// (plugin_misconfigured, plugin_error). The verdict follows the causes.
func NewResult(endpoint Endpoint, causes ...Code) Result {
	r := Result{Endpoint: endpoint}
	for _, c := range causes {
		r.add(c)
	}
	r.finish(nil)
	return r
}

// With returns a copy of r with code added and the verdict recomputed.
func (r Result) With(code Code) Result {
	r.remove(OK)
	r.add(code)
	r.finish(nil)
	return r
}

func (r *Result) remove(code Code) {
	j := 0
	for i := 0; i < r.n; i++ {
		if r.causes[i] != code {
			r.causes[j] = r.causes[i]
			j++
		}
	}
	r.n = j
}

// finish drops suppressed warnings and derives the verdict from the worst
// severity present. An OAuth result with no cause left is ok.
func (r *Result) finish(suppress map[Code]bool) {
	if len(suppress) > 0 {
		j := 0
		for i := 0; i < r.n; i++ {
			if !suppress[r.causes[i]] {
				r.causes[j] = r.causes[i]
				j++
			}
		}
		r.n = j
	}
	// The root is the worst cause: a client fails on an invalid one, not
	// on the warning found before it. A stable partition keeps the order
	// otherwise.
	var sorted [MaxCauses]Code
	k, from := 0, 0
	if r.pinRoot && r.n > 0 {
		sorted[0] = r.causes[0]
		k, from = 1, 1
	}
	for pass := 0; pass < 2; pass++ {
		for _, c := range r.causes[from:r.n] {
			if (SeverityOf(c) == SeverityInvalid) == (pass == 0) {
				sorted[k] = c
				k++
			}
		}
	}
	r.causes = sorted
	r.Verdict = VerdictOK
	for _, c := range r.causes[:r.n] {
		switch SeverityOf(c) {
		case SeverityInvalid:
			r.Verdict = VerdictInvalid
		case SeverityWarning:
			if r.Verdict == VerdictOK {
				r.Verdict = VerdictWarning
			}
		}
	}
	// A resource server's own failures are not OAuth's business: no cause.
	if r.n == 0 && r.Endpoint != EndpointNone && r.Endpoint != "" && r.Endpoint != EndpointResource {
		r.add(OK)
	}
}
