package classify

import (
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

var openid = []byte("openid")

// Grant types that change the success checks.
const (
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	grantClientCredentials = "client_credentials"
	grantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Classify detects the endpoint kind and classifies the response.
func Classify(req *Request, resp *Response, opts *Options) Result {
	return ClassifyAs(Detect(req, resp.Status, resp.Header, opts), req, resp, opts)
}

// Detect says which OAuth endpoint an exchange went to, from the request's
// shape alone (plus the response's WWW-Authenticate). Non-OAuth traffic is
// recognised after a few header lookups and no allocation.
func Detect(req *Request, status int, respHeader http.Header, opts *Options) Endpoint {
	if kind, ok := opts.route(req.Path); ok {
		return kind
	}
	if req.Method == http.MethodPost && len(req.Body) > 0 && isFormRequest(req.Header) {
		if _, ok := formValue(req.Body, "grant_type"); ok {
			return EndpointToken
		}
		if _, ok := formValue(req.Body, "token"); ok {
			switch {
			case strings.Contains(req.Path, "introspect"):
				return EndpointIntrospect
			case strings.Contains(req.Path, "revoke") || strings.Contains(req.Path, "revocation"):
				return EndpointRevoke
			}
		}
		if _, ok := formValue(req.Body, "response_type"); ok {
			return EndpointAuthorize
		}
		if strings.Contains(req.Path, "device") {
			if _, ok := formValue(req.Body, "client_id"); ok {
				return EndpointDeviceAuthorization
			}
		}
	}
	if req.RawQuery != "" {
		if kind := detectFromQuery(req.RawQuery); kind != EndpointNone {
			return kind
		}
	}
	if authz := headerValue(req.Header, "Authorization"); authz != "" &&
		(hasPrefixFold(authz, "Bearer ") || hasPrefixFold(authz, "DPoP ")) {
		return EndpointResource
	}
	if status == 401 || status == 403 || status == 400 {
		if wa := respHeader["Www-Authenticate"]; len(wa) > 0 && hasOAuthChallenge(wa) {
			return EndpointResource
		}
	}
	return EndpointNone
}

// detectFromQuery finds response_type (authorize) or access_token (RFC 6750
// §2.3 resource) in one pass over the query.
func detectFromQuery(q string) Endpoint {
	for len(q) > 0 {
		end := indexString(q, '&')
		pair := q
		if end >= 0 {
			pair, q = q[:end], q[end+1:]
		} else {
			q = ""
		}
		if eq := indexString(pair, '='); eq >= 0 {
			pair = pair[:eq]
		}
		switch pair {
		case "response_type":
			return EndpointAuthorize
		case "access_token":
			return EndpointResource
		}
	}
	return EndpointNone
}

// ClassifyAs classifies the response as one from the given endpoint kind.
func ClassifyAs(endpoint Endpoint, req *Request, resp *Response, opts *Options) Result {
	r := Result{Endpoint: endpoint}
	switch endpoint {
	case EndpointNone, "":
		r.Endpoint = EndpointNone
		r.Verdict = VerdictOK
		return r
	case EndpointAuthorize:
		classifyAuthorize(&r, req, resp, opts)
	case EndpointResource:
		classifyResource(&r, req, resp, opts)
	default:
		classifyJSONEndpoint(&r, req, resp, opts)
	}
	var suppress map[Code]bool
	if opts != nil {
		suppress = opts.Suppress
	}
	r.finish(suppress)
	return r
}

// classifyJSONEndpoint covers the endpoints that answer with JSON: token,
// introspection, revocation and device authorization.
func classifyJSONEndpoint(r *Result, req *Request, resp *Response, opts *Options) {
	body := decodeBody(resp, opts.maxBody())
	if body.truncated {
		defer r.add(BodyTruncated)
	}
	mt := MediaType(resp.Header)
	if body.corrupt {
		r.add(rootFromStatus(resp.Status, r.Endpoint))
		r.add(NotJSON)
		return
	}
	if body.opaque || resp.Unread {
		switch {
		case resp.Status >= 300:
			r.add(rootFromStatus(resp.Status, r.Endpoint))
		case resp.Unread && mt != "" && !isJSONMediaType(mt) && mt != "application/x-www-form-urlencoded":
			r.add(NotJSON) // an event stream where JSON belongs
		}
		return
	}
	f := parseFields(body.b, mt, body.truncated)
	success := resp.Status >= 200 && resp.Status < 300

	if f.hasError() {
		classifyError(r, &f, mt, resp.Status)
		return
	}
	if f.partial {
		if !success {
			r.add(rootFromStatus(resp.Status, r.Endpoint))
		}
		return // what is missing may lie past the cap
	}
	if !success {
		classifyBareFailure(r, &f, body, resp.Status)
		return
	}
	if r.Endpoint == EndpointRevoke {
		return // RFC 7009 §2.2: any 200 body is fine.
	}
	switch f.format {
	case formatEmpty:
		r.add(EmptyBody)
		return
	case formatHTML:
		r.add(HTMLErrorPage)
		return
	case formatBadJSON:
		if !body.truncated {
			r.add(NotJSON)
		}
		return
	case formatText:
		r.add(NotJSON)
		return
	case formatForm:
		r.add(FormEncodedResponse)
	case formatJSON:
		if !isJSONMediaType(mt) {
			r.add(WrongContentType)
		}
	}
	switch r.Endpoint {
	case EndpointToken:
		checkTokenSuccess(r, &f, req, resp, opts)
	case EndpointIntrospect:
		if f.active.kind != kindBool {
			r.add(MissingActive)
		} else if string(f.active.raw) == "false" {
			r.add(InactiveToken)
		}
	case EndpointDeviceAuthorization:
		if !f.deviceCode.nonEmptyString() || !f.userCode.nonEmptyString() ||
			!f.verificationURI.nonEmptyString() || !f.expiresIn.present() {
			r.add(MissingDeviceFields)
		}
		checkExpiresIn(r, f.expiresIn)
	}
}

// classifyError handles a body with an error field, whatever the status.
func classifyError(r *Result, f *oauthFields, mt string, status int) {
	root, known := rootFromError(f, r.Endpoint, status)
	if root == "" {
		if text := rootFromText(f.description.raw); text != "" {
			root = text
		}
	}
	if root != "" {
		r.add(root)
	}
	if !known {
		if root == "" && status >= 300 {
			r.add(rootFromStatus(status, r.Endpoint))
		}
		if f.err.kind == kindString {
			r.add(UnrecognizedError)
		}
	}
	if status >= 200 && status < 300 {
		r.add(ErrorInSuccessStatus)
	}
	if f.err.kind != kindString {
		r.add(NonstandardErrorShape)
	}
	switch {
	case f.format == formatForm:
		r.add(FormEncodedResponse)
	case f.format == formatJSON && !isJSONMediaType(mt):
		r.add(WrongContentType)
	}
}

// classifyBareFailure handles a non-2xx answer with no OAuth error field.
// The status gives the root cause unless a message names a better one.
func classifyBareFailure(r *Result, f *oauthFields, body decodedBody, status int) {
	root := rootFromStatus(status, r.Endpoint)
	switch f.format {
	case formatHTML:
		// A page from a proxy, CDN or WAF: 400/401/403 there say nothing
		// about the OAuth exchange, which never reached the server.
		if status == 400 || status == 401 || status == 403 {
			root = ""
		}
	case formatJSON:
		if text := rootFromText(f.message.raw); text != "" && status < 500 {
			root = text
		}
	case formatText:
		if text := rootFromText(body.b); text != "" && status < 500 {
			root = text
		}
	}
	r.add(root)
	switch f.format {
	case formatEmpty:
		r.add(EmptyBody)
	case formatHTML:
		r.add(HTMLErrorPage)
	case formatJSON:
		r.add(NonstandardErrorShape)
	case formatBadJSON:
		if !body.truncated {
			r.add(NotJSON)
		}
	case formatText, formatForm:
		r.add(NotJSON)
	}
}

// checkTokenSuccess applies RFC 6749 §5.1 and its extensions.
func checkTokenSuccess(r *Result, f *oauthFields, req *Request, resp *Response, opts *Options) {
	grant, _ := formValue(req.Body, "grant_type")
	grant = unescapeForm(grant)

	if !f.accessToken.nonEmptyString() {
		r.add(MissingAccessToken)
	}
	switch {
	case !f.tokenType.nonEmptyString():
		r.add(MissingTokenType)
	case !opts.acceptsTokenType(f.tokenType.raw):
		r.add(BadTokenType)
	}
	checkExpiresIn(r, f.expiresIn)
	if string(grant) == grantTokenExchange && !f.issuedTokenType.nonEmptyString() {
		r.add(MissingIssuedTokenType)
	}

	requested, _ := formValue(req.Body, "scope")
	if indexByte(requested, '%') >= 0 {
		requested = unescapeForm(requested)
	}
	granted := f.scope.raw
	if f.format == formatForm {
		if indexByte(granted, '%') >= 0 {
			granted = unescapeForm(granted)
		}
	} else {
		granted = unescapeJSON(granted)
	}
	if f.format == formatForm {
		// GitHub separates scopes with commas in form bodies.
		granted = commasToSpaces(granted)
	}
	wantsOpenID := containsField(requested, openid) || (f.scope.kind == kindString && containsField(granted, openid))
	if wantsOpenID && !f.idToken.nonEmptyString() && string(grant) != grantRefreshToken &&
		string(grant) != grantClientCredentials && string(grant) != grantTokenExchange {
		r.add(MissingIDToken)
	}
	if len(requested) > 0 && f.scope.kind == kindString {
		if !subsetFields(requested, granted) {
			r.add(ScopeNarrowed)
		}
		if !subsetFields(granted, requested) {
			r.add(ScopeWidened)
		}
	}
	if !hasNoStore(resp.Header) && f.accessToken.present() {
		r.add(MissingNoStore)
	}
}

func commasToSpaces(b []byte) []byte {
	if indexByte(b, ',') < 0 {
		return b
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c == ',' {
			c = ' '
		}
		out[i] = c
	}
	return out
}

// checkExpiresIn: RFC 6749 §5.1 defines expires_in as seconds; a positive
// JSON integer. A quoted number is a common, tolerated deviation.
func checkExpiresIn(r *Result, v value) {
	switch v.kind {
	case kindNone, kindNull:
	case kindNumber:
		if !positiveInteger(v.raw) {
			r.add(BadExpiresIn)
		}
	case kindString:
		if positiveInteger(v.raw) {
			r.add(ExpiresInString)
		} else {
			r.add(BadExpiresIn)
		}
	default:
		r.add(BadExpiresIn)
	}
}

func positiveInteger(b []byte) bool {
	if len(b) == 0 || len(b) > 18 {
		return false
	}
	nonZero := false
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
		if c != '0' {
			nonZero = true
		}
	}
	return nonZero
}

func hasNoStore(h http.Header) bool {
	for _, v := range h["Cache-Control"] {
		if containsFold(v, "no-store") {
			return true
		}
	}
	return false
}

// classifyAuthorize checks the authorization endpoint's answer: a redirect
// carrying code or error (RFC 6749 §4.1.2), or a page.
func classifyAuthorize(r *Result, req *Request, resp *Response, opts *Options) {
	status := resp.Status
	if status >= 300 && status < 400 {
		loc := headerValue(resp.Header, "Location")
		u, err := url.Parse(loc)
		if err != nil || loc == "" {
			return
		}
		params := u.Query()
		if u.Fragment != "" {
			if frag, err := url.ParseQuery(u.Fragment); err == nil && (frag.Has("access_token") || frag.Has("error") || frag.Has("code") || frag.Has("id_token")) {
				params = frag
			}
		}
		if !params.Has("code") && !params.Has("error") && !params.Has("access_token") && !params.Has("id_token") {
			return // a hop to the login page, not the authorization response
		}
		if e := params.Get("error"); e != "" {
			f := oauthFields{format: formatJSON, err: value{raw: []byte(e), kind: kindString},
				description: value{raw: []byte(params.Get("error_description")), kind: kindString}}
			root, known := rootFromError(&f, EndpointAuthorize, status)
			if !known {
				root = UnrecognizedError
			}
			r.add(root)
		}
		wantState := requestParam(req, "state")
		if wantState != "" && params.Get("state") != wantState {
			r.add(StateMismatch)
		}
		if opts != nil && opts.Issuer != "" && params.Has("iss") &&
			strings.TrimSuffix(params.Get("iss"), "/") != opts.Issuer {
			r.add(IssuerMismatch)
		}
		return
	}
	if status < 400 {
		return // the login or consent page
	}
	body := decodeBody(resp, opts.maxBody())
	f := parseFields(body.b, MediaType(resp.Header), body.truncated)
	switch {
	case f.hasError():
		classifyError(r, &f, MediaType(resp.Header), status)
	case status >= 500:
		r.add(rootFromStatus(status, EndpointAuthorize))
		if f.format == formatHTML {
			r.add(HTMLErrorPage)
		}
	case f.format == formatHTML || f.format == formatText:
		// RFC 6749 §4.1.2.1: with a bad redirect_uri or client_id the server
		// must not redirect; it shows the user a page.
		switch root := rootFromText(body.b); {
		case root == RedirectURIMismatch:
			r.add(RedirectURIMismatch)
		case root == InvalidClient || containsFold(body.b, "client_id"):
			r.add(InvalidClient)
		default:
			r.add(rootFromStatus(status, EndpointAuthorize))
		}
	default:
		classifyBareFailure(r, &f, body, status)
	}
	if body.truncated {
		r.add(BodyTruncated)
	}
}

// classifyResource labels a resource server's OAuth errors (RFC 6750 §3).
// Other failures of the resource server are not OAuth's business and get
// no cause.
func classifyResource(r *Result, req *Request, resp *Response, opts *Options) {
	status := resp.Status
	if status < 400 || status >= 500 {
		return
	}
	ch := oauthChallenge(resp.Header["Www-Authenticate"])
	if ch.errorCode != "" {
		if c, ok := errorCodes[ch.errorCode]; ok {
			r.add(adjustForEndpoint(c, EndpointResource))
		} else {
			r.add(UnrecognizedError)
		}
		return
	}
	sentToken := hasCredentials(req)
	if status == 401 {
		if sentToken {
			r.add(InvalidToken)
		} else {
			r.add(MissingToken)
		}
		if !ch.found {
			r.add(MissingWWWAuthenticate)
		}
		return
	}
	if ch.found && status == 403 {
		r.add(InsufficientScope)
		return
	}
	// A JSON error body without a challenge (some APIs): use it if OAuth.
	if status == 403 || status == 400 {
		body := decodeBody(resp, opts.maxBody())
		f := parseFields(body.b, MediaType(resp.Header), body.truncated)
		if f.err.kind == kindString {
			if c, ok := errorCodes[string(f.err.raw)]; ok && (c == InvalidToken || c == InsufficientScope || c == InvalidRequest) {
				r.add(c)
			}
		}
	}
}

func hasCredentials(req *Request) bool {
	if authz := headerValue(req.Header, "Authorization"); hasPrefixFold(authz, "Bearer ") || hasPrefixFold(authz, "DPoP ") {
		return true
	}
	_, ok := queryValue(req.RawQuery, "access_token")
	return ok
}

// requestParam reads a parameter from the query or a form body.
func requestParam(req *Request, name string) string {
	if v, ok := queryValue(req.RawQuery, name); ok {
		s, err := url.QueryUnescape(v)
		if err != nil {
			return v
		}
		return s
	}
	if isFormRequest(req.Header) {
		if v, ok := formValue(req.Body, name); ok {
			return string(unescapeForm(v))
		}
	}
	return ""
}

// PublicClientID returns the client_id the request names, from the form,
// the query or the Basic username (RFC 6749 §2.3.1). Client ids are public;
// the secret beside them is never read.
func PublicClientID(req *Request) string {
	if isFormRequest(req.Header) {
		if v, ok := formValue(req.Body, "client_id"); ok && len(v) > 0 {
			return string(unescapeForm(v))
		}
	}
	if id := requestParam(req, "client_id"); id != "" {
		return id
	}
	authz := headerValue(req.Header, "Authorization")
	if !hasPrefixFold(authz, "Basic ") {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(authz[len("Basic "):]))
	if err != nil {
		return ""
	}
	user := raw
	if i := indexByte(raw, ':'); i >= 0 {
		user = raw[:i]
	} else {
		return "" // not user:password; say nothing rather than echo it
	}
	if id, err := url.QueryUnescape(string(user)); err == nil {
		return id
	}
	return string(user)
}

// LabelSafe admits identifiers that are short, printable and free of
// separators, so a hostile client_id can neither flood nor split analytics
// tags and log fields.
func LabelSafe(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '@'
		if !ok {
			return false
		}
	}
	return true
}

func isFormRequest(h http.Header) bool {
	return MediaType(h) == "application/x-www-form-urlencoded"
}

// MediaType returns the lowercased media type without parameters, without
// allocating for the common exact values.
func MediaType(h http.Header) string {
	ct := headerValue(h, "Content-Type")
	if ct == "" {
		return ""
	}
	// Fast path for the common exact values.
	switch ct {
	case "application/json", "application/x-www-form-urlencoded", "text/html":
		return ct
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	for i := 0; i < len(ct); i++ {
		if 'A' <= ct[i] && ct[i] <= 'Z' {
			if mt, _, err := mime.ParseMediaType(ct); err == nil {
				return mt
			}
			return strings.ToLower(ct)
		}
	}
	return ct
}

func isJSONMediaType(mt string) bool {
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}
