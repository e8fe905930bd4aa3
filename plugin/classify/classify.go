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
	var r Result
	r.Endpoint = detectRequest(req, resp.Status, resp.Header, opts, &r.Why)
	classifyDetected(&r, req, resp, opts)
	return r
}

// ClassifyAs classifies the response as one from the given endpoint kind.
func ClassifyAs(endpoint Endpoint, req *Request, resp *Response, opts *Options) Result {
	d := Detection{Endpoint: endpoint}
	d.Why.evidence("given", string(endpoint))
	return ClassifyDetected(&d, req, resp, opts)
}

// ClassifyDetected classifies the response of an exchange DetectExchange
// placed. When it placed nothing and NeedsBody holds, the body decides.
func ClassifyDetected(d *Detection, req *Request, resp *Response, opts *Options) Result {
	r := Result{Endpoint: d.Endpoint, Why: d.Why}
	classifyDetected(&r, req, resp, opts)
	return r
}

func classifyDetected(r *Result, req *Request, resp *Response, opts *Options) {
	if (r.Endpoint == EndpointNone || r.Endpoint == "") && (NeedsBody(resp.Status) || r.Why.candidate) && !resp.Unread {
		body := decodeBody(resp, opts.maxBody())
		f := parseFields(body.b, MediaType(resp.Header), body.truncated)
		r.Endpoint = detectFromBody(&f, body.b, resp.Status, resp.Header, &r.Why)
		if r.Endpoint == EndpointNone && resp.Status >= 400 && !r.Why.exchange && !req.GatewayKeyed &&
			!placeholderToken(trimSpace(headerValue(req.Header, "Authorization"))) {
			// A refusal to a call that carried an Authorization header of
			// any scheme, whose body named no token call (OneSignal's
			// "Key os_v2_…" beside an app_id): the API refused it.
			r.Why.evidence("credentials", "Authorization")
			r.Endpoint = EndpointResource
		}
		if r.Endpoint == EndpointNone && (resp.Status == 403 || resp.Status == 400) && !req.GatewayKeyed && !r.Why.exchange &&
			speaksOfCredentials(&f, body.b, resp.Status) && !sentCredentials(req, resp.Status) {
			// Refused with no credential in sight, in words about one, and
			// not by a gateway that took one: the API wanted a credential
			// (Jenkins' "Authentication required", Flagsmith's "Invalid or
			// missing Environment Key").
			r.Why.evidence("response field", "credential words")
			r.Endpoint = EndpointResource
		}
	}
	if r.Endpoint == EndpointResource && resp.Status < 300 && resp.Status != 204 && !resp.Unread && placedByCredentials(&r.Why) &&
		req.Method == http.MethodPost && isJSONMediaType(MediaType(resp.Header)) &&
		(headerValue(resp.Header, "Content-Encoding") != "" || indexFold(resp.Body, `"access_token"`) >= 0) {
		// A key traded for an access token (Deepgram's POST /v1/auth/grant
		// with its API key): the answer's own shape says token call.
		body := decodeBody(resp, opts.maxBody())
		if f := parseFields(body.b, MediaType(resp.Header), body.truncated); f.accessToken.nonEmptyString() && f.expiresIn.present() {
			r.Endpoint = EndpointToken
			r.Why.evidence("response field", "access_token")
		}
	}
	if r.Endpoint == EndpointResource && resp.Status < 300 && !resp.Unread && placedByCredentials(&r.Why) &&
		newRequestParams(req).has(pToken) {
		// A token posted or queried with the caller's own credentials
		// (Fitbit's and Kick's introspection take a Bearer): an
		// introspection if the answer says whether the token is active.
		body := decodeBody(resp, opts.maxBody())
		if f := parseFields(body.b, MediaType(resp.Header), body.truncated); f.active.kind == kindBool {
			r.Endpoint = EndpointIntrospect
			r.Why.evidence("response field", "active")
		}
	}
	if r.Endpoint == EndpointToken {
		params := newRequestParams(req)
		// An OAuth 1.0a access-token call trades its request token
		// (RFC 5849 §2.3): a token refused there is the grant.
		r.tokenGrant = params.has(pRefreshToken | pSubjectToken | pAccessToken | pFBExchangeToken | pToken)
		last, prev := lastSegments(req.Path)
		refreshPath := sessionRefresh(last, prev)
		r.tokenGrant = r.tokenGrant || refreshPath && sentCredentials(req, resp.Status) || graphQLRefresh(req)
		// A login sending HTTP Basic and nothing else (Apache Syncope's
		// /accessTokens/login): the user's credentials, not a client's.
		basicLogin := params.set == 0 && req.RawQuery == "" &&
			hasPrefixFold(trimSpace(headerValue(req.Header, "Authorization")), "basic ") && loginPath(req.Path)
		r.passwordLogin = params.has(pPassword) || basicLogin || graphQLLogin(req) && graphQLPassword(req)
		if jsonBody(req.Body) && params.has(pGrantType) {
			// An unregistered grant type in JSON was read and refused
			// (Ed-Fi Meadowlark's "'grant_type' property must be equal to
			// one of the allowed values" to "wrong").
			g, _ := memberString(req.Body, "grant_type")
			r.jsonGrant = registeredGrant(string(g.raw))
		}
		r.clientAuth = params.has(pClientID|pClientSecret|pClientAssertion|pSecret) ||
			hasPrefixFold(trimSpace(headerValue(req.Header, "Authorization")), "basic ") && !basicLogin
		r.assertionAuth = params.has(pClientAssertion)
		if resp.Status >= 300 { // errors only
			r.tokenGrant = r.tokenGrant || oauth1Token(req) || stsFederationCall(req)
			r.clientGrant = grantIs(req, grantClientCredentials)
			r.codeGrant = params.has(pCode) && (grantIs(req, grantAuthorizationCode) || !params.has(pGrantType))
			r.refreshAsked = grantIs(req, grantRefreshToken) || refreshPath
			r.refreshGrant = params.has(pRefreshToken) && r.refreshAsked
			_, inBody := formValue(req.Body, "grant_type")
			qg, inQuery := queryValue(req.RawQuery, "grant_type")
			// An unregistered grant type in the query was read and refused
			// (Tencent EIAM's "invalid grant_type" to grant_type=refresh).
			r.queryGrant = !inBody && inQuery && registeredGrant(qg) && !r.jsonGrant
			g, _ := formValue(req.Body, "grant_type")
			r.apiKeyGrant = containsFold(g, "apikey")
			r.formGrant = len(g) > 0 && isFormRequest(req.Header)
			r.bodyUnread = req.Method == "POST" && (skipSpace(req.Body, 0) >= len(req.Body) && req.RawQuery == "" && !headerCredentials(req) ||
				len(req.Body) > 0 && headerValue(req.Header, "Content-Type") == "")
		}
		r.devicePoll = params.has(pDeviceCode) || containsFold(req.Path, "device") && params.has(pCode) ||
			containsFold(req.RawQuery, "device_code") || containsFold(req.Body, "grant-type:device_code")
	}
	if r.Endpoint == EndpointRevoke || r.Endpoint == EndpointIntrospect {
		// RFC 7009 §2.1 and RFC 7662 §2.1 authenticate the client as the
		// token endpoint does.
		r.clientAuth = newRequestParams(req).has(pClientID|pClientSecret|pClientAssertion) ||
			hasPrefixFold(trimSpace(headerValue(req.Header, "Authorization")), "basic ")
	}
	switch r.Endpoint {
	case EndpointNone, "":
		r.Endpoint = EndpointNone
		r.Verdict = VerdictOK
		return
	case EndpointAuthorize:
		classifyAuthorize(r, req, resp, opts)
	case EndpointResource:
		classifyResource(r, req, resp, opts)
	default:
		classifyJSONEndpoint(r, req, resp, opts)
	}
	var suppress map[Code]bool
	if opts != nil {
		suppress = opts.Suppress
		if opts.ObserveRisks {
			observeRisks(r, req, resp, opts)
		}
	}
	r.finish(suppress)
}

