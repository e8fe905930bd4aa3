package classify

// How the root cause is chosen when several signals disagree. Precedence,
// written down once:
//
//  1. A Microsoft Entra AADSTS number (error_codes or the description),
//     the first one the table knows.
//  2. The error code: RFC and provider codes (errorCodes), then vendor
//     dialect codes (VendorCodes, graphCodes, twitterCodes, and what a
//     validation error names as its subject).
//  3. The words: error_description, message, a nested message, a nested
//     "details", an error field holding words; a code-shaped message
//     ("TOKEN_EXPIRED") is read as words. The phrase table (Phrases)
//     decides; its words replace the code only when the code is a family
//     they may refine (refines below), so "invalid_request: the code has
//     expired" is invalid_grant while "invalid_scope: …client…" stays.
//  4. An error type in a header (AWS's X-Amzn-ErrorType): weaker than the
//     body's words.
//  5. An unregistered code read as words ("invalid_client_secret").
//  6. The status, when nothing else speaks (rootFromStatus, in the
//     callers). The body outranks the status: any code or phrase beats it,
//     except that a 5xx stays a server fault unless a code names the cause.
//  7. The endpoint adjusts what remains (adjustForEndpoint): a token
//     endpoint has no invalid_token, a resource server no invalid_client.

// refines says which codes the words may replace, and by what. A code not
// listed here is specific and stays; an unknown code or none at all may be
// replaced by anything.
var refines = map[Code][]Code{
	InvalidRequest:     nil, // nil: any cause
	UnauthorizedClient: {InvalidClient, RedirectURIMismatch, InvalidScope, InvalidGrant},
	AccessDenied:       {InvalidClient, InvalidScope, RedirectURIMismatch, InsufficientScope, InvalidGrant, InvalidToken, MissingToken, RateLimited, InvalidTarget, InteractionRequired},
	InvalidGrant:       {RedirectURIMismatch, InvalidClient, UnauthorizedClient, UnsupportedGrantType, InvalidScope, InvalidRequest},
	InvalidClient:      {RedirectURIMismatch, InvalidRequest, UnauthorizedClient, UnsupportedGrantType, InvalidGrant, InvalidDPoPProof, InvalidScope},
	ServerError:        {TemporarilyUnavailable, RateLimited},
	// A revocation code (RFC 7009 §2.2.1) at a token endpoint is
	// misapplied: the words say what the server refused.
	UnsupportedTokenType: {InvalidGrant, InvalidClient, InvalidRequest},
	InvalidToken:         {MissingToken, InteractionRequired, InvalidDPoPProof, AccessDenied},
	// Only the api_disabled row keeps access_denied at a resource server
	// (adjust): a switched-off API is no scope the token lacks.
	InsufficientScope: {AccessDenied, MissingToken}, // Google's PERMISSION_DENIED "…unregistered callers"
	// "grant_type: password is not supported in this application" is the
	// client's registration, not the server's (RFC 6749 §5.2).
	UnsupportedGrantType: {UnauthorizedClient},
	UnrecognizedError:    nil,
	UnexpectedStatus:     nil,
	statusWord:           nil,
}

// mayRefine reports whether the words' cause may replace code.
func mayRefine(code, words Code) bool {
	if code == "" || code == words {
		return code == ""
	}
	allowed, listed := refines[code]
	if !listed {
		return false
	}
	if allowed == nil {
		return true
	}
	for _, c := range allowed {
		if c == words {
			return true
		}
	}
	return false
}

// Evidence is one signal behind a decision: what kind of signal, and its
// value (a table entry or a slice of the request path: never a secret).
type Evidence struct {
	Kind  string `json:"kind"` // "route", "path", "param", "credentials", "header", "response field", "challenge", "status", "given"
	Value string `json:"value"`
}

