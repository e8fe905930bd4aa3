package classify

import (
	"bytes"
	"net/http"
	"strings"
)

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
// client-error status. Other undetected traffic is never read (a 429 or
// 5xx is placed at a resource by its status before this is asked).
func NeedsBody(status int) bool {
	return status == 400 || status == 403 || status == 422
}

// paramKinds are the request parameters that name an endpoint on their own.
var paramKinds = [...]struct {
	name string
	bit  uint32
	kind Endpoint
}{
	{"grant_type", pGrantType, EndpointToken},
	{"response_type", pResponseType, EndpointAuthorize},
	{"refresh_token", pRefreshToken, EndpointToken},
	{"device_code", pDeviceCode, EndpointToken},
	{"code_verifier", pCodeVerifier, EndpointToken},
	{"subject_token", pSubjectToken, EndpointToken},
}

// The last path segments of OAuth endpoints (segmentKind), as the providers
// at the providers seen: /oauth/token, /access_token (GitHub, Facebook),
// /token.oauth2 (Ping), /oauth.v2.access (Slack), /accessToken (LinkedIn,
// Apigee), /oauth20_token.srf (Microsoft accounts), /-/oauth_token
// (Asana), /tokens/bearer (Intuit), /get_token (Yahoo), /userinfo.
// segmentKind maps a lowercased segment to its endpoint and the table's
// own copy of the name, so evidence never points into a request buffer.
func segmentKind(seg []byte) (Endpoint, string) {
	switch string(seg) {
	case "token":
		return EndpointToken, "token"
	case "tokens":
		return EndpointToken, "tokens"
	case "access_token":
		return EndpointToken, "access_token"
	case "access_tokens": // Braintree's /oauth/access_tokens
		return EndpointToken, "access_tokens"
	case "accesstoken":
		return EndpointToken, "accesstoken"
	case "refresh-token", "refresh_token", "refreshtoken": // Discuz! Q's /api/refresh-token
		return EndpointToken, "refresh-token"
	case "oauth_token":
		return EndpointToken, "oauth_token"
	case "oauth-token":
		return EndpointToken, "oauth-token"
	case "get_token":
		return EndpointToken, "get_token"
	case "gettoken":
		return EndpointToken, "gettoken"
	case "issuetoken": // Azure AI services' /sts/v1.0/issueToken
		return EndpointToken, "issuetoken"
	case "issue_token":
		return EndpointToken, "issue_token"
	case "generatetoken", "generate_token": // Esri's, Plaid-style token APIs
		return EndpointToken, "generatetoken"
	case "authenticate": // Stytch's magic_links/authenticate, WorkOS's, Autodesk's: a grant traded for a session
		return EndpointToken, "authenticate"
	case "token.oauth2":
		return EndpointToken, "token.oauth2"
	case "oauth.access":
		return EndpointToken, "oauth.access"
	case "oauth.v2.access":
		return EndpointToken, "oauth.v2.access"
	case "oauth.v2.user.access":
		return EndpointToken, "oauth.v2.user.access"
	case "oauth20_token.srf":
		return EndpointToken, "oauth20_token.srf"
	case "oauthgetaccesstoken":
		return EndpointToken, "oauthgetaccesstoken"
	case "oauth2token":
		return EndpointToken, "oauth2token"
	case "access-token":
		return EndpointToken, "access-token"
	case "request_token", "requesttoken": // OAuth 1.0a temporary credentials (RFC 5849 §2.1)
		return EndpointToken, "request_token"
	case "introspect":
		return EndpointIntrospect, "introspect"
	case "token_info": // Clerk's token-info: introspection by another name (Google's tokeninfo is a resource below)
		return EndpointIntrospect, "token_info"
	case "introspection":
		return EndpointIntrospect, "introspection"
	case "introspect.oauth2":
		return EndpointIntrospect, "introspect.oauth2"
	case "token_introspection":
		return EndpointIntrospect, "token_introspection"
	case "tokenintrospection":
		return EndpointIntrospect, "tokenintrospection"
	case "revoke":
		return EndpointRevoke, "revoke"
	case "revocation":
		return EndpointRevoke, "revocation"
	case "revoke_token":
		return EndpointRevoke, "revoke_token"
	case "revoke-token":
		return EndpointRevoke, "revoke-token"
	case "revoke.oauth2":
		return EndpointRevoke, "revoke.oauth2"
	case "revoketoken":
		return EndpointRevoke, "revoketoken"
	case "oauth.revoke":
		return EndpointRevoke, "oauth.revoke"
	case "auth.revoke":
		return EndpointRevoke, "auth.revoke"
	case "device_authorization":
		return EndpointDeviceAuthorization, "device_authorization"
	case "devicecode":
		return EndpointDeviceAuthorization, "devicecode"
	case "device_code":
		return EndpointDeviceAuthorization, "device_code"
	case "deviceauthorization":
		return EndpointDeviceAuthorization, "deviceauthorization"
	case "device.oauth2":
		return EndpointDeviceAuthorization, "device.oauth2"
	case "device":
		return EndpointDeviceAuthorization, "device"
	case "authorize":
		return EndpointAuthorize, "authorize"
	case "authorization":
		return EndpointAuthorize, "authorization"
	case "authorization.oauth2":
		return EndpointAuthorize, "authorization.oauth2"
	case "authorize.oauth2":
		return EndpointAuthorize, "authorize.oauth2"
	case "oauth2authorize":
		return EndpointAuthorize, "oauth2authorize"
	case "auth":
		return EndpointAuthorize, "auth"
	case "oauth.authorize":
		return EndpointAuthorize, "oauth.authorize"
	case "userinfo":
		return EndpointResource, "userinfo"
	case "tokeninfo":
		return EndpointResource, "tokeninfo"
	case "me":
		return EndpointResource, "me"
	}
	return EndpointNone, ""
}

