package repair

import (
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// wireCodes maps a root cause to the registered error code a client is
// sent: RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1,
// RFC 8628 §3.5, RFC 8707 §2, RFC 9449 §7.1 and §8, OpenID Connect Core
// §3.1.2.6. Causes without one (edge_blocked, unexpected_status …) have
// no single standard form, except at an edge (see edgeRoots).
var wireCodes = map[classify.Code]string{
	classify.InvalidRequest:          "invalid_request",
	classify.InvalidClient:           "invalid_client",
	classify.InvalidGrant:            "invalid_grant",
	classify.UnauthorizedClient:      "unauthorized_client",
	classify.UnsupportedGrantType:    "unsupported_grant_type",
	classify.UnsupportedResponseType: "unsupported_response_type",
	classify.UnsupportedTokenType:    "unsupported_token_type",
	classify.InvalidScope:            "invalid_scope",
	classify.InvalidTarget:           "invalid_target",
	classify.InvalidToken:            "invalid_token",
	classify.InsufficientScope:       "insufficient_scope",
	classify.AccessDenied:            "access_denied",
	classify.InteractionRequired:     "interaction_required",
	classify.InvalidDPoPProof:        "invalid_dpop_proof",
	classify.UseDPoPNonce:            "use_dpop_nonce",
	classify.ServerError:             "server_error",
	classify.TemporarilyUnavailable:  "temporarily_unavailable",
	classify.AuthorizationPending:    "authorization_pending",
	classify.SlowDown:                "slow_down",
	classify.ExpiredToken:            "expired_token",
	// RFC 6749 §5.2: a redirect_uri that does not match is invalid_grant.
	classify.RedirectURIMismatch: "invalid_grant",
	// No registered code says "rate limited"; the 429 status does, and
	// temporarily_unavailable is the one clients retry.
	classify.RateLimited: "temporarily_unavailable",
	classify.EdgeBlocked: "temporarily_unavailable",
}

// WireCodes lists every error code a repaired body can carry.
func WireCodes() []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range wireCodes {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// IsWireCode reports whether s is a code a repaired body can carry.
func IsWireCode(s string) bool {
	for _, w := range wireCodes {
		if w == s {
			return true
		}
	}
	return false
}

func wireCode(root classify.Code) (string, bool) {
	w, ok := wireCodes[root]
	return w, ok
}

// edgeRoots are the roots of a page that an edge sent where the
// authorization server's answer belongs.
func isEdgeRoot(c classify.Code) bool {
	switch c {
	case classify.ServerError, classify.TemporarilyUnavailable, classify.RateLimited, classify.EdgeBlocked:
		return true
	}
	return false
}

func (w *work) notAnOAuthBody() bool {
	return w.has(classify.HTMLErrorPage) || w.has(classify.NotJSON) || w.has(classify.EmptyBody)
}

func (w *work) repairError(p *Plan, wire string) {
	root := w.result.Root()
	status := w.resp.Status
	if isEdgeRoot(root) && w.notAnOAuthBody() && (status >= 500 || status == 403 || status == 429 || root == classify.EdgeBlocked) {
		w.repairEdge(p, root)
		return
	}
	if root == classify.EdgeBlocked {
		return // a JSON refusal from an edge: no single standard form
	}
	var buf [8]member
	obj, isObject := splitObject(w.body, buf[:0])
	if w.opts.allows(ErrorShape) {
		top, _ := obj.str("error")
		if !isObject || top != wire || w.has(classify.NonstandardErrorShape) || w.has(classify.UnrecognizedError) {
			w.out = errorBody(wire, errorDescription(obj, isObject, w.body, w.resp), errorURI(obj))
			w.newOut = true
			p.add(ErrorShape)
		}
	}
	if !w.newOut && isObject && w.has(classify.WrongContentType) && w.opts.allows(ContentType) {
		w.setHeader("Content-Type", "application/json")
		p.add(ContentType)
	}
	if status >= 200 && status < 300 && w.opts.allows(ErrorStatus) {
		w.status = 400
		if wire == "invalid_client" && basicAuth(w.req) {
			// RFC 6749 §5.2: 401 with the scheme the client used.
			w.status = 401
			if len(w.resp.Header.Values("Www-Authenticate")) == 0 {
				w.setHeader("Www-Authenticate", `Basic realm="oauth"`)
			}
		}
		p.add(ErrorStatus)
	}
}

// repairEdge answers for the authorization server an edge stood in for.
func (w *work) repairEdge(p *Plan, root classify.Code) {
	if !w.opts.allows(EdgeError) {
		return
	}
	wire, status := "temporarily_unavailable", 503
	if root == classify.ServerError {
		wire, status = "server_error", 500
	}
	w.status = status
	w.out = errorBody(wire, edgeDescription(w.result, w.resp, w.body), "")
	w.newOut = true
	if status == 503 && len(w.resp.Header.Values("Retry-After")) == 0 {
		w.setHeader("Retry-After", w.opts.retryAfter())
	}
	p.add(EdgeError)
}

func basicAuth(req *classify.Request) bool {
	if req == nil {
		return false
	}
	v := strings.TrimSpace(req.Header.Get("Authorization"))
	return len(v) > 6 && strings.EqualFold(v[:6], "basic ")
}

// edgeDescription names what answered: the edge the classifier
// recognised, or the Server header, and what it sent.
func edgeDescription(r *classify.Result, resp *classify.Response, body []byte) string {
	who := ""
	if r.Why.Rule == "edge_page" {
		who = r.Why.Term
	}
	if who == "" {
		who = sanitize(resp.Header.Get("Server"), 40)
	}
	if who == "" {
		who = "a server in front of the authorization server"
	}
	what := "an empty body"
	switch {
	case r.Has(classify.HTMLErrorPage):
		what = "an HTML page"
	case len(body) > 0:
		what = "a non-OAuth body"
	}
	return who + " answered " + statusText(resp.Status) + " with " + what + " in place of the authorization server"
}

func statusText(s int) string {
	const digits = "0123456789"
	if s < 100 || s > 999 {
		return "an unexpected status"
	}
	return string([]byte{digits[s/100], digits[s/10%10], digits[s%10]})
}

// descriptionKeys are where dialects put their human text, in the order
// they are tried, at the top level and inside a nested error object.
var descriptionKeys = []string{
	"error_description", "message", "error_message", "errorMessage", "description",
	"detail", "msg", "errmsg", "error_msg", "sub_msg", "title", "reason",
}

func errorDescription(obj object, isObject bool, body []byte, resp *classify.Response) string {
	if isObject {
		var buf [8]member
		if nested, ok := obj.object("error", buf[:0]); ok {
			for _, k := range descriptionKeys {
				if s, ok := nested.str(k); ok {
					if d := safeDescription(s); d != "" {
						return d
					}
				}
			}
		}
		for _, k := range descriptionKeys {
			if s, ok := obj.str(k); ok {
				if d := safeDescription(s); d != "" {
					return d
				}
			}
		}
		return ""
	}
	var buf [8]field
	if f, ok := parseForm(body, buf[:0]); ok {
		for _, kv := range f {
			if string(kv.key) == "error_description" {
				return safeDescription(string(kv.value))
			}
		}
	}
	return ""
}

func errorURI(obj object) string {
	s, ok := obj.str("error_uri")
	if !ok || !(strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) {
		return ""
	}
	if clean := sanitize(s, 2048); clean == s {
		return s
	}
	return ""
}

// safeDescription keeps a description only if nothing in it looks like a
// secret, and only the characters RFC 6749 §5.2 allows, capped.
func safeDescription(s string) string {
	if secretLooking(s) {
		return ""
	}
	clean := sanitize(s, MaxDescription)
	// Text that was mostly outside the allowed set (not Latin script)
	// would come out as debris: better none.
	if len(clean) < 3 || 2*len(clean) < minInt(len(s), MaxDescription) {
		return ""
	}
	return clean
}

// sanitize keeps %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2), folds runs
// of anything else into one space, and cuts at max bytes.
func sanitize(s string, max int) string {
	var b strings.Builder
	b.Grow(minInt(len(s), max)) // one allocation: the result is never longer
	space := false
	for i := 0; i < len(s) && b.Len() < max; i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' && c != ' ' {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
				if b.Len() >= max {
					break
				}
			}
			space = false
			b.WriteByte(c)
			continue
		}
		space = true
	}
	return strings.TrimSpace(b.String())
}