// Why records how the classifier decided, for explain and the log line.
type Why struct {
	detect [3]Evidence
	nd     int
	// Rule names the rule that chose the root cause; From is what it read
	// ("error", "error_description", "message", "page", "status", …);
	// Term is the table term that matched, if a phrase rule did.
	Rule, From, Term string
	// candidate: the request carries an OAuth parameter that names no
	// endpoint on its own (token): the response body may decide.
	candidate bool
	// exchange: the request posted a secret under a vendor's own name
	// (app_secret, secret_key, password): a token request if the answer
	// carries a token or an error.
	exchange bool
	// tokenPath: the path names a token or OAuth and the request carries
	// no resource credential: a token request if the answer carries
	// access_token.
	tokenPath bool
	// keyPosted: the request posted an API key and no secret; if the
	// answer is a success with no token, an API call keyed by the app.
	keyPosted bool
	// keyCall: the key was posted to a path that names no login, token
	// or session (UptimeRobot's /v2/getMonitors): an API call keyed by
	// the app, whatever its answer.
	keyCall bool
	// jsonRPC: a JSON-RPC 2.0 call, whose errors come back in a 200
	// {"jsonrpc":"2.0","error":{code,message}} (Odoo, Zabbix).
	jsonRPC bool
	// subsonic: a Subsonic API call, whose 200 errors may come as XML.
	subsonic bool
	// tokenCarried: an error to a call whose query or body holds a value
	// shaped like a token under a vendor's name (Misskey's JSON "i").
	tokenCarried bool
	// byStatus: only the status (429, 5xx) placed the call at a resource;
	// its body is the server's word about itself, not about a credential.
	byStatus bool
}

func (w *Why) evidence(kind, value string) {
	if w.nd < len(w.detect) {
		w.detect[w.nd] = Evidence{kind, value}
		w.nd++
	}
}

// Detected returns the signals that decided the endpoint.
func (w *Why) Detected() []Evidence { return w.detect[:w.nd] }

func (w *Why) rule(name, from, term string) {
	w.Rule, w.From, w.Term = name, from, term
}

