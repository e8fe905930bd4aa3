package classify

import "net/http"

// Endpoint detection: which OAuth endpoint an exchange went to. No single
// signal is enough on real traffic (GitHub's code exchange has no
// grant_type, broken clients put parameters in the query or a JSON body,
// resource calls use "Authorization: token …" or the query), so the
// evidence is combined, strongest first:
//
//  1. a configured route;
//  2. request parameters that only one endpoint takes (grant_type, code
//     with client credentials, refresh_token, device_code, response_type…);
//  3. the path's conventions (…/token, /access_token, /introspect, …);
//  4. credentials sent to a resource server (Bearer, DPoP, token, OAuth
//     schemes; access_token in the query, RFC 6750 §2.3);
//  5. the response: an OAuth challenge, GitHub's scope headers, a 401, and
//     — read only when the rest says nothing — the body's own shape (an
//     OAuth error code, access_token, active).
//
// Non-OAuth traffic is recognised after a few header and path checks, with
// no allocation.

// Detection is the endpoint an exchange went to, with the evidence.
type Detection struct {
	Endpoint Endpoint
	Why      Why
}

// Detect says which OAuth endpoint an exchange went to, from the request
// and the response's status and headers.
func Detect(req *Request, status int, respHeader http.Header, opts *Options) Endpoint {
	return DetectExchange(req, status, respHeader, opts).Endpoint
}

// DetectExchange is Detect with the evidence that decided it. When it
// finds nothing, NeedsBody says whether the body may still tell.
func DetectExchange(req *Request, status int, respHeader http.Header, opts *Options) Detection {
	var d Detection
	d.Endpoint = detectRequest(req, status, respHeader, opts, &d.Why)
	return d
}

// NeedsBody reports whether an exchange that DetectExchange could not place
// may show itself as OAuth in its response body: an OAuth error with a
// client-error status. Other undetected traffic is never read.
func NeedsBody(status int) bool {
	return status == 400 || status == 403 || status == 422
}

// paramKinds are the request parameters that name an endpoint on their own.
var paramKinds = []struct {
	name string
	kind Endpoint
}{
	{"grant_type", EndpointToken},
	{"response_type", EndpointAuthorize},
	{"refresh_token", EndpointToken},
	{"device_code", EndpointToken},
	{"code_verifier", EndpointToken},
	{"subject_token", EndpointToken},
}

// tokenPathSegments are the last path segments of token endpoints seen at
// providers (lowercase): /oauth/token, /access_token (GitHub, Facebook),
// /token.oauth2 (Ping), /oauth.v2.access (Slack), /accessToken
// (LinkedIn, Apigee), /oauth20_token.srf (Microsoft accounts),
// /-/oauth_token (Asana), /tokens/bearer (Intuit), /get_token (Yahoo).
var tokenPathSegments = []string{
	"token", "tokens", "access_token", "accesstoken", "oauth_token", "oauth-token", "get_token",
	"token.oauth2", "oauth.access", "oauth.v2.access", "oauth.v2.user.access", "oauth20_token.srf",
	"oauthgetaccesstoken", "oauth2token", "token.php", "access-token",
}

var (
	introspectPathSegments = []string{"introspect", "introspection", "introspect.oauth2", "token_introspection", "tokenintrospection"}
	revokePathSegments     = []string{"revoke", "revocation", "revoke_token", "revoke-token", "revoke.oauth2", "revoketoken", "oauth.revoke", "auth.revoke"}
	authorizePathSegments  = []string{"authorize", "authorization", "authorization.oauth2", "authorize.oauth2", "oauth2authorize", "auth", "oauth.authorize"}
	devicePathSegments     = []string{"device_authorization", "devicecode", "device_code", "deviceauthorization", "device.oauth2", "device"}
	resourcePathSegments   = []string{"userinfo", "tokeninfo", "me"}
)

// pathKind reads the path's last segment (or the one before a version
// segment or Intuit's "bearer"), case-insensitively.
func pathKind(path string) (Endpoint, string) {
	last, prev := lastSegments(path)
	if (isVersionSegment(last) || equalFold(last, "bearer") || equalFold(last, "code") || equalFold(last, "authorize")) && prev != "" {
		switch {
		case equalFold(last, "code") && (equalFold(prev, "device") || equalFold(prev, "devicecode")):
			return EndpointDeviceAuthorization, "device/code"
		case equalFold(last, "authorize") && equalFold(prev, "device"):
			return EndpointDeviceAuthorization, "device/authorize"
		case equalFold(last, "code") || equalFold(last, "authorize"):
		default:
			last = prev
		}
	}
	if equalFold(last, "oauth") && equalFold(prev, "dialog") { // Facebook's /dialog/oauth
		return EndpointAuthorize, "/dialog/oauth"
	}
	// Curity's /oauth-token, /oauth-introspect; /oauth_token stays a token word.
	for _, prefix := range [...]string{"oauth-", "oauth2-", "oauth2_"} {
		if len(last) > len(prefix) && hasPrefixFold(last, prefix) {
			last = last[len(prefix):]
			break
		}
	}
	for _, group := range [...]struct {
		segs []string
		kind Endpoint
	}{
		{tokenPathSegments, EndpointToken},
		{introspectPathSegments, EndpointIntrospect},
		{revokePathSegments, EndpointRevoke},
		{devicePathSegments, EndpointDeviceAuthorization},
		{authorizePathSegments, EndpointAuthorize},
		{resourcePathSegments, EndpointResource},
	} {
		for _, s := range group.segs {
			if equalFold(last, s) {
				return group.kind, s
			}
		}
	}
	return EndpointNone, ""
}