// pathKind reads the path's last segment (or the one before a version
// segment or Intuit's "bearer"), case-insensitively.
func pathKind(path string) (Endpoint, string) {
	last, prev := lastSegments(path)
	if len(last) == 0 || len(last) > 32 {
		return EndpointNone, ""
	}
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
	if containsFold(prev, "token") && !containsFold(prev, "info") && tokenVerb(last) {
		// Plaid's /item/public_token/exchange, /token/refresh, Apache
		// Syncope's /accessTokens/login, /tokens/create.
		return EndpointToken, "token/exchange"
	}
	if equalFold(last, "verify") && containsFold(path, "oauth") {
		// LINE's /oauth2/v2.1/verify, Vlaanderen's …/oauth/v2/…/verify:
		// an OAuth server's token check, introspection by another name.
		return EndpointIntrospect, "oauth/verify"
	}
	if sessionRefresh(last, prev) {
		// A session API's refresh (Descope's /v1/auth/refresh, Keratin's
		// /session/refresh): the caller's refresh token traded for a new one.
		return EndpointToken, "auth/refresh"
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
	// Deezer's /oauth/access_token.php, WSO2's .do pages: the extension
	// names the server's language, not the endpoint.
	for _, ext := range [...]string{".php", ".json", ".do", ".aspx", ".jsp"} {
		if len(last) > len(ext) && equalFold(last[len(last)-len(ext):], ext) {
			last = last[:len(last)-len(ext)]
			break
		}
	}
	if len(last) > 32 {
		return EndpointNone, ""
	}
	var buf [32]byte
	for i := 0; i < len(last); i++ {
		buf[i] = lower(last[i])
	}
	return segmentKind(buf[:len(last)])
}

// tokenVerb: a last path segment that, after a token segment, asks for
// one to be issued.
func tokenVerb(seg string) bool {
	for _, v := range [...]string{"exchange", "refresh", "login", "create", "issue", "generate", "obtain", "new"} {
		if equalFold(seg, v) {
			return true
		}
	}
	return false
}

// sessionRefresh: a session API's refresh path, whose credential (a
// Bearer, a cookie) is the refresh token being traded.
func sessionRefresh(last, prev string) bool {
	return equalFold(last, "refresh") && sessionSegment(prev)
}

// sessionSegment names the path segments under which a session API
// keeps its refresh call.
func sessionSegment(seg string) bool {
	for _, v := range [...]string{"auth", "session", "sessions", "jwt", "authn", "identity", "oauth", "oauth2"} {
		if equalFold(seg, v) {
			return true
		}
	}
	return false
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
	last = trimFormatSuffix(path[i:end]) // CakePHP's and Rails' refresh.json
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

// trimFormatSuffix drops a response-format extension from a path
// segment: /auth/jwt/refresh.json is the refresh path.
func trimFormatSuffix(seg string) string {
	for _, ext := range [...]string{".json", ".xml"} {
		if len(seg) > len(ext) && hasSuffixFold(seg, ext) {
			return seg[:len(seg)-len(ext)]
		}
	}
	return seg
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
func resourceCredential(req *Request, status int) string {
	cred, _ := credentialOf(req, newRequestParams(req), status)
	return cred
}

// sentCredentials reports whether a resource request carried any
// credential, for telling "invalid" from "missing": a token, Basic, or a
// vendor key header. When the gateway authenticated the request with a
// key (Request.GatewayKeyed), only tokens count: the key was the
// gateway's, and the upstream still got no token.
func sentCredentials(req *Request, status int) bool {
	if resourceCredential(req, status) != "" {
		return true
	}
	if req.GatewayKeyed {
		return false
	}
	if newRequestParams(req).has(pAPIKey) {
		return true // ?key=, ?wstoken=
	}
	if appIDQuery(req.RawQuery) {
		return true
	}
	if a := trimSpace(headerValue(req.Header, "Authorization")); a != "" {
		scheme, value, _ := strings.Cut(a, " ")
		value = trimSpace(value)
		if equalFold(scheme, "basic") && (value == "Og==" || value == "Og") {
			return false // Basic of ":": an empty key and secret (Midtrans' unset server key)
		}
		return !placeholderToken(value) // Heroku's Basic API token; "Bearer null" is nothing
	}
	for name := range req.Header {
		if keyHeaderName(name) {
			return true
		}
	}
	return authCookie(headerValue(req.Header, "Cookie"))
}

// authCookie reports a Cookie header with a session or auth cookie
// (Proxmox's PVEAuthCookie, a framework's sessionid): a credential an
// API can refuse, so its 401 is that credential refused, not missing.
func authCookie(cookies string) bool {
	for cookies != "" {
		var pair string
		pair, cookies, _ = strings.Cut(cookies, ";")
		name, value, _ := strings.Cut(trimSpace(pair), "=")
		if len(value) < 8 {
			continue
		}
		for _, w := range [...]string{"auth", "session", "sess", "token", "jwt", "sid"} {
			if containsFold(name, w) {
				return true
			}
		}
	}
	return false
}

// keyHeaderName matches header names that carry API keys or tokens
// (DD-API-KEY, X-JFrog-Art-Api, X-Api-Key), but not anti-CSRF tokens.
func keyHeaderName(name string) bool {
	if commonHeader(name) {
		return false // every success looks at every header: skip the usual ones fast
	}
	if containsFold(name, "csrf") || containsFold(name, "xsrf") {
		return false
	}
	for _, w := range [...]string{"token", "api-key", "apikey", "api_key", "auth-key", "access-key", "subscription-key", "client-secret", "authentication", "secret-key", "secret_key", "secretkey",
		"session-id", "sessionid", "session_id"} { // vmware-api-session-id
		if containsFold(name, w) {
			return true
		}
	}
	// OVHcloud's X-Ovh-Consumer (the consumer key beside its signature);
	// not Kong's X-Consumer-ID, which names a consumer already let in.
	if containsFold(name, "consumer-key") || containsFold(name, "consumer_key") || containsFold(name, "consumerkey") ||
		len(name) > 9 && hasSuffixFold(name, "-consumer") {
		return true
	}
	if len(name) > 4 && equalFold(name[len(name)-4:], "-api") {
		return true
	}
	// A secret of the vendor's naming (Truv's X-Access-Secret, Pinwheel's
	// X-Api-Secret).
	if len(name) > 6 && hasSuffixFold(name, "secret") {
		return true
	}
	// X-Auth-Client, X-Auth-Key (Veriff's, Cloudflare's): credentials. A
	// signature header beside them (TrueLayer's Tl-Signature) signs the
	// body and is no credential of its own.
	if len(name) > 7 && hasPrefixFold(name, "x-auth-") {
		return true
	}
	// A session or auth credential of the vendor's naming (Tableau's
	// X-Tableau-Auth, Rivian's A-Sess and U-Sess, X-Session).
	if len(name) > 5 && (hasSuffixFold(name, "-auth") || hasSuffixFold(name, "-sess") || hasSuffixFold(name, "-session")) {
		return true
	}
	// A key of the vendor's naming (Flagsmith's X-Environment-Key,
	// X-App-Key, Cielo's MerchantKey); not a request's idempotency,
	// WebSocket, cache or message-routing key.
	if equalFold(name, "key") {
		return true // Gate's and Poloniex's signed calls: KEY beside SIGN
	}
	if len(name) < 6 || !hasSuffixFold(name, "key") {
		return false
	}
	for _, w := range [...]string{"idempotency", "cache", "encryption", "websocket", "partition", "routing", "dedup", "sort", "public", "lookup", "hash", "correlation", "trace"} {
		if containsFold(name, w) {
			return false
		}
	}
	return true
}

// commonHeader matches, in Go's canonical form, request headers that
// carry no credential and come with most calls.
func commonHeader(name string) bool {
	switch name {
	case "Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection", "Content-Length", "Content-Type",
		"Cookie", "Host", "Origin", "Pragma", "Referer", "User-Agent", "X-Forwarded-For", "X-Forwarded-Host",
		"X-Forwarded-Proto", "X-Real-Ip", "X-Request-Id", "Traceparent":
		return true
	}
	return false
}

// credentialOf names how the request carried an access token, and
// separately a scheme sent with no token at all ("Bearer ").
func credentialOf(req *Request, params requestParams, status int) (cred, empty string) {
	if authz := headerValue(req.Header, "Authorization"); authz != "" {
		if oauth1Consumer(authz) {
			return "", "" // the consumer's signature, not a token (RFC 5849 §2.1)
		}
		for _, s := range credentialSchemes {
			name := s[:len(s)-1]
			switch {
			case hasPrefixFold(authz, s) && !placeholderToken(trimSpace(authz[len(s):])):
				return name, ""
			case hasPrefixFold(authz, s) || equalFold(trimSpace(authz), name):
				return "", name // "Bearer ", "Bearer null": a client bug, no token at all
			}
		}
	}
	if authz := headerValue(req.Header, "Authorization"); authz != "" && signedScheme(authz) {
		return "signature", "" // the request is signed with a key pair
	} else if rawToken(authz) && !req.GatewayKeyed {
		// A token with no scheme (monday.com, Tyk-style keys): unless the
		// gateway took it as its own key, the upstream reads it.
		return "Authorization", ""
	} else if vendorScheme(authz) && !req.GatewayKeyed {
		// A token under a scheme of the vendor's naming (BBVA's "jwt").
		return "Authorization", ""
	}
	switch {
	case params.has(pAccessToken) && queryHas(req.RawQuery, "access_token"):
		if !queryFilled(req.RawQuery, "access_token") {
			return "", "access_token" // "?access_token=": no token at all
		}
		return "access_token", ""
	case params.has(pOAuthToken) && queryHas(req.RawQuery, "oauth_token"):
		if !queryFilled(req.RawQuery, "oauth_token") {
			return "", "oauth_token" // Foursquare's "?oauth_token=&v=…"
		}
		return "oauth_token", ""
	case params.has(pToken) && req.Method == http.MethodGet && queryHas(req.RawQuery, "token"):
		return "token", "" // Trello, many REST APIs: ?key=…&token=…
	case req.Method == http.MethodPost && queryHas(req.RawQuery, "token") && queryFilled(req.RawQuery, "token") && jsonBody(req.Body):
		return "token", "" // a JSON call with ?token= (TP-Link's cloud passthrough), no form to introspect
	}
	if params.has(pAccessToken) && len(req.Body) > 0 && !params.has(pGrantType) {
		return "access_token", "" // RFC 6750 §2.2, and Plaid's JSON bodies
	}
	if botTokenPath(req.Path) {
		return "bot token in path", ""
	}
	if params.has(pSession) && !params.has(pPassword|pSecret|pClientSecret|pGrantType|pCode) {
		return "session parameter", "" // a vendor's session token, sent with the call
	}
	for _, name := range tokenHeaders {
		if v := req.Header[name]; len(v) > 0 && !placeholderToken(trimSpace(v[0])) {
			return name, "" // an empty one is no token (Tuya's login sends "access_token: ")
		}
	}
	if req.RawQuery != "" && queryHas(req.RawQuery, "oauth_consumer_key") && queryHas(req.RawQuery, "oauth_signature") {
		if pk, _ := pathKind(req.Path); pk == EndpointNone {
			// Two-legged OAuth 1.0a (RFC 5849 §3.1 without a token):
			// FatSecret's REST calls, signed by the consumer in the query.
			return "signature", ""
		}
	}
	if status >= 400 { // only a refusal needs it named; a success passes as it is
		for name, v := range req.Header {
			if vendorAuthorization(name, v) {
				return "vendor Authorization header", ""
			}
		}
	}
	return "", ""
}

// jsonRPCCall reports a POST whose body is a JSON-RPC 2.0 request.
func jsonRPCCall(req *Request) bool {
	if req.Method != http.MethodPost || len(req.Body) < 12 {
		return false
	}
	head := req.Body[:min(len(req.Body), 40)]
	i := skipSpace(head, 0)
	return i < len(head) && head[i] == '{' && containsFold(head, `"jsonrpc"`)
}

// botTokenPath reports the Telegram Bot API's credential, the bot token
// as the first path segment: /bot<id>:<secret>/getMe.
// Source: https://core.telegram.org/bots/api#making-requests
func botTokenPath(path string) bool {
	if len(path) < 24 || !hasPrefixFold(path, "/bot") {
		return false
	}
	seg := path[1:]
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	colon := strings.IndexByte(seg, ':')
	return colon > len("bot") && len(seg)-colon > 16
}

// vendorAuthorization matches a vendor's own Authorization header
// carrying a token (privacyIDEA's PI-Authorization: <JWT>);
// Proxy-Authorization is the proxy's.
func vendorAuthorization(name string, v []string) bool {
	if !(len(name) > len("-authorization") && hasSuffixFold(name, "-authorization") && !equalFold(name, "Proxy-Authorization")) || len(v) == 0 {
		return false
	}
	val := trimSpace(v[0])
	for _, scheme := range [...]string{"bearer ", "token ", "jwt "} {
		if hasPrefixFold(val, scheme) {
			val = trimSpace(val[len(scheme):]) // ThingsBoard's X-Authorization: Bearer <JWT>
			break
		}
	}
	return tokenLike(val)
}

// signedScheme matches Authorization schemes that sign the request with
// an access key instead of carrying a token: AWS4-HMAC-SHA256, Tencent's
// TC3-HMAC-SHA256, Alibaba's "OSS id:signature" and "acs id:signature".
func signedScheme(authz string) bool {
	scheme, _, ok := strings.Cut(trimSpace(authz), " ")
	if !ok || len(scheme) > 32 {
		return false
	}
	return containsFold(scheme, "hmac") || equalFold(scheme, "OSS") || equalFold(scheme, "acs")
}

// oauth1Consumer is an OAuth 1.0a Authorization header with no token: a
// temporary-credentials request signed by the consumer alone.
func oauth1Consumer(authz string) bool {
	return hasPrefixFold(authz, "OAuth ") && containsFold(authz, "oauth_consumer_key") && !containsFold(authz, "oauth_token=")
}

// oauth1Token: an OAuth 1.0a request signed with a token (RFC 5849 §3.1),
// in the Authorization header or the query.
func oauth1Token(req *Request) bool {
	authz := headerValue(req.Header, "Authorization")
	if hasPrefixFold(authz, "OAuth ") && containsFold(authz, "oauth_consumer_key") && containsFold(authz, "oauth_token=") {
		return true
	}
	return req.RawQuery != "" && queryHas(req.RawQuery, "oauth_consumer_key") && queryHas(req.RawQuery, "oauth_token") &&
		queryHas(req.RawQuery, "oauth_signature")
}

// vendorScheme is an Authorization value of a scheme this engine does not
// know, carrying one opaque token: not a password scheme (Basic, Digest,
// Negotiate), a signature, or a key scheme.
func vendorScheme(authz string) bool {
	scheme, value, ok := strings.Cut(trimSpace(authz), " ")
	if !ok || len(scheme) > 24 || strings.IndexByte(trimSpace(value), ' ') >= 0 || strings.IndexByte(value, '=') > 0 && strings.IndexByte(value, ',') > 0 {
		return false
	}
	for _, not := range [...]string{"basic", "digest", "negotiate", "ntlm", "hoba", "mutual", "signature", "hawk"} {
		if equalFold(scheme, not) {
			return false
		}
	}
	if containsFold(scheme, "key") || containsFold(scheme, "hmac") || containsFold(scheme, "aws") {
		return false
	}
	return tokenLike(trimSpace(value))
}

// apiKeyScheme: an Authorization scheme naming a key (Klaviyo-API-Key,
// ApiKey, X-Key) before one key-shaped value.
func apiKeyScheme(authz string) bool {
	scheme, value, ok := strings.Cut(trimSpace(authz), " ")
	value = trimSpace(value)
	if i := strings.LastIndexByte(value, ':'); i > 0 && i >= len(value)-4 {
		value = value[:i] // DeepL's keys end in ":fx"
	}
	return ok && len(scheme) <= 24 && containsFold(scheme, "key") && !containsFold(scheme, "hmac") && tokenLike(value)
}

// rawToken is an Authorization value with no scheme: one long word.
func rawToken(authz string) bool {
	authz = trimSpace(authz)
	return len(authz) >= 20 && strings.IndexByte(authz, ' ') < 0
}

// placeholderToken is what a client sends when it has no token: nothing,
// or the string form of a missing value.
func placeholderToken(t string) bool {
	return t == "" || t == "null" || t == "undefined" || t == "None" || t == "nil"
}

// tokenHeaders carry access tokens outside Authorization: Shopify, Amazon
// SP-API, BigCommerce and OpenStack. API-key headers (X-Api-Key,
// Ocp-Apim-Subscription-Key) are left out on purpose: on a Tyk API they
// usually carry the gateway's own key, not a token for the upstream.
var tokenHeaders = [...]string{"X-Shopify-Access-Token", "X-Amz-Access-Token", "X-Auth-Token", "X-Access-Token", "Access-Token",
	"Access_token"} // Tuya's access_token header, as Go canonicalizes it

// queryFilled reports whether the query's first name parameter has a
// value (an empty "?oauth_token=" carries no token).
func queryFilled(q, name string) bool {
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v != "" // "undefined" was sent: a client bug, but a value the server judged
		}
	}
	return true // not found by name: queryHas's looser match; keep it
}

func queryHas(q, name string) bool {
	_, ok := queryValue(q, name)
	return ok
}

func detectRequest(req *Request, status int, h http.Header, opts *Options, why *Why) Endpoint {
	if kind, ok := opts.route(req.Path); ok {
		why.evidence("route", "configured")
		return kind
	}
	if stsFederationCall(req) {
		// AWS STS's (and MinIO's) AssumeRoleWithWebIdentity: an OIDC or
		// SAML token traded for credentials, named by its Action.
		why.evidence("param", "Action")
		return EndpointToken
	}
	if cognitoAuthCall(req) {
		// Amazon Cognito's user-pool API names its operation in a header
		// (X-Amz-Target: …InitiateAuth) and posts to "/".
		why.evidence("header", "X-Amz-Target")
		return EndpointToken
	}
	if subsonicCall(req) {
		// Subsonic's query credentials (u with t and s, p, apiKey) and
		// 200 error envelopes (subsonic.go).
		why.evidence("credentials", "Subsonic query")
		why.subsonic = true
		return EndpointResource
	}
	pk, seg := pathKind(req.Path)
	params := newRequestParams(req)

	// Parameters that only one endpoint takes.
	for _, p := range paramKinds {
		if params.has(p.bit) {
			why.evidence("param", p.name)
			if p.kind == EndpointToken && (pk == EndpointIntrospect || pk == EndpointRevoke) {
				// token_type_hint=refresh_token style: the path knows better.
				why.evidence("path", seg)
				return pk
			}
			return p.kind
		}
	}
	// The authorization response arriving at the client's redirect URI
	// (oauth2-proxy's /oauth2/callback?error=access_denied&state=…).
	if req.Method == http.MethodGet && params.has(pState) && params.has(pError) {
		why.evidence("param", "error")
		return EndpointAuthorize
	}
	// An authorization request without response_type (Tink Link, old
	// Facebook dialogs): client_id and redirect_uri in a GET's query.
	if req.Method == http.MethodGet && params.has(pClientID) && params.has(pRedirectURI) && !params.has(pCode) &&
		newQueryParams(req.RawQuery).has(pClientID) && newQueryParams(req.RawQuery).has(pRedirectURI) {
		why.evidence("param", "redirect_uri")
		return EndpointAuthorize
	}
	// An authorization code with client credentials: a code exchange
	// without grant_type (GitHub's documented request).
	if params.has(pCode) && (params.has(pClientID) || params.has(pClientSecret|pSecret) || params.has(pRedirectURI) ||
		hasPrefixFold(headerValue(req.Header, "Authorization"), "Basic ")) && pk != EndpointAuthorize {
		why.evidence("param", "code")
		return EndpointToken
	}
	// A revocation posted to the token path with an action parameter
	// (Home Assistant's POST /auth/token token=…&action=revoke).
	if params.has(pToken) && !params.has(pGrantType) && req.Method == http.MethodPost {
		if v, ok := formValue(req.Body, "action"); ok && equalFoldBytes(v, "revoke") {
			why.evidence("param", "action")
			return EndpointRevoke
		}
	}
	cred, emptyCred := credentialOf(req, params, status)
	switch pk {
	case EndpointIntrospect, EndpointRevoke:
		// RFC 7662 §2.1 and RFC 7009 §2.1 POST the token; a GET carrying
		// none at all is a call to a location the server protects by
		// introspection (lua-resty-openidc's /introspect), not one.
		if req.Method == http.MethodGet && !params.has(pToken|pAccessToken) && headerValue(req.Header, "Authorization") == "" {
			break
		}
		why.evidence("path", seg)
		return pk
	case EndpointDeviceAuthorization:
		why.evidence("path", seg)
		return pk
	case EndpointToken:
		if oauth1Token(req) {
			// OAuth 1.0a's access-token call signs with the request token
			// (RFC 5849 §2.3): a token endpoint, not a resource call.
			why.evidence("path", seg)
			why.evidence("credentials", "OAuth 1.0a request token")
			return pk
		}
		// A resource call that happens to end in /token carries a token
		// and none of the token endpoint's parameters.
		// A ?token= there is the grant being exchanged (LoginRadius's
		// /api/v2/access_token?token=), not an access token.
		// A grant in the body (TMDB's request_token) makes the app's own
		// Bearer beside it client authentication.
		// A body of the call's own posted to /tokens with no OAuth
		// parameter is a payment API's card tokenization (Stripe's,
		// Conekta's POST /tokens), not a token request.
		tokenization := seg == "tokens" && params.set == 0 && len(req.Body) > 0
		if !tokenization && (cred == "" || cred == "token" && seg != "token" || seg == "auth/refresh" || params.has(pClientID) || params.has(pClientSecret) || params.has(pClientAssertion) ||
			req.Method == http.MethodPost && params.has(pCode)) {
			why.evidence("path", seg)
			return pk
		}
	case EndpointAuthorize:
		// A bare "/auth" is also oauth2-proxy's auth_request endpoint and
		// many login APIs: it needs an authorization request's parameters.
		// A secret is never sent to an authorization endpoint (RFC 6749
		// §3.1): a POST carrying one is a credential exchange.
		weak := seg == "auth"
		if req.Method == http.MethodPost && params.has(pClientSecret|pSecret|pClientAssertion) {
			why.candidate, why.exchange = true, true
		} else if !weak && req.Method == http.MethodGet || params.has(pClientID) || params.has(pRedirectURI) || params.has(pScope) {
			why.evidence("path", seg)
			return pk
		}
	case EndpointResource:
		why.evidence("path", seg)
		return pk
	}
	// Weaker: a word anywhere in the path, with a parameter to back it.
	if params.has(pToken) {
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
	if graphQLLogin(req) {
		// A GraphQL mutation that trades credentials for a token (Saleor's
		// tokenCreate, Polestar's refreshAuthToken): a token call in a query.
		why.candidate, why.exchange = true, true
	}
	if params.has(pToken) && req.Method == http.MethodPost {
		why.candidate = true // Clerk's /oauth/token_info: "active" in the answer decides
	}
	if jsonRPCCall(req) {
		why.candidate, why.jsonRPC = true, true // a refusal comes back in a 200 envelope
	}
	if req.Method == http.MethodPost && len(req.Body) > 0 &&
		(params.has(pSecret|pPassword) || params.has(pAPIKey) && !newQueryParams(req.RawQuery).has(pAPIKey)) {
		// A secret or key posted to a path of the vendor's naming: a
		// credential exchange if the answer speaks of a token or refuses it.
		why.candidate, why.exchange = true, true
		why.keyPosted = !params.has(pSecret | pPassword)
		why.keyCall = why.keyPosted && !authWordPath(req.Path) && !containsFold(req.Path, "graphql") // a mutation may trade it
	}
	if req.Method == http.MethodPost && params.has(pClientID) || params.has(pScope) {
		// A client_id posted, or a scope asked for, at a path of the
		// vendor's naming: a device authorization or a token call if the
		// answer's shape says so.
		why.candidate = true
	}
	if newQueryParams(req.RawQuery).has(pSecret | pPassword) {
		// A vendor secret or a password in the query (DingTalk's
		// gettoken?appsecret=, Ecovacs' user/login?password=): a
		// credential exchange, as when posted.
		why.candidate, why.exchange = true, true
	}
	if params.has(pClientID) && containsFold(req.Path, "device") && req.Method == http.MethodPost {
		why.evidence("param", "client_id")
		why.evidence("path", "device")
		return EndpointDeviceAuthorization
	}
	if last, _ := lastSegments(req.Path); oauth1Token(req) && len(last) > 6 && hasSuffixFold(last, "_token") {
		// A vendor's OAuth 1.0a token call (Interactive Brokers'
		// /oauth/live_session_token): signed with a token, named for one.
		why.evidence("path", "_token")
		why.evidence("credentials", "OAuth 1.0a token")
		return EndpointToken
	}
	if cred == "" {
		cred = emptyCred
	}
	if cred != "" {
		why.evidence("credentials", cred)
		return EndpointResource
	}
	// A path that names a token or OAuth (Lazada's /auth/token/create,
	// Netlify's /oauth/tickets/…/exchange) with no credential of a resource
	// call: a vendor's token exchange if the answer carries a token or an error.
	// Only successes: a failure there is judged as before, by its own signals.
	if status < 300 && (containsFold(req.Path, "token") || containsFold(req.Path, "oauth")) {
		why.candidate, why.tokenPath = true, true
	}
	// An API key or vendor token in the query: the API behind the gateway
	// is a resource server (Moodle's ?wstoken=, HubSpot's ?hapikey=), whose
	// 200 may still be an error envelope.
	if params.has(pAPIKey) && newQueryParams(req.RawQuery).has(pAPIKey) || appIDQuery(req.RawQuery) {
		why.evidence("credentials", "key parameter")
		return EndpointResource
	}
	// An authorization response (RFC 6749 §4.1.2, §4.1.2.1): a redirect
	// whose Location carries code or error with state, whatever the path
	// (gematik's POST /authorization with a signed challenge).
	if status >= 300 && status < 400 && authorizationResponse(headerValue(h, "Location")) {
		why.evidence("Location", "authorization response")
		return EndpointAuthorize
	}
	// An API call (no HTML wanted) sent off to log in: a resource server
	// or the gateway in front of it wants a token it did not get.
	if status >= 300 && status < 400 && !acceptsHTML(req) && loginRedirect(headerValue(h, "Location")) {
		why.evidence("Location", "login redirect")
		return EndpointResource
	}
	if req.Method == http.MethodPost && params.set == 0 && loginPath(req.Path) &&
		hasPrefixFold(trimSpace(headerValue(req.Header, "Authorization")), "basic ") {
		// HTTP Basic posted to a login (Monnify's /api/v1/auth/login,
		// Apache Syncope's /accessTokens/login): credentials traded for a
		// token, not a keyed API call.
		why.evidence("path", "login")
		why.evidence("credentials", "Basic")
		return EndpointToken
	}
	if status < 300 && (!why.candidate || why.jsonRPC) {
		// An app's own key on a call that succeeded: an API call to a
		// resource server, whose 200 may still be an error envelope.
		if k := appKey(req, params, why, true); k != "" {
			why.evidence("credentials", k)
			return EndpointResource
		}
	}
	if status < 400 {
		return EndpointNone // the response headers below speak only of errors
	}
	if k := appKey(req, params, why, false); k != "" {
		why.evidence("credentials", k)
		return EndpointResource
	}
	// A password or secret posted: a framework's default Bearer challenge on
	// the failed login (Symfony's) does not make it a resource call.
	if wa := h["Www-Authenticate"]; len(wa) > 0 && hasOAuthChallenge(wa) && !why.exchange {
		why.evidence("challenge", "WWW-Authenticate")
		return EndpointResource
	}
	if len(h["X-Accepted-Oauth-Scopes"]) > 0 || len(h["X-Oauth-Scopes"]) > 0 {
		why.evidence("header", "X-Accepted-OAuth-Scopes")
		return EndpointResource
	}
	if status == http.StatusUnauthorized && !why.exchange {
		why.evidence("status", "401")
		return EndpointResource
	}
	// A throttle or a server failure says what went wrong on its own, with
	// or without a credential in sight: the API is a resource server.
	if !why.exchange && (status == http.StatusTooManyRequests || status >= 500 && status < 600) {
		why.byStatus = true
		if status == http.StatusTooManyRequests {
			why.evidence("status", "429")
		} else {
			why.evidence("status", "5xx")
		}
		return EndpointResource
	}
	why.tokenCarried = !why.exchange && carriesTokenLike(req)
	return EndpointNone
}

// appKey names the app's own key an API call carried, when it carried no
// token: a key header, HTTP Basic with no OAuth parameter, a vendor key
// scheme or HTTP Digest. On a success an empty or "null" key header is
// none; on a refusal it is still the key the caller meant to send.
func appKey(req *Request, params requestParams, why *Why, success bool) string {
	// A key header (Figma's X-Figma-Token, DD-API-KEY); not on a login that
	// posts a password beside the app's key (Mindbody).
	for name, v := range req.Header {
		if keyHeaderName(name) && !(why.exchange && params.has(pPassword|pSecret|pClientSecret)) &&
			(!success || len(v) > 0 && !placeholderToken(trimSpace(v[0]))) {
			return "key header"
		}
		if !success {
			continue // a refusal's vendor Authorization header was already named (credentialOf)
		}
		if vendorAuthorization(name, v) {
			return "vendor Authorization header" // LINE Pay's X-LINE-Authorization signature
		}
	}
	authz := trimSpace(headerValue(req.Header, "Authorization"))
	switch {
	case params.set == 0 && !why.exchange && (!why.candidate || why.jsonRPC) && hasPrefixFold(authz, "basic "):
		// An API key sent as the Basic user (Freshdesk, Xendit, Stripe),
		// not a client authenticating at a token endpoint.
		return "Basic"
	case apiKeyScheme(authz) && !why.exchange && !why.candidate:
		return "key scheme" // Klaviyo-API-Key pk_…, SendGrid-style ApiKey …
	case hasPrefixFold(authz, "digest "):
		return "Digest" // RFC 7616; MongoDB Atlas's API keys answer its challenge
	}
	return ""
}

// detectFromBody places an exchange by the response body's own shape,
// when nothing in the request or headers did.
func detectFromBody(f *oauthFields, body []byte, status int, h http.Header, why *Why) Endpoint {
	switch {
	case f.accessToken.nonEmptyString() && (f.tokenType.present() || f.expiresIn.present()):
		why.evidence("response field", "access_token")
		return EndpointToken
	case (why.exchange || why.tokenPath) && status < 300 && (f.accessToken.nonEmptyString() || f.altToken.nonEmptyString() && why.exchange):
		why.evidence("response field", "token")
		return EndpointToken
	case why.exchange && status < 300 && f.tokenType.nonEmptyString() && f.expiresIn.present() && !f.accessToken.present():
		// A token response's own fields without its access_token
		// (bKash's grant answers id_token, token_type and expires_in).
		why.evidence("response field", "token_type")
		return EndpointToken
	case why.keyCall && !f.accessToken.present() && !f.altToken.present():
		why.evidence("credentials", "key parameter")
		return EndpointResource
	case why.exchange && status >= 400 && status < 500 && (f.format == formatJSON || f.format == formatJSONArray) &&
		(f.err.present() || f.message.present() || f.vendor.errorish || f.vendor.msg.present()):
		why.evidence("response field", "error")
		return EndpointToken
	case why.tokenPath && status < 300 && f.altAccess && f.altToken.nonEmptyString():
		// An access token under a camel-case name at a token path
		// (Aurinko's {"accessToken":…}): a token call no OAuth client reads.
		why.evidence("response field", "accessToken")
		return EndpointToken
	case why.exchange && status < 300 && (f.vendor.errorish || f.okFalse || refusalCode(f)) && !f.accessToken.present() && !f.altToken.present():
		// A secret traded at a vendor path, refused in a 200 envelope
		// (DingTalk's and WeChat's {"errcode":40089,…}).
		why.evidence("response field", "error envelope")
		return EndpointToken
	case f.active.kind == kindBool:
		why.evidence("response field", "active")
		return EndpointIntrospect
	case f.deviceCode.nonEmptyString() && f.userCode.nonEmptyString():
		why.evidence("response field", "device_code")
		return EndpointDeviceAuthorization
	case f.err.kind == kindString:
		if c, ok := errorCodes[string(f.err.raw)]; ok {
			why.evidence("response field", "error")
			if c == InvalidToken || c == InsufficientScope || c == InvalidRequest && namesAccessToken(f.description.raw) {
				// Particle's invalid_request "The access token was not
				// found": RFC 6750 §3.1's code for a resource call.
				return EndpointResource
			}
			return EndpointToken
		}
		// An unregistered code that reads as words about the caller's
		// token (miniOrange's "invalid_bearer_token").
		var buf [128]byte
		if words := codeWords(f.err.raw, buf[:0]); words != nil {
			if p := phraseMatch(words, EndpointResource); p != nil && p.Only == EndpointResource &&
				(p.Cause == InvalidToken || p.Cause == MissingToken) {
				why.evidence("response field", "error")
				return EndpointResource
			}
		}
	case f.format == formatHTML || f.format == formatText:
		// An edge's block or challenge page in front of an API: the
		// edge refused the call before any OAuth could happen.
		if e := edgeOf(h, body); e.byPage || e.challenge {
			why.evidence("response field", "edge page")
			return EndpointResource
		}
		if status == 403 && hasPrefixFold(string(body[:min(len(body), 32)]), "RBAC: access denied") {
			why.evidence("response field", "rbac denial") // Envoy's RBAC filter
			return EndpointResource
		}
	case f.err.kind == kindObject || f.format == formatJSONArray:
		if c, _ := f.vendor.root(); c == InvalidToken || c == InsufficientScope || c == MissingToken {
			why.evidence("response field", "vendor error")
			return EndpointResource
		}
	}
	if why.tokenCarried && f.format == formatJSON && saysTokenRefused(f) {
		why.evidence("response field", "message")
		return EndpointResource
	}
	if f.format == formatJSON && saysNoToken(f) {
		why.evidence("response field", "message")
		return EndpointResource
	}
	if why.jsonRPC && status < 300 && f.err.kind == kindObject && (saysTokenRefused(f) || saysNoToken(f)) {
		// A JSON-RPC error naming the session or key refused (Odoo's
		// "Session Expired"): the call's credential, at a resource.
		why.evidence("response field", "JSON-RPC error")
		return EndpointResource
	}
	if why.keyPosted && status < 300 {
		// No token came back for the key (Amplitude's and Heap's ingestion
		// calls post it in the JSON): a call keyed by the app.
		why.evidence("credentials", "key parameter")
		return EndpointResource
	}
	return EndpointNone
}

// refusalCode reports a vendor code that names an OAuth refusal, as a
// registered code or in its words (Prometeo's {"status":"wrong_credentials"},
// {"status":"interaction_required"} in a 200).
func refusalCode(f *oauthFields) bool {
	if c, _ := f.vendor.root(); c != "" && c != statusWord {
		return true
	}
	var buf [128]byte
	for i := 0; i < f.vendor.n; i++ {
		if words := codeWords(f.vendor.codes[i].raw, buf[:0]); words != nil && phraseMatch(words, EndpointToken) != nil {
			return true
		}
	}
	return false
}

// saysTokenRefused reports an error body whose message says the token
// was not accepted ("Authentication failed. Please ensure your token is
// correct.").
func saysTokenRefused(f *oauthFields) bool {
	for _, v := range [...]value{f.message, f.vendor.msg, f.description} {
		if v.kind == kindString && phraseSays(v.raw, EndpointResource, InvalidToken) {
			return true
		}
	}
	return false
}

// namesAccessToken: words about the access token itself, which only a
// resource server (or introspection) checks.
func namesAccessToken(b []byte) bool {
	p := phraseMatch(b, EndpointResource)
	if p == nil || p.Only != EndpointResource || p.Cause != MissingToken && p.Cause != InvalidToken {
		return false
	}
	t := p.firstTerm(b)
	return containsFold(t, "access") || containsFold(t, "bearer") || containsFold(b, "access token") || containsFold(b, "access_token")
}

// saysNoToken reports whether an error body's message says in so many
// words that the request lacked an access token or authorization header
// (Vercel's "missing an authentication token", "Authorization header
// required"): words for the caller's token, never another kind of token.
func saysNoToken(f *oauthFields) bool {
	words := value{raw: errorWords(f), kind: kindString} // Overkiz's {"error":"Missing authorization token."}
	for _, v := range [...]value{f.message, f.vendor.msg, f.description, words} {
		if v.kind != kindString {
			continue
		}
		if phraseSays(v.raw, EndpointResource, MissingToken) {
			return true
		}
	}
	// A vendor code that reads as the credential missing (Rapyd's
	// MISSING_AUTHENTICATION_HEADERS).
	var buf [128]byte
	for i := 0; i < f.vendor.n; i++ {
		if words := codeWords(f.vendor.codes[i].raw, buf[:0]); words != nil && phraseSays(words, EndpointResource, MissingToken) {
			return true
		}
	}
	return false
}

// The request parameters detection reads, as bits of requestParams.
const (
	pGrantType uint32 = 1 << iota
	pResponseType
	pRefreshToken
	pDeviceCode
	pCodeVerifier
	pSubjectToken
	pCode
	pClientID
	pClientSecret
	pClientAssertion
	pRedirectURI
	pScope
	pToken
	pTokenTypeHint
	pAccessToken
	pFBExchangeToken
	pOAuthToken
	pState
	pError
	pAPIKey
	pSecret   // a vendor secret under a non-OAuth name
	pPassword // the resource owner's password (RFC 6749 §4.3, or a vendor login)
	pSession  // a vendor's session token (Bill.com's sessionId, Expensify's authToken)
)

// paramBit maps a parameter name to its bit; 0 for the others.
func paramBit(name string) uint32 {
	switch name {
	case "grant_type":
		return pGrantType
	case "response_type":
		return pResponseType
	case "refresh_token":
		return pRefreshToken
	case "device_code":
		return pDeviceCode
	case "code_verifier":
		return pCodeVerifier
	case "subject_token":
		return pSubjectToken
	case "code":
		return pCode
	case "client_id":
		return pClientID
	case "client_secret":
		return pClientSecret
	case "client_assertion":
		return pClientAssertion
	case "redirect_uri":
		return pRedirectURI
	case "scope":
		return pScope
	case "token":
		return pToken
	case "token_type_hint":
		return pTokenTypeHint
	case "access_token":
		return pAccessToken
	case "fb_exchange_token":
		return pFBExchangeToken
	case "oauth_token":
		return pOAuthToken
	case "state":
		return pState
	case "error":
		return pError
	case "api_key", "apikey", "key", "wstoken", "access_key":
		return pAPIKey
	case "password":
		return pPassword
	}
	return vendorParamBit(name)
}

// secretParamNames are non-OAuth names of secrets a client trades for a
// token, compared without case, "_" or "-": Feishu's app_secret,
// GoCardless's secret_key, Frontegg's secret, a password login.
var secretParamNames = [...]string{"secret", "appsecret", "secretkey", "clientsecret", "apisecret", "consumersecret", "refreshtoken", "privatekey"}

// keyParamSuffixes end the names of parameters that carry an API key or a
// signing key id, compared without case, "_" or "-": HubSpot's hapikey,
// Alibaba's AccessKeyId, Tencent's SecretId, api_token.
var keyParamSuffixes = [...]string{"apikey", "accesskeyid", "accesskey", "secretid", "apitoken", "authtoken", "wstoken", "authkey",
	"securitykey"} // NMI's security_key

func vendorParamBit(name string) uint32 {
	if len(name) < 5 || len(name) > 40 {
		return 0
	}
	var buf [40]byte
	n := 0
	for i := 0; i < len(name); i++ {
		if c := name[i]; c != '_' && c != '-' {
			buf[n] = lower(c)
			n++
		}
	}
	switch string(buf[:n]) {
	case "sessionid", "sessiontoken", "sessionkey", "authtoken", "usertoken",
		"session",   // Taobao TOP's session=, the seller's access token
		"tokenauth": // Matomo's token_auth
		return pSession
	case "redirecturi", "redirecturl": // redirectUri, redirectUrl, redirect-url
		return pRedirectURI
	case "password", "userpassword": // Mindbody's "Password", "user_password"
		return pPassword
	case "clientid", "appid": // clientId, client-id, appId (Wix, Facebook's app_id)
		return pClientID
	case "requesttoken": // a request token traded for an access token (TMDB v4, OAuth 1.0a-style)
		return pCode
	}
	for _, suf := range keyParamSuffixes {
		if n >= len(suf) && string(buf[n-len(suf):n]) == suf {
			return pAPIKey
		}
	}
	for _, s := range secretParamNames {
		if string(buf[:n]) == s {
			return pSecret
		}
	}
	// A secret or password under a vendor's prefix (Expensify's
	// partnerUserSecret and partnerPassword).
	if n > 6 && string(buf[n-6:n]) == "secret" {
		return pSecret
	}
	if n > 8 && string(buf[n-8:n]) == "password" {
		return pPassword
	}
	return 0
}

// requestParams records which parameters a request carries, in the
// query, a form body or a JSON body, gathered in one pass without
// allocating.
type requestParams struct {
	set uint32
}

// newQueryParams records the parameters of a URL query alone.
func newQueryParams(rawQuery string) requestParams {
	var p requestParams
	for q := rawQuery; len(q) > 0; {
		var pair string
		if amp := indexString(q, '&'); amp >= 0 {
			pair, q = q[:amp], q[amp+1:]
		} else {
			pair, q = q, ""
		}
		if eq := indexString(pair, '='); eq >= 0 {
			if eq == len(pair)-1 && paramBit(pair[:eq]) == pAPIKey {
				continue // ?hapikey= carries no key
			}
			pair = pair[:eq]
		}
		p.mark(pair)
	}
	return p
}

func newRequestParams(req *Request) requestParams {
	p := newQueryParams(req.RawQuery)
	body := req.Body
	if len(body) == 0 {
		return p
	}
	start := skipSpace(body, 0)
	if start < len(body) && body[start] == '{' {
		o := newJSONObject(body)
		for {
			key, val, kind, ok := o.next()
			if !ok {
				return p
			}
			p.mark(string(key))
			if kind == kindObject {
				// A credential one object down (GraphQL's "variables",
				// Affirm's "merchant", {"auth": {...}}) still says a
				// credential is traded; other names there are the call's own.
				for in := newJSONObject(val); ; {
					k, _, _, ok := in.next()
					if !ok {
						break
					}
					p.set |= paramBit(string(k)) & (pPassword | pSecret | pClientSecret | pAPIKey)
				}
			}
		}
	}
	mt := MediaType(req.Header)
	if mt == "multipart/form-data" {
		markMultipartNames(&p, body) // curl -F, FreshBooks' and Tumblr's documented token calls
		return p
	}
	if mt != "application/x-www-form-urlencoded" && (mt != "" || !looksLikeForm(body[start:])) {
		return p
	}
	pairs := formPairs{b: body}
	for {
		k, _, ok := pairs.next()
		if !ok {
			return p
		}
		p.mark(string(k))
	}
}

func (p *requestParams) mark(name string) { p.set |= paramBit(name) }

// markMultipartNames marks the field names of a multipart/form-data body
// (RFC 7578 §4.2: Content-Disposition: form-data; name="grant_type"). Only
// part headers count, not a file's contents, and filename="…" is skipped.
func markMultipartNames(p *requestParams, body []byte) {
	const header, key = "content-disposition:", `name="`
	for len(body) > 0 {
		line := body
		if n := bytes.IndexByte(body, '\n'); n >= 0 {
			line, body = body[:n], body[n+1:]
		} else {
			body = nil
		}
		if len(line) < len(header) || !equalFoldBytes(line[:len(header)], header) {
			continue
		}
		for line = line[len(header):]; ; {
			j := bytes.Index(line, []byte(key))
			if j < 0 {
				break
			}
			prev := byte(' ')
			if j > 0 {
				prev = lower(line[j-1])
			}
			line = line[j+len(key):]
			end := bytes.IndexByte(line, '"')
			if end < 0 {
				break
			}
			if prev < 'a' || prev > 'z' { // not filename="…"
				p.mark(string(line[:end]))
			}
			line = line[end:]
		}
	}
}

// has reports whether any of the parameters in bits is present.
func (p requestParams) has(bits uint32) bool { return p.set&bits != 0 }

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
// VK's {"error":{…}}, WeChat's {"errcode":…} as text/plain, or an edge's
// block page sent with 200, and no more.
const ResourceSuccessPeek = 1024

// BodyWanted says how many bytes of the response body the classifier
// needs for a detected exchange: 0 when the status and headers decide
// alone (undetected traffic, a resource server's redirects and ordinary
// successes), so that most traffic is never buffered.
func BodyWanted(d Detection, status int, h http.Header, opts *Options) int {
	switch d.Endpoint {
	case EndpointNone, "":
		if NeedsBody(status) || d.Why.candidate {
			return opts.maxBody()
		}
		return 0
	case EndpointResource:
		switch {
		case status >= 400:
			return opts.maxBody()
		case status >= 200 && status < 300 && status != 204:
			if mt := MediaType(h); isJSONMediaType(mt) || mt == "text/html" || mt == "text/plain" || mt == "text/javascript" ||
				d.Why.subsonic && (mt == "application/xml" || mt == "text/xml") {
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

// authorizationResponse reports a Location carrying an authorization
// response: code= or error= beside state=, in the query or the fragment.
func authorizationResponse(loc string) bool {
	i := strings.IndexAny(loc, "?#")
	if i < 0 {
		return false
	}
	q := loc[i+1:]
	if j := strings.IndexByte(q, '#'); j >= 0 && loc[i] == '?' {
		q = q[:j]
	}
	return queryHas(q, "state") && (queryHas(q, "code") || queryHas(q, "error"))
}

// loginRedirect reports a Location that sends the caller to log in: an
// authorization request (response_type=) or a login page.
func loginRedirect(loc string) bool {
	if loc == "" {
		return false
	}
	if containsFold(loc, "response_type=") {
		return true
	}
	path := loc
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	for _, w := range [...]string{"/login", "/signin", "/sign-in", "/sign_in", "/oauth2/start", "/access/login"} {
		if containsFold(path, w) {
			return true
		}
	}
	return false
}

// acceptsHTML reports a browser's navigation: a login redirect is then
// how the site works, not an API client's failure.
func acceptsHTML(req *Request) bool {
	return containsFold(headerValue(req.Header, "Accept"), "text/html")
}

// loginPath: a path whose last segment is a login (/accessTokens/login,
// /api/signin).
// authWordPath reports a path naming a login, a token, a session or
// OAuth anywhere, where a posted key may be traded for a token.
func authWordPath(path string) bool {
	for _, w := range [...]string{"auth", "login", "logon", "signin", "sign-in", "sign_in", "token", "session", "credential", "access", "key"} {
		if containsFold(path, w) {
			return true
		}
	}
	return false
}

func loginPath(path string) bool {
	last, _ := lastSegments(path)
	for _, v := range [...]string{"login", "signin", "sign-in", "sign_in", "logon", "authenticate"} {
		if equalFold(last, v) {
			return true
		}
	}
	return false
}

// cognitoAuthCall: a Cognito operation that answers with tokens or
// refuses the credentials it was given.
// Source: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
func cognitoAuthCall(req *Request) bool {
	t := headerValue(req.Header, "X-Amz-Target")
	if !hasPrefixFold(t, "AWSCognitoIdentityProviderService.") && !hasPrefixFold(t, "AWSCognitoIdentityService.") {
		return false
	}
	for _, op := range [...]string{".InitiateAuth", ".AdminInitiateAuth", ".RespondToAuthChallenge", ".AdminRespondToAuthChallenge",
		".GetTokensFromRefreshToken", ".GetOpenIdToken", ".GetCredentialsForIdentity"} {
		if hasSuffixFold(t, op) {
			return true
		}
	}
	return false
}

// stsFederationCall: an STS action that trades an identity token for
// credentials (AWS STS, MinIO STS).
// Source: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
func stsFederationCall(req *Request) bool {
	if req.Path != "" && req.Path[len(req.Path)-1] != '/' {
		return false // STS and MinIO's STS answer at the root (behind a gateway, its listen path's)
	}
	action, ok := formValue(req.Body, "Action")
	if !ok {
		q, _ := queryValue(req.RawQuery, "Action")
		action = []byte(q)
	}
	for _, a := range [...]string{"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML", "AssumeRoleWithClientGrants"} {
		if equalFoldBytes(action, a) {
			return true
		}
	}
	return false
}

// jsonBody reports a request body that opens a JSON object.
func jsonBody(b []byte) bool {
	i := skipSpace(b, 0)
	return i < len(b) && b[i] == '{'
}

// appIDQuery reports an API's app key as ?appid= (OpenWeatherMap); a
// ?client_id= names an OAuth client, which no API takes for a token
// (SoundCloud).
func appIDQuery(q string) bool {
	v, ok := queryValue(q, "appid")
	return ok && v != ""
}

// graphQLLogin reports a GraphQL POST whose query is a mutation or query
// named for a login or a token (tokenCreate, login, signIn,
// refreshAuthToken, customerAccessTokenCreate, obtainJSONWebToken).
func graphQLLogin(req *Request) bool {
	if req.Method != http.MethodPost || !jsonBody(req.Body) || !(containsFold(req.Path, "graphql") || containsFold(req.Path, "auth")) {
		return false // other POSTs pay nothing for this
	}
	q, ok := jsonStringField(req.Body, "query")
	if !ok || len(q) > 4096 {
		return false
	}
	for _, w := range [...]string{"tokencreate", "tokenauth", "accesstokencreate", "refreshauthtoken", "refreshtoken", "obtainjsonwebtoken",
		"login(", "signin(", "authenticate(", "generatecustomertoken", "tokenrefresh"} {
		if containsFold(q, w) {
			return true
		}
	}
	return false
}

// graphQLRefresh reports a GraphQL login mutation that refreshes a token:
// the token in its variables is the grant.
func graphQLRefresh(req *Request) bool {
	if !graphQLLogin(req) {
		return false
	}
	q, _ := jsonStringField(req.Body, "query")
	return containsFold(q, "refresh")
}

// graphQLPassword reports a GraphQL login that carries a password.
func graphQLPassword(req *Request) bool {
	q, ok := jsonStringField(req.Body, "query")
	return ok && containsFold(q, "password")
}

// jsonStringField is the raw value of a top-level string field.
func jsonStringField(body []byte, name string) ([]byte, bool) {
	o := newJSONObject(body)
	for {
		k, v, kind, ok := o.next()
		if !ok {
			return nil, false
		}
		if kind == kindString && string(k) == name {
			return v, true
		}
	}
}