// chooseRoot finds the root cause of an error body. known is false when
// neither the code nor its dialect is registered anywhere.
func chooseRoot(r *Result, f *oauthFields, resp *Response) (root Code, known bool) {
	endpoint, status := r.Endpoint, resp.Status
	if n := entraNumber(f); n != 0 {
		if c, ok := entraCodes[n]; ok && !(c == InvalidRequest && specificError(f)) {
			// A number that means only "malformed" (AADSTS9002313) says less
			// than an error field naming the grant (invalid_grant to a
			// refresh token of "1234").
			r.Why.rule("entra_aadsts", "error_codes", "")
			return r.adjust(c, status), true
		}
	}
	var code Code
	switch {
	case f.err.kind == kindString:
		raw := f.err.raw
		if f.format == formatForm {
			raw = unescapeForm(raw)
		} else {
			raw = unescapeJSON(raw)
		}
		if c, ok := errorCodes[string(raw)]; ok {
			code, known = c, true
			r.Why.rule("error_code", "error", "")
		} else if c, ok := lookupVendor(raw); ok {
			code, known = c, true
			r.Why.rule("vendor_code", "error", "")
		}
	default:
		if c, rule := f.vendor.root(); c != "" {
			code, known = c, true
			r.Why.rule(rule, "error", "")
			if c == InvalidClient && endpoint == EndpointResource {
				for i := 0; i < f.vendor.n; i++ {
					// Berlin Group's CERTIFICATE_INVALID: the TPP's eIDAS certificate.
					r.clientNamed = r.clientNamed || hasPrefixFold(string(f.vendor.codes[i].raw), "certificate_")
				}
			}
		}
	}
	fromStatus := code == statusWord
	if fromStatus {
		st := status
		if st >= 500 && f.err.kind == kindString && (equalFoldBytes(f.err.raw, "bad request") || equalFoldBytes(f.err.raw, "bad_request")) {
			// A 500 that calls the request bad (Pleroma's {"error":"Bad
			// request"} to an empty form): the body outranks the status.
			st = 400
		}
		code = rootFromStatus(st, endpoint)
		r.Why.rule("status_word", "status", "")
		if status == 401 && r.passwordLogin && !r.clientAuth && endpoint == EndpointToken {
			// As statusRoot: a login that named no client can only have
			// failed on the user's credentials.
			code = InvalidGrant
			r.Why.rule("password_login_401", "status", "")
		} else if status == 401 && r.refreshAsked && endpoint == EndpointToken {
			// A refresh refused with a bare 401 ("Unauthorized" and no
			// more): what lapses in practice is the refresh token, not the
			// client's registration (RFC 6749 §6).
			code = InvalidGrant
			r.Why.rule("refresh_401", "status", "")
		}
	}
	// The words, in order of authority.
	var buf [64]byte
	texts := [...]struct {
		from string
		b    []byte
	}{{"error_description", f.description.raw}, {"message", f.message.raw}, {"nested message", f.vendor.msg.raw},
		{"nested details", f.vendor.msg2.raw}, {"error", errorWords(f)}}
	// Two passes: RFC 6749's own descriptions ("Client authentication
	// failed (e.g. …)") speak only when no text names anything else (a
	// Janssen "reason":"Invalid user." beside one is the user's).
	matched, rfcSeen := false, false
	defer func() { r.wordsUnmatched = !matched && !rfcSeen }()
	for pass := 0; pass < 2 && !matched && (pass == 0 || rfcSeen); pass++ {
		for _, text := range texts {
			b := text.b
			if indexByte(b, ' ') < 0 {
				// Firebase's "message":"TOKEN_EXPIRED": a code in a message field.
				if words := codeWords(b, buf[:0]); words != nil {
					b = words
				}
			}
			p := phraseMatch(b, endpoint)
			if p != nil && p.rfcDescription() {
				rfcSeen = true
			}
			if p == nil || p.rfcDescription() != (pass == 1) {
				continue
			}
			matched = true
			if p.Cause == InvalidClient && endpoint == EndpointResource {
				// Refused, not missing: "client_id or access_token is required"
				// asks for a credential, which at a resource is the token.
				term := p.firstTerm(b)
				missing := containsFold(b, "required") || containsFold(b, "missing")
				// WooCommerce's "Consumer secret is invalid." to a Basic key
				// pair: the client's secret, named.
				r.clientNamed = p.Rule == "client_certificate" || (clientIDTerm(term) || clientSecretTerm(term) || r.clientHeaders) && !missing ||
					// Nordea's "Missing API key" beside a Bearer token: the app's key.
					r.bearerSent && missing && (clientIDTerm(term) || term == "api key" || term == "application key" || term == "subscription key")
			}
			words := r.adjust(p.Cause, status)
			if words == InvalidToken && endpoint == EndpointResource && r.clientHeaders && !tokenTerm(p.firstTerm(b)) {
				// "authentication Failed" to a call keyed by the client's own
				// id and secret headers: the client's credentials.
				words, r.clientNamed = InvalidClient, true
			}
			if keepsAccessDenied(p.Rule) {
				words = AccessDenied
			}
			// A status word ({"status":"Forbidden"}) only restates the status,
			// which the body's words outrank.
			// A vendor's server-side type at a 4xx (Stripe-style api_error)
			// is a catch-all the status contradicts: the words say more
			// (Nylas: "the code you provided is not valid").
			vendorCatchAll := code == ServerError && status >= 400 && status < 500 && (f.err.kind != kindString || r.Why.Rule == "vendor_code")
			// auth_failed's words name no credential: they fill in a missing
			// code, never replace one (Keap's invalid_grant "Unable to
			// authenticate username and password").
			weakWords := p.Rule == "auth_failed" && code != "" && !fromStatus
			if (code == "" || fromStatus || mayRefine(code, words) || vendorCatchAll) && !weakWords {
				code = words
				known = known || f.err.kind != kindString
				r.Why.rule(p.Rule, text.from, p.firstTerm(b))
			}
			break
		}
	}
	if code == "" { // a header code is weaker than the body's words
		if c, ok := headerCode(resp.Header); ok {
			code, known = c, true
			r.Why.rule("error_type_header", "X-Amzn-ErrorType", "")
		}
	}
	if code == "" {
		// Last, an unregistered snake_case code is words too:
		// "invalid_client_secret" reads as "invalid client secret",
		// Supabase's nested "bad_jwt" as "bad jwt".
		var buf [128]byte
		for i := -1; i < f.vendor.n && code == ""; i++ {
			raw := f.err.raw
			if i >= 0 {
				raw = f.vendor.codes[i].raw
			} else if f.err.kind != kindString {
				continue
			}
			words := codeWords(raw, buf[:0])
			if words == nil && indexByte(raw, ' ') > 0 && len(raw) <= 64 {
				words = raw // Zalo's "error_name":"Invalid refresh token": a code written as words
			}
			if words != nil {
				if p := phraseMatch(words, endpoint); p != nil {
					r.Why.rule(p.Rule, "error code words", p.firstTerm(words)) // first: adjust reads the rule
					code, known = r.adjust(p.Cause, status), true
				}
			}
		}
	}
	if code == "" && f.vendor.retryAfter {
		// Withings' {"status":601,"body":{"wait_seconds":188},"error":…}:
		// a wait the server asks for is a rate limit.
		code, known = RateLimited, true
		r.Why.rule("retry_after_field", "wait_seconds", "")
	}
	if code == "" {
		return "", false
	}
	// Auth0 answers a bad client secret with 401 access_denied "Unauthorized".
	// SecureAuth sends the same with 400 "Request is unauthorized": at a
	// token endpoint, which has no access_denied of its own (RFC 6749
	// §5.2), the client was refused.
	if code == AccessDenied && (status == 401 || status == 400) && endpoint != EndpointAuthorize && endpoint != EndpointResource &&
		containsFold(f.description.raw, "unauthorized") {
		r.Why.rule("access_denied_401", "status", "")
		return InvalidClient, true
	}
	if code == AccessDenied && endpoint == EndpointToken && r.passwordLogin {
		// Ring's 401 {"error":"access_denied"} to a password grant: the
		// resource owner's credentials, RFC 6749 §5.2's invalid_grant.
		r.Why.rule("password_access_denied", r.Why.From, r.Why.Term)
		return InvalidGrant, true
	}
	code = r.adjust(code, status)
	if code == UnauthorizedClient && status == 401 && r.Why.Rule == "error_code" && r.clientAuth && endpoint != EndpointAuthorize &&
		(!f.description.present() || isBoilerplate(f.description.raw)) && !f.message.present() {
		// A bare unauthorized_client (or RFC 6749's sentence for another
		// code) in a 401 to an authenticating client: the 401 is §5.2's
		// answer to failed client authentication (Apache Oltu's, Akoya's).
		r.Why.rule("unauthorized_client_401", "status", "")
		code = InvalidClient
	}
	if code == InvalidClient && r.passwordLogin && r.Why.Term != "" && !containsFold(r.Why.Term, "client") &&
		!containsFold(r.Why.Term, "app") {
		// Generic "invalid credentials" to a password login: the user's
		// credentials, which RFC 6749 §5.2 calls invalid_grant.
		r.Why.rule("password_credentials", r.Why.From, r.Why.Term)
		code = InvalidGrant
	}
	return r.adjustForGrant(code, f), known
}