// speaksOfCredentials reports an error body whose words are about a token
// or key: missing, refused or short of a permission.
func speaksOfCredentials(f *oauthFields, body []byte, status int) bool {
	var p *Phrase
	switch f.format {
	case formatJSON, formatJSONArray:
		p = phraseFirst(f, EndpointResource)
	case formatHTML, formatText:
		p = phraseMatch(body[:min(len(body), authorizePagePeek)], EndpointResource)
	}
	if status == 400 {
		// A 400 is any validation error: only words saying no token was
		// sent ("no bearer header") place it at a resource.
		return p != nil && p.Cause == MissingToken
	}
	return p != nil && (p.Cause == MissingToken || p.Cause == InvalidToken || p.Cause == InsufficientScope)
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
		r.add(statusRoot(r, resp))
		r.add(NotJSON)
		return
	}
	if body.opaque || resp.Unread {
		switch {
		case resp.Status >= 300:
			r.add(statusRoot(r, resp))
		case resp.Unread && mt != "" && !isJSONMediaType(mt) && mt != "application/x-www-form-urlencoded":
			r.add(NotJSON) // an event stream where JSON belongs
		}
		return
	}
	f := parseFields(body.b, mt, body.truncated)
	success := resp.Status >= 200 && resp.Status < 300

	if f.hasError() || (f.vendor.errorish || f.okFalse) && !f.accessToken.present() ||
		success && !f.accessToken.present() && !f.altToken.present() && refusalCode(&f) {
		classifyError(r, &f, mt, resp)
		return
	}
	if f.partial {
		if !success {
			r.add(statusRoot(r, resp))
		}
		return // what is missing may lie past the cap
	}
	if !success {
		classifyBareFailure(r, &f, body, resp)
		return
	}
	if r.Endpoint == EndpointRevoke {
		return // RFC 7009 §2.2: any 200 body is fine.
	}
	if r.Endpoint == EndpointIntrospect && resp.Status == 204 && f.format == formatEmpty {
		// Curity answers JWT introspection (RFC 9701) of an inactive token
		// with 204 No Content: there is nothing to say about it.
		r.add(InactiveToken)
		r.Why.rule("introspect_204", "status", "")
		return
	}
	switch f.format {
	case formatEmpty:
		r.add(EmptyBody)
		return
	case formatHTML, formatText:
		if !jsonScalar(body.b) {
			classifyPage(r, body.b, resp, f.format)
			return
		}
		// A JSON string or number (Magento's "token" as the whole body):
		// JSON, but no object holds the fields a client reads.
		f = oauthFields{format: formatJSON}
		if !isJSONMediaType(mt) {
			defer r.add(WrongContentType)
		}
	case formatBadJSON:
		if !body.truncated {
			r.add(NotJSON)
		}
		return
	case formatJSONArray:
		r.add(NotJSON)
		return
	case formatForm:
		r.add(FormEncodedResponse)
	case formatJSON:
		if !isJSONMediaType(mt) {
			// After the field checks: a success with no access_token is
			// broken first, mislabelled second (Alipay's text/html JSON).
			defer r.add(WrongContentType)
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
func classifyError(r *Result, f *oauthFields, mt string, resp *Response) {
	status := resp.Status
	root, known := chooseRoot(r, f, resp)
	if root == "" && status >= 300 {
		root = statusRoot(r, resp)
	}
	switch {
	case unreadRequest(r, root, status):
		root = InvalidRequest
	case status == 429 && root == TemporarilyUnavailable:
		// "Please retry" in a 429 is the rate limit's advice (RFC 6585 §4).
		root = RateLimited
		r.Why.rule("status_429", "status", "")
	case status >= 500 && root != ServerError && root != TemporarilyUnavailable && saysServerFailed(f):
		// A 5xx whose words say the server failed: the code beside them
		// (athenahealth's invalid_client) is the server's guess, not the cause.
		root = ServerError
		r.Why.rule("server_failed", "error_description", "")
	}
	r.add(transient(r, root, resp))
	if !known && f.err.kind == kindString && SeverityOf(root) != SeverityInfo {
		r.add(UnrecognizedError) // words that name a polling state are understood
	}
	if status >= 200 && status < 300 && SeverityOf(root) != SeverityInfo {
		// GitHub polls the device flow with 200: normal, not broken.
		r.add(ErrorInSuccessStatus)
	}
	if f.err.kind != kindString {
		r.add(NonstandardErrorShape)
	}
	switch {
	case f.jsonp:
		r.add(NotJSON)
	case f.format == formatForm:
		r.add(FormEncodedResponse)
	case f.format == formatJSON && !isJSONMediaType(mt):
		r.add(WrongContentType)
	}
}

// headerCredentials: the request authenticates in its headers (Basic,
// an API key header), as token APIs with an empty body do (Azure AI
// services' issueToken, Bitly's Basic login).
func headerCredentials(req *Request) bool {
	if headerValue(req.Header, "Authorization") != "" {
		return true
	}
	for name := range req.Header {
		if keyHeaderName(name) {
			return true
		}
	}
	return false
}

// unreadRequest turns the complaint of a server that could not read the
// request into the malformed request it is: a grant_type sent in JSON
// said to be missing or unsupported (RFC 6749 §4.1.3 wants a form), or a
// client "not found" in a form sent without its Content-Type or with no
// body at all (Bungie's "Cannot parse client_id").
func unreadRequest(r *Result, root Code, status int) bool {
	if status < 400 || status >= 500 {
		return false
	}
	switch {
	case r.jsonGrant && (root == UnsupportedGrantType || root == InvalidRequest):
		r.Why.rule("json_body", "request body", "")
	case r.bodyUnread && (root == InvalidClient || root == UnsupportedGrantType):
		r.Why.rule("body_unread", "request body", "")
	default:
		return false
	}
	return true
}

// saysServerFailed reports whether an error's words say the server itself
// failed, not the request.
func saysServerFailed(f *oauthFields) bool {
	for _, v := range [...]value{f.description, f.message} {
		if v.kind != kindString {
			continue
		}
		for _, w := range [...]string{"unexpected error", "internal error", "internal server error", "something went wrong", "unexpected exception"} {
			if containsFold(v.raw, w) {
				return true
			}
		}
	}
	return false
}

// statusRoot is the root cause the status alone gives.
func statusRoot(r *Result, resp *Response) Code {
	if resp.Status == 401 && r.passwordLogin && !r.clientAuth {
		// A password login that named no client (Docker Hub's): the 401
		// can only be about the user's credentials.
		r.Why.rule("password_login_401", "status", "")
		return InvalidGrant
	}
	if resp.Status == 401 && r.refreshAsked && r.Endpoint == EndpointToken {
		r.Why.rule("refresh_401", "status", "")
		return InvalidGrant
	}
	r.Why.rule("status", "status", "")
	return transient(r, rootFromStatus(resp.Status, r.Endpoint), resp)
}

// transient turns a server error the server says will pass into
// temporarily_unavailable: a 503, or any 5xx with Retry-After (RFC 9110
// §10.2.3).
func transient(r *Result, root Code, resp *Response) Code {
	if ra := headerValue(resp.Header, "Retry-After"); root == ServerError && resp.Status >= 500 &&
		(resp.Status == 503 || resp.Status == 504 || ra != "" && ra != "0") {
		r.Why.rule("retry_after", "status", "")
		return TemporarilyUnavailable
	}
	return root
}

// classifyBareFailure handles a non-2xx answer with no OAuth error field.
// A vendor code or message outranks the status, except that a 5xx stays a
// server fault unless the words say it will pass.
func classifyBareFailure(r *Result, f *oauthFields, body decodedBody, resp *Response) {
	status := resp.Status
	switch f.format {
	case formatHTML, formatText:
		classifyPage(r, body.b, resp, f.format)
		return
	case formatJSON, formatJSONArray:
		root, _ := chooseRoot(r, f, resp)
		byCode := r.Why.Rule == "vendor_code" || r.Why.Rule == "error_code"
		if root == "" || status >= 500 && root != TemporarilyUnavailable && root != RateLimited && !byCode {
			// A 5xx stays a server fault unless a code in the body names
			// the cause (Keyrock's 500 {"name":"invalid_grant",…}).
			root = statusRoot(r, resp)
		}
		if root == InvalidRequest && r.Why.Rule == "status" && status == 400 && r.passwordLogin && !r.clientAuth &&
			r.Endpoint == EndpointToken && saysBad(f) {
			// "wrong auth data" to a login that sent only the user's
			// credentials: what was wrong can only be theirs.
			root = InvalidGrant
			r.Why.rule("password_login_bad", "status", "")
		}
		if r.bodyUnread && unreadRequest(r, root, status) {
			root = InvalidRequest
		}
		// A device poll's state in a vendor shape (RomM's {"detail":
		// "authorization_pending"}) is still that state; the shape comes
		// second.
		r.pinRoot = root == AuthorizationPending || root == SlowDown
		if r.Why.Rule == "status" && status == 400 && !f.message.present() && !f.description.present() &&
			!f.vendor.msg.present() && f.vendor.n == 0 {
			// {"status":400} and nothing else (HSBC in an outage): like an
			// empty 400, the status names no cause the client could act
			// on; the shape is what is wrong.
			r.Why.rule("status_only_400", "status", "")
			root = ""
		}
		r.add(root)
		r.add(NonstandardErrorShape)
		return
	}
	if c := emptyDevicePoll(r, f, status); c != "" {
		r.add(c)
		return
	}
	if status == 400 && f.format == formatEmpty && r.codeGrant {
		// An empty 400 to a code exchange: of what the request carries,
		// the code is what fails in practice (single-use, short-lived,
		// bound to the verifier and redirect_uri, RFC 6749 §4.1.2).
		r.add(InvalidGrant)
		r.add(EmptyBody)
		r.Why.rule("empty_400_code", "status", "")
		return
	}
	if status == 400 && f.format == formatEmpty {
		// RFC 6749 §5.2 answers a 400 with an error body; without one the
		// status alone names no cause the client could act on (401 still
		// says "client authentication", RFC 6749 §5.2).
		r.add(EmptyBody)
		r.Why.rule("empty_400", "status", "")
		return
	}
	r.add(statusRoot(r, resp))
	switch f.format {
	case formatEmpty:
		r.add(EmptyBody)
	case formatBadJSON:
		if !body.truncated {
			r.add(NotJSON)
		}
	case formatForm:
		r.add(NotJSON)
	}
}

// emptyDevicePoll reads a device-flow poll answered with a status and no
// body (Trakt): 400 is the poll's usual "not yet", 429 the polling rate
// limit that RFC 8628 §3.5 calls slow_down, 410 Gone an expired device code.
func emptyDevicePoll(r *Result, f *oauthFields, status int) Code {
	if !r.devicePoll || f.format != formatEmpty {
		return ""
	}
	var c Code
	switch status {
	case 400:
		c = AuthorizationPending
	case 429:
		c = SlowDown
	case 410:
		c = ExpiredToken
	default:
		return ""
	}
	r.Why.rule("device_poll_status", "status", "")
	return c
}

// classifyPage handles an HTML or plain-text page where OAuth JSON
// belongs. A page from an edge (CDN, WAF, proxy, load balancer) is the
// edge's answer: the request never reached the authorization server. The
// IdP's own error pages name the OAuth cause in their words.
func classifyPage(r *Result, page []byte, resp *Response, format int) {
	status := resp.Status
	edge := edgeOf(resp.Header, page)
	if status == 401 && (r.Endpoint == EndpointToken || r.Endpoint == EndpointRevoke || r.Endpoint == EndpointIntrospect) && basicChallenge(resp.Header["Www-Authenticate"]) && !edge.byPage && !edge.challenge {
		// RFC 6749 §5.2: a client that authenticated with HTTP Basic and
		// failed gets 401 with a Basic challenge, here with a framework's
		// page ("HTTP Basic: Access denied.") in place of JSON, whatever
		// proxy's Server header came with it.
		r.Why.rule("basic_challenge_401", "WWW-Authenticate", "")
		addWithPage(r, InvalidClient, format)
		return
	}
	var phrase *Phrase
	var literal string
	if c, ok := xmlErrorCode(page); ok && status >= 400 && status < 500 && !containsFold(page[:min(len(page), 1024)], "<html") {
		// An XML error naming its code (AWS STS's InvalidIdentityToken).
		r.add(r.adjust(c, status))
		r.Why.rule("xml_error_code", "page", "")
		r.add(NotJSON)
		return
	}
	if c, ok := oauthProblem(page); ok && status >= 400 && status < 500 {
		// An OAuth 1.0a server's page carrying oauth_problem=…: a code.
		r.Why.rule("oauth_problem", "page", "")
		addWithPage(r, r.adjust(c, status), format)
		return
	}
	if status >= 400 && status < 500 && status != 429 && !edge.byPage {
		if phrase = phraseMatch(page, r.Endpoint); phrase == nil {
			literal = pageErrorCode(page)
		}
	} else if status >= 500 && r.Endpoint == EndpointAuthorize && edge.name == "" {
		// The IdP's own error page, sent with 500 (FranceConnect's
		// "invalid_client" page): a code it spells out names the cause; its
		// words alone do not (a stack trace has words).
		if c := pageErrorCode(page); c != "" && c != "server_error" && c != "temporarily_unavailable" {
			literal = c
		}
	}
	var root Code
	switch {
	case phrase != nil:
		root = adjustForEndpoint(phrase.Cause, r.Endpoint)
		r.Why.rule(phrase.Rule, "page", phrase.firstTerm(page))
	case literal != "":
		// The IdP's page names the RFC error ("Error 403: access_denied").
		root = adjustForEndpoint(errorCodes[literal], r.Endpoint)
		r.Why.rule("page_error_code", "page", literal)
	case edge.name != "":
		r.Why.rule("edge_page", "page", edge.name)
		switch {
		case edge.challenge:
			root = EdgeBlocked // a block or challenge page, whatever its status
		case status == 429:
			root = RateLimited
		case status >= 500:
			root = transient(r, ServerError, resp)
		case status == 404 || status == 405 || status >= 300 && status < 400:
			root = UnexpectedStatus
		case status >= 400 || edge.challenge:
			root = EdgeBlocked
		}
	case status >= 400:
		switch status {
		case 403:
			// An authorization server answers JSON; an HTML refusal comes
			// from what stands in front of it.
			root = EdgeBlocked
			r.Why.rule("html_403", "status", "")
		default:
			root = statusRoot(r, resp)
		}
	case status >= 300:
		root = statusRoot(r, resp)
	default:
		root = HTMLErrorPage // a 2xx page where JSON belongs: a login page, most often
		if format != formatHTML {
			root = NotJSON
		}
	}
	r.add(root)
	switch {
	case r.Endpoint == EndpointAuthorize && edge.name == "" && root != "":
		// RFC 6749 §4.1.2.1: the IdP's page is the expected channel there.
	case format == formatHTML:
		r.add(HTMLErrorPage)
	default:
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
	// OpenID Connect Core §3.1.3.3: only the authorization-code grant must
	// return an id_token; GitHub-style exchanges send code without grant_type.
	codeGrant := string(grant) == grantAuthorizationCode || len(grant) == 0 && newRequestParams(req).has(pCode)
	if wantsOpenID && !f.idToken.nonEmptyString() && codeGrant {
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

// toRedirectURI reports whether an authorize redirect goes to the
// redirect_uri the request named (or the request named none). Elsewhere it
// is the IdP's own error page (RFC 6749 §4.1.2.1: never redirect to an
// invalid redirect_uri, as Hydra does), which carries no state.
func toRedirectURI(req *Request, loc *url.URL) bool {
	want, err := url.Parse(requestParam(req, "redirect_uri"))
	if err != nil || want.Host == "" || loc.Host == "" {
		return true
	}
	return strings.EqualFold(want.Scheme, loc.Scheme) && strings.EqualFold(want.Host, loc.Host) && want.Path == loc.Path
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
	if e := requestParam(req, "error"); e != "" && requestParam(req, "state") != "" && requestParam(req, "response_type") == "" {
		// The client's redirect URI received an error from the IdP: that
		// error is the root, whatever the client's own page says.
		f := oauthFields{format: formatJSON, err: value{raw: []byte(e), kind: kindString},
			description: value{raw: []byte(requestParam(req, "error_description")), kind: kindString}}
		if root, known := chooseRoot(r, &f, resp); root != "" {
			r.add(root)
			if !known {
				r.add(UnrecognizedError)
			}
		} else {
			r.add(UnrecognizedError)
			r.Why.rule("callback_error", "request error", "")
		}
		return
	}
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
		errParam, descParam := "error", "error_description"
		if params.Has("oauthErrorCode") { // WSO2's hosted error page
			errParam, descParam = "oauthErrorCode", "oauthErrorMsg"
		}
		if params.Has("oauth_exception") { // LiveChat's hosted error page
			errParam, descParam = "oauth_exception", "exception_details"
		}
		if !params.Has("code") && !params.Has(errParam) && !params.Has("access_token") && !params.Has("id_token") {
			return // a hop to the login page, not the authorization response
		}
		if e := params.Get(errParam); e != "" {
			desc := params.Get(descParam)
			if desc == "" {
				desc = params.Get("message") // Tink: error=TEMPORARY_ERROR&message=…
			}
			if hint := params.Get("error_hint"); hint != "" {
				// fosite (Ory Hydra) puts what went wrong in error_hint,
				// beside RFC 6749's boilerplate description.
				desc += " " + hint
			}
			f := oauthFields{format: formatJSON, err: value{raw: []byte(e), kind: kindString},
				description: value{raw: []byte(desc), kind: kindString}}
			root, known := chooseRoot(r, &f, resp)
			r.add(root)
			if !known || root == "" {
				r.add(UnrecognizedError) // the words named the root; the code is still unknown
			}
		}
		wantState := requestParam(req, "state")
		if wantState != "" && params.Get("state") != wantState && toRedirectURI(req, u) {
			r.add(StateMismatch)
		}
		if opts != nil && opts.Issuer != "" && params.Has("iss") &&
			strings.TrimSuffix(params.Get("iss"), "/") != opts.Issuer {
			r.add(IssuerMismatch)
		}
		return
	}
	if status < 400 {
		// The login or consent page; or the IdP's page saying it will not
		// redirect to this redirect URI (Wix's "The redirect url doesn't
		// match", Facebook's "URL Blocked"), sent with 200.
		if status >= 200 && !resp.Unread {
			body := decodeBody(resp, min(opts.maxBody(), authorizePagePeek))
			if f := parseFields(body.b, MediaType(resp.Header), body.truncated); f.format == formatHTML || f.format == formatText {
				if code, desc, ok := attributeError(body.b); ok {
					// Spring Security OAuth's "OAuth Error" page, sent with
					// 200: error="invalid_client", error_description="…".
					af := oauthFields{format: formatJSON, err: value{raw: code, kind: kindString}, description: value{raw: desc, kind: kindString}}
					root, _ := chooseRoot(r, &af, resp)
					r.add(root)
					r.add(HTMLErrorPage)
					return
				}
				if p := phraseMatch(body.b, EndpointAuthorize); p != nil && p.Cause == RedirectURIMismatch {
					r.add(RedirectURIMismatch)
					r.Why.rule(p.Rule, "page", p.firstTerm(body.b))
				}
			} else if f.format == formatJSON && (f.hasError() || f.vendor.errorish || f.okFalse || f.err.present()) && !f.accessToken.present() {
				// An authorization endpoint that answers its refusal as JSON
				// with 200 (Zalo's {"error_name":"Invalid redirect uri",
				// "error":-14003}): no redirect, and the words say why.
				classifyError(r, &f, MediaType(resp.Header), resp)
			}
		}
		return
	}
	body := decodeBody(resp, opts.maxBody())
	f := parseFields(body.b, MediaType(resp.Header), body.truncated)
	if f.hasError() {
		classifyError(r, &f, MediaType(resp.Header), resp)
	} else {
		// RFC 6749 §4.1.2.1: with a bad redirect_uri or client_id the
		// server must not redirect; it shows the user a page.
		classifyBareFailure(r, &f, body, resp)
	}
	if body.truncated {
		r.add(BodyTruncated)
	}
}

// authorizePagePeek is how much of an authorization endpoint's 2xx page
// is read for an IdP's refusal: its message sits near the top.
const authorizePagePeek = 16 << 10

// classifyResource labels a resource server's OAuth errors (RFC 6750 §3),
// in the challenge, the body (any dialect) or the status. Other failures
// of the resource server are not OAuth's business and get no cause.
func classifyResource(r *Result, req *Request, resp *Response, opts *Options) {
	status := resp.Status
	if status == 429 || status == 402 && sentCredentials(req, status) {
		// 402 Payment Required to a keyed call: its credits or quota are
		// spent (OpenRouter's, Musixmatch's), a limit like 429's.
		r.add(RateLimited)
		r.Why.rule("status", "status", "")
		return
	}
	if status >= 300 && status < 400 {
		// An API answering a token with a hop to the IdP's login page (an
		// ALB or a web framework's session auth): no API client follows it.
		if loc := headerValue(resp.Header, "Location"); loginRedirect(loc) {
			if !sentCredentials(req, status) && !acceptsHTML(req) {
				// An API call with no token sent to log in (Envoy's
				// oauth2 filter, Cloudflare Access): the token is missing.
				r.add(MissingToken)
			}
			r.add(UnexpectedStatus)
			r.Why.rule("login_redirect", "Location", "")
		} else if loc != "" && (status == 301 || status == 302) && req.Method != http.MethodGet && req.Method != http.MethodHead && !acceptsHTML(req) {
			// An API's write call moved with a redirect that clients turn
			// into a GET (RFC 9110 §15.4.2–3): the API moved or retired, and
			// the call's body is lost. A 303 is the answer's own place.
			r.add(UnexpectedStatus)
			r.Why.rule("write_redirect", "Location", "")
		}
		return
	}
	var body decodedBody
	var f oauthFields
	if !resp.Unread {
		body = decodeBody(resp, opts.maxBody())
		f = parseFields(body.b, MediaType(resp.Header), body.truncated)
		// An edge's own page in front of the resource server; not a 401
		// with a Bearer challenge, which is the token refused (RFC 6750
		// §3), whichever server's page carries it (Curity's phantom-token
		// nginx module).
		if (f.format == formatHTML || f.format == formatText) && !(status == 401 && oauthChallenge(resp.Header["Www-Authenticate"]).found) {
			// An identity-aware proxy (Google IAP) checks the caller's token
			// for the resource server: its refusal there is the token's.
			// An API manager's refusal named in its header is not an
			// edge's page.
			if edge := edgeOf(resp.Header, body.b); (edge.byPage || edge.challenge) && !edge.verifiesTokens() && !hasGatewayCode(resp.Header) {
				classifyPage(r, body.b, resp, f.format)
				return
			}
		}
	}
	if status < 300 && !resp.Unread && subsonicCall(req) {
		if c, ok := subsonicError(req, body.b); ok {
			r.add(c)
			r.add(ErrorInSuccessStatus)
			r.Why.rule("subsonic_error", "error code", "")
			return
		}
	}
	if status == 405 || status == 404 && oauthChallenge(resp.Header["Www-Authenticate"]).errorCode == "" && (routeMissing(body.b) || springNoHandler(&f, body.b)) {
		// A gateway's or framework's "no route" (3scale's "No Mapping Rule
		// matched", Kong's "no Route matched"), or a 405, the method refused
		// whatever its words (RFC 9110 §15.5.6): the call reached the wrong
		// place, which is the gateway's upstream or listen path, or the
		// client's method.
		r.add(UnexpectedStatus)
		r.Why.rule("route_missing", "body", "")
		return
	}
	if status == 410 {
		// The API or its version was retired (RFC 9110 §15.5.11:
		// Chroma's "The v1 API is deprecated"): no credential fixes that.
		r.add(UnexpectedStatus)
		r.Why.rule("gone_410", "status", "")
		return
	}
	if status >= 500 {
		classifyResourceFailure(r, &f, resp)
		return
	}
	sent := sentCredentials(req, status)
	r.bearerSent = schemeToken(req)
	r.clientHeaders = status >= 400 && clientSecretHeader(req)
	// vendorCarried: no credential this engine knows, but a query or body
	// that may carry one under a vendor's name (Misskey's JSON "i"): an
	// explicit invalid_token from the server is then believed.
	vendorCarried := !sent && headerValue(req.Header, "Authorization") == "" && carriesTokenLike(req)
	ch := oauthChallenge(resp.Header["Www-Authenticate"])
	if sent && basicInsteadOfBearer(req, ch, resp.Header["Www-Authenticate"], body.b) {
		// HTTP Basic (a client's id and secret, Postman's empty "Og==")
		// where the server asks for an access token: none was sent (Vimeo's
		// "No user credentials were provided", Product Hunt).
		sent = false
	}
	if ch.errorCode != "" && status >= 400 {
		r.Why.rule("challenge_error", "WWW-Authenticate", "")
		c, ok := errorCodes[ch.errorCode]
		if !ok {
			c, ok = lookupVendor([]byte(ch.errorCode))
		}
		if !ok {
			// Authlib's error="missing_authorization": an unregistered code
			// that reads as words.
			var buf [128]byte
			if words := codeWords([]byte(ch.errorCode), buf[:0]); words != nil {
				if p := phraseMatch(words, EndpointResource); p != nil && tokenOrScope(p.Cause) {
					c, ok = p.Cause, true
					r.Why.rule(p.Rule, "WWW-Authenticate error", p.firstTerm(words))
				}
			}
		}
		if !ok || c == statusWord {
			r.add(UnrecognizedError)
			return
		}
		if c == InvalidRequest && !sent && !vendorCarried {
			// RFC 6750 §3.1 sends no error code to a request with no
			// credential, but servers say invalid_request (tsidp's
			// "invalid Authorization header" to a call that sent none).
			c = MissingToken
			r.Why.rule("challenge_without_token", "WWW-Authenticate", "")
		} else if c == InvalidRequest && ch.description != "" {
			// The code gives the family, the description the root (Zettle's
			// error="invalid_request", error_description="ACCESS_TOKEN_EXPIRED").
			if p := challengeDescription(ch.description); p != nil && tokenOrScope(p.Cause) && p.Cause != InvalidClient {
				c = p.Cause
				r.Why.rule(p.Rule, "WWW-Authenticate error_description", "")
			}
		}
		r.add(resourceRoot(adjustForEndpoint(c, EndpointResource), sent || vendorCarried && c == InvalidToken))
		if status == 401 {
			return
		}
		return
	}
	var root Code
	if !resp.Unread {
		switch f.format {
		case formatJSON, formatJSONArray, formatForm:
			if status < 300 && !f.okFalse && !f.err.present() && !f.vendor.errorish && !(sent && messageSaysTokenError(&f)) && !vendorRefusal(&f) {
				return // a success: not Slack's or VK's error envelope
			}
			if c, _ := chooseRoot(r, &f, resp); tokenOrScope(c) || c == InvalidRequest && r.Why.Rule == "replay_guard" {
				root = c // a refused nonce is the request's, whatever the status
			}
			if root == InsufficientScope && status == 401 && (r.Why.Rule == "scope_missing" || r.Why.Rule == "not_permitted_here") &&
				credentialsBlamed(&f) {
				// A 401 whose generic "permission denied" sits beside words
				// blaming the credentials (SendGrid's "Permission denied,
				// wrong credentials", Mailjet's "your API key may be
				// expired"): RFC 6750 §3.1 sends a scope refusal as 403.
				root = InvalidToken
				r.Why.rule("credentials_401", r.Why.From, r.Why.Term)
			}
			if root == "" && status < 300 && f.requestFailed && !f.err.present() {
				// A GraphQL request that failed whole, with no words of the
				// token's: Apollo's FORBIDDEN is a 403 in words; otherwise
				// validation, complexity, a bad argument: the request.
				root = InvalidRequest
				if f.vendor.hasCode("FORBIDDEN") {
					root = embeddedStatusRoot(http.StatusForbidden, sent)
				}
				r.Why.rule("graphql_request_failed", "errors", "")
			}
			if root == "" && status < 300 && f.errorsListed && !f.err.present() {
				// Apollo's auth codes beside a partial result (Vendure's
				// FORBIDDEN with "data":{"me":null}): the field was refused
				// as a 403 or a 401 would refuse the call.
				if f.vendor.hasCode("FORBIDDEN") {
					root = embeddedStatusRoot(http.StatusForbidden, sent)
				} else if f.vendor.hasCode("UNAUTHENTICATED") {
					root = embeddedStatusRoot(http.StatusUnauthorized, sent)
				}
				if root != "" {
					r.Why.rule("graphql_auth_code", "errors", "")
				}
			}
			if root == "" && status < 300 && f.vendor.httpStatus != 0 {
				// A 200 whose body names its real status (Musixmatch's
				// header.status_code 401): that status speaks as the
				// response's own would.
				root = embeddedStatusRoot(f.vendor.httpStatus, sent)
				r.Why.rule("embedded_status", "status field", "")
			}
			if root == InvalidRequest && tokenInfoCall(req) && genericDescription(&f) {
				// A token-info call carries the token alone: a bare
				// invalid_request there is the token refused.
				root = InvalidToken
				r.Why.rule("token_info_400", "error", "")
			}
		case formatText, formatHTML:
			if c, ok := oauthProblem(body.b); ok && status >= 400 {
				root = adjustForEndpoint(c, EndpointResource)
				r.Why.rule("oauth_problem", "body", "")
			} else if p := phraseMatch(body.b, EndpointResource); p != nil && (tokenOrScope(p.Cause) && p.Cause != InvalidClient || p.Rule == "policy_denied") && status >= 400 {
				root = p.Cause
				r.Why.rule(p.Rule, "body", p.firstTerm(body.b))
			}
		}
	}
	if root == InvalidToken && status == 403 && sent && r.Why.Rule == "token_unauthorized" && !credentialsBlamed(&f) &&
		(r.Why.Term == "not authorized" || r.Why.Term == "unauthorized" || r.Why.Term == "not authorised" || r.Why.Term == "unauthorised") &&
		!containsFold(body.b, "token") && !containsFold(body.b, "key") && !containsFold(body.b, "credential") {
		// A bare "not authorized" in a 403 to a call with a token, naming
		// no credential (Woodpecker's "User not authorized" to a
		// non-admin; not Tyk's "Key not authorised"): the token was
		// accepted and lacks the right (RFC 6750 §3.1's 403).
		root = InsufficientScope
		r.Why.rule("not_authorized_403", r.Why.From, r.Why.Term)
	}
	switch {
	case (status == 401 || status == 403 && !req.GatewayKeyed && !vendorCarried && r.Why.From != "error") && root == InsufficientScope && !sent:
		// No token at all: what is missing is the token, not a scope
		// (Appwrite's "User (role: guests) missing scope", Nomad's
		// anonymous "Permission denied"). Behind a gateway that took
		// the key, the upstream's 403 is a permission.
		root = MissingToken
		r.Why.rule("scope_without_token", r.Why.From, r.Why.Term)
	}
	if root == InvalidRequest && status == 401 && !sent && !vendorCarried {
		// A 401 that calls the missing key a bad parameter (Pagar.me's
		// invalid_parameter "api_key está faltando"): the request had no
		// credential, which RFC 6750 §3.1 answers 401 for.
		root = MissingToken
		r.Why.rule("params_without_token", r.Why.From, r.Why.Term)
	}
	if root == MissingToken && sent && r.Why.Rule != "error_subject" && (r.Why.Rule != "token_absent" || schemeToken(req) ||
		authorizationToken(req) && containsFold(r.Why.Term, "credentials were not provided")) {
		// Generic "authentication required" with a token sent; and "no
		// credentials were provided" to a request whose Authorization
		// header carried a token: the server did not accept it (Django
		// REST framework says so of an expired token).
		root = InvalidToken
	}
	if (root == InvalidToken || r.Why.Rule == "policy_denied") && !sent && !(root == InvalidToken && vendorCarried) {
		root = MissingToken // no token was sent, so none can be invalid; a policy wanted one
	}
	if status < 300 {
		if root != "" {
			r.add(root)
			r.add(ErrorInSuccessStatus)
		} else if (f.err.present() || f.vendor.errorish || f.okFalse) && !f.dataFilled {
			// An error envelope in a 200 whose words name no cause: the
			// call failed all the same, and no client reads it as one.
			r.add(ErrorInSuccessStatus)
			r.Why.rule("error_envelope_200", "body", "")
		}
		return
	}
	switch {
	case root != "":
	case status == 401:
		root = resourceRoot(InvalidToken, sent)
		r.Why.rule("status", "status", "")
	case (status == 403 || status == 429) && rateLimitSpent(resp.Header):
		root = RateLimited // GitHub's secondary limits answer 403
		r.Why.rule("ratelimit_remaining", "X-RateLimit-Remaining", "")
	case status == 403 && ch.found:
		root = InsufficientScope
		r.Why.rule("challenge_403", "WWW-Authenticate", "")
	case status == 403 && acceptedScopesMissing(resp.Header):
		root = InsufficientScope
		r.Why.rule("accepted_scopes", "X-Accepted-OAuth-Scopes", "")
	case status >= 400 && hasGatewayCode(resp.Header):
		// The API manager in front named its refusal in a header
		// (Mashery's ERR_403_DEVELOPER_INACTIVE beside a one-line page).
		root, _ = headerCode(resp.Header)
		root = resourceRoot(root, sent)
		r.Why.rule("error_type_header", "X-Mashery-Error-Code", "")
		if i := skipSpace(body.b, 0); f.format == formatHTML || i < len(body.b) && body.b[i] == '<' {
			r.add(root)
			r.add(HTMLErrorPage) // "<h1>Developer Inactive</h1>"
			return
		}
	case status == 403 && f.format == formatHTML && markup(body.b) && resourceCredential(req, status) != "":
		// An HTML refusal to a token-bearing API call, with no challenge:
		// what stands in front of the API answered (Cloud Armor's bare
		// "403 Forbidden" page), not the resource server.
		root = EdgeBlocked
		r.Why.rule("html_403", "status", "")
		r.add(root)
		r.add(HTMLErrorPage)
		return
	case status == 403 && sent && resourceCredential(req, status) == "" && !req.GatewayKeyed &&
		!hasPrefixFold(trimSpace(headerValue(req.Header, "Authorization")), "basic "):
		// Only an API key was sent (DD-API-KEY, X-Api-Key, ?key=): keys
		// carry no scopes, and key APIs answer a bad key with 403. Basic
		// is refused with 401 (RFC 7617 §2); its 403 is a permission.
		root = InvalidToken
		r.Why.rule("forbidden_key", "status", "")
	case status == 400 && sent && credentialMalformed(req):
		// A 400 to a token sent two ways at once (RFC 6750 §2: "MUST NOT
		// use more than one method") or not as one b64token (§2.1):
		// passport-http-bearer's bare "Bad Request".
		root = InvalidRequest
		r.Why.rule("credential_malformed", "request", "")
	case status == 403 && sent:
		// A token was accepted and still refused: a permission the token
		// lacks, whatever words the server chose.
		root = InsufficientScope
		r.Why.rule("forbidden_with_token", "status", "")
	}
	// 406, 415 and 422 are a 400 narrowed: the answer or body format the
	// call asked for or sent, or a field it got wrong.
	malformed := status == 400 || status == 406 || status == 415 || status == 422
	if root == "" && malformed && (f.format == formatJSON || f.format == formatJSONArray) &&
		(f.err.present() || f.message.present() || f.vendor.errorish || f.vendor.msg.present() || f.description.present()) {
		switch {
		case tokenInfoCall(req) && status == 400:
			// A token-info call (Google's tokeninfo, /oauth/info) sends the
			// token and nothing else: its 400 is the token refused.
			root = InvalidToken
			r.Why.rule("token_info_400", "status", "")
		case sent:
			// A resource server's 400 is RFC 6750 §3.1's invalid_request:
			// the token passed, the request did not (a missing header or field).
			root = InvalidRequest
			r.Why.rule("resource_400", "status", "")
		}
	}
	if root == "" {
		if status >= 400 && f.format == formatHTML && wantsJSON(req) {
			// An application server's error page (JBoss, Jetty) to an API
			// call that asked for JSON.
			r.add(HTMLErrorPage)
			r.Why.rule("api_html_page", "page", "")
		}
		return
	}
	r.add(root)
	if status == 401 && !ch.found {
		r.add(MissingWWWAuthenticate)
	}
}

// classifyResourceFailure labels a resource server's 5xx: the client
// could not use the API, and the fault is the server's. A code in the body
// that names the token (ecobee's 500 with status 14, "token expired")
// outranks the status, as at the token endpoint; words that say the
// failure will pass, or a 503, make it temporarily_unavailable.
func classifyResourceFailure(r *Result, f *oauthFields, resp *Response) {
	if f.format == formatJSON || f.format == formatJSONArray {
		c, known := chooseRoot(r, f, resp)
		switch {
		case known && (c == ServerError || c == TemporarilyUnavailable):
			r.add(transient(r, c, resp))
			return
		case known && tokenOrScope(c) && !(r.Why.byStatus && resp.Status >= 500):
			r.add(c)
			return
		case known && c == MissingToken && r.Why.byStatus && missingRule(r.Why.Rule):
			// A 5xx that says in words the call carried no credential
			// (Untappd's 500 "This method requires authentication."): the
			// body outranks the status; a server's own failure never says so.
			r.add(c)
			return
		}
		if !r.wordsUnmatched { // chooseRoot read the same words, and no row matched them
			if p := phraseFirst(f, EndpointResource); p != nil && (p.Cause == TemporarilyUnavailable || p.Cause == RateLimited) {
				r.add(p.Cause)
				r.Why.rule(p.Rule, "message", "")
				return
			}
		}
	}
	r.add(statusRoot(r, resp))
}

// phraseFirst is the first phrase row that the body's message or
// description matches.
func phraseFirst(f *oauthFields, endpoint Endpoint) *Phrase {
	for _, v := range [...]value{f.description, f.message, f.vendor.msg} {
		if v.kind == kindString {
			if p := phraseMatch(v.raw, endpoint); p != nil {
				return p
			}
		}
	}
	return nil
}

// pageErrorCodes are the registered codes an IdP's error page may spell
// out, most specific first.
var pageErrorCodes = [...]string{
	"redirect_uri_mismatch", "invalid_redirect_uri", "invalid_client", "unauthorized_client", "invalid_scope", "access_denied",
	"unsupported_response_type", "invalid_grant", "interaction_required", "login_required", "consent_required",
	"invalid_request", "server_error", "temporarily_unavailable",
}

// addWithPage adds root and then what the page's format costs the client.
func addWithPage(r *Result, root Code, format int) {
	r.add(root)
	if format == formatHTML {
		r.add(HTMLErrorPage)
	} else {
		r.add(NotJSON)
	}
}

// basicChallenge reports a WWW-Authenticate that offers HTTP Basic.
func basicChallenge(values []string) bool {
	for _, v := range values {
		if hasPrefixFold(trimSpace(v), "basic") {
			return true
		}
	}
	return false
}

// attributeError finds a page's error="code", error_description="words"
// (the WWW-Authenticate form, which Spring Security OAuth's error page
// prints), when code is registered.
func attributeError(page []byte) (code, desc []byte, ok bool) {
	page = page[:min(len(page), authorizePagePeek)]
	i := indexFold(page, `error="`)
	if i < 0 {
		return nil, nil, false
	}
	rest := page[i+len(`error="`):]
	end := indexByte(rest, '"')
	if end < 0 || end > 64 {
		return nil, nil, false
	}
	if _, known := errorCodes[string(rest[:end])]; !known {
		return nil, nil, false
	}
	code = rest[:end]
	if j := indexFold(rest, `error_description="`); j >= 0 {
		d := rest[j+len(`error_description="`):]
		if k := indexByte(d, '"'); k >= 0 {
			desc = d[:k]
		}
	}
	return code, desc, true
}

// pageErrorCode returns the first registered code a page spells out, or "".
func pageErrorCode(page []byte) string {
	for _, c := range pageErrorCodes {
		if containsFold(page, c) {
			return c
		}
	}
	return ""
}

// rateLimitSpent reads the remaining-requests headers of GitHub
// (X-RateLimit-Remaining), Canvas (X-Rate-Limit-Remaining: 0.0) and the
// IETF draft (RateLimit-Remaining).
func rateLimitSpent(h http.Header) bool {
	for _, k := range [...]string{"X-Ratelimit-Remaining", "X-Rate-Limit-Remaining", "Ratelimit-Remaining"} {
		if v := headerValue(h, k); v != "" {
			return strings.Trim(v, "0.") == "" && strings.ContainsRune(v, '0')
		}
	}
	return false
}

// tokenOrScope admits the causes a resource server's body may name.
func tokenOrScope(c Code) bool {
	switch c {
	case InvalidToken, MissingToken, InsufficientScope, InvalidRequest, InvalidDPoPProof, UseDPoPNonce, RateLimited, InteractionRequired,
		AccessDenied,  // only the api_disabled row's (adjust)
		InvalidClient, // only a client identity the words name (adjust)
		UpstreamAuthFailed:
		return true
	}
	return false
}

// resourceRoot: without credentials no token can be invalid, and with
// them none is missing. Only for what the status or a bare code says; a
// body's own words ("OAuth token is missing") are kept.
// messageSaysTokenError reports a 200 envelope whose top-level message and
// code speak of the token (Lazada's {"code":"IllegalAccessToken","message":
// "The specified access token is invalid or expired"}): an error, whatever
// the status.
func messageSaysTokenError(f *oauthFields) bool {
	if f.message.kind != kindString {
		return false
	}
	text := f.message.raw
	if f.vendor.n == 0 {
		// Words alone, without a code beside them, may be a success's
		// note; a message that is itself a code is not (Viber's
		// "status_message":"invalidAuthToken").
		var buf [128]byte
		if text = codeWords(text, buf[:0]); text == nil || indexByte(f.message.raw, ' ') >= 0 {
			return false
		}
	}
	p := phraseMatch(text, EndpointResource)
	return p != nil && (p.Cause == InvalidToken || p.Cause == MissingToken)
}

// basicInsteadOfBearer reports HTTP Basic sent to a resource server that
// answers with a Bearer challenge or asks for an access token.
func basicInsteadOfBearer(req *Request, ch challenge, challenges []string, body []byte) bool {
	if req.GatewayKeyed || !hasPrefixFold(trimSpace(headerValue(req.Header, "Authorization")), "basic ") {
		return false
	}
	for _, v := range challenges {
		if hasPrefixFold(trimSpace(v), "basic") || containsFold([]byte(v), ", basic") {
			return false // the server takes Basic too (Azure DevOps personal access tokens)
		}
	}
	return ch.found || containsFold(body, "access token") || containsFold(body, "access_token") || containsFold(body, "bearer token")
}

func resourceRoot(c Code, sent bool) Code {
	switch {
	case !sent && c == InvalidToken:
		return MissingToken
	case sent && c == MissingToken:
		return InvalidToken
	}
	return c
}

// acceptedScopesMissing reads GitHub's X-Accepted-OAuth-Scopes (what the
// endpoint needs) against X-OAuth-Scopes (what the token has).
func acceptedScopesMissing(h http.Header) bool {
	need := headerValue(h, "X-Accepted-Oauth-Scopes")
	if need == "" {
		return false
	}
	have := headerValue(h, "X-Oauth-Scopes")
	for _, s := range strings.Split(need, ",") {
		if s = strings.TrimSpace(s); s != "" && strings.Contains(","+strings.ReplaceAll(have, " ", "")+",", ","+s+",") {
			return false // one accepted scope is enough
		}
	}
	return true
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

// wantsJSON: the API call asked for JSON (Accept) or sent JSON.
func wantsJSON(req *Request) bool {
	accept := headerValue(req.Header, "Accept")
	if containsFold(accept, "json") && !containsFold(accept, "html") {
		return true
	}
	return accept == "" && containsFold(headerValue(req.Header, "Content-Type"), "json")
}

// tokenInfoCall: a GET whose path names info (tokeninfo, /oauth/info) and
// whose query holds only a token.
func tokenInfoCall(req *Request) bool {
	if req.Method != http.MethodGet || len(req.Body) > 0 || !containsFold(req.Path, "info") || req.RawQuery == "" {
		return false
	}
	for q := req.RawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, _, _ := strings.Cut(pair, "=")
		switch name {
		case "access_token", "id_token", "token", "input_token":
		default:
			return false
		}
	}
	return true
}

// placedByCredentials reports an exchange placed at a resource server by
// the credentials it carried alone, not by its path or a route.
func placedByCredentials(w *Why) bool {
	d := w.Detected()
	return len(d) == 1 && d[0].Kind == "credentials"
}

// jsonScalar reports a body that is one JSON string or number and nothing
// else.
func jsonScalar(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || !(b[i] == '"' || b[i] == '-' || b[i] >= '0' && b[i] <= '9') {
		return false
	}
	kind, next, ok := skipValue(b, i, 0)
	return ok && (kind == kindString || kind == kindNumber) && skipSpace(b, next) == len(b)
}

// carriesTokenLike reports a query or body value that could be a token
// under a vendor's own name (Misskey's JSON "i"): an opaque string of 16
// or more token characters, not a URL or words.
func carriesTokenLike(req *Request) bool {
	for name, vs := range req.Header {
		// A vendor header of a name that says nothing (Honeycomb's
		// X-Honeycomb-Team) holding a key-shaped value; not a trace,
		// request or correlation id, nor the gateway's own key.
		if !req.GatewayKeyed && len(vs) == 1 && len(name) > 2 && hasPrefixFold(name, "x-") && !commonHeader(name) && tokenLike(vs[0]) && !idHeader(name) {
			return true
		}
	}
	for q := req.RawQuery; len(q) > 0; {
		var pair string
		if amp := indexString(q, '&'); amp >= 0 {
			pair, q = q[:amp], q[amp+1:]
		} else {
			pair, q = q, ""
		}
		if eq := indexString(pair, '='); eq >= 0 && tokenLike(pair[eq+1:]) && !namedNotToken(pair[:eq]) {
			return true
		}
	}
	if jsonBody(req.Body) {
		o := newJSONObject(req.Body)
		for {
			k, v, kind, ok := o.next()
			if !ok {
				return false
			}
			if kind == kindString && tokenLike(v) && !namedNotToken(k) {
				return true
			}
		}
	}
	f := formPairs{b: req.Body}
	for {
		k, v, ok := f.next()
		if !ok {
			return false
		}
		if tokenLike(v) && !namedNotToken(k) {
			return true
		}
	}
}

// idHeader names headers that carry ids of the request, its trace or its
// client, or an anti-CSRF token: never a credential.
func idHeader(name string) bool {
	for _, w := range [...]string{"id", "trace", "span", "request", "correlation", "forwarded", "signature", "nonce", "timestamp", "date", "version", "hash", "sha",
		"csrf", "xsrf"} { // an anti-CSRF token is no credential
		if containsFold(name, w) {
			return true
		}
	}
	return false
}

// namedNotToken: a parameter whose name says it is no access token
// (client_id, state, redirect_uri: SoundCloud's ?client_id=).
func namedNotToken[T string | []byte](name T) bool {
	bit := paramBit(string(name))
	return bit != 0 && bit&(pAccessToken|pToken|pOAuthToken|pAPIKey|pSecret) == 0
}

func tokenLike[T string | []byte](v T) bool {
	if len(v) < 16 || len(v) > 4096 || containsFold(v[:4], "http") {
		return false
	}
	slash, dot := false, false
	for i := 0; i < len(v); i++ {
		slash = slash || v[i] == '/'
		dot = dot || v[i] == '.'
	}
	if slash && dot {
		return false // a path or a version ("chrome-wakatime/1.0.2"), not base64 or a JWT
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=' || c == '%':
		default:
			return false
		}
	}
	return true
}

// schemeToken reports a token sent in Authorization under the schemes of
// RFC 6750 and RFC 9449 (a vendor's "OAuth " where Bearer is wanted is
// the token not sent: Twitch Helix).
func schemeToken(req *Request) bool {
	authz := headerValue(req.Header, "Authorization")
	for _, s := range [...]string{"Bearer ", "DPoP "} {
		if hasPrefixFold(authz, s) && !placeholderToken(trimSpace(authz[len(s):])) {
			return true
		}
	}
	return false
}

// authorizationToken reports an Authorization header carrying a value
// under a scheme other than Basic ("Token …", Shippo's "ShippoToken …"):
// Django REST framework's "credentials were not provided" to it means its
// authenticators did not take the token.
func authorizationToken(req *Request) bool {
	scheme, value, ok := strings.Cut(trimSpace(headerValue(req.Header, "Authorization")), " ")
	return ok && !equalFold(scheme, "Basic") && !placeholderToken(trimSpace(value))
}

// embeddedStatusRoot is what a resource server's status says when a body
// carries it in place of the response's own.
func embeddedStatusRoot(status int, sent bool) Code {
	switch {
	case status == 401:
		return resourceRoot(InvalidToken, sent)
	case status == 403 && sent:
		return InsufficientScope
	case status == 429 || status == 402 && sent:
		return RateLimited
	case status == 400:
		return InvalidRequest
	}
	return ""
}

// clientSecretHeader: the call authenticates with the client's own secret
// in a header (Cashfree's x-client-id and x-client-secret), so a refusal
// of its credentials is the client's.
func clientSecretHeader(req *Request) bool {
	for name := range req.Header {
		if containsFold(name, "client-secret") || containsFold(name, "client_secret") || containsFold(name, "clientsecret") {
			return true
		}
	}
	return false
}

// routeWords say a request matched no route, not that an object is absent.
var routeWords = [...]string{"no mapping rule", "no route matched", "no matching route", "route not found", "no route found",
	"bad url", "invalid url", "unknown url", "unrecognized request url", "unknown endpoint", "endpoint not found", "no such endpoint",
	"unknown path", "no handler found", "method not allowed", "version not found",
	"requested url was not found",                                                                                 // Werkzeug's (Flask's, Odoo's) 404
	"route was not found", "route is not found", "no route for", "path not found", "requested path was not found"} // Azure Health Data Services' "The requested route was not found."

// springNoHandler is Spring Boot's default error body for a path no
// handler maps ({"timestamp":…,"status":404,"error":"Not Found","path":…}):
// the call went to a path the API does not serve.
func springNoHandler(f *oauthFields, b []byte) bool {
	return f.err.kind == kindString && string(f.err.raw) == "Not Found" && containsFold(b, `"path"`) && containsFold(b, `"timestamp"`)
}

func routeMissing(b []byte) bool {
	if len(b) > 4096 {
		b = b[:4096]
	}
	for _, w := range routeWords {
		if containsFold(b, w) {
			return true
		}
	}
	return false
}

// vendorRefusal reports a 200 whose known vendor status code refuses the
// call and whose message says why (Google Maps Platform's
// {"status":"REQUEST_DENIED","error_message":…}).
func vendorRefusal(f *oauthFields) bool {
	if !f.message.present() || f.vendor.n == 0 {
		return false
	}
	c, rule := f.vendor.root()
	return c != "" && c != statusWord && rule == "vendor_code"
}

// credentialMalformed reports a Bearer credential RFC 6750 refuses the
// shape of: also sent as access_token (§2), or holding a space (§2.1).
func credentialMalformed(req *Request) bool {
	authz := trimSpace(headerValue(req.Header, "Authorization"))
	if !hasPrefixFold(authz, "bearer ") {
		return false
	}
	return strings.IndexByte(trimSpace(authz[len("bearer "):]), ' ') >= 0 || queryHas(req.RawQuery, "access_token") ||
		formHas(req.Body, "access_token")
}

func formHas(body []byte, name string) bool {
	_, ok := formValue(body, name)
	return ok
}

// credentialWords blame the credentials themselves, not what they may do.
var credentialWords = [...]string{"wrong credentials", "invalid credentials", "bad credentials", "credentials are invalid",
	"missing the necessary credentials", "missing credentials", // Bagisto's "…you're missing the necessary credentials."
	"may be expired", "has expired", "is expired", "authentication failure", "authentication failed", "invalid api key", "invalid token"}

func credentialsBlamed(f *oauthFields) bool {
	for _, v := range [...]value{f.message, f.description, f.vendor.msg, f.vendor.msg2, {raw: errorWords(f), kind: kindString}} {
		if v.kind != kindString {
			continue
		}
		for _, w := range credentialWords {
			if containsFold(v.raw, w) {
				return true
			}
		}
	}
	return false
}

// markup reports a body that opens as a page ("<html>", "<!DOCTYPE"),
// not words a server labelled text/html ("access denied").
func markup(body []byte) bool {
	i := skipSpace(body, 0)
	return i < len(body) && body[i] == '<'
}

// challengeDescription matches a challenge's error_description as words,
// or as a code when it is one ("ACCESS_TOKEN_EXPIRED").
func challengeDescription(desc string) *Phrase {
	if p := phraseMatch([]byte(desc), EndpointResource); p != nil {
		return p
	}
	var buf [128]byte
	if words := codeWords([]byte(desc), buf[:0]); words != nil {
		return phraseMatch(words, EndpointResource)
	}
	return nil
}

// missingRule names the phrase rows that say a credential was absent.
func missingRule(rule string) bool {
	switch rule {
	case "token_absent", "auth_required", "credential_absent", "key_missing":
		return true
	}
	return false
}

// registeredGrant reports a grant type RFC 6749 or an extension registers
// (raw from a query, so "urn%3A…" too).
func registeredGrant(g string) bool {
	switch g {
	case grantAuthorizationCode, grantRefreshToken, grantClientCredentials, "password", "implicit":
		return true
	}
	return hasPrefixFold(g, "urn:") || hasPrefixFold(g, "urn%3a")
}