// lastSegments returns the last two non-empty path segments.
func lastSegments(path string) (last, prev string) {
	end := len(path)
	for end > 0 && path[end-1] == '/' {
		end--
	}
	i := end
	for i > 0 && path[i-1] != '/' {
		i--
	}
	last = path[i:end]
	end = i
	for end > 0 && path[end-1] == '/' {
		end--
	}
	j := end
	for j > 0 && path[j-1] != '/' {
		j--
	}
	return last, path[j:end]
}

// isVersionSegment matches v1, v3, v2.0 and 2.0.
func isVersionSegment(s string) bool {
	if len(s) == 0 || len(s) > 5 {
		return false
	}
	i := 0
	if s[0] == 'v' || s[0] == 'V' {
		i = 1
	}
	if i == len(s) || s[i] < '0' || s[i] > '9' {
		return false
	}
	for ; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// credentialSchemes are the Authorization schemes that carry an access
// token to a resource server.
var credentialSchemes = []string{"Bearer ", "DPoP ", "token ", "OAuth ", "Zoho-oauthtoken "}

// resourceCredential names how the request carried an access token.
func resourceCredential(req *Request) string {
	if authz := headerValue(req.Header, "Authorization"); authz != "" {
		for _, s := range credentialSchemes {
			if hasPrefixFold(authz, s) && len(trimSpace(authz[len(s):])) > 0 {
				return s[:len(s)-1]
			}
		}
	}
	if headerValue(req.Header, "X-Shopify-Access-Token") != "" {
		return "X-Shopify-Access-Token"
	}
	if _, ok := queryValue(req.RawQuery, "access_token"); ok {
		return "access_token"
	}
	if _, ok := queryValue(req.RawQuery, "oauth_token"); ok {
		return "oauth_token"
	}
	if _, ok := queryValue(req.RawQuery, "token"); ok && req.Method == http.MethodGet {
		return "token" // Trello, many REST APIs: ?key=…&token=…
	}
	return ""
}

// emptyCredential names a resource scheme sent with no token ("Bearer ").
func emptyCredential(req *Request) string {
	authz := headerValue(req.Header, "Authorization")
	for _, s := range credentialSchemes {
		if equalFold(trimSpace(authz), s[:len(s)-1]) || hasPrefixFold(authz, s) {
			return s[:len(s)-1]
		}
	}
	return ""
}

func detectRequest(req *Request, status int, h http.Header, opts *Options, why *Why) Endpoint {
	if kind, ok := opts.route(req.Path); ok {
		why.evidence("route", "configured")
		return kind
	}
	pk, seg := pathKind(req.Path)
	params := requestParams{req: req}

	// Parameters that only one endpoint takes.
	for _, p := range paramKinds {
		if params.has(p.name) {
			why.evidence("param", p.name)
			if p.kind == EndpointToken && (pk == EndpointIntrospect || pk == EndpointRevoke) {
				// token_type_hint=refresh_token style: the path knows better.
				why.evidence("path", seg)
				return pk
			}
			return p.kind
		}
	}
	// An authorization code with client credentials: a code exchange
	// without grant_type (GitHub's documented request).
	if params.has("code") && (params.has("client_id") || params.has("client_secret") || params.has("redirect_uri") ||
		hasPrefixFold(headerValue(req.Header, "Authorization"), "Basic ")) && pk != EndpointAuthorize {
		why.evidence("param", "code")
		return EndpointToken
	}
	cred := resourceCredential(req)
	switch pk {
	case EndpointIntrospect, EndpointRevoke, EndpointDeviceAuthorization:
		why.evidence("path", seg)
		return pk
	case EndpointToken:
		// A resource call that happens to end in /token carries a token
		// and none of the token endpoint's parameters.
		if cred == "" || params.has("client_id") || params.has("client_secret") || params.has("client_assertion") {
			why.evidence("path", seg)
			return pk
		}
	case EndpointAuthorize:
		if req.Method == http.MethodGet || params.has("client_id") || params.has("redirect_uri") || params.has("scope") {
			why.evidence("path", seg)
			return pk
		}
	case EndpointResource:
		why.evidence("path", seg)
		return pk
	}
	// Weaker: a word anywhere in the path, with a parameter to back it.
	if params.has("token") {
		switch {
		case containsFold(req.Path, "introspect"):
			why.evidence("param", "token")
			why.evidence("path", "introspect")
			return EndpointIntrospect
		case containsFold(req.Path, "revoke") || containsFold(req.Path, "revocation"):
			why.evidence("param", "token")
			why.evidence("path", "revoke")
			return EndpointRevoke
		}
	}
	if params.has("client_id") && containsFold(req.Path, "device") && req.Method == http.MethodPost {
		why.evidence("param", "client_id")
		why.evidence("path", "device")
		return EndpointDeviceAuthorization
	}
	if cred == "" {
		cred = emptyCredential(req)
	}
	if cred != "" {
		why.evidence("credentials", cred)
		return EndpointResource
	}
	if wa := h["Www-Authenticate"]; len(wa) > 0 && hasOAuthChallenge(wa) {
		why.evidence("challenge", "WWW-Authenticate")
		return EndpointResource
	}
	if len(h["X-Accepted-Oauth-Scopes"]) > 0 || len(h["X-Oauth-Scopes"]) > 0 {
		why.evidence("header", "X-Accepted-OAuth-Scopes")
		return EndpointResource
	}
	if status == http.StatusUnauthorized {
		why.evidence("status", "401")
		return EndpointResource
	}
	return EndpointNone
}

// detectFromBody places an exchange by the response body's own shape,
// when nothing in the request or headers did.
func detectFromBody(f *oauthFields, why *Why) Endpoint {
	switch {
	case f.accessToken.nonEmptyString() && (f.tokenType.present() || f.expiresIn.present()):
		why.evidence("response field", "access_token")
		return EndpointToken
	case f.active.kind == kindBool:
		why.evidence("response field", "active")
		return EndpointIntrospect
	case f.deviceCode.nonEmptyString() && f.userCode.nonEmptyString():
		why.evidence("response field", "device_code")
		return EndpointDeviceAuthorization
	case f.err.kind == kindString:
		c, ok := errorCodes[string(f.err.raw)]
		if !ok {
			return EndpointNone
		}
		why.evidence("response field", "error")
		if c == InvalidToken || c == InsufficientScope {
			return EndpointResource
		}
		return EndpointToken
	case f.err.kind == kindObject || f.format == formatJSONArray:
		if c, _ := f.vendor.root(); c == InvalidToken || c == InsufficientScope || c == MissingToken {
			why.evidence("response field", "vendor error")
			return EndpointResource
		}
	}
	return EndpointNone
}

// requestParams looks a parameter up in the query, a form body or a JSON
// body, without allocating.
type requestParams struct {
	req *Request
}

func (p requestParams) has(name string) bool {
	if _, ok := queryValue(p.req.RawQuery, name); ok {
		return true
	}
	body := p.req.Body
	if len(body) == 0 {
		return false
	}
	start := skipSpace(body, 0)
	if start < len(body) && body[start] == '{' {
		o := newJSONObject(body)
		for {
			key, _, _, ok := o.next()
			if !ok {
				return false
			}
			if string(key) == name {
				return true
			}
		}
	}
	mt := MediaType(p.req.Header)
	if mt != "application/x-www-form-urlencoded" && (mt != "" || !looksLikeForm(body[start:])) {
		return false
	}
	_, ok := formValue(body, name)
	return ok
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// ResourceSuccessPeek is how much of a resource server's 2xx JSON or HTML
// body is read: enough for Slack's {"ok":false,"error":"invalid_auth"},
// VK's {"error":{…}} or an edge's block page sent with 200, and no more.
const ResourceSuccessPeek = 1024

// BodyWanted says how many bytes of the response body the classifier
// needs for a detected exchange: 0 when the status and headers decide
// alone (undetected traffic, a resource server's redirects and ordinary
// successes), so that most traffic is never buffered.
func BodyWanted(d Detection, status int, h http.Header, opts *Options) int {
	switch d.Endpoint {
	case EndpointNone, "":
		if NeedsBody(status) {
			return opts.maxBody()
		}
		return 0
	case EndpointResource:
		switch {
		case status >= 400:
			return opts.maxBody()
		case status >= 200 && status < 300 && status != 204:
			if mt := MediaType(h); isJSONMediaType(mt) || mt == "text/html" {
				return minInt(ResourceSuccessPeek, opts.maxBody())
			}
		}
		return 0
	}
	return opts.maxBody()
}

// RequestBodyWanted says whether the request body can carry what
// detection reads: form posts, JSON bodies, and bodies with no media type
// (clients that forget Content-Type).
func RequestBodyWanted(method string, h http.Header) bool {
	if method != http.MethodPost && method != http.MethodPut {
		return false
	}
	switch mt := MediaType(h); {
	case mt == "", mt == "application/x-www-form-urlencoded", isJSONMediaType(mt):
		return true
	}
	return false
}