// adjustForGrant reads a token endpoint's code against the grant it
// answered.
func (r *Result) adjustForGrant(code Code, f *oauthFields) Code {
	switch {
	case code == InvalidGrant && r.clientGrant:
		// client_credentials has no grant but the client's own
		// credentials (RFC 6749 §4.4.2): "login failed" is the client's.
		r.Why.rule("client_credentials_grant", r.Why.From, r.Why.Term)
		return InvalidClient
	case code == InvalidClient && r.Why.Term == "assertion" && !r.assertionAuth:
		// A jwt-bearer grant's assertion (RFC 7523 §3.1) is the grant.
		return InvalidGrant
	case code == InvalidClient && r.apiKeyGrant && (r.Why.Term == "api key" || r.Why.Term == "apikey"):
		// The API key is the grant being redeemed, not the client.
		r.Why.rule("api_key_grant", r.Why.From, r.Why.Term)
		return InvalidGrant
	case code == UnsupportedGrantType && r.queryGrant:
		// "grant_type was invalid" to a grant_type sent in the query: the
		// server reads the body only (RFC 6749 §4.1.3), so the request is
		// malformed, not the grant type unknown.
		r.Why.rule("grant_in_query", r.Why.From, r.Why.Term)
		return InvalidRequest
	case code == InvalidRequest && r.formGrant && saysGrantTypeMissing(f) && saysInvalid(f):
		// "Invalid or no grant_type" to a grant_type the form did carry:
		// the server read it and does not support it (pixiv's after it
		// dropped the password grant).
		r.Why.rule("form_grant_refused", r.Why.From, r.Why.Term)
		return UnsupportedGrantType
	case code == InvalidRequest && r.refreshGrant && r.Why.Rule == "error_code" && genericDescription(f):
		// A refresh request needs only its refresh token (RFC 6749 §6): a
		// bare invalid_request to one that carries it is the token refused.
		r.Why.rule("refresh_bare_invalid_request", "error", "")
		return InvalidGrant
	}
	return code
}