// secretNames are parameters whose value is a secret: "name=value" or
// "name: value" in a description may be quoting one.
var secretNames = []string{
	"access_token", "refresh_token", "id_token", "client_secret", "code_verifier",
	"password", "assertion", "device_code", "secret", "token", "code",
}

// secretLooking reports text that may carry a credential: a JWT, a
// secret parameter with a value, an Authorization value, or a long run of
// token characters mixing letters and digits.
func secretLooking(s string) bool {
	if strings.Contains(s, "eyJ") {
		return true
	}
	lower := strings.ToLower(s)
	for _, name := range secretNames {
		for from := 0; ; {
			i := strings.Index(lower[from:], name)
			if i < 0 {
				break
			}
			rest := lower[from+i+len(name):]
			from += i + len(name)
			rest = strings.TrimLeft(rest, " \"'")
			if len(rest) == 0 || (rest[0] != '=' && rest[0] != ':') {
				continue
			}
			if tokenRun(strings.TrimLeft(rest[1:], " \"'")) >= 6 {
				return true
			}
		}
	}
	for _, scheme := range [...]string{"bearer ", "basic ", "dpop "} {
		if i := strings.Index(lower, scheme); i >= 0 && tokenRun(s[i+len(scheme):]) >= 12 {
			return true
		}
	}
	run, letters, digits := 0, false, false
	for i := 0; i <= len(s); i++ {
		if i < len(s) && tokenChar(s[i]) {
			run++
			c := s[i]
			letters = letters || (c|0x20 >= 'a' && c|0x20 <= 'z')
			digits = digits || (c >= '0' && c <= '9')
			continue
		}
		if run >= 20 && letters && digits {
			return true
		}
		run, letters, digits = 0, false, false
	}
	return false
}

func tokenRun(s string) int {
	n := 0
	for n < len(s) && tokenChar(s[n]) {
		n++
	}
	return n
}

func tokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}

// errorBody writes the RFC 6749 §5.2 body. code and the sanitized texts
// hold no character that JSON must escape.
func errorBody(code, description, uri string) []byte {
	const framing = len(`{"error":"","error_description":"","error_uri":""}`)
	b := make([]byte, 0, framing+len(code)+len(description)+len(uri))
	b = append(b, `{"error":"`...)
	b = append(b, code...)
	b = append(b, '"')
	if description != "" {
		b = append(b, `,"error_description":"`...)
		b = append(b, description...)
		b = append(b, '"')
	}
	if uri != "" {
		b = append(b, `,"error_uri":"`...)
		b = append(b, uri...)
		b = append(b, '"')
	}
	return append(b, '}')
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}