// errorTexts are the error's words the says… helpers read.
func errorTexts(f *oauthFields) [4][]byte {
	return [4][]byte{f.description.raw, f.message.raw, errorWords(f), f.vendor.msg.raw}
}

// saysGrantTypeMissing: the error's words call grant_type missing.
func saysGrantTypeMissing(f *oauthFields) bool {
	for _, v := range errorTexts(f) {
		if p := phraseMatch(v, EndpointToken); p != nil && p.Rule == "grant_type_missing" {
			return true
		}
	}
	return false
}

// saysBad: the error's words call something bad (wordsBad).
func saysBad(f *oauthFields) bool {
	bad := Phrase{Groups: [][]string{wordsBad}}
	for _, v := range errorTexts(f) {
		if len(v) > 0 && bad.matches(v) {
			return true
		}
	}
	return false
}

// saysInvalid: the error's words call something invalid or unsupported.
func saysInvalid(f *oauthFields) bool {
	for _, v := range errorTexts(f) {
		if containsWordFold(v, "invalid") || containsFold(v, "unsupported") || containsFold(v, "not supported") || containsWordFold(v, "unknown") {
			return true
		}
	}
	return false
}

// clientIDTerm: a client_auth term naming the client's identifier.
func clientIDTerm(term string) bool {
	switch term {
	case "client id", "client_id", "clientid", "client-id", "client identifier":
		return true
	}
	return false
}

// tokenTerm: a phrase term that names a token rather than credentials.
func tokenTerm(term string) bool {
	return containsFold(term, "token") || containsFold(term, "jwt") || containsFold(term, "bearer") || containsFold(term, "session")
}

// clientSecretTerm: a client_auth term naming the client's secret.
func clientSecretTerm(term string) bool {
	switch term {
	case "client secret", "client_secret", "consumer secret", "app secret", "appsecret", "app_secret":
		return true
	}
	return false
}

// genericDescription: no error_description, or RFC 6749's own sentence
// for invalid_request, which names no parameter.
func genericDescription(f *oauthFields) bool {
	d := f.description.raw
	return !f.description.present() || len(trimSpace(string(d))) == 0 ||
		containsFold(d, "missing a required parameter, includes an unsupported parameter value")
}

// adjust is adjustForEndpoint for this exchange: at a token endpoint an
// invalid token is the grant when the request presented a token as its
// grant (refresh, token exchange, Facebook's fb_exchange_token).
func (r *Result) adjust(c Code, status int) Code {
	if c == SlowDown && !r.devicePoll {
		return RateLimited // "too frequent" outside device polling is a rate limit
	}
	if c == InvalidToken && r.tokenGrant && r.Endpoint != EndpointResource {
		return InvalidGrant
	}
	if c == AccessDenied && r.Endpoint == EndpointResource && keepsAccessDenied(r.Why.Rule) ||
		c == InvalidClient && r.Endpoint == EndpointResource && r.clientNamed {
		return c
	}
	if c == AccessDenied && status == 401 && r.Endpoint == EndpointResource {
		// A generic "access denied" in a 401 is HTTP's "Unauthorized": the
		// token was not accepted (RFC 6750 §3.1 sends scope failures as 403).
		return InvalidToken
	}
	return adjustForEndpoint(c, r.Endpoint)
}

// codeWords spells a code like "invalid_client_secret" or
// "tokenExpired" as words, into buf; nil when it is not code-shaped.
func codeWords(code, buf []byte) []byte {
	if len(code) < 4 || len(code) > cap(buf)/2 {
		return nil
	}
	for i, c := range code {
		switch {
		case c == '_' || c == '-' || c == '.':
			buf = append(buf, ' ')
		case 'A' <= c && c <= 'Z':
			if i > 0 && 'a' <= code[i-1] && code[i-1] <= 'z' { // camelCase, not ALL_CAPS
				buf = append(buf, ' ')
			}
			buf = append(buf, c+'a'-'A')
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			buf = append(buf, c)
		default:
			return nil
		}
	}
	return buf
}

// errorWords returns the error field when it holds words rather than a
// code (Tyk's {"error":"Key not authorised"}).
func errorWords(f *oauthFields) []byte {
	if f.err.kind == kindString && indexByte(f.err.raw, ' ') >= 0 {
		return f.err.raw
	}
	return nil
}

// firstTerm returns the first group's term found in text, for explain.
func (p *Phrase) firstTerm(text []byte) string {
	for _, term := range p.Groups[0] {
		if containsFold(text, term) {
			return term
		}
	}
	return ""
}

// adjustForEndpoint maps causes met at the other side of the protocol:
// a token endpoint has clients and scopes, a resource server has tokens.
func adjustForEndpoint(c Code, endpoint Endpoint) Code {
	if endpoint == EndpointResource {
		switch c {
		case InvalidClient, ExpiredToken, InvalidGrant:
			return InvalidToken
		case InvalidScope, AccessDenied:
			return InsufficientScope
		}
		return c
	}
	switch c {
	case InvalidToken, MissingToken:
		if c == InvalidToken && endpoint == EndpointIntrospect {
			return c // the token checked is the subject (LINE's verify)
		}
		return InvalidClient
	case InsufficientScope:
		return InvalidScope
	case UnsupportedGrantType:
		if endpoint == EndpointAuthorize {
			return UnsupportedResponseType // the authorization endpoint takes response types (RFC 6749 §4.1.2.1)
		}
	}
	return c
}

// DetectedText says how the endpoint was detected, for example
// "path access_token, param code". It allocates: for explain and logs.
func (w *Why) DetectedText() string {
	var b []byte
	for i, e := range w.Detected() {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, e.Kind...)
		b = append(b, ' ')
		b = append(b, e.Value...)
	}
	return string(b)
}

// RuleText says which rule chose the root cause, for example
// `rule grant_bad, error_description matches "authorization code"`.
func (w *Why) RuleText() string {
	if w.Rule == "" {
		return ""
	}
	s := "rule " + w.Rule
	if w.From != "" {
		s += ", from " + w.From
	}
	if w.Term != "" {
		s += ` matching "` + w.Term + `"`
	}
	return s
}

// keepsAccessDenied: the phrase rows whose access_denied stands at a
// resource server, where a refusal is otherwise a scope or the token.
func keepsAccessDenied(rule string) bool {
	return rule == "api_disabled" || rule == "app_not_authorized" || rule == "user_blocked" || rule == "account_inactive" || rule == "ip_not_allowed" || rule == "ip_allowlist"
}

// specificError reports a registered error code other than the catch-alls
// invalid_request and server_error.
func specificError(f *oauthFields) bool {
	if f.err.kind != kindString {
		return false
	}
	c, ok := errorCodes[string(f.err.raw)]
	return ok && c != InvalidRequest && c != ServerError
}
