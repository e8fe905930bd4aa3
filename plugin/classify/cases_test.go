package classify

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// exchange is one request/response pair. The same table drives the table
// test, the benchmarks and the fuzz seeds (like Coraza's shared cases).
type exchange struct {
	name     string
	source   string // RFC section or provider doc the example comes from
	req      Request
	resp     Response
	opts     *Options
	endpoint Endpoint
	verdict  Verdict
	causes   []Code
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func formPost(path, body string, kv ...string) Request {
	h := hdr(append([]string{"Content-Type", "application/x-www-form-urlencoded"}, kv...)...)
	return Request{Method: "POST", Path: path, Header: h, Body: []byte(body)}
}

func jsonResp(status string, body string, kv ...string) Response {
	h := hdr(append([]string{"Content-Type", "application/json;charset=UTF-8", "Cache-Control", "no-store", "Pragma", "no-cache"}, kv...)...)
	return Response{Status: atoi(status), Header: h, Body: []byte(body)}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.Bytes()
}

const (
	authCodeRequest = "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb"
	rfc6749Success  = `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value"}`
	bearerSuccess   = `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA"}`
)

// largeTokenSuccess is a ~1 KB token response, like an IdP's JWT answer.
var largeTokenSuccess = `{"access_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRlbW8ifQ.` + strings.Repeat("eyJzdWIiOiJkZW1vIn0", 30) +
	`.c2lnbmF0dXJl","expires_in":300,"refresh_expires_in":1800,"refresh_token":"eyJhbGciOiJIUzI1NiJ9.` + strings.Repeat("cmVmcmVzaA", 20) +
	`.sig","token_type":"Bearer","not-before-policy":0,"session_state":"5f1a0d1c-8d0a-4f0e-9a8b-2b1c0d9e8f7a","scope":"profile email"}`

var exchanges = []exchange{
	{
		name: "rfc6749 5.1 success", source: "RFC 6749 §5.1",
		req:  formPost("/token", authCodeRequest),
		resp: jsonResp("200", bearerSuccess), endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "rfc6749 5.1 example token type rejected by default", source: "RFC 6749 §5.1, §7.1",
		req:  formPost("/token", authCodeRequest),
		resp: jsonResp("200", rfc6749Success), endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{BadTokenType},
	},
	{
		name: "rfc6749 5.1 example token type accepted when configured", source: "RFC 6749 §5.1",
		req:  formPost("/token", authCodeRequest),
		resp: jsonResp("200", rfc6749Success), opts: &Options{TokenTypes: []string{"example"}},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "rfc6749 5.2 invalid_request", source: "RFC 6749 §5.2",
		req:  formPost("/token", authCodeRequest),
		resp: jsonResp("400", `{"error":"invalid_request"}`), endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "large jwt success", source: "Keycloak token response shape",
		req:  formPost("/realms/demo/protocol/openid-connect/token", "grant_type=client_credentials&scope=profile+email"),
		resp: jsonResp("200", largeTokenSuccess), endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "gzip success", source: "RFC 9110 §8.4.1.3",
		req: formPost("/token", "grant_type=client_credentials"),
		resp: func() Response {
			r := jsonResp("200", "", "Content-Encoding", "gzip")
			r.Body = gzipped(bearerSuccess)
			return r
		}(),
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "github error in 200 form body", source: "GitHub docs: troubleshooting OAuth app access token request errors",
		req: formPost("/login/oauth/access_token", "client_id=Iv1.demo&client_secret=demo-secret-value&code=demo-code-123&grant_type=authorization_code"),
		resp: Response{Status: 200, Header: hdr("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
			Body: []byte("error=incorrect_client_credentials&error_description=The+client_id+and%2For+client_secret+passed+are+incorrect.&error_uri=https%3A%2F%2Fdocs.github.com")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, ErrorInSuccessStatus, FormEncodedResponse},
	},
	{
		name: "entra AADSTS7000215 bad secret", source: "Microsoft identity platform error codes",
		req:      formPost("/tenant/oauth2/v2.0/token", "grant_type=client_credentials&client_id=demo&client_secret=wrong-demo-secret&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
		resp:     jsonResp("401", `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\r\nTrace ID: 0000\r\nCorrelation ID: 0000\r\nTimestamp: 2024-01-01 00:00:00Z","error_codes":[7000215],"timestamp":"2024-01-01 00:00:00Z"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "entra AADSTS50011 redirect mismatch under invalid_request", source: "Microsoft identity platform error codes",
		req:      formPost("/tenant/oauth2/v2.0/token", authCodeRequest),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"AADSTS50011: The redirect URI specified in the request does not match.","error_codes":[50011]}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "keycloak bad secret as unauthorized_client", source: "Keycloak ClientAuthenticator",
		req:      formPost("/realms/demo/protocol/openid-connect/token", "grant_type=client_credentials&client_id=demo&client_secret=nope"),
		resp:     jsonResp("401", `{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "keycloak redirect mismatch as invalid_grant", source: "Keycloak TokenEndpoint",
		req:      formPost("/realms/demo/protocol/openid-connect/token", authCodeRequest),
		resp:     jsonResp("400", `{"error":"invalid_grant","error_description":"Incorrect redirect_uri"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "auth0 bad secret as 401 access_denied", source: "Auth0 token endpoint",
		req:      formPost("/oauth/token", "grant_type=client_credentials&client_id=demo&client_secret=nope"),
		resp:     jsonResp("401", `{"error":"access_denied","error_description":"Unauthorized"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "nginx 502 html", source: "nginx default error page",
		req: formPost("/token", "grant_type=client_credentials"),
		resp: Response{Status: 502, Header: hdr("Content-Type", "text/html"),
			Body: []byte("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{ServerError, HTMLErrorPage},
	},
	{
		name: "empty 401", source: "infrastructure",
		req:  formPost("/token", "grant_type=client_credentials"),
		resp: Response{Status: 401, Header: hdr()}, endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, EmptyBody},
	},
	{
		name: "nested error object", source: "Google APIs error model",
		req:      formPost("/token", "grant_type=client_credentials"),
		resp:     jsonResp("401", `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "missing access_token", source: "RFC 6749 §5.1",
		req:  formPost("/token", "grant_type=client_credentials"),
		resp: jsonResp("200", `{"token_type":"Bearer","expires_in":3600}`), endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken},
	},
	{
		name: "string expires_in", source: "RFC 6749 §5.1",
		req:  formPost("/token", "grant_type=client_credentials"),
		resp: jsonResp("200", `{"access_token":"demo-at","token_type":"bearer","expires_in":"3600"}`), endpoint: EndpointToken, verdict: VerdictWarning, causes: []Code{ExpiresInString},
	},
	{
		name: "text/plain json", source: "RFC 6749 §5.1",
		req: formPost("/token", "grant_type=client_credentials"),
		resp: Response{Status: 200, Header: hdr("Content-Type", "text/plain", "Cache-Control", "no-store"),
			Body: []byte(bearerSuccess)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{WrongContentType},
	},
	{
		name: "openid without id_token, no no-store, narrowed scope", source: "OpenID Connect Core §3.1.3.3",
		req: formPost("/token", "grant_type=password&username=demo&password=demo-password&scope=openid+profile+email"),
		resp: Response{Status: 200, Header: hdr("Content-Type", "application/json"),
			Body: []byte(`{"access_token":"demo-at","token_type":"Bearer","expires_in":60,"scope":"openid profile"}`)},
		endpoint: EndpointToken, verdict: VerdictWarning, causes: []Code{ScopeNarrowed, MissingNoStore},
		// OpenID Connect Core §3.1.3.3 requires id_token of the code grant only.
	},
	{
		name: "openid code exchange without id_token", source: "OpenID Connect Core §3.1.3.3",
		req: formPost("/token", "grant_type=authorization_code&code=demo-code-123456&redirect_uri=https%3A%2F%2Fapp%2Fcb&client_id=demo&scope=openid"),
		resp: Response{Status: 200, Header: hdr("Content-Type", "application/json", "Cache-Control", "no-store"),
			Body: []byte(`{"access_token":"demo-at","token_type":"Bearer","expires_in":60,"scope":"openid"}`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingIDToken},
	},
	{
		name: "github-style code exchange without grant_type and without id_token", source: "OpenID Connect Core §3.1.3.3",
		req: formPost("/login/oauth/access_token", "client_id=demo&client_secret=demo-secret-123456&code=demo-code-123456"),
		resp: Response{Status: 200, Header: hdr("Content-Type", "application/json", "Cache-Control", "no-store"),
			Body: []byte(`{"access_token":"demo-at","token_type":"bearer","scope":"openid"}`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingIDToken},
	},
	{
		name: "device polling pending", source: "RFC 8628 §3.5",
		req:  formPost("/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=demo-device-code&client_id=demo"),
		resp: jsonResp("400", `{"error":"authorization_pending"}`), endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{AuthorizationPending},
	},
	{
		name: "introspection inactive", source: "RFC 7662 §2.2",
		req:  formPost("/introspect", "token=demo-opaque-token&token_type_hint=access_token"),
		resp: jsonResp("200", `{"active":false}`), endpoint: EndpointIntrospect, verdict: VerdictOK, causes: []Code{InactiveToken},
	},
	{
		name: "authorize redirect with error and state", source: "RFC 6749 §4.1.2.1",
		req:      Request{Method: "GET", Path: "/authorize", RawQuery: "response_type=code&client_id=s6BhdRkqt3&state=xyz&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb", Header: hdr()},
		resp:     Response{Status: 302, Header: hdr("Location", "https://client.example.com/cb?error=access_denied&state=xyz")},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "authorize state not echoed", source: "RFC 6749 §4.1.2",
		req:      Request{Method: "GET", Path: "/authorize", RawQuery: "response_type=code&client_id=s6BhdRkqt3&state=xyz", Header: hdr()},
		resp:     Response{Status: 302, Header: hdr("Location", "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=abc")},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{StateMismatch},
	},
	{
		name: "authorize issuer mismatch", source: "RFC 9207 §2.4",
		req:  Request{Method: "GET", Path: "/authorize", RawQuery: "response_type=code&client_id=s6BhdRkqt3&state=xyz", Header: hdr()},
		resp: Response{Status: 302, Header: hdr("Location", "https://client.example.com/cb?code=x&state=xyz&iss=https%3A%2F%2Fevil.example")},
		opts: &Options{Issuer: "https://honest.as.example"}, endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{IssuerMismatch},
	},
	{
		name: "authorize html redirect_uri page", source: "Keycloak error page",
		req: Request{Method: "GET", Path: "/realms/demo/protocol/openid-connect/auth", RawQuery: "response_type=code&client_id=demo&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", Header: hdr()},
		resp: Response{Status: 400, Header: hdr("Content-Type", "text/html;charset=utf-8"),
			Body: []byte("<!DOCTYPE html><html><body><p id=\"kc-error-message\">Invalid parameter: redirect_uri</p></body></html>")},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "resource invalid_token", source: "RFC 6750 §3",
		req:      Request{Method: "GET", Path: "/resource", Header: hdr("Authorization", "Bearer mF_9.B5f-4.1JqM")},
		resp:     Response{Status: 401, Header: hdr("WWW-Authenticate", `Bearer realm="example", error="invalid_token", error_description="The access token expired"`)},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "resource missing token", source: "RFC 6750 §3",
		req:      Request{Method: "GET", Path: "/resource", Header: hdr()},
		resp:     Response{Status: 401, Header: hdr("WWW-Authenticate", `Bearer realm="example"`)},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "resource success is not labelled", source: "RFC 6750",
		req:      Request{Method: "GET", Path: "/resource", Header: hdr("Authorization", "Bearer mF_9.B5f-4.1JqM")},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"ok":true}`)},
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	// Rules written from provider docs rather than corpus captures.
	{
		name: "spring authorization server names the redirect_uri parameter", source: "https://docs.spring.io/spring-authorization-server/reference/protocol-endpoints.html",
		req:      formPost("/oauth2/token", authCodeRequest+"&client_id=demo"),
		resp:     jsonResp("400", `{"error_description":"OAuth 2.0 Parameter: redirect_uri","error":"invalid_request","error_uri":"https://datatracker.ietf.org/doc/html/rfc6749#section-5.2"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "league oauth2-server hint", source: "https://github.com/thephpleague/oauth2-server/blob/master/src/Exception/OAuthServerException.php",
		req:      formPost("/oauth/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-refresh-0001&client_id=1"),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.","hint":"Cannot decrypt the refresh token","message":"The request is missing a required parameter"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "error field holding words (Tyk)", source: "https://tyk.io/docs/api-management/troubleshooting-debugging/",
		req:      Request{Method: "GET", Path: "/orders", Header: hdr("Authorization", "Bearer PLACEHOLDER-key-0001")},
		resp:     jsonResp("403", `{"error": "Key not authorised"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "github secondary rate limit with 403", source: "https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api",
		req:      Request{Method: "GET", Path: "/repos/o/r/issues", Header: hdr("Authorization", "token gho_PLACEHOLDER00000")},
		resp:     jsonResp("403", `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest"}`, "X-Ratelimit-Remaining", "0"),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited},
	},
	{
		name: "google error page spells the RFC code", source: "https://developers.google.com/identity/protocols/oauth2/web-server#authorization-errors",
		req:      Request{Method: "GET", Path: "/o/oauth2/v2/auth", RawQuery: "client_id=x&response_type=code&scope=email", Header: hdr()},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/html; charset=utf-8"), Body: []byte(`<html><body><h1>Access blocked: This app's request is invalid</h1><p>Error 403: access_denied</p></body></html>`)},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "entra wrapper number before the specific one", source: "https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
		req:      formPost("/common/oauth2/v2.0/token", authCodeRequest+"&client_id=demo"),
		resp:     jsonResp("400", `{"error":"invalid_grant","error_description":"AADSTS70002: Error validating credentials. AADSTS54005: OAuth2 Authorization code was already redeemed.","error_codes":[70002,54005]}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "rfc boilerplate does not name a redirect mismatch", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth2/token", authCodeRequest+"&client_id=demo"),
		resp:     jsonResp("400", `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "waf challenge served with 200 at a token endpoint", source: "https://docs.aws.amazon.com/waf/latest/developerguide/waf-captcha-and-challenge.html",
		req:      formPost("/oauth2/token", "grant_type=client_credentials&client_id=demo&client_secret=PLACEHOLDER-secret-9"),
		resp:     Response{Status: 202, Header: hdr("Content-Type", "text/html", "X-Amzn-Waf-Action", "challenge"), Body: []byte(`<html><script>window.awsWafCookieDomainList = [];</script></html>`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{EdgeBlocked, HTMLErrorPage},
	},
	{
		name: "503 with Retry-After and an RFC server_error", source: "https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3",
		req:      formPost("/oauth/token", "grant_type=client_credentials"),
		resp:     jsonResp("503", `{"error":"server_error"}`, "Retry-After", "30"),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{TemporarilyUnavailable},
	},
	{
		name: "mfa needed before a token", source: "https://openid.net/specs/openid-connect-core-1_0.html#AuthError",
		req:      formPost("/user_management/authenticate", "grant_type=password&client_id=demo&email=a%40b.example&password=PLACEHOLDER-pass-1"),
		resp:     jsonResp("403", `{"code":"mfa_enrollment","message":"The user must enroll in MFA to finish authenticating."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InteractionRequired, NonstandardErrorShape},
	},
	{
		name: "api key in the query, refused", source: "https://docs.moodle.org/dev/Creating_a_web_service_client",
		req:      Request{Method: "GET", Path: "/webservice/rest/server.php", RawQuery: "wstoken=PLACEHOLDER-wstoken-01&wsfunction=core_user_get_users", Header: hdr()},
		resp:     jsonResp("403", `{"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "generic access denied in a 401 is an unusable token", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/v1.0/me/drive", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-401")},
		resp:     jsonResp("401", `{"error":{"code":"accessDenied","message":"Access denied"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "generic access denied in a 403 is a missing permission", source: "https://learn.microsoft.com/graph/errors#code-property",
		req:      Request{Method: "GET", Path: "/v1.0/me/drive", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-403")},
		resp:     jsonResp("403", `{"error":{"code":"accessDenied","message":"Access denied"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope},
	},
	{
		name: "a vendor-named api key parameter, rate-limited", source: "https://legacydocs.hubspot.com/docs/faq/working-within-the-hubspot-api-rate-limits",
		req:      Request{Method: "GET", Path: "/contacts/v1/lists/all/contacts/all", RawQuery: "hapikey=PLACEHOLDER-hapikey-1", Header: hdr()},
		resp:     jsonResp("429", `{"status":"error","message":"You have reached your ten_secondly_rolling limit."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited},
	},
	{
		name: "an empty key parameter is no credential", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/v2/items", RawQuery: "api_token=", Header: hdr()},
		resp:     jsonResp("401", `{"message":"You must be authenticated"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "a 200 exception envelope with a key parameter", source: "https://docs.moodle.org/dev/Web_service_API_functions",
		req:      Request{Method: "GET", Path: "/webservice/rest/server.php", RawQuery: "wstoken=PLACEHOLDER-wstoken-02&moodlewsrestformat=json", Header: hdr()},
		resp:     jsonResp("200", `{"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a 200 with an empty errors list is a success", source: "https://spec.graphql.org/October2021/#sec-Errors",
		req:      Request{Method: "GET", Path: "/api/items", RawQuery: "apikey=PLACEHOLDER-apikey-3", Header: hdr()},
		resp:     jsonResp("200", `{"data":{"items":[]},"errors":[]}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "device poll answered 400 with no body", source: "https://www.rfc-editor.org/rfc/rfc8628#section-3.5",
		req:      Request{Method: "POST", Path: "/oauth/device/token", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"code":"PLACEHOLDER-dc-1","client_id":"tv-app"}`)},
		resp:     Response{Status: 400, Header: hdr("Content-Type", "application/json")},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{AuthorizationPending},
	},
	{
		name: "device poll answered 429 with no body", source: "https://www.rfc-editor.org/rfc/rfc8628#section-3.5",
		req:      formPost("/oauth2/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=PLACEHOLDER-dc-2&client_id=tv"),
		resp:     Response{Status: 429, Header: hdr()},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{SlowDown},
	},
	{
		name: "device poll answered 410 with no body", source: "https://www.rfc-editor.org/rfc/rfc8628#section-3.5",
		req:      formPost("/oauth2/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=PLACEHOLDER-dc-3&client_id=tv"),
		resp:     Response{Status: 410, Header: hdr()},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{ExpiredToken},
	},
	{
		name: "a password login at a vendor path, refused", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      Request{Method: "POST", Path: "/v2/users/login", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"username":"ada","password":"PLACEHOLDER-pw-1"}`)},
		resp:     jsonResp("401", `{"detail":"Incorrect authentication credentials."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "a vendor secret traded for a token under another name", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.1",
		req:      Request{Method: "POST", Path: "/auth/vendor", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"clientId":"c-1","secret":"PLACEHOLDER-secret-1"}`)},
		resp:     jsonResp("200", `{"token":"PLACEHOLDER-vendor-token-1","expiresIn":86400}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "a device authorization at a path of the vendor's naming, placed by its answer", source: "https://www.rfc-editor.org/rfc/rfc8628#section-3.2",
		req:      formPost("/api/v2/pair", "client_id=tv-app&scope=profile"),
		resp:     jsonResp("200", `{"device_code":"PLACEHOLDER-dc-9","user_code":"WDJB-MJHT","verification_uri":"https://example.com/pair","expires_in":900,"interval":5}`),
		endpoint: EndpointDeviceAuthorization, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "a client_id posted to a form that is not OAuth stays unlabelled", source: "",
		req:      formPost("/api/v2/feedback", "client_id=tv-app&text=hello"),
		resp:     jsonResp("200", `{"id":42,"status":"received"}`),
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a code redeemed with a vendor secret in the query", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3",
		req:      Request{Method: "POST", Path: "/v1/exchange", RawQuery: "app_id=a-1&app_secret=PLACEHOLDER-secret-9&code=PLACEHOLDER-code-9", Header: hdr()},
		resp:     jsonResp("400", `{"error":"invalid_grant"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "a vendor secret in a GET's query, refused in a 200 envelope", source: "https://open.dingtalk.com/document/orgapp/obtain-orgapp-token",
		req:      Request{Method: "GET", Path: "/v1/fetch", RawQuery: "appkey=k-1&appsecret=PLACEHOLDER-secret-10", Header: hdr()},
		resp:     jsonResp("200", `{"errcode":40089,"errmsg":"invalid appkey or appsecret"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "a message under a key of the vendor's own naming, at a token endpoint", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth/token", "grant_type=client_credentials&client_id=c-1&client_secret=PLACEHOLDER-secret-11"),
		resp:     jsonResp("400", `{"returnCode":"E1002","errorInfo":{"userMessage":"Client authentication failed"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "a result code and message of the vendor's own naming, at a resource server", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/v1/accounts", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-12")},
		resp:     jsonResp("403", `{"resultCode":"E-77","resultMessage":"The access token has expired"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "an introspection authenticated with a Bearer, at a path of the vendor's naming", source: "https://dev.fitbit.com/build/reference/web-api/authorization/introspect/",
		req:      formPost("/1.1/check", "token=PLACEHOLDER-at-13", "Authorization", "Bearer PLACEHOLDER-at-14"),
		resp:     jsonResp("200", `{"active":false}`),
		endpoint: EndpointIntrospect, verdict: VerdictOK, causes: []Code{InactiveToken},
	},
	{
		name: "a device push token registered with a Bearer stays a resource call", source: "",
		req:      Request{Method: "POST", Path: "/v1/devices", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-15", "Content-Type", "application/json"), Body: []byte(`{"token":"apns-device-token","platform":"ios"}`)},
		resp:     jsonResp("200", `{"id":"d-1","registered":true}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a token success that is a bare JSON string", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.1",
		req:      formPost("/oauth/token", "grant_type=password&username=ada&password=PLACEHOLDER-pw-16"),
		resp:     jsonResp("200", `"PLACEHOLDER-bare-token-16"`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "a token success that is a quoted word in text/plain", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.1",
		req:      formPost("/oauth/token", "grant_type=client_credentials&client_id=c-17&client_secret=PLACEHOLDER-secret-17"),
		resp:     Response{Status: 200, Header: hdr("Content-Type", "text/plain"), Body: []byte(`"PLACEHOLDER-bare-token-17" trailing`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{NotJSON},
	},
	{
		name: "a challenge's invalid_token to a call that carried no token at all", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "POST", Path: "/notion/unfurl", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"uri":"https://seller.example.com/l/product-name"}`)},
		resp:     jsonResp("401", `{"error":{"status":401,"message":"Request need to be authorized."}}`, "WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token"`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "no credentials provided, says the server of a Bearer token it did not accept", source: "https://www.django-rest-framework.org/api-guide/authentication/#unauthorized-and-forbidden-responses",
		req:      Request{Method: "GET", Path: "/v3/models/m-1/download", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-18")},
		resp:     jsonResp("401", `{"detail":"Authentication credentials were not provided."}`, "WWW-Authenticate", `Bearer realm="api"`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "a vendor's server-side type at a 400 gives way to words that name the code", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      Request{Method: "POST", Path: "/oauth/token", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"client_id":"c-19","client_secret":"PLACEHOLDER-secret-19","grant_type":"authorization_code","code":"PLACEHOLDER-code-19"}`)},
		resp:     jsonResp("400", `{"message":"Sorry, the code you provided is not valid. It has already been used, or has expired.","type":"api_error"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "a secret posted to /auth is a credential exchange, not an authorization request", source: "https://www.rfc-editor.org/rfc/rfc6749#section-3.1",
		req:      Request{Method: "POST", Path: "/v1/auth", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"client_id":"c-20","client_secret":"PLACEHOLDER-secret-20"}`)},
		resp:     jsonResp("200", `{"success":true,"data":{"token":"PLACEHOLDER-vendor-token-20"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "an application the customer has not authorized is refused, not a scope", source: "https://docs.ramp.com/developer-api/v1/error-handling",
		req:      Request{Method: "GET", Path: "/developer/v1/transactions", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-21")},
		resp:     jsonResp("403", `{"error_v2":{"error_code":"CUSTOMER_7004","message":"Business not authorized to use this application"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "IBM API Connect's moreInformation outranks its httpMessage status word", source: "https://www.ibm.com/docs/en/api-connect/10.0.x?topic=errors-api-connect-error-messages",
		req:      Request{Method: "GET", Path: "/v2/userinfo", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-22", "X-IBM-Client-Id", "unknown-client-22")},
		resp:     jsonResp("401", `{"httpCode":"401","httpMessage":"Unauthorized","moreInformation":"Client id not registered."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidClient, MissingWWWAuthenticate},
	},
	{
		name: "an API key called missing beside a Bearer token is the application's", source: "https://developer.nordeaopenbanking.com/",
		req:      Request{Method: "GET", Path: "/personal/v4/accounts", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-23")},
		resp:     jsonResp("401", `{"error":{"failures":[{"code":"error.apikey.missing","description":"Missing API key. This operation requires API key, but it was missing."}]}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidClient, MissingWWWAuthenticate},
	},
	{
		name: "an API key called invalid when it was the Bearer token is the token", source: "https://docs.stripe.com/api/errors",
		req:      Request{Method: "GET", Path: "/v1/charges", Header: hdr("Authorization", "Bearer PLACEHOLDER-key-24")},
		resp:     jsonResp("401", `{"error":{"message":"Invalid API Key provided: PLACEHOL********","type":"invalid_request_error"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "an OAuth 1.0a temporary-credentials request refused for its consumer", source: "https://www.rfc-editor.org/rfc/rfc5849#section-2.1",
		req:      Request{Method: "POST", Path: "/v1/request_token", Header: hdr("Authorization", `OAuth oauth_callback="oob", oauth_consumer_key="PLACEHOLDER-ck-25", oauth_signature="PLACEHOLDER-sig", oauth_signature_method="HMAC-SHA1", oauth_version="1.0"`)},
		resp:     jsonResp("401", `{"message":"Consumer is disabled","error_name":"CONSUMER_DISABLED"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "an authorization response redirect at a path of the vendor's naming", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2",
		req:      formPost("/sign/challenge", "signed_challenge=PLACEHOLDER-challenge-26"),
		resp:     Response{Status: 302, Header: hdr("Location", "https://app.example.com/cb?code=PLACEHOLDER-code-26&state=s-26", "Cache-Control", "no-store")},
		endpoint: EndpointAuthorize, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "an IdP's 200 page refusing a camelCase redirectUrl", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1",
		req:      Request{Method: "GET", Path: "/installer/install", RawQuery: "appId=a-27&redirectUrl=https%3A%2F%2Fapp.example.com%2Fcb&state=s-27", Header: hdr("Accept", "text/html")},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "text/html"), Body: []byte("<html><body><h1>Seems That Something Is Wrong</h1><p>The redirect url doesn't match the one defined in your app configuration.</p></body></html>")},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "an authorization endpoint's login page is not an error", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1",
		req:      Request{Method: "GET", Path: "/oauth2/authorize", RawQuery: "response_type=code&client_id=c-28&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s-28", Header: hdr("Accept", "text/html")},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "text/html"), Body: []byte("<html><body><form method=post><input name=username><input type=password name=password><button>Sign in</button></form></body></html>")},
		endpoint: EndpointAuthorize, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "an IdP's own 500 page that names invalid_client", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1",
		req:      Request{Method: "GET", Path: "/api/v2/authorize", RawQuery: "response_type=code&client_id=unknown-29&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s-29", Header: hdr("Accept", "text/html")},
		resp:     Response{Status: 500, Header: hdr("Content-Type", "text/html"), Body: []byte(`<html><body><h1>Une erreur technique est survenue</h1><p id="error-code">Code d'erreur : Y030106</p><p id="error-message">invalid_client</p></body></html>`)},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "a token under a scheme of the vendor's naming", source: "https://www.rfc-editor.org/rfc/rfc6750#section-2.1",
		req:      Request{Method: "GET", Path: "/customers/v1/me-basic", Header: hdr("Authorization", "jwt PLACEHOLDER-jwt-access-token-30")},
		resp:     jsonResp("200", `{"result":{"code":200,"info":"OK"},"data":{"userId":"u-30"}}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an API key sent as the Basic user, refused a permission", source: "https://developers.freshdesk.com/api/#authentication",
		req:      Request{Method: "POST", Path: "/callback_virtual_accounts", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVIta2V5LTMxOg==", "Content-Type", "application/json"), Body: []byte(`{"name":"Budi","expected_amount":150000}`)},
		resp:     jsonResp("403", `{"error_code":"REQUEST_FORBIDDEN_ERROR","message":"The API key is forbidden to perform this request"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope},
	},
	{
		name: "an API key sent as the Basic user, rate-limited", source: "https://www.rfc-editor.org/rfc/rfc6585#section-4",
		req:      Request{Method: "GET", Path: "/v2/invoices", RawQuery: "limit=100", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVIta2V5LTMyOg==")},
		resp:     jsonResp("429", `{"error_code":"RATE_LIMIT_EXCEEDED","message":"You have exceeded the rate limit."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited},
	},
	{
		name: "a GET to a token endpoint answered 405", source: "https://www.rfc-editor.org/rfc/rfc6749#section-3.2",
		req:      Request{Method: "GET", Path: "/identity/v3/OS-OAUTH2/token", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6c2VjcmV0")},
		resp:     jsonResp("405", `{"error":"other_error","error_description":"The method is not allowed for the requested URL."}`, "Allow", "POST"),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{UnexpectedStatus, UnrecognizedError},
	},
	{
		name: "invalid parameters at a resource server outrank its 403", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      formPost("/v1/users/me/status_message", "message=", "Authorization", "Bearer PLACEHOLDER-at-33"),
		resp:     jsonResp("403", `{"message":"Invalid parameters","error_name":"INVALID_PARAMETERS"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a redirect_uri refused in German", source: "https://github.com/gematik/ref-idp-server",
		req:      formPost("/token", "grant_type=authorization_code&code=PLACEHOLDER-code-34&code_verifier=PLACEHOLDER-v-34&client_id=c-34&redirect_uri=http%3A%2F%2Fwww.example.com%2F"),
		resp:     jsonResp("400", `{"error":"invalid_request","gematik_error_text":"redirect_uri ist ungültig","gematik_code":"1020"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "a resource the token does not authorize, in the words", source: "https://developer.nordeaopenbanking.com/",
		req:      Request{Method: "GET", Path: "/personal/v4/accounts/a-35/transactions", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-35")},
		resp:     jsonResp("403", `{"error":{"failures":[{"code":"error.resource.denied","description":"Requested resource is not authorized by access token."}]}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope},
	},
	{
		name: "a secret-key header, refused", source: "https://magic.link/docs/api/server-side-sdks/node",
		req:      Request{Method: "POST", Path: "/v1/wallet", Header: hdr("X-Magic-Secret-Key", "PLACEHOLDER-sk-36", "Content-Type", "application/json"), Body: []byte(`{"chain":"ETH"}`)},
		resp:     jsonResp("401", `{"error":{"code":"INVALID_API_KEY","message":"The provided secret key is invalid or expired"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a token in an access_token header, refused in a 200 envelope", source: "https://developer.tuya.com/en/docs/iot/error-code?id=K989ruxx88swc",
		req:      Request{Method: "POST", Path: "/v1.0/devices/d-37/commands", Header: hdr("Access_token", "PLACEHOLDER-at-37", "Content-Type", "application/json"), Body: []byte(`{"commands":[]}`)},
		resp:     jsonResp("200", `{"code":1010,"msg":"token invalid","success":false}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "an empty access_token header is no token", source: "",
		req:      Request{Method: "GET", Path: "/v1.0/catalog", Header: hdr("Access_token", " ")},
		resp:     jsonResp("200", `{"items":[]}`),
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a token in a vendor's body field, refused with 403 in words", source: "https://misskey-hub.net/en/docs/for-developers/api/",
		req:      Request{Method: "POST", Path: "/api/i", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"i":"PLACEHOLDERmisskeytoken000038"}`)},
		resp:     jsonResp("403", `{"error":{"message":"Authentication failed. Please ensure your token is correct.","code":"AUTHENTICATION_FAILED","kind":"client"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "a client_id in the query is no token", source: "https://developers.soundcloud.com/blog/security-updates-api",
		req:      Request{Method: "GET", Path: "/tracks/13158665", RawQuery: "client_id=PLACEHOLDERclientid000039", Header: hdr()},
		resp:     jsonResp("401", `{"code":401,"message":"A request must contain the Authorization header."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "a login answered with a session id in a wrapper object", source: "https://developer.bill.com/docs/sign-in",
		req:      formPost("/api/v2/Login.json", "userName=ada%40example.com&password=PLACEHOLDER-pw-40&orgId=o-40&devKey=PLACEHOLDER-dk-40"),
		resp:     jsonResp("200", `{"response_status":0,"response_message":"Success","response_data":{"sessionId":"PLACEHOLDER-session-40","orgId":"o-40"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "a session id sent with the call, refused in a 200 wrapper", source: "https://developer.bill.com/docs/error-codes",
		req:      formPost("/api/v2/List/Invoice.json", "devKey=PLACEHOLDER-dk-41&sessionId=PLACEHOLDER-session-41&data=%7B%7D"),
		resp:     jsonResp("200", `{"response_status":1,"response_message":"Error","response_data":{"error_code":"BDC_1109","error_message":"Session is invalid. Please log in."}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "an auth token sent with the call, its expiry named beside a status field", source: "https://integrations.expensify.com/Integration-Server/doc/",
		req:      formPost("/api/OpenReport", "reportID=42&authToken=PLACEHOLDER-at-42"),
		resp:     jsonResp("200", `{"jsonCode":407,"message":"Your session has expired. Please sign in again."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a 200 whose nested header names a 401", source: "https://developer.musixmatch.com/documentation/status-codes",
		req:      Request{Method: "GET", Path: "/ws/1.1/track.search", RawQuery: "q_track=x&apikey=PLACEHOLDER-key-43", Header: hdr()},
		resp:     jsonResp("200", `{"message":{"header":{"status_code":401,"execute_time":0.001},"body":""}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a password login beside the app's key header, refused in words", source: "https://developers.mindbodyonline.com/PublicDocumentation/V6",
		req:      Request{Method: "POST", Path: "/public/v6/usertoken/issue", Header: hdr("Content-Type", "application/json", "Api-Key", "PLACEHOLDER-key-44"), Body: []byte(`{"Username":"ada","Password":"PLACEHOLDER-pw-44"}`)},
		resp:     jsonResp("403", `{"Error":{"Message":"Staff identity authentication failed.","Code":"DeniedAccess"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "a registered code outranks words that only say authentication failed", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/token", "grant_type=authorization_code&code=PLACEHOLDER-code-45&client_id=c-45&client_secret=PLACEHOLDER-secret-45"),
		resp:     jsonResp("401", `{"error":"invalid_grant","error_description":"Unable to authenticate username and password"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "an XML error at a plural access_tokens path names the grant", source: "https://developer.paypal.com/braintree/docs/reference/general/validation-errors/all/ruby#oauth",
		req:      Request{Method: "POST", Path: "/oauth/access_tokens", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6c2VjcmV0", "Content-Type", "application/xml"), Body: []byte("<credentials><code>x</code><grant-type>authorization_code</grant-type></credentials>")},
		resp:     Response{Status: 422, Header: hdr("Content-Type", "application/xml"), Body: []byte("<?xml version=\"1.0\"?><api-error-response><message>Invalid grant: code not found</message></api-error-response>")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NotJSON},
	},
	{
		name: "an unregistered code that reads as a missing token, with no token sent", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/moserver/resource", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("400", `{"error":"invalid_bearer_token","error_description":"OAuth2 Access token is empty"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "access_denied 'unauthorized' at a token endpoint with 400 is the client refused", source: "https://docs.secureauth.com/",
		req:      formPost("/SecureAuth2/OidcToken.aspx", "grant_type=authorization_code&code=PLACEHOLDER-code-46&client_id=c-46&client_secret=PLACEHOLDER-wrong-46"),
		resp:     jsonResp("400", `{"error":"access_denied","error_description":"Request is unauthorized"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "a 403 that says the authentication header is missing, with none sent", source: "https://developer.paddle.com/errors/shared/authentication_missing",
		req:      Request{Method: "GET", Path: "/products", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("403", `{"error":{"type":"request_error","code":"authentication_missing","detail":"Authentication header missing."}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "a client secret traded for a token object nested under token", source: "https://doc.toasttab.com/doc/devguide/authentication.html",
		req:      Request{Method: "POST", Path: "/authentication/v1/authentication/login", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"clientId":"c-47","clientSecret":"PLACEHOLDER-secret-47"}`)},
		resp:     jsonResp("200", `{"token":{"tokenType":"Bearer","expiresIn":86400,"accessToken":"PLACEHOLDER-at-47"},"status":"SUCCESS"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "a secret under a vendor's prefix is a credential exchange", source: "https://integrations.expensify.com/Integration-Server/doc/",
		req:      formPost("/api/Authenticate", "partnerName=p-48&partnerPassword=PLACEHOLDER-pw-48&partnerUserID=u-48&partnerUserSecret=PLACEHOLDER-secret-48"),
		resp:     jsonResp("200", `{"jsonCode":200,"authToken":"PLACEHOLDER-at-48","accountID":48}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "non-oauth 404 with a long query value", source: "",
		req:      Request{Method: "GET", Path: "/api/orders/42", RawQuery: "expand=items&cursor=abcdefghijklmnopqrstuvwxyz0123", Header: hdr("Accept", "application/json")},
		resp:     Response{Status: 404, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"message":"not found"}`)},
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "non-oauth 403 to a body with a long value", source: "",
		req:      Request{Method: "POST", Path: "/api/orders", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"sku":"abcdefghijklmnopqrstuvwxyz0123"}`)},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"message":"orders are closed for this region"}`)},
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a sign-up that posts a password is not a token request", source: "",
		req:      Request{Method: "POST", Path: "/api/users", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"name":"ada","password":"PLACEHOLDER-pw-2"}`)},
		resp:     Response{Status: 201, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"id":7,"name":"ada"}`)},
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a key header refused with an err message", source: "https://www.figma.com/developers/api#errors",
		req:      Request{Method: "GET", Path: "/v1/files/abc", Header: hdr("X-Figma-Token", "PLACEHOLDER-figma-1")},
		resp:     jsonResp("403", `{"status":403,"err":"Invalid token"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "a signed request refused in a 200 envelope", source: "https://www.tencentcloud.com/document/api/213/33281",
		req: Request{Method: "POST", Path: "/", Header: hdr("Authorization", "TC3-HMAC-SHA256 Credential=AKIDPLACEHOLDER/2024-01-01/cvm/tc3_request, SignedHeaders=host, Signature=PLACEHOLDER",
			"Content-Type", "application/json"), Body: []byte(`{}`)},
		resp:     jsonResp("200", `{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated. Please check your signature is correct."},"RequestId":"r-1"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a signed request's ordinary success", source: "https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html",
		req:      Request{Method: "GET", Path: "/bucket/report.json", Header: hdr("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAPLACEHOLDER/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=PLACEHOLDER")},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"Response":{"rows":3},"errors":[]}`)},
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "no token, said in words only", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/v6/deployments", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("403", `{"error":{"code":"forbidden","message":"The request is missing an authentication token"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "a page token is not an access token", source: "",
		req:      Request{Method: "GET", Path: "/v1/items", RawQuery: "pageToken=abc", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("400", `{"message":"The page token is invalid"}`),
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a 500 whose words say the server failed, beside a client code", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth2/token", "grant_type=client_credentials&client_id=c1&client_secret=PLACEHOLDER-s1"),
		resp:     jsonResp("500", `{"error":"invalid_client","error_description":"An unexpected error has occurred. Please try this operation again later."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{ServerError},
	},
	{
		name: "please retry in a 429 is the rate limit", source: "https://www.rfc-editor.org/rfc/rfc6585#section-4",
		req:      formPost("/oauth2/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt-9"),
		resp:     jsonResp("429", `{"error":"too_many_requests","error_description":"Could not process the request. Please retry."}`, "Retry-After", "1"),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{RateLimited, UnrecognizedError},
	},
	{
		name: "Retry-After 0 does not make a 500 pass", source: "https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3",
		req:      formPost("/oauth2/token", "grant_type=client_credentials"),
		resp:     jsonResp("500", `{"error":"server_error"}`, "Retry-After", "0"),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{ServerError},
	},
	{
		name: "a body that says the authorization header is required places a bare call", source: "https://clickup.com/api/developer-portal/authentication/",
		req:      Request{Method: "GET", Path: "/api/v2/user", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("400", `{"err":"Authorization header required","ECODE":"OAUTH_017"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "an unknown error code does not hide a description that says the token is required", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/services/api/Search/20140222", RawQuery: "keyword=ruby", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("400", `{"error":"wrong_parameter","error_description":"client_id or access_token is required"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "a resource server's 500 with a token sent is a server fault", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.1",
		req:      Request{Method: "GET", Path: "/open-banking/v3.1/aisp/accounts", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-1")},
		resp:     jsonResp("500", `{"Code":"500 Internal Server Error","Message":"An unexpected error occurred"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{ServerError},
	},
	{
		name: "a resource server's 503 is temporarily unavailable", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
		req:      Request{Method: "GET", Path: "/api/v2/accounts/1/balances", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-1")},
		resp:     jsonResp("503", `{"summary":"Institution service unavailable","status_code":503}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{TemporarilyUnavailable},
	},
	{
		name: "a resource 5xx whose vendor code names the token is the token", source: "https://www.ecobee.com/home/developer/api/documentation/v1/auth/auth-req-resp.shtml",
		req:      Request{Method: "GET", Path: "/1/thermostat", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-1")},
		resp:     jsonResp("500", `{"status":{"code":14,"message":"Authentication token has expired. Refresh your tokens."}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "an API call with no token sent to an authorization request is missing its token", source: "https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/oauth2_filter",
		req:      Request{Method: "GET", Path: "/api/orders", Header: hdr("Accept", "application/json")},
		resp:     Response{Status: 302, Header: hdr("Location", "https://auth.example.com/oauth2/authorize?client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, UnexpectedStatus},
	},
	{
		name: "a browser sent to log in is how the site works", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1",
		req:      Request{Method: "GET", Path: "/dashboard", Header: hdr("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")},
		resp:     Response{Status: 302, Header: hdr("Location", "https://app.example.com/login?next=%2Fdashboard")},
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a redirect elsewhere is not a login", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.4.3",
		req:      Request{Method: "GET", Path: "/api/v1/report", Header: hdr("Accept", "application/json")},
		resp:     Response{Status: 302, Header: hdr("Location", "https://cdn.example.com/reports/42.json")},
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an Envoy RBAC denial of a call with a token is access denied", source: "https://istio.io/latest/docs/tasks/security/authorization/authz-jwt/",
		req:      Request{Method: "GET", Path: "/headers", Header: hdr("Authorization", "Bearer PLACEHOLDER-jwt-1")},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/plain", "Server", "envoy"), Body: []byte("RBAC: access denied")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "an Envoy RBAC denial of an anonymous call wants a token", source: "https://istio.io/latest/docs/tasks/security/authorization/authz-jwt/",
		req:      Request{Method: "GET", Path: "/", Header: hdr("Accept", "*/*")},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/plain", "Server", "istio-envoy"), Body: []byte("RBAC: access denied")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "a 401 that names a refused endpoint is a missing permission", source: "https://techdocs.akamai.com/linode-api/reference/get-started#oauth",
		req:      Request{Method: "POST", Path: "/v4/linode/stackscripts", Header: hdr("Authorization", "Bearer PLACEHOLDER-pat-1", "Content-Type", "application/json"), Body: []byte(`{"label":"a"}`)},
		resp:     jsonResp("401", `{"errors": [{"reason": "Your OAuth token is not authorized to use this endpoint."}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope, MissingWWWAuthenticate},
	},
	{
		name: "a token with no scheme is a token, and a GraphQL 200 error envelope is read", source: "https://developer.monday.com/api-reference/docs/errors",
		req:      Request{Method: "POST", Path: "/v2", Header: hdr("Authorization", "eyJhbGciOiJIUzI1NiJ9.eyJ0aWQiOjF9.PLACEHOLDER", "Content-Type", "application/json"), Body: []byte(`{"query":"query { me { id } }"}`)},
		resp:     jsonResp("200", `{"data":[],"errors":[{"message":"User unauthorized to perform action","extensions":{"code":"UserUnauthorizedException","status_code":403}}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope, ErrorInSuccessStatus},
	},
	{
		name: "a scheme-less key the gateway took as its own is no upstream token", source: "https://tyk.io/docs/api-management/authentication/bearer-token/",
		req:      Request{Method: "GET", Path: "/orders", Header: hdr("Authorization", "5d2bd4ab7e2b4f0001a7c86b2bd8d9b3"), GatewayKeyed: true},
		resp:     jsonResp("401", `{"message":"Unauthorized"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "an XML token answer is not JSON, and no error page", source: "https://developer.walmart.com/us-marketplace/docs/get-an-access-token",
		req:      formPost("/v3/token", "grant_type=client_credentials", "Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI="),
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/xml"), Body: []byte(`<?xml version="1.0" encoding="UTF-8"?><OAuthTokenDTO><accessToken>PLACEHOLDER</accessToken></OAuthTokenDTO>`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{NotJSON},
	},
	{
		name: "an XHTML page with an XML prolog is still a page", source: "https://www.w3.org/TR/xhtml1/#strict",
		req:      formPost("/oauth/token", "grant_type=client_credentials"),
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/xhtml+xml"), Body: []byte(`<?xml version="1.0"?><!DOCTYPE html><html><body>Sign in</body></html>`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{HTMLErrorPage},
	},
	{
		name: "a token query parameter at an access_token path is the grant being exchanged", source: "https://www.loginradius.com/docs/api/v2/customer-identity-api/authentication/access-token/",
		req:      Request{Method: "GET", Path: "/api/v2/access_token", RawQuery: "token=PLACEHOLDER-request-token", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("400", `{"errorCode":906,"message":"The request token is invalid","description":"The request token is invalid or expired."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "Chinese words for an invalid token in a 200 envelope", source: "https://open.dingtalk.com/document/orgapp/server-api-error-codes-1",
		req:      Request{Method: "GET", Path: "/microapp/list", RawQuery: "access_token=PLACEHOLDER-dingtalk-at", Header: hdr("Accept", "application/json")},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"errcode":40014,"errmsg":"不合法的access_token"}`)},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "re-authentication required is an interaction, not a bad token", source: "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure",
		req:      Request{Method: "GET", Path: "/open-banking/v3.1/aisp/accounts/1/transactions", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     jsonResp("403", `{"Code":"403 Forbidden","Message":"Re-authentication required","Errors":[{"ErrorCode":"UK.OBIE.Reauthenticate","Message":"The PSU must re-authenticate with the ASPSP"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InteractionRequired},
	},
	{
		name: "a grant_type sent in JSON that the server calls unsupported is the encoding", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3",
		req:      Request{Method: "POST", Path: "/v2/oauth/token", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"grant_type":"authorization_code","code":"PLACEHOLDER-code"}`)},
		resp:     jsonResp("400", `{"error":"unsupported_grant_type","error_description":"Grant type is not supported."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a JSON body the server did read keeps its grant error", source: "https://auth0.com/docs/api/authentication#authorization-code-flow",
		req:      Request{Method: "POST", Path: "/oauth/token", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"grant_type":"authorization_code","code":"PLACEHOLDER-code","client_id":"c"}`)},
		resp:     jsonResp("403", `{"error":"invalid_grant","error_description":"Invalid authorization code"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "an empty 400 from a token endpoint is the missing error body", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth/token", "grant_type=client_credentials&client_id=c1&client_secret=PLACEHOLDER-s1"),
		resp:     Response{Status: 400, Header: hdr("Content-Length", "0")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{EmptyBody},
	},
	{
		name: "an empty 401 from a token endpoint is still the client's authentication", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth/token", "grant_type=client_credentials", "Authorization", "Basic YzE6UExBQ0VIT0xERVI="),
		resp:     Response{Status: 401, Header: hdr("Content-Length", "0")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, EmptyBody},
	},
	{
		name: "a revocation code at a token endpoint gives way to words about the refresh token", source: "https://www.rfc-editor.org/rfc/rfc7009#section-2.2.1",
		req:      formPost("/v1/oauth/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt", "Authorization", "Basic YzE6UExBQ0VIT0xERVI="),
		resp:     jsonResp("400", `{"error":"unsupported_token_type","error_description":"Failed refresh token authentication"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "an old refresh token used is the grant, whatever the code", source: "https://support.exactonline.com/community/s/knowledge-base#All-All-DNO-Content-oauth-eol-oauth-devstep4",
		req:      formPost("/api/oauth2/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt&client_id=c&client_secret=PLACEHOLDER-s"),
		resp:     jsonResp("401", `{"error":"unauthorized_client","error_description":"Old refresh token used."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "a 403 to an API key alone is the key, not a scope", source: "https://docs.datadoghq.com/api/latest/authentication/",
		req:      Request{Method: "GET", Path: "/api/v1/monitor/1", Header: hdr("DD-API-KEY", "PLACEHOLDER-key", "Accept", "application/json")},
		resp:     jsonResp("403", `{"errors":["Forbidden"]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "every message of a string list is read", source: "https://docs.datadoghq.com/api/latest/authentication/",
		req:      Request{Method: "POST", Path: "/api/v2/series", Header: hdr("DD-API-KEY", "PLACEHOLDER-key", "Content-Type", "application/json"), Body: []byte(`{"series":[]}`)},
		resp:     jsonResp("403", `{"errors":["Forbidden","Failed permission authorization checks"]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope},
	},
	{
		name: "a list of suspects is read for the one named first", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/token", authCodeRequest, "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"Invalid or expired authorization code, redirection URI mismatch, or PKCE verification failure"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "a list of suspects naming the redirect URI first", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/token", authCodeRequest, "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"The redirect_uri does not match, or the authorization code has expired"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "DPoP words under another code are the DPoP proof", source: "https://www.rfc-editor.org/rfc/rfc9449#section-5",
		req:      formPost("/oauth/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt&client_id=c", "DPoP", "PLACEHOLDER.dpop.proof"),
		resp:     jsonResp("400", `{"error":"invalid_token","error_description":"Invalid DPoP key binding"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidDPoPProof},
	},
	{
		name: "quoted words still match", source: "https://developers.cloudflare.com/fundamentals/api/get-started/create-token/",
		req:      Request{Method: "GET", Path: "/client/v4/zones", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("400", `{"success":false,"errors":[{"code":1001,"message":"Missing \"Authorization\" header"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "a long unregistered code is read as words", source: "https://developer.todoist.com/guides/#authorization",
		req:      formPost("/oauth/access_token", "client_id=c&client_secret=PLACEHOLDER-s&code=PLACEHOLDER-code"),
		resp:     jsonResp("400", `{"error":"incorrect_application_credentials"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "ErrorDescription in another casing is the description", source: "https://learn.microsoft.com/azure/devops/integrate/get-started/authentication/oauth",
		req:      formPost("/oauth2/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt&client_id=c&client_secret=PLACEHOLDER-s"),
		resp:     jsonResp("400", `{"Error":"invalid_request","ErrorDescription":"The refresh token has expired"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "HTTP Basic where the resource server wants a bearer token is a missing token", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/me/videos", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI=")},
		resp:     jsonResp("401", `{"error":"Something strange occurred.","developer_message":"No user credentials were provided.","error_code":8003}`, "WWW-Authenticate", `Bearer error="invalid_token"`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "HTTP Basic to a server that also takes Basic is a bad credential", source: "https://learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate",
		req: Request{Method: "GET", Path: "/org/_apis/projects", Header: hdr("Authorization", "Basic OlBMQUNFSE9MREVS")},
		resp: Response{Status: 401, Header: hdr("Content-Type", "application/json", "Www-Authenticate", `Bearer authorization_uri=https://login.example`, "Www-Authenticate", `Basic realm="https://dev.example/"`),
			Body: []byte(`{"message":"Access Denied: The Personal Access Token used has expired."}`)},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "a grant type not supported in this application is the client's registration", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/api/login/oauth/access_token", "grant_type=password&username=u&password=PLACEHOLDER-pw&client_id=c&client_secret=PLACEHOLDER-s"),
		resp:     jsonResp("400", `{"error":"unsupported_grant_type","error_description":"grant_type: password is not supported in this application"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{UnauthorizedClient},
	},
	{
		name: "an error's code in a nested value field", source: "https://api.hh.ru/openapi/en/redoc#section/Authorization",
		req:      Request{Method: "GET", Path: "/me", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     jsonResp("403", `{"errors":[{"type":"oauth","value":"token_expired"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "device polling states in words", source: "https://www.rfc-editor.org/rfc/rfc8628#section-3.5",
		req:      formPost("/api/oidc/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=PLACEHOLDER-dc&client_id=c"),
		resp:     jsonResp("400", `{"error":"Authorization is still pending"}`),
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{AuthorizationPending},
	},
	{
		name: "polling too fast in words is slow_down", source: "https://www.rfc-editor.org/rfc/rfc8628#section-3.5",
		req:      formPost("/api/oidc/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=PLACEHOLDER-dc&client_id=c"),
		resp:     jsonResp("429", `{"error":"Polling too frequently"}`),
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{SlowDown},
	},
	{
		name: "unsupported_grant_type at the authorization endpoint is the response type", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1",
		req:      Request{Method: "GET", Path: "/auth/authorize", RawQuery: "response_type=token&client_id=c&state=s", Header: hdr()},
		resp:     jsonResp("400", `{"error":"unsupported_grant_type","error_description":"Invalid Authorization Grant \"token\""}`),
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{UnsupportedResponseType},
	},
	{
		name: "a GraphQL 200 with a JWT error in extensions", source: "https://hasura.io/docs/2.0/auth/authentication/jwt/",
		req:      Request{Method: "POST", Path: "/v1/graphql", Header: hdr("Authorization", "Bearer PLACEHOLDER.jwt.sig", "Content-Type", "application/json"), Body: []byte(`{"query":"{ a }"}`)},
		resp:     jsonResp("200", `{"errors":[{"extensions":{"path":"$","code":"invalid-jwt"},"message":"Could not verify JWT: JWTExpired"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a JSONP-wrapped error is read, and is not JSON", source: "https://wiki.connect.qq.com/",
		req:      Request{Method: "GET", Path: "/oauth2.0/token", RawQuery: "grant_type=authorization_code&client_id=c&client_secret=PLACEHOLDER-s&code=PLACEHOLDER-c&redirect_uri=https%3A%2F%2Fa.example%2Fcb", Header: hdr()},
		resp:     Response{Status: 400, Header: hdr("Content-Type", "text/html"), Body: []byte(`callback( {"error":"invalid_grant","error_description":"code expired"} );`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NotJSON},
	},
	{
		name: "a numeric error code one level down marks an error", source: "https://developer.open-douyin.com/docs/resource/zh-CN/dop/develop/openapi/account-permission/get-access-token",
		req:      formPost("/oauth/access_token/", "client_key=c&client_secret=PLACEHOLDER-s&code=PLACEHOLDER-c&grant_type=authorization_code"),
		resp:     jsonResp("200", `{"data":{"captcha":"","description":"code expired","error_code":10007},"message":"error"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "a revocation by action parameter on the token path", source: "https://developers.home-assistant.io/docs/auth_api/#revoking-a-refresh-token",
		req:      formPost("/auth/token", "token=PLACEHOLDER-rt&action=revoke"),
		resp:     Response{Status: 200, Header: hdr("Content-Length", "0")},
		endpoint: EndpointRevoke, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "a 200 envelope whose code and message speak of the token", source: "https://open.lazada.com/apps/doc/doc?nodeId=10450&docId=108069",
		req:      Request{Method: "GET", Path: "/rest/orders/get", RawQuery: "app_key=1&access_token=PLACEHOLDER-at&sign_method=sha256", Header: hdr()},
		resp:     jsonResp("200", `{"type":"ISV","code":"IllegalAccessToken","message":"The specified access token is invalid or expired","request_id":"0b8f"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a 200 success with a message is still a success", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3",
		req:      Request{Method: "GET", Path: "/api/orders", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     jsonResp("200", `{"code":"OK","message":"Orders for your token's account","data":[]}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a failed password login with a framework's Bearer challenge is the user's credentials", source: "https://github.com/lexik/LexikJWTAuthenticationBundle/blob/3.x/Resources/doc/index.rst",
		req:      Request{Method: "POST", Path: "/api/login_check", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"username":"johndoe","password":"PLACEHOLDER-pw"}`)},
		resp:     jsonResp("401", `{"code":401,"message":"Invalid credentials."}`, "WWW-Authenticate", "Bearer"),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "a vendor's authentication header refused as insufficient authentication", source: "https://doc.bunq.com/#/errors",
		req:      Request{Method: "GET", Path: "/v1/user/1/monetary-account", Header: hdr("X-Bunq-Client-Authentication", "PLACEHOLDER-session")},
		resp:     jsonResp("403", `{"Error":[{"error_description":"Insufficient authentication."}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "a vendor token exchange on a path that names a token", source: "https://open.lazada.com/apps/doc/doc?nodeId=10434&docId=108260",
		req:      Request{Method: "GET", Path: "/rest/auth/token/create", RawQuery: "app_key=1&code=PLACEHOLDER-code&sign=PLACEHOLDER-sig", Header: hdr()},
		resp:     jsonResp("200", `{"access_token":"PLACEHOLDER-at","refresh_token":"PLACEHOLDER-rt","refresh_expires_in":2592000}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingTokenType},
	},
	{
		name: "a resource path naming tokens, with a credential, stays a resource call", source: "https://www.rfc-editor.org/rfc/rfc6750#section-2.1",
		req:      Request{Method: "GET", Path: "/api/tokens/list", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     jsonResp("200", `{"tokens":[{"access_token":"PLACEHOLDER-other"}]}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an explicit invalid_token for a token carried in a vendor's body field", source: "https://misskey-hub.net/en/docs/for-developers/api/",
		req:      Request{Method: "POST", Path: "/api/i", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"i":"PLACEHOLDER-token"}`)},
		resp:     jsonResp("401", `{"error":{"message":"Authentication failed.","code":"AUTHENTICATION_FAILED"}}`, "WWW-Authenticate", `Bearer error="invalid_token"`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "an explicit invalid_token for a request carrying nothing is a missing token", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/api/me", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("401", `{"error":"invalid_token"}`, "WWW-Authenticate", `Bearer error="invalid_token"`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "verification_url instead of RFC 8628's verification_uri", source: "https://www.rfc-editor.org/rfc/rfc8628#section-3.2",
		req:      formPost("/device/code", "client_id=c&scope=login"),
		resp:     jsonResp("200", `{"device_code":"PLACEHOLDER-dc","user_code":"ABCD-EFGH","verification_url":"https://as.example/device","interval":5,"expires_in":300}`),
		endpoint: EndpointDeviceAuthorization, verdict: VerdictInvalid, causes: []Code{MissingDeviceFields},
	},
	// Observed risks (observe_risks): info causes after the root, never the verdict.
	{
		name: "risk: authorization request without PKCE", source: "https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1",
		req:      Request{Method: "GET", Path: "/authorize", RawQuery: "response_type=code&client_id=s6BhdRkqt3&state=xyz", Header: hdr()},
		resp:     Response{Status: 302, Header: hdr("Location", "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")},
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointAuthorize, verdict: VerdictOK, causes: []Code{OK, PKCEMissing},
	},
	{
		name: "risk: authorization request with PKCE is no risk", source: "https://www.rfc-editor.org/rfc/rfc7636#section-4.3",
		req:      Request{Method: "GET", Path: "/authorize", RawQuery: "response_type=code&client_id=s6BhdRkqt3&state=xyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256", Header: hdr()},
		resp:     Response{Status: 302, Header: hdr("Location", "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")},
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointAuthorize, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "risk: code exchange without code_verifier keeps its root", source: "https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1",
		req:      formPost("/token", authCodeRequest, "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("400", `{"error":"invalid_grant"}`),
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, PKCEMissing},
	},
	{
		name: "risk: password grant", source: "https://www.rfc-editor.org/rfc/rfc9700#section-2.4",
		req:      formPost("/token", "grant_type=password&username=johndoe&password=PLACEHOLDER-pw", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("200", `{"access_token":"PLACEHOLDER-at","token_type":"Bearer","expires_in":3600}`),
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK, PasswordGrant},
	},
	{
		name: "risk: a public client's refresh without a new refresh token", source: "https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2",
		req:      formPost("/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt1&client_id=spa"),
		resp:     jsonResp("200", `{"access_token":"PLACEHOLDER-at","token_type":"Bearer","expires_in":3600}`),
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK, RefreshNotRotated},
	},
	{
		name: "risk: a public client's refresh that returns the same refresh token", source: "https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2",
		req:      formPost("/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt1&client_id=spa"),
		resp:     jsonResp("200", `{"access_token":"PLACEHOLDER-at","token_type":"Bearer","expires_in":3600,"refresh_token":"PLACEHOLDER-rt1"}`),
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK, RefreshNotRotated},
	},
	{
		name: "risk: a rotated refresh token is no risk", source: "https://www.rfc-editor.org/rfc/rfc6749#section-6",
		req:      formPost("/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt1&client_id=spa"),
		resp:     jsonResp("200", `{"access_token":"PLACEHOLDER-at","token_type":"Bearer","expires_in":3600,"refresh_token":"PLACEHOLDER-rt2"}`),
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "risk: a confidential client's refresh is not judged on rotation", source: "https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2",
		req:      formPost("/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt1", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("200", `{"access_token":"PLACEHOLDER-at","token_type":"Bearer","expires_in":3600}`),
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "risk: access token in the query at a resource server", source: "https://www.rfc-editor.org/rfc/rfc6750#section-2.3",
		req:      Request{Method: "GET", Path: "/resource", RawQuery: "access_token=PLACEHOLDER-at", Header: hdr()},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"id":1}`)},
		opts:     &Options{ObserveRisks: true},
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{OK, TokenInQuery},
	},
	{
		name: "risk: off by default", source: "https://www.rfc-editor.org/rfc/rfc6750#section-2.3",
		req:      Request{Method: "GET", Path: "/resource", RawQuery: "access_token=PLACEHOLDER-at", Header: hdr()},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"id":1}`)},
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "risk: suppressed like any info cause", source: "https://www.rfc-editor.org/rfc/rfc9700#section-2.4",
		req:      formPost("/token", "grant_type=password&username=johndoe&password=PLACEHOLDER-pw", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("200", `{"access_token":"PLACEHOLDER-at","token_type":"Bearer","expires_in":3600}`),
		opts:     &Options{ObserveRisks: true, Suppress: map[Code]bool{PasswordGrant: true}},
		endpoint: EndpointToken, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "client_credentials: a login failure is the client's", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2",
		req:      formPost("/token", "grant_type=client_credentials&scope=read", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("400", `{"error":"invalid_grant","error_description":"login failed"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "refresh: a bare invalid_request to a complete refresh is the token refused", source: "https://www.rfc-editor.org/rfc/rfc6749#section-6",
		req:      formPost("/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("400", `{"error":"invalid_request"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "refresh: an invalid_request naming a parameter stays", source: "https://www.rfc-editor.org/rfc/rfc6749#section-6",
		req:      formPost("/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt&scope=a%20a", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"scope parameter repeated"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "refresh: the session behind the refresh token is gone", source: "https://www.better-auth.com/docs/plugins/oidc-provider",
		req:      formPost("/api/auth/oauth2/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt&client_id=app&client_secret=PLACEHOLDER-cs"),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"session not found"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "assertion: a refused client_assertion is the client's", source: "https://www.rfc-editor.org/rfc/rfc7523#section-3.2",
		req: formPost("/oauth2/token", "grant_type=authorization_code&code=PLACEHOLDER-code&redirect_uri=https%3A%2F%2Fapp%2Fcb"+
			"&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=PLACEHOLDER-jwt"),
		resp:     jsonResp("400", `{"error":"invalid_assertion"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "assertion: a jwt-bearer grant's assertion is the grant", source: "https://www.rfc-editor.org/rfc/rfc7523#section-3.1",
		req:      formPost("/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=PLACEHOLDER-jwt"),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"The assertion has expired"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "resource: a status word gives way to the reason (Ory Oathkeeper)", source: "https://www.ory.sh/docs/oathkeeper/pipeline/error",
		req:      Request{Method: "GET", Path: "/api/resource", Header: hdr("Authorization", "Bearer PLACEHOLDER-jwt")},
		resp:     jsonResp("403", `{"error":{"code":403,"status":"Forbidden","reason":"Token is expired","message":"The requested action was forbidden"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "resource: an nginx 401 page with a Bearer challenge is the token refused", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3",
		req:      Request{Method: "GET", Path: "/api/orders", Header: hdr("Authorization", "Bearer PLACEHOLDER-at", "Accept", "application/json")},
		resp:     Response{Status: 401, Header: hdr("Server", "nginx/1.21.3", "Content-Type", "text/html", "WWW-Authenticate", `Bearer realm="api"`), Body: []byte("<html>\n<head><title>401 Authorization Required</title></head>\n<body>\n<center><h1>401 Authorization Required</h1></center>\n<hr><center>nginx/1.21.3</center>\n</body>\n</html>\n")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "resource: an application server's 404 page to a JSON API call", source: "https://docs.jboss.org/jbossweb/",
		req:      Request{Method: "GET", Path: "/open-banking/v3.1/aisp/accounts", Header: hdr("Authorization", "Bearer PLACEHOLDER-at", "Accept", "application/json")},
		resp:     Response{Status: 404, Header: hdr("Content-Type", "text/html;charset=UTF-8"), Body: []byte("<html><head><title>Error 404 Not Found</title></head><body><h2>HTTP ERROR 404</h2><p>Problem accessing /open-banking/v3.1/aisp/accounts. Reason:<pre>    Not Found</pre></p></body></html>")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{HTMLErrorPage},
	},
	{
		name: "resource: a 404 page to a browser is not labelled", source: "",
		req:      Request{Method: "GET", Path: "/api/orders", Header: hdr("Authorization", "Bearer PLACEHOLDER-at", "Accept", "text/html,application/json")},
		resp:     Response{Status: 404, Header: hdr("Content-Type", "text/html"), Body: []byte("<html><body>Not Found</body></html>")},
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "login API: the token nested under data, where no OAuth client looks", source: "https://docs.directus.io/reference/authentication.html",
		req:      Request{Method: "POST", Path: "/auth/login", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"email":"reader@example.com","password":"PLACEHOLDER-pw"}`)},
		resp:     jsonResp("200", `{"data":{"access_token":"PLACEHOLDER-at","expires":900000,"refresh_token":"PLACEHOLDER-rt"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "login API: the token named jwt", source: "https://docs.strapi.io/cms/api/rest/guides/authentication",
		req:      Request{Method: "POST", Path: "/api/auth/local", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"identifier":"reader","password":"PLACEHOLDER-pw"}`)},
		resp:     jsonResp("200", `{"jwt":"PLACEHOLDER-jwt","user":{"id":1,"username":"reader"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "an API answer with nested data and no credential exchange is not OAuth", source: "",
		req:      Request{Method: "GET", Path: "/api/items", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("200", `{"data":{"access_token":"not a credential exchange","id":1}}`),
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a parameter named missing is the request, not the grant", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/token", "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp%2Fcb", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"Invalid request: Missing or empty code parameter"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a missing client_id is the client's authentication", source: "https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1",
		req:      formPost("/token", "grant_type=authorization_code&code=PLACEHOLDER-code&redirect_uri=https%3A%2F%2Fapp%2Fcb"),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"Missing required parameter: client_id."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "client_credentials in a JSON body: a login failure is the client's", source: "https://momodeveloper.mtn.com/api-documentation",
		req:      Request{Method: "POST", Path: "/collection/token/", Header: hdr("Content-Type", "application/json", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="), Body: []byte(`{"grant_type":"client_credentials"}`)},
		resp:     jsonResp("500", `{"error":"login_failed"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "errors array: a bare reason phrase gives way to the reason after it", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth2/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("401", `{"errors":[{"message":"Unauthorized","attribute-name":""},{"message":"Invalid refresh token.","attribute-name":"refresh_token"}]}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "mutual TLS: no client certificate is the client's authentication", source: "https://www.rfc-editor.org/rfc/rfc8705#section-2",
		req:      formPost("/auth/oauth/v2/token", "grant_type=client_credentials", "Authorization", "Basic czZCaGRSa3F0MzpQTEFDRUhPTERFUg=="),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"proper client ssl certificate was not presented"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "grant_type in the query, refused: the request is malformed", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3",
		req: Request{Method: "POST", Path: "/v1/tokens", RawQuery: "code=PLACEHOLDER-code&client_id=app&client_secret=PLACEHOLDER-cs&grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp%2Fcb",
			Header: hdr("Content-Type", "application/x-www-form-urlencoded")},
		resp:     jsonResp("400", `{"errors":[{"message":"grant_type was invalid.","code":6021}]}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest, NonstandardErrorShape},
	},
	{
		name: "token info: a bare 400 is the token refused", source: "https://developers.google.com/identity/sign-in/web/backend-auth",
		req:      Request{Method: "GET", Path: "/oauth/info", RawQuery: "access_token=PLACEHOLDER-at", Header: hdr()},
		resp:     jsonResp("400", `{"error":"invalid_request"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	// Patterns read from the held-out misses of the fifth session.
	{
		name: "Berlin Group tppMessages: a certificate refused is the client", source: "https://www.berlin-group.org/nextgenpsd2-downloads",
		req:      formPost("/oauth2/token", "grant_type=client_credentials&client_id=PSDXX-NCA-1&scope=aisp"),
		resp:     jsonResp("401", `{"tppMessages":[{"category":"ERROR","code":"CERTIFICATE_EXPIRED","text":"The QWAC has expired"}]}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "UK Open Banking: a dead consent behind the token", source: "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure",
		req:      Request{Method: "GET", Path: "/open-banking/v3.1/aisp/accounts", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     jsonResp("403", `{"Code":"403 Forbidden","Errors":[{"ErrorCode":"UK.OBIE.Resource.InvalidConsentStatus","Message":"Consent is revoked"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "errMsg envelope at a resource server", source: "https://github.com/Kotak-Neo/kotak-neo-api",
		req:      Request{Method: "GET", Path: "/Orders/2.0/quick/user/orders", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     jsonResp("400", `{"stCode":1002,"errMsg":"session token expired","stat":"Not_Ok"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "success:false with a signature refused at a token endpoint", source: "https://developer.tuya.com/en/docs/iot/error-code?id=K989ruxx88swc",
		req:      Request{Method: "GET", Path: "/v1.0/token", RawQuery: "grant_type=1", Header: hdr("client_id", "PLACEHOLDER", "sign", "PLACEHOLDER")},
		resp:     jsonResp("200", `{"code":1004,"msg":"sign invalid","success":false,"t":1}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "status_code envelope in a 200", source: "https://dev.bitly.com/docs/getting-started/rate-limits/",
		req:      Request{Method: "GET", Path: "/v3/shorten", RawQuery: "access_token=PLACEHOLDER-at&longUrl=x", Header: hdr()},
		resp:     jsonResp("200", `{"status_code":403,"status_txt":"RATE_LIMIT_EXCEEDED","data":null}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited, ErrorInSuccessStatus},
	},
	{
		name: "a switched-off API is access_denied, not a scope", source: "https://cloud.google.com/apis/design/errors",
		req:      Request{Method: "GET", Path: "/v1/things", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     jsonResp("403", `{"error":"forbidden","message":"API access is disabled for this account."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "wrong Authorization scheme is a malformed request", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/graphql", Header: hdr("Authorization", "JWT PLACEHOLDER-at")},
		resp:     jsonResp("401", `{"errors":[{"message":"Authorization header must start with 'Bearer '"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidRequest, MissingWWWAuthenticate},
	},
	{
		name: "a required request header missing at a token endpoint", source: "https://bitwarden.com/help/self-host-bitwarden/",
		req:      formPost("/identity/connect/token", "grant_type=password&username=u%40example.com&password=PLACEHOLDER&client_id=web"),
		resp:     jsonResp("400", `{"error":"invalid_grant","error_description":"Device-Type header missing."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a form sent without Content-Type: the client is not found", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3",
		req:      Request{Method: "POST", Path: "/oauth/token", Header: hdr(), Body: []byte("grant_type=authorization_code&code=PLACEHOLDER&client_id=c&client_secret=PLACEHOLDER")},
		resp:     jsonResp("401", `{"error":"invalid_client","error_description":"Client not found"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a 401 scope complaint with no token at all", source: "https://appwrite.io/docs/advanced/platform/permissions",
		req:      Request{Method: "GET", Path: "/v1/account", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("401", `{"message":"User (role: guests) missing scope (account)","code":401,"type":"general_unauthorized_scope"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "a bare HTML 403 page to a token-bearing API call", source: "https://cloud.google.com/armor/docs/troubleshooting",
		req:      Request{Method: "GET", Path: "/v1/invoices", Header: hdr("Authorization", "Bearer PLACEHOLDER-at", "Accept", "application/json")},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/html"), Body: []byte(`<!doctype html><title>403</title>403 Forbidden`)},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{EdgeBlocked, HTMLErrorPage},
	},
	{
		name: "device poll pending in a vendor shape keeps its root", source: "https://www.rfc-editor.org/rfc/rfc8628#section-3.5",
		req:      formPost("/api/device/token", "device_code=PLACEHOLDER-dc"),
		resp:     jsonResp("400", `{"detail":"slow_down"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{SlowDown, NonstandardErrorShape},
	},
	{
		name: "a single-quoted challenge error code", source: "https://www.ibm.com/docs/en/datapower-gateway",
		req:      Request{Method: "GET", Path: "/v2/products", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     jsonResp("401", `{"httpCode":"401","httpMessage":"Unauthorized"}`, "WWW-Authenticate", `Bearer error='invalid_token'`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "an unregistered challenge code read as words", source: "https://docs.authlib.org/en/latest/specs/rfc6750.html",
		req:      Request{Method: "GET", Path: "/api/me", Header: hdr()},
		resp:     jsonResp("401", `{"error":"missing_authorization"}`, "WWW-Authenticate", `Bearer error="missing_authorization"`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "an empty oauth_token parameter is no token", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/v2/users/self", RawQuery: "oauth_token=&v=20240101", Header: hdr()},
		resp:     jsonResp("401", `{"meta":{"code":401,"errorType":"invalid_auth","errorDetail":"OAuth token invalid or revoked."}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "a 400 that says only its status", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/as/token.oauth2", "grant_type=client_credentials&client_id=c&client_secret=PLACEHOLDER"),
		resp:     jsonResp("400", `{"status":400}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{NonstandardErrorShape},
	},
	{
		name: "a wait the body names is a rate limit", source: "https://developer.withings.com/api-reference/#section/Response-status",
		req:      formPost("/v2/oauth2", "action=requesttoken&grant_type=authorization_code&client_id=c&client_secret=PLACEHOLDER&code=PLACEHOLDER"),
		resp:     jsonResp("200", `{"status":601,"body":{"wait_seconds":60},"error":"Too many identical calls"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{RateLimited, ErrorInSuccessStatus},
	},
	{
		name: "an API key redeemed as the grant", source: "https://cloud.ibm.com/docs/account?topic=account-iamtoken_from_apikey",
		req:      formPost("/identity/token", "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=PLACEHOLDER"),
		resp:     jsonResp("400", `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "an identity-aware proxy's refusal at a resource server", source: "https://cloud.google.com/iap/docs/authentication-howto",
		req:      Request{Method: "GET", Path: "/api/orders", Header: hdr("Authorization", "Bearer PLACEHOLDER-at")},
		resp:     Response{Status: 401, Header: hdr("Content-Type", "text/html; charset=UTF-8", "X-Goog-Iap-Generated-Response", "true"), Body: []byte("Invalid IAP credentials: JWT signature is invalid")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "the same proxy in front of a token endpoint is an edge", source: "https://cloud.google.com/iap/docs/authentication-howto",
		req:      formPost("/oauth2/token", "grant_type=authorization_code&code=PLACEHOLDER&client_id=c&code_verifier=PLACEHOLDER"),
		resp:     Response{Status: 401, Header: hdr("Content-Type", "text/html; charset=UTF-8", "X-Goog-Iap-Generated-Response", "true"), Body: []byte("Invalid IAP credentials: empty token")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{EdgeBlocked, HTMLErrorPage},
	},
	{
		name: "Akamai's denial page with its entity-encoded URL", source: "https://techdocs.akamai.com/property-mgr/docs/error-pages",
		req:      formPost("/v1/oauth/token", "grant_type=authorization_code&code=PLACEHOLDER&redirect_uri=https%3A%2F%2F127.0.0.1"),
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/html"), Body: []byte("<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have permission to access \"http&#58;&#47;&#47;api&#46;example&#46;com&#47;v1&#47;oauth&#47;token\" on this server.<P></BODY></HTML>")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{EdgeBlocked, HTMLErrorPage},
	},
	{
		name: "a redirect URI missing in the client configuration", source: "https://zitadel.com/docs/guides/integrate/login/oidc/login-users",
		req:      Request{Method: "GET", Path: "/oauth/v2/authorize", RawQuery: "client_id=c&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid", Header: hdr()},
		resp:     Response{Status: 400, Header: hdr("Content-Type", "text/plain; charset=utf-8"), Body: []byte("The requested redirect_uri is missing in the client configuration.")},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "invalid_credentials in a nested error at a token endpoint", source: "https://docs.deribit.com/#public-auth",
		req:      Request{Method: "GET", Path: "/api/v2/public/auth", RawQuery: "grant_type=client_credentials&client_id=c&client_secret=PLACEHOLDER", Header: hdr()},
		resp:     jsonResp("400", `{"jsonrpc":"2.0","error":{"message":"invalid_credentials","code":13004}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "a client certificate refused at a resource server is the client", source: "https://www.berlin-group.org/nextgenpsd2-downloads",
		req:      Request{Method: "GET", Path: "/v1/accounts", Header: hdr("Authorization", "Bearer PLACEHOLDER-at", "Consent-ID", "PLACEHOLDER")},
		resp:     jsonResp("401", `{"tppMessages":[{"category":"ERROR","code":"CERTIFICATE_BLOCKED","text":"Certificate is blocked"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidClient, MissingWWWAuthenticate},
	},
	{
		name: "a client-id header refused at a resource server is the client", source: "https://developer.digikey.com/documentation/errors",
		req:      Request{Method: "GET", Path: "/products/v4/search/keyword", Header: hdr("Authorization", "Bearer PLACEHOLDER-at", "X-DIGIKEY-Client-Id", "PLACEHOLDER")},
		resp:     jsonResp("401", `{"StatusCode":401,"ErrorMessage":"Invalid Client-Id"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidClient, MissingWWWAuthenticate},
	},
	{
		name: "a proxy that could not fetch its own upstream token", source: "https://github.com/golang/oauth2/blob/master/internal/token.go",
		req:      Request{Method: "GET", Path: "/anything", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI=")},
		resp:     jsonResp("401", `{"error":{"code":401,"status":"Unauthorized","message":"oauth2: cannot fetch token: 401 Unauthorized"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{UpstreamAuthFailed, MissingWWWAuthenticate},
	},
	{
		name: "an issueToken path with a key header and an empty body", source: "https://learn.microsoft.com/azure/ai-services/authentication",
		req:      Request{Method: "POST", Path: "/sts/v1.0/issueToken", Header: hdr("Ocp-Apim-Subscription-Key", "PLACEHOLDER", "Content-Type", "application/x-www-form-urlencoded")},
		resp:     jsonResp("401", `{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "a token POST with no body at all and no header credentials", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3",
		req:      Request{Method: "POST", Path: "/Platform/App/OAuth/Token/", Header: hdr("Content-Type", "application/x-www-form-urlencoded")},
		resp:     jsonResp("400", `{"error":"invalid_client","error_description":"Client authentication failed"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "access_denied with no words to a password grant is the owner's credentials", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req: Request{Method: "POST", Path: "/oauth/token", Header: hdr("Content-Type", "application/json"),
			Body: []byte(`{"grant_type":"password","client_id":"mobile","username":"u@example.com","password":"PLACEHOLDER-pw","scope":"client"}`)},
		resp:     jsonResp("401", `{"error":"access_denied"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "an empty 400 to a code exchange names the code", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2",
		req:      formPost("/idp/oidc/token", "grant_type=authorization_code&code=PLACEHOLDER-code&client_id=cli&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2Fcb&code_verifier=PLACEHOLDER-verifier"),
		resp:     Response{Status: 400, Header: hdr("Content-Type", "application/json", "Content-Length", "0")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, EmptyBody},
	},
	{
		name: "an empty 400 to a client_credentials call names nothing", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/idp/oidc/token", "grant_type=client_credentials&client_id=svc&client_secret=PLACEHOLDER-secret"),
		resp:     Response{Status: 400, Header: hdr("Content-Type", "application/json", "Content-Length", "0")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{EmptyBody},
	},
	{
		name: "a JWT in a vendor's own Authorization header is a resource call, even at /token/", source: "https://privacyidea.readthedocs.io/en/latest/modules/api/auth.html",
		req:      Request{Method: "GET", Path: "/token/", Header: hdr("Acme-Authorization", "eyJhbGciOiJIUzI1NiJ9.PLACEHOLDER-claims.PLACEHOLDER-sig")},
		resp:     jsonResp("401", `{"result":{"status":false,"error":{"code":4305,"message":"Authentication failure. Your token has expired"}}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a Basic-only login under a token path fails on the user's credentials", source: "https://syncope.apache.org/docs/reference-guide.html#rest-authentication-and-authorization",
		req:      Request{Method: "POST", Path: "/core/rest/accessTokens/login", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI=")},
		resp:     jsonResp("401", `{"status":401,"error":"Unauthorized","path":"/core/rest/accessTokens/login"}`, "WWW-Authenticate", `Basic realm="core"`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "a verb after a token segment issues one", source: "https://syncope.apache.org/docs/reference-guide.html#rest-authentication-and-authorization",
		req:      formPost("/api/tokens/create", "client_id=PLACEHOLDER-app&client_secret=PLACEHOLDER-secret"),
		resp:     jsonResp("401", `{"error":"invalid_client"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "an inactive account behind a good token is access_denied", source: "https://api.bol.com/retailer/public/Retailer-API/v10/functional/retailer-api/api-error-handling.html",
		req:      Request{Method: "GET", Path: "/retailer/shipments", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000001")},
		resp:     jsonResp("403", `{"title":"Forbidden","status":403,"detail":"Your account has been deactivated. Contact support."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "a GraphQL login mutation's refusal is read from its extensions", source: "https://spec.graphql.org/October2021/#sec-Errors.Error-result-format",
		req: Request{Method: "POST", Path: "/graphql", Header: hdr("Content-Type", "application/json"),
			Body: []byte(`{"query":"mutation($e:String!,$p:String!){ tokenAuth(email:$e,password:$p){ token } }","variables":{"e":"u@example.com","password":"PLACEHOLDER-pw"}}`)},
		resp: Response{Status: 200, Header: hdr("Content-Type", "application/json"),
			Body: []byte(`{"errors":[{"message":"Invalid input.","path":["tokenAuth"],"extensions":{"code":"VALIDATION","errorDescription":"Authentication failed."}}],"data":{"tokenAuth":null}}`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "Mashery's refusal named in its header is not an edge's page", source: "https://support.mashery.com/docs/read/mashery_api/20_reporting/error_codes",
		req:      Request{Method: "GET", Path: "/v3/listings", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000002")},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/html", "Server", "Mashery Proxy", "X-Mashery-Error-Code", "ERR_403_DEVELOPER_INACTIVE"), Body: []byte("<h1>Developer Inactive</h1>")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, HTMLErrorPage},
	},
	{
		name: "Mashery's throttle answers 403 and names itself in its header", source: "https://support.mashery.com/docs/read/mashery_api/20_reporting/error_codes",
		req:      Request{Method: "GET", Path: "/v3/listings", RawQuery: "api_key=PLACEHOLDER-key-0001", Header: hdr()},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/xml", "Server", "Mashery Proxy", "X-Mashery-Error-Code", "ERR_403_DEVELOPER_OVER_QPS"), Body: []byte("<h1>Developer Over Qps</h1>")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited},
	},
	{
		name: "an OAuth 1.0a access-token call refusing its request token is the grant", source: "https://www.rfc-editor.org/rfc/rfc5849#section-2.3",
		req: Request{Method: "POST", Path: "/oauth/access_token", Header: hdr("Authorization",
			`OAuth oauth_consumer_key="PLACEHOLDER-ck", oauth_token="PLACEHOLDER-request-token", oauth_verifier="PLACEHOLDER-v", oauth_signature_method="HMAC-SHA1", oauth_signature="PLACEHOLDER%3D"`)},
		resp:     Response{Status: 401, Header: hdr("Content-Type", "text/plain"), Body: []byte("oauth_problem=token_expired")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, FormEncodedResponse},
	},
	{
		name: "an OAuth 1.0a problem on an HTML page names the consumer", source: "https://wiki.oauth.net/w/page/12238543/ProblemReporting",
		req:      Request{Method: "GET", Path: "/oauth/request_token", RawQuery: "oauth_consumer_key=PLACEHOLDER-ck&oauth_nonce=1&oauth_signature=PLACEHOLDER%3D&oauth_callback=oob", Header: hdr()},
		resp:     Response{Status: 401, Header: hdr("Content-Type", "text/html"), Body: []byte("<html><body><h1>HTTP Status 401 - oauth_problem=consumer_key_unknown</h1></body></html>")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, HTMLErrorPage},
	},
	{
		name: "a vendor's OAuth 1.0a _token call signed with a token is a token call", source: "https://www.rfc-editor.org/rfc/rfc5849#section-3.1",
		req: Request{Method: "POST", Path: "/v1/oauth/session_token", Header: hdr("Authorization",
			`OAuth realm="r", oauth_consumer_key="PLACEHOLDER", oauth_token="PLACEHOLDER-access-token-9", oauth_signature_method="RSA-SHA256", oauth_signature="PLACEHOLDER%3D"`)},
		resp:     jsonResp("401", `{"error":"error: invalid consumer key","statusCode":401}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, UnrecognizedError},
	},
	{
		name: "an OAuth 1.0a API naming oauth_problem in its page is the token refused", source: "https://wiki.oauth.net/w/page/12238543/ProblemReporting",
		req: Request{Method: "GET", Path: "/v1/accounts/list", Header: hdr("Authorization",
			`OAuth oauth_consumer_key="PLACEHOLDER-ck", oauth_token="PLACEHOLDER-at-0000000001", oauth_signature_method="HMAC-SHA1", oauth_signature="PLACEHOLDER%3D"`)},
		resp:     Response{Status: 401, Header: hdr("Content-Type", "text/html"), Body: []byte("<html><body><p>oauth_problem=token_revoked</p></body></html>")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a stat:fail envelope in a 200 is an error", source: "https://www.flickr.com/services/api/response.json.html",
		req:      Request{Method: "GET", Path: "/services/rest/", RawQuery: "method=photos.search&api_key=PLACEHOLDER-key&auth_token=PLACEHOLDER-at-0000000003&format=json", Header: hdr()},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"stat":"fail","code":98,"message":"Invalid auth token"}`)},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a JSend error in a 200 is an error", source: "https://github.com/omniti-labs/jsend",
		req:      Request{Method: "GET", Path: "/api/v2/profile", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000004")},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"status":"error","message":"Access token has expired"}`)},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a request token posted with the app's Bearer is a token exchange", source: "https://developer.themoviedb.org/v4/reference/auth-create-access-token",
		req: Request{Method: "POST", Path: "/4/auth/access_token", Header: hdr("Authorization", "Bearer PLACEHOLDER-app-read-token-01", "Content-Type", "application/json"),
			Body: []byte(`{"request_token":"PLACEHOLDER-request-token-01"}`)},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"access_token":"PLACEHOLDER-user-access-token-01","account_id":"a1","success":true}`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingTokenType, MissingNoStore},
	},
	{
		name: "please provide the app secret is the client's authentication", source: "https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1",
		req: Request{Method: "POST", Path: "/api/v3/validate-authcode", Header: hdr("Content-Type", "application/json"),
			Body: []byte(`{"grant_type":"authorization_code","appIdHash":"","code":"PLACEHOLDER-code"}`)},
		resp:     jsonResp("400", `{"s":"error","code":-100,"message":"Please provide the app secret hash"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "a consumer secret refused at a Basic-keyed API is the client", source: "https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-https",
		req:      Request{Method: "GET", Path: "/wp-json/shop/v1/orders", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI=")},
		resp:     jsonResp("401", `{"code":"rest_authentication_error","message":"Consumer secret is invalid.","data":{"status":401}}`, "WWW-Authenticate", `Basic realm="shop"`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidClient, MissingWWWAuthenticate},
	},
	{
		name: "a caller IP off the allowlist is access_denied, whatever the token", source: "https://www.mongodb.com/docs/atlas/configure-api-access/",
		req:      Request{Method: "GET", Path: "/api/v2/projects", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000005")},
		resp:     jsonResp("403", `{"error":"forbidden","message":"Your IP address 198.51.100.7 is not on the allowlist for this key."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "an allowlist code in a code field reads as words", source: "https://help.sumologic.com/docs/manage/security/create-allowlist-ip-cidr-addresses/",
		req:      Request{Method: "GET", Path: "/api/v1/collectors", Header: hdr("X-Api-Key", "PLACEHOLDER-key-0000000009")},
		resp:     jsonResp("401", `{"status":401,"code":"user_ip_not_allowlisted"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied, MissingWWWAuthenticate},
	},
	{
		name: "HTTP Digest refused is a resource call", source: "https://www.rfc-editor.org/rfc/rfc7616",
		req: Request{Method: "GET", Path: "/api/v1.0/groups/abc", Header: hdr("Authorization",
			`Digest username="PLACEHOLDER", realm="API", nonce="PLACEHOLDER", uri="/api/v1.0/groups/abc", response="00000000000000000000000000000000"`)},
		resp:     jsonResp("401", `{"detail":"You are not authorized for this resource.","error":401,"reason":"Unauthorized"}`, "WWW-Authenticate", `Digest realm="API", nonce="PLACEHOLDER"`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "please provide an API key, with none sent, is the token missing", source: "https://docs.newrelic.com/docs/apis/nerdgraph/get-started/introduction-new-relic-nerdgraph/",
		req:      Request{Method: "POST", Path: "/graphql", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"query":"{ actor { user { name } } }"}`)},
		resp:     jsonResp("403", `{"errors":[{"message":"Please provide an API key in the X-Key header."}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "a bare invalid secret at a token endpoint is the client's", source: "https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1",
		req:      formPost("/oauth2/token", "grant_type=client_credentials&client_id=svc&client_secret=PLACEHOLDER-wrong"),
		resp:     jsonResp("400", `{"error":"invalid_request","error_description":"Invalid secret"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "authentication failed to a call keyed by the client's secret headers is the client", source: "https://www.cashfree.com/docs/api-reference/payments/latest/orders/create",
		req: Request{Method: "POST", Path: "/pg/links", Header: hdr("X-Client-Id", "PLACEHOLDER-id", "X-Client-Secret", "PLACEHOLDER-secret", "Content-Type", "application/json"),
			Body: []byte(`{"link_amount":1}`)},
		resp:     jsonResp("401", `{"message":"authentication Failed","code":"request_failed","type":"authentication_error"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidClient, MissingWWWAuthenticate},
	},
	{
		name: "a card tokenization POST to /tokens is no token request", source: "https://docs.stripe.com/api/tokens/create_card",
		req: Request{Method: "POST", Path: "/v1/tokens", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6", "Content-Type", "application/json"),
			Body: []byte(`{"card":{"number":"4242424242424242","exp_month":"12","exp_year":"2030"}}`)},
		resp:     jsonResp("401", `{"object":"error","type":"authentication_error","message":"Unauthorized access, check the permissions of your key."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a merchant not enabled for the call is access_denied", source: "https://docs.culqi.com/es/documentacion/api/errores/",
		req:      Request{Method: "POST", Path: "/v2/charges", Header: hdr("Authorization", "Bearer sk_test_PLACEHOLDER0000002", "Content-Type", "application/json"), Body: []byte(`{"amount":100}`)},
		resp:     jsonResp("401", `{"object":"error","type":"authentication_error","merchant_message":"Tu comercio no está habilitado para este tipo de operación."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied, MissingWWWAuthenticate},
	},
	{
		name: "a gateway's no-route 404 at an API is the wrong place, not a missing object", source: "https://docs.konghq.com/gateway/latest/production/networking/default-ports/",
		req:      Request{Method: "GET", Path: "/v2/invoices", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000006")},
		resp:     jsonResp("404", `{"message":"no Route matched with those values"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{UnexpectedStatus},
	},
	{
		name: "an object's 404 at an API is no OAuth problem", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
		req:      Request{Method: "GET", Path: "/v2/invoices/42", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000006")},
		resp:     jsonResp("404", `{"message":"Invoice not found"}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a Cloudflare challenge known by cf-mitigated, to a key-scheme API call", source: "https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response/",
		req:      Request{Method: "GET", Path: "/api/lists", Header: hdr("Authorization", "Acme-API-Key pk_PLACEHOLDER000000000000000009")},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/html; charset=UTF-8", "Cf-Mitigated", "challenge"), Body: []byte(`<html><head><title>Just a moment...</title></head><body>Enable JavaScript and cookies to continue</body></html>`)},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{EdgeBlocked, HTMLErrorPage},
	},
	{
		name: "a 401 saying permission denied for wrong credentials is the token", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/v3/mail/settings", Header: hdr("Authorization", "Bearer PLACEHOLDER-key-0000000000000010")},
		resp:     jsonResp("401", `{"errors":[{"message":"Permission denied, wrong credentials","field":null}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a 401 saying only permission denied stays a scope", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/v3/mail/settings", Header: hdr("Authorization", "Bearer PLACEHOLDER-key-0000000000000010")},
		resp:     jsonResp("401", `{"errors":[{"message":"Permission denied for this resource"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope, MissingWWWAuthenticate},
	},
	{
		name: "an account that cannot be authenticated is the credential, even in a 403", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "GET", Path: "/v1/files", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6")},
		resp:     jsonResp("403", `{"message":"Your account could not be authenticated.","help":"Contact support."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "authorization, not authentication, unsuccessful is a scope", source: "https://developer.xero.com/documentation/guides/oauth2/scopes/",
		req:      Request{Method: "GET", Path: "/api.xro/2.0/Reports", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000011")},
		resp:     jsonResp("401", `{"Title":"Unauthorized","Status":401,"Detail":"AuthorizationUnsuccessful"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope, MissingWWWAuthenticate},
	},
	{
		name: "a consumer-key header refused is a resource call", source: "https://help.ovhcloud.com/csm/en-gb-api-getting-started-ovhcloud-api",
		req:      Request{Method: "GET", Path: "/1.0/domain/zone", Header: hdr("X-Acme-Application", "PLACEHOLDER", "X-Acme-Consumer", "PLACEHOLDER-ck-0000000000000001")},
		resp:     jsonResp("403", `{"errorCode":"INVALID_CREDENTIAL","message":"This credential is not valid"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "a problem title is read after its detail", source: "https://www.rfc-editor.org/rfc/rfc9457#section-3.1.4",
		req: Request{Method: "POST", Path: "/api/accounts/token", Header: hdr("Content-Type", "application/json"),
			Body: []byte(`{"userName":"u@example.com","password":"PLACEHOLDER-pw"}`)},
		resp:     jsonResp("400", `{"errorCode":100,"title":"Username or password is invalid","status":400,"detail":"[Empty in production]"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "a Cognito InitiateAuth named by X-Amz-Target is a token call", source: "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html",
		req: Request{Method: "POST", Path: "/", Header: hdr("Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth"),
			Body: []byte(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"PLACEHOLDER","AuthParameters":{"USERNAME":"u","PASSWORD":"PLACEHOLDER-pw"}}`)},
		resp:     Response{Status: 400, Header: hdr("Content-Type", "application/x-amz-json-1.1", "X-Amzn-Errortype", "NotAuthorizedException:"), Body: []byte(`{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "a nonzero code beside a message and no data, to a posted password, is a login refused", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/api/v1/login", "username=u%40example.com&password=PLACEHOLDER-pw"),
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"msg":"two-factor verification required","data":null,"code":2031}`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InteractionRequired, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "a code 0 envelope with data is a success, not an error", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.1",
		req:      formPost("/api/v1/login", "username=u%40example.com&password=PLACEHOLDER-pw"),
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"msg":"ok","data":{"uid":1},"code":0}`)},
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a password in a GET query is a credential exchange", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2",
		req:      Request{Method: "GET", Path: "/v1/private/user/login", RawQuery: "account=u%40example.com&password=PLACEHOLDER-pw-hash", Header: hdr()},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"code":"1010","msg":"Incorrect account or password","data":null,"success":false}`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "a vendor code written as words is read as words", source: "https://www.rfc-editor.org/rfc/rfc6749#section-6",
		req:      formPost("/v4/oa/access_token", "refresh_token=PLACEHOLDER-rt&app_id=123&grant_type=refresh_token"),
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"error_name":"Invalid refresh token","error_reason":"","error":-14014}`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "a parameter error comes before a try-again at a token call", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth/token", "grant_type=password&username=u&password=PLACEHOLDER-pw&client_id=app"),
		resp:     jsonResp("400", `{"code":"0005","msg":"Parameter error. Please try again later."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidRequest, NonstandardErrorShape},
	},
	{
		name: "an API key header named as missing, with none sent, is the token missing", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "POST", Path: "/", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"events":[{"name":"e"}]}`)},
		resp:     jsonResp("400", `{"status":"error","errors":["Missing 'Acme-Api-Key' header"]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "access_token is missing, with none sent, is the token missing", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "POST", Path: "/api/1/item/", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"data":{"environment":"production"}}`)},
		resp:     jsonResp("422", `{"err":1,"message":"Invalid format. access_token is missing and it is required."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "an STS AssumeRoleWithWebIdentity refusing its identity token is the grant", source: "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html",
		req: formPost("/", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s&WebIdentityToken=PLACEHOLDER-jwt"),
		resp: Response{Status: 400, Header: hdr("Content-Type", "text/xml"),
			Body: []byte(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error></ErrorResponse>`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NotJSON},
	},
	{
		name: "an STS expired identity token is the grant, not the client", source: "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html",
		req: formPost("/", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s&WebIdentityToken=PLACEHOLDER-jwt"),
		resp: Response{Status: 400, Header: hdr("Content-Type", "text/xml"),
			Body: []byte(`<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredTokenException</Code><Message>Token expired</Message></Error></ErrorResponse>`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NotJSON},
	},
	{
		name: "a success to a call keyed by an API-key header is a resource call", source: "https://docs.honeybadger.io/api/reporting-exceptions/",
		req:      Request{Method: "POST", Path: "/v1/notices", Header: hdr("X-API-Key", "PLACEHOLDER-project-key-0001", "Content-Type", "application/json"), Body: []byte(`{"error":{"class":"RuntimeError"}}`)},
		resp:     jsonResp("201", `{"id":"6840eec9-6903-4f13-b511-b91ee46fda6a"}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a success to a call sending only HTTP Basic is a resource call", source: "https://www.jenkins.io/doc/book/using/remote-access-api/",
		req:      Request{Method: "GET", Path: "/api/json", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI=")},
		resp:     jsonResp("200", `{"jobs":[{"name":"deploy","color":"blue"}]}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an error envelope in a 200 to a keyed call is read", source: "https://developer.matomo.org/api-reference/reporting-api",
		req:      Request{Method: "GET", Path: "/v2/orders", Header: hdr("X-Api-Key", "PLACEHOLDER-key-0000000010")},
		resp:     jsonResp("200", `{"status":"error","message":"Invalid API key"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a success to a call signed under a vendor Authorization header is a resource call", source: "https://pay.line.me/documents/online_v3_en.html",
		req: Request{Method: "POST", Path: "/v3/payments/request", Header: hdr("X-LINE-ChannelId", "PLACEHOLDER", "X-LINE-Authorization-Nonce", "PLACEHOLDER-nonce",
			"X-LINE-Authorization", "PLACEHOLDERhmacsignature0000000000000000000="), Body: []byte(`{"amount":100,"currency":"TWD"}`)},
		resp:     jsonResp("200", `{"returnCode":"0000","returnMessage":"Success.","info":{"transactionId":2019}}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an API key posted whose success carries no token is a keyed call", source: "https://amplitude.com/docs/apis/analytics/http-v2",
		req:      Request{Method: "POST", Path: "/2/httpapi", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"api_key":"PLACEHOLDER-key-0000000011","events":[{"user_id":"u1","event_type":"e"}]}`)},
		resp:     jsonResp("200", `{"code":200,"events_ingested":1,"payload_size_bytes":50}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an API key posted whose success carries a token is still a token call", source: "https://thetvdb.github.io/v4-api/#/Login/post_login",
		req:      Request{Method: "POST", Path: "/v4/login", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"apikey":"PLACEHOLDER-key-0000000012"}`)},
		resp:     jsonResp("200", `{"status":"success","data":{"token":"PLACEHOLDER-jwt-000000000000000000000000000000"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "a 415 to a token-bearing call is the request's format", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "POST", Path: "/api/v2/prospects", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000020")},
		resp:     jsonResp("415", `{"errors":[{"id":"unsupportedMediaType","title":"Unsupported Media Type","detail":"Expected Content-Type application/vnd.api+json."}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a 422 naming a missing field to a keyed call is invalid_request", source: "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
		req:      Request{Method: "POST", Path: "/api/articles", Header: hdr("Api-Key", "PLACEHOLDER-key-0000000013")},
		resp:     jsonResp("422", `{"error":"param is missing or the value is empty: article","status":422}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a 406 for an API version the call asked for is invalid_request", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.7",
		req:      Request{Method: "GET", Path: "/v1/companies/1", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000021")},
		resp:     jsonResp("406", `{"errors":[{"category":"invalid_api_version","message":"Invalid API version"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a 409 conflict to a token-bearing call is the API's answer", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
		req:      Request{Method: "POST", Path: "/v1/users", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000022")},
		resp:     jsonResp("409", `{"error":"a user with this email already exists"}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a bare unauthorized_client in a 401 to an authenticating client is invalid_client", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth2/token", "grant_type=client_credentials&client_id=svc&client_secret=PLACEHOLDER-wrong"),
		resp:     jsonResp("401", `{"error":"unauthorized_client"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "unauthorized_client with invalid_client's RFC sentence in a 401 is invalid_client", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth2/token", "grant_type=password&username=u&password=PLACEHOLDER&client_id=app&client_secret=PLACEHOLDER-wrong"),
		resp:     jsonResp("401", `{"error":"unauthorized_client","error_description":"Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "a bare unauthorized_client in a 401 at revocation is invalid_client", source: "https://www.rfc-editor.org/rfc/rfc7009#section-2.2.1",
		req:      formPost("/token/revoke", "token=PLACEHOLDER-rt&token_type_hint=refresh_token&client_id=app&client_secret=PLACEHOLDER-wrong"),
		resp:     jsonResp("401", `{"error":"unauthorized_client"}`),
		endpoint: EndpointRevoke, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "unauthorized_client in a 401 whose words say the grant is not allowed stays", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth2/token", "grant_type=client_credentials&client_id=svc&client_secret=PLACEHOLDER"),
		resp:     jsonResp("401", `{"error":"unauthorized_client","error_description":"The client is not authorized to request a token using this method."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{UnauthorizedClient},
	},
	{
		name: "a bare unauthorized_client in a 400 stays", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth2/token", "grant_type=client_credentials&client_id=svc&client_secret=PLACEHOLDER"),
		resp:     jsonResp("400", `{"error":"unauthorized_client"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{UnauthorizedClient},
	},
	{
		name: "Spring's OAuth Error page at the authorization endpoint names its code", source: "https://github.com/spring-attic/spring-security-oauth/blob/main/spring-security-oauth2/src/main/java/org/springframework/security/oauth2/provider/endpoint/WhitelabelErrorEndpoint.java",
		req: Request{Method: "GET", Path: "/oauth/authorize", RawQuery: "client_id=nope&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8080&state=s",
			Header: hdr("Accept", "text/html")},
		resp: Response{Status: 200, Header: hdr("Content-Type", "text/html;charset=UTF-8"),
			Body: []byte(`<html><body><h1>OAuth Error</h1><p>error="invalid_client", error_description="Bad client credentials"</p></body></html>`)},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{InvalidClient, HTMLErrorPage},
	},
	{
		name: "Spring's OAuth Error page's description refines its code", source: "https://github.com/spring-attic/spring-security-oauth/blob/main/spring-security-oauth2/src/main/java/org/springframework/security/oauth2/provider/endpoint/WhitelabelErrorEndpoint.java",
		req: Request{Method: "GET", Path: "/oauth/authorize", RawQuery: "client_id=app&response_type=code&state=s", Header: hdr("Accept", "text/html")},
		resp: Response{Status: 200, Header: hdr("Content-Type", "text/html"),
			Body: []byte(`<html><body><h1>OAuth Error</h1><p>error="invalid_request", error_description="At least one redirect_uri must be registered with the client."</p></body></html>`)},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch, HTMLErrorPage},
	},
	{
		name: "a login page with an unregistered error attribute is the login page", source: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1",
		req: Request{Method: "GET", Path: "/oauth/authorize", RawQuery: "client_id=app&response_type=code&state=s", Header: hdr("Accept", "text/html")},
		resp: Response{Status: 200, Header: hdr("Content-Type", "text/html"),
			Body: []byte(`<html><body><form><input name="username"><span data-x error="field_required"></span></form></body></html>`)},
		endpoint: EndpointAuthorize, verdict: VerdictOK, causes: []Code{OK},
	},
	{
		name: "fosite's request_forbidden in the redirect is access_denied", source: "https://github.com/ory/fosite/blob/master/errors.go",
		req:      Request{Method: "GET", Path: "/oauth2/auth", RawQuery: "client_id=cli&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb&state=abcdefgh"},
		resp:     Response{Status: 303, Header: hdr("Location", "http://127.0.0.1:5000/cb?error=request_forbidden&error_description=The+request+is+not+allowed.&state=abcdefgh")},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "an outdated API key is the key refused", source: "https://docs.codat.io/using-the-api/errors",
		req:      Request{Method: "GET", Path: "/companies/1", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000023")},
		resp:     jsonResp("401", `{"statusCode":401,"error":"You are using an outdated API key."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "an invalid app key at a vendor token call is the client's", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=PLACEHOLDER"),
		resp:     jsonResp("401", `{"code":"10026","message":"Invalid app key"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "a JSON:API error's message after its status-word title decides", source: "https://jsonapi.org/format/#error-objects",
		req:      Request{Method: "GET", Path: "/ais/v1/accounts", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000024")},
		resp:     jsonResp("401", `{"status":"401","code":"unauthorized","errors":[{"code":"x","title":"Unauthorized","message":"Your app does not have the necessary scopes to access this API"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope, MissingWWWAuthenticate},
	},
	{
		name: "a grant_type named incorrect in Chinese is unsupported_grant_type", source: "https://opendocs.alipay.com/common/02km9f",
		req:      formPost("/gateway.do", "method=alipay.system.oauth.token&grant_type=authorization_cod&code=PLACEHOLDER&app_id=1"),
		resp:     jsonResp("200", `{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-arguments","sub_msg":"grant_type参数不正确"}}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{UnsupportedGrantType, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "a refresh refused with a bare 401 is the refresh token", source: "https://www.rfc-editor.org/rfc/rfc6749#section-6",
		req:      formPost("/oauth/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt&client_id=app&client_secret=PLACEHOLDER"),
		resp:     Response{Status: 401, Header: hdr("Content-Length", "0")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, EmptyBody},
	},
	{
		name: "a refresh refused with 401 Unauthorized and no more is the refresh token", source: "https://www.rfc-editor.org/rfc/rfc6749#section-6",
		req:      Request{Method: "POST", Path: "/auth/oauth/token", RawQuery: "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI=")},
		resp:     jsonResp("401", `{"error":"Unauthorized","error_description":"Unauthorized"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant},
	},
	{
		name: "a refresh refused with invalid_client in a 401 stays the client's", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      formPost("/oauth/token", "grant_type=refresh_token&refresh_token=PLACEHOLDER-rt&client_id=app&client_secret=PLACEHOLDER-wrong"),
		resp:     jsonResp("401", `{"error":"invalid_client"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient},
	},
	{
		name: "a GraphQL request that failed whole, in a 200, is invalid_request", source: "https://spec.graphql.org/October2021/#sec-Data",
		req:      Request{Method: "POST", Path: "/graphql", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000025", "Content-Type", "application/json"), Body: []byte(`{"query":"{ a { b { c } } }"}`)},
		resp:     jsonResp("200", `{"errors":[{"message":"Query has complexity of 3150, which exceeds max complexity of 2000"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidRequest, ErrorInSuccessStatus},
	},
	{
		name: "a GraphQL partial result with errors beside its data is the API's answer", source: "https://spec.graphql.org/October2021/#sec-Errors",
		req:      Request{Method: "POST", Path: "/graphql", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000026", "Content-Type", "application/json"), Body: []byte(`{"query":"{ a b }"}`)},
		resp:     jsonResp("200", `{"data":{"a":1,"b":null},"errors":[{"message":"b could not be loaded","path":["b"]}]}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "Apollo's FORBIDDEN code to a token is a permission the token lacks", source: "https://www.apollographql.com/docs/apollo-server/data/errors#built-in-error-codes",
		req:      Request{Method: "POST", Path: "/graphql", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000027", "Content-Type", "application/json"), Body: []byte(`{"query":"mutation { x }"}`)},
		resp:     jsonResp("200", `{"errors":[{"message":"Not allowed","extensions":{"code":"FORBIDDEN"}}],"data":null}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope, ErrorInSuccessStatus},
	},
	{
		name: "an API outside the account's plan is access_denied", source: "https://apidocs.hashnode.com/",
		req:      Request{Method: "POST", Path: "/", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000028", "Content-Type", "application/json"), Body: []byte(`{"query":"mutation { publishPost }"}`)},
		resp:     jsonResp("200", `{"errors":[{"message":"Publication does not have an active Pro plan. Upgrade in your dashboard to access this via the API.","extensions":{"code":"FORBIDDEN"}}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied, ErrorInSuccessStatus},
	},
	{
		name: "a write call to an API answered 301 elsewhere is unexpected_status", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.4.2",
		req:      Request{Method: "POST", Path: "/", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000029", "Content-Type", "application/json"), Body: []byte(`{"query":"{ me { id } }"}`)},
		resp:     Response{Status: 301, Header: hdr("Location", "https://example.com/changelog/api-moved", "Content-Type", "text/html")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{UnexpectedStatus},
	},
	{
		name: "a 303 to a write call is where its answer lives", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.4.4",
		req:      Request{Method: "POST", Path: "/v1/orders", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000030", "Content-Type", "application/json"), Body: []byte(`{"item":1}`)},
		resp:     Response{Status: 303, Header: hdr("Location", "/v1/orders/42")},
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a 301 to a read call is followed", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.4.2",
		req:      Request{Method: "GET", Path: "/v1/user", Header: hdr("Authorization", "Bearer PLACEHOLDER-at-0000000000000031")},
		resp:     Response{Status: 301, Header: hdr("Location", "https://api.example.com/v2/user")},
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "DRF's credentials-not-provided to a token under a scheme it did not take is the token refused", source: "https://www.django-rest-framework.org/api-guide/authentication/#tokenauthentication",
		req:      Request{Method: "POST", Path: "/addresses/", Header: hdr("Authorization", "ShippoToken PLACEHOLDER-key-0000000014")},
		resp:     jsonResp("401", `{"detail":"Authentication credentials were not provided."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a token named missing under a scheme the API does not take stays missing", source: "https://dev.twitch.tv/docs/api/reference/",
		req:      Request{Method: "GET", Path: "/helix/users", Header: hdr("Authorization", "OAuth PLACEHOLDER-at-0000000000000032", "Client-Id", "PLACEHOLDER")},
		resp:     jsonResp("401", `{"error":"Unauthorized","status":401,"message":"OAuth token is missing"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "a vendor key scheme whose key ends in a colon suffix is a keyed call", source: "https://developers.deepl.com/docs/getting-started/auth",
		req:      Request{Method: "POST", Path: "/v2/translate", Header: hdr("Authorization", "DeepL-Auth-Key 00000000-0000-0000-0000-PLACEHOLDER01:fx"), Body: []byte("text=Hello&target_lang=DE")},
		resp:     jsonResp("200", `{"translations":[{"detected_source_language":"EN","text":"Hallo"}]}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an X-…-Key header of the vendor's naming is a key", source: "https://docs.flagsmith.com/clients/rest",
		req:      Request{Method: "GET", Path: "/api/v1/flags/", Header: hdr("X-Environment-Key", "PLACEHOLDER0000envkey01")},
		resp:     jsonResp("403", `{"detail":"Invalid or missing Environment Key"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "an idempotency key is not a credential", source: "https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/",
		req:      Request{Method: "POST", Path: "/v1/charges", Header: hdr("X-Idempotency-Key", "PLACEHOLDER-0000000000000001"), Body: []byte(`{"amount":1}`)},
		resp:     jsonResp("200", `{"id":"ch_1"}`),
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a nonzero code beside a text is the text's error", source: "https://docs.splunk.com/Documentation/Splunk/latest/Data/TroubleshootHTTPEventCollector",
		req:      Request{Method: "POST", Path: "/services/collector/event", Header: hdr("Authorization", "Splunk PLACEHOLDER-hec-token-0000-000000000001"), Body: []byte(`{"event":"x"}`)},
		resp:     jsonResp("403", `{"text":"Invalid token","code":4}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "a success's text beside code 0 is no error", source: "https://docs.splunk.com/Documentation/Splunk/latest/Data/TroubleshootHTTPEventCollector",
		req:      Request{Method: "POST", Path: "/services/collector/event", Header: hdr("Authorization", "Splunk PLACEHOLDER-hec-token-0000-000000000001"), Body: []byte(`{"event":"x"}`)},
		resp:     jsonResp("200", `{"text":"Success","code":0}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a message that names itself a request error is not about the token", source: "https://docs.cohere.com/reference/errors",
		req:      Request{Method: "POST", Path: "/v1/chat", Header: hdr("Authorization", "Bearer PLACEHOLDER-key-0000000015"), Body: []byte(`{"message":""}`)},
		resp:     jsonResp("400", `{"message":"invalid request: message must be at least 1 token long or tool results must be specified."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidRequest},
	},
	{
		name: "a key without the ACL for the call is a permission", source: "https://www.algolia.com/doc/guides/security/api-keys/",
		req:      Request{Method: "POST", Path: "/1/indexes/products/batch", Header: hdr("X-Algolia-Application-Id", "APP", "X-Algolia-API-Key", "PLACEHOLDERsearchonly000000002")},
		resp:     jsonResp("403", `{"message":"Method not allowed with this API key","status":403}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope},
	},
	{
		name: "an error envelope's numeric code in a 200 is its status", source: "https://twelvedata.com/docs#errors",
		req:      Request{Method: "GET", Path: "/quote", RawQuery: "symbol=MSFT&apikey=PLACEHOLDER-key-0000000016"},
		resp:     jsonResp("200", `{"code":429,"message":"You have run out of API credits for the current minute.","status":"error"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited, ErrorInSuccessStatus},
	},
	{
		name: "Etherscan's NOTOK envelope says why in its result", source: "https://docs.etherscan.io/resources/common-error-messages",
		req:      Request{Method: "GET", Path: "/v2/api", RawQuery: "chainid=1&module=account&action=balance&apikey=PLACEHOLDER-key-0000000017"},
		resp:     jsonResp("200", `{"status":"0","message":"NOTOK","result":"Invalid API Key (#err2)|8"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "an Etherscan-style success is no error", source: "https://docs.etherscan.io/",
		req:      Request{Method: "GET", Path: "/v2/api", RawQuery: "chainid=1&module=account&action=balance&apikey=PLACEHOLDER-key-0000000018"},
		resp:     jsonResp("200", `{"status":"1","message":"OK","result":"40891626854930000000999"}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a 402 to a keyed call is its quota spent", source: "https://openrouter.ai/docs/api-reference/errors",
		req:      Request{Method: "POST", Path: "/api/v1/chat/completions", Header: hdr("Authorization", "Bearer PLACEHOLDER-key-0000000019")},
		resp:     jsonResp("402", `{"error":{"message":"Insufficient credits. Add more using https://openrouter.ai/settings/credits","code":402}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited},
	},
	{
		name: "a 402 status inside a 200 envelope is the quota spent", source: "https://developer.musixmatch.com/documentation/status-codes",
		req:      Request{Method: "GET", Path: "/ws/1.1/track.get", RawQuery: "track_id=1&apikey=PLACEHOLDER-key-0000000020"},
		resp:     jsonResp("200", `{"message":{"header":{"status_code":402,"execute_time":0.001},"body":""}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited, ErrorInSuccessStatus},
	},
	{
		name: "an API needing a separate subscription is access_denied", source: "https://openweathermap.org/faq#error401",
		req:      Request{Method: "GET", Path: "/data/3.0/onecall", RawQuery: "lat=1&lon=2&api_key=PLACEHOLDER-key-0000000021"},
		resp:     jsonResp("401", `{"cod":401,"message":"Please note that using One Call 3.0 requires a separate subscription to the One Call by Call plan."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied, MissingWWWAuthenticate},
	},
	{
		name: "an STS call behind a gateway's listen path is still STS", source: "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html",
		req: formPost("/sts/", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s&WebIdentityToken=PLACEHOLDER-jwt"),
		resp: Response{Status: 400, Header: hdr("Content-Type", "text/xml"),
			Body: []byte(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error></ErrorResponse>`)},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NotJSON},
	},
	{
		name: "a 405 to a keyed call is the method refused", source: "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6",
		req:      Request{Method: "GET", Path: "/api/v1/workspaces/1/time-entries", Header: hdr("X-Api-Key", "PLACEHOLDER-key-0000000022")},
		resp:     jsonResp("405", `{"message":"Request method 'GET' not supported","code":3000}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{UnexpectedStatus},
	},
	{
		name: "a Basic challenge with a framework's page at the token endpoint is the client's, behind any proxy", source: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
		req:      Request{Method: "POST", Path: "/v2/token_endpoint", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6d3Jvbmc=", "Content-Type", "application/x-www-form-urlencoded"), Body: []byte("grant_type=authorization_code&code=PLACEHOLDER&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb")},
		resp:     Response{Status: 401, Header: hdr("Server", "nginx", "Content-Type", "text/html; charset=utf-8", "WWW-Authenticate", `Basic realm="Application"`), Body: []byte("HTTP Basic: Access denied.\n")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, HTMLErrorPage},
	},
	{
		name: "an X-Auth- header is a credential, so its 401 is the credential refused", source: "https://devdocs.veriff.com/docs/credentials-and-authorization-codes-table.md",
		req:      Request{Method: "GET", Path: "/v1/sessions/1/decision", Header: hdr("X-Auth-Client", "PLACEHOLDER-0000-4000-8000-00000000a001", "X-Hmac-Signature", "PLACEHOLDER00000000000000000000000002")},
		resp:     jsonResp("401", `{"status":"fail","code":1818,"message":"Signature does not match the HMAC-SHA256 of query ID and integration API secret."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "yes.com's account_selection_requested is interaction_required", source: "https://yes.com/docs/rp-devguide/1.2/IDENTITY/index.html#_authentication_response",
		req:      Request{Method: "GET", Path: "/services/authz/10000001", RawQuery: "client_id=sandbox.yes.com%3Aapp&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb"},
		resp:     Response{Status: 302, Header: hdr("Location", "http://localhost:3000/cb?error=account_selection_requested&error_description=User_requested_to_select_another_account")},
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{InteractionRequired},
	},
	{
		name: "a 429 with no credential in sight is still a throttle", source: "https://docs.coingecko.com/reference/common-errors-rate-limit",
		req:      Request{Method: "GET", Path: "/api/v3/coins/ethereum", RawQuery: "localization=false", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("429", `{"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit."}}`, "Retry-After", "119"),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{RateLimited},
	},
	{
		name: "a 5xx with no credential is the server's failure, whatever code its body names", source: "https://github.com/spring-projects/spring-security/issues/11015",
		req:      Request{Method: "GET", Path: "/api/orders"},
		resp:     jsonResp("500", `{"error":"invalid_grant","status":500}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{ServerError},
	},
	{
		name: "a private_key posted for a {\"token\"} is a vendor's token call", source: "https://docs.sezzle.com/docs/api/core/authentication",
		req:      Request{Method: "POST", Path: "/v2/authentication", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"public_key":"sz_pub_PLACEHOLDER","private_key":"sz_pr_PLACEHOLDER"}`)},
		resp:     jsonResp("200", `{"token":"PLACEHOLDER-token","expiration_date":"2017-01-01T01:30:25Z","merchant_uuid":"m1"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "a camel-case accessToken at a token path is a token answer no OAuth client reads", source: "https://docs.aurinko.io/authentication/authentication-scenarios",
		req:      Request{Method: "POST", Path: "/v1/auth/token/PLACEHOLDER-code", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI=", "Content-Type", "application/json"), Body: []byte(`{}`)},
		resp:     jsonResp("200", `{"accountId":1,"accessToken":"PLACEHOLDER-access-token","userId":"u1"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{MissingAccessToken, MissingTokenType},
	},
	{
		name: "a login's 200 status word naming wrong credentials is the user's refused grant", source: "https://docs.prometeoapi.com/reference/login",
		req:      Request{Method: "POST", Path: "/login/", Header: hdr("Content-Type", "application/x-www-form-urlencoded", "X-API-Key", "PLACEHOLDER"), Body: []byte("provider=test&username=1&password=PLACEHOLDER")},
		resp:     jsonResp("200", `{"status":"wrong_credentials"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "a login's 200 status naming a registered code is that code", source: "https://docs.prometeoapi.com/reference/login",
		req:      Request{Method: "POST", Path: "/login/", Header: hdr("Content-Type", "application/x-www-form-urlencoded", "X-API-Key", "PLACEHOLDER"), Body: []byte("provider=test&username=1&password=PLACEHOLDER")},
		resp:     jsonResp("200", `{"status":"interaction_required","field":"otp","key":"PLACEHOLDER"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InteractionRequired, ErrorInSuccessStatus, NonstandardErrorShape},
	},
	{
		name: "a key header of the vendor's naming without X- (MerchantKey) is a credential", source: "https://developercielo.github.io/en/manual/cielo-ecommerce",
		req:      Request{Method: "POST", Path: "/1/sales/", Header: hdr("Merchantid", "00000000-0000-4000-8000-000000000001", "Merchantkey", "PLACEHOLDER", "Content-Type", "application/json"), Body: []byte(`{"MerchantOrderId":"1"}`)},
		resp:     Response{Status: 401, Header: hdr("Content-Length", "0")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a message-routing key header is no credential", source: "https://github.com/cloudevents/spec/blob/main/cloudevents/extensions/partitioning.md",
		req:      Request{Method: "POST", Path: "/events", Header: hdr("Ce-Partitionkey", "orders-1", "Content-Type", "application/json"), Body: []byte(`{"id":"1"}`)},
		resp:     Response{Status: 401, Header: hdr("Content-Length", "0")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "Basic of an empty key and secret is no credential at all", source: "https://github.com/Midtrans/midtrans-nodejs-client/issues/17",
		req:      Request{Method: "GET", Path: "/v2/order-1/status", Header: hdr("Authorization", "Basic Og==", "Accept", "application/json")},
		resp:     jsonResp("200", `{"status_code":"401","status_message":"Operation is not allowed due to unauthorized payload.","id":"1"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, ErrorInSuccessStatus},
	},
	{
		name: "a returnUrl that matches no configured URL is the redirect mismatch", source: "https://docs.aurinko.io/authentication/authentication-scenarios",
		req:      Request{Method: "GET", Path: "/v1/auth/authorize", RawQuery: "clientId=PLACEHOLDER&serviceType=Google&responseType=code&returnUrl=http%3A%2F%2Flocalhost%3A3000%2Fcb"},
		resp:     jsonResp("400", `{"code":"returnurl.invalid","message":"returnurl.invalid: returnUrl doesn't match the configured urls for the app."}`),
		endpoint: EndpointAuthorize, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch, NonstandardErrorShape},
	},
	{
		name: "an anonymous 403 whose page asks for authentication is the token missing", source: "https://www.jenkins.io/doc/book/security/access-control/",
		req:      Request{Method: "GET", Path: "/api/json", Header: hdr("Accept", "application/json")},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/html;charset=utf-8", "X-Jenkins", "2.440"), Body: []byte("<html><head><meta http-equiv='refresh' content='1;url=/login?from=%2Fapi%2Fjson'/></head><body>\n\nAuthentication required\n</body></html>")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "an anonymous 403 \"Permission denied\" is the token missing, not a scope", source: "https://developer.hashicorp.com/nomad/tutorials/access-control/access-control",
		req:      Request{Method: "GET", Path: "/v1/acl/policies"},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "text/plain; charset=utf-8"), Body: []byte("Permission denied")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "behind a gateway that took the key, the upstream's 403 \"Permission denied\" is no missing token", source: "https://developer.hashicorp.com/nomad/tutorials/access-control/access-control",
		req:      Request{Method: "GET", Path: "/v1/acl/policies", GatewayKeyed: true},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"message":"Permission denied"}`)},
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an anonymous caller refused in XML is the token missing", source: "https://cloud.google.com/storage/docs/xml-api/reference-status",
		req:      Request{Method: "GET", Path: "/bucket/object.mp4", Header: hdr("Range", "bytes=0-1023")},
		resp:     Response{Status: 403, Header: hdr("Content-Type", "application/xml; charset=UTF-8"), Body: []byte("<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Access denied.</Message><Details>Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object.</Details></Error>")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "an app id named as not provided is the credential missing", source: "https://docs.saltedge.com/account_information/v5/#errors-app_id_not_provided",
		req:      Request{Method: "GET", Path: "/api/v5/customers", Header: hdr("Accept", "application/json")},
		resp:     jsonResp("400", `{"error":{"class":"AppIdNotProvided","message":"'App-Id' was not provided in request headers."},"request":{}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken},
	},
	{
		name: "an API key named as missing a permission is short of a scope, not refused", source: "https://elevenlabs.io/docs/api-reference/authentication",
		req:      Request{Method: "GET", Path: "/v1/user", Header: hdr("Xi-Api-Key", "PLACEHOLDER")},
		resp:     jsonResp("401", `{"detail":{"type":"authentication_error","code":"unauthorized","message":"The API key you used is missing the permission user_read to execute this operation.","status":"missing_permissions"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope, MissingWWWAuthenticate},
	},
	{
		name: "Google's accessNotConfigured reason outranks the PERMISSION_DENIED status beside it", source: "https://cloud.google.com/apis/design/errors#error_info",
		req:      Request{Method: "GET", Path: "/blogger/v3/blogs/1/posts", Header: hdr("Authorization", "Bearer PLACEHOLDER-access-token")},
		resp:     jsonResp("403", `{"error":{"code":403,"message":"Blogger API v3 has not been used in project 1 before or it is disabled.","errors":[{"message":"Blogger API v3 has not been used in project 1 before or it is disabled.","domain":"usageLimits","reason":"accessNotConfigured"}],"status":"PERMISSION_DENIED"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied},
	},
	{
		name: "a key-shaped value in a vendor header of no telling name was a key sent", source: "https://docs.honeycomb.io/api/auth/",
		req:      Request{Method: "GET", Path: "/1/auth", Header: hdr("X-Honeycomb-Team", "PLACEHOLDER-honeycomb-api-key-0001", "Accept", "application/json")},
		resp:     jsonResp("401", `{"error":"unknown API key - check your credentials"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a trace id in a vendor header is no key sent", source: "https://www.w3.org/TR/trace-context/",
		req:      Request{Method: "GET", Path: "/1/auth", Header: hdr("X-B3-Traceid", "463ac35c9f6413ad48485a3953bb6124", "Accept", "application/json")},
		resp:     jsonResp("401", `{"error":"unknown API key - check your credentials"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "a session cookie refused is the credential refused, not missing", source: "https://pve.proxmox.com/wiki/Proxmox_VE_API#Authentication",
		req:      Request{Method: "GET", Path: "/api2/json/nodes/pmx01/status", Header: hdr("Cookie", "PVEAuthCookie=PVE:zabbix@pve:PLACEHOLDER-expired-ticket")},
		resp:     Response{Status: 401, Header: hdr("Content-Length", "0")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a cookie of no session is no credential", source: "https://pve.proxmox.com/wiki/Proxmox_VE_API#Authentication",
		req:      Request{Method: "GET", Path: "/api2/json/nodes/pmx01/status", Header: hdr("Cookie", "theme=dark-contrast; lang=en")},
		resp:     Response{Status: 401, Header: hdr("Content-Length", "0")},
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{MissingToken, MissingWWWAuthenticate},
	},
	{
		name: "a session-id header is a credential", source: "https://developer.broadcom.com/xapis/vsphere-automation-api/latest/cis/api/session/post/",
		req:      Request{Method: "GET", Path: "/api/vcenter/vm", Header: hdr("Vmware-Api-Session-Id", "PLACEHOLDER-expired-session-id")},
		resp:     jsonResp("401", `{"error_type":"UNAUTHENTICATED","messages":[{"args":[],"default_message":"Authentication required.","id":"com.vmware.vapi.endpoint.method.authentication.required"}]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "an ?appid= key refused is the key refused", source: "https://openweathermap.org/faq#error401",
		req:      Request{Method: "GET", Path: "/data/2.5/weather", RawQuery: "q=London,uk&appid=PLACEHOLDER0000000000000000000001"},
		resp:     jsonResp("401", `{"cod":401, "message": "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "Scaleway's denied_authentication outranks its invalid_argument reason", source: "https://github.com/scaleway/scaleway-sdk-go/blob/master/scw/errors.go",
		req:      Request{Method: "GET", Path: "/instance/v1/zones/fr-par-1/servers", Header: hdr("X-Auth-Token", "PLACEHOLDER-scw-secret-key")},
		resp:     jsonResp("401", `{"message":"authentication is denied","method":"api_key","reason":"invalid_argument","type":"denied_authentication"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "an app key header named as missing at a token call is the client's authentication missing", source: "https://developer.mastercard.com/open-banking-us/documentation/errors/",
		req:      Request{Method: "POST", Path: "/aggregation/v2/partners/authentication", Header: hdr("Content-Type", "application/json", "Accept", "application/json"), Body: []byte(`{"partnerId":"PLACEHOLDER","partnerSecret":"PLACEHOLDER-partner-secret"}`)},
		resp:     jsonResp("401", `{"code":"10026","message":"Missing parameter (Finicity-App-Key)"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidClient, NonstandardErrorShape},
	},
	{
		name: "\"redirect_uri mismatch\" under invalid_request is the redirect mismatch", source: "https://github.com/IdentityPython/oidc-op",
		req:      Request{Method: "POST", Path: "/token", Header: hdr("Content-Type", "application/x-www-form-urlencoded", "Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI="), Body: []byte("grant_type=authorization_code&code=PLACEHOLDER&redirect_uri=https%3A%2F%2Frp.example.com%2Fother_cb")},
		resp:     jsonResp("400", `{"error": "invalid_request", "error_description": "redirect_uri mismatch"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{RedirectURIMismatch},
	},
	{
		name: "a session= parameter is the caller's token, so a 200 envelope refusing it is read", source: "https://open.taobao.com/doc.htm?docId=114&docType=1",
		req:      Request{Method: "POST", Path: "/router/rest", Header: hdr("Content-Type", "application/x-www-form-urlencoded;charset=utf-8"), Body: []byte("method=taobao.trades.sold.get&app_key=12345678&session=PLACEHOLDERtopaccesstoken0001&format=json&v=2.0&sign_method=md5&sign=PLACEHOLDERSIGN")},
		resp:     jsonResp("200", `{"error_response":{"code":27,"msg":"Invalid session","sub_code":"invalid-sessionkey","request_id":"rxvsf5lo4ufl"}}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "Matomo's token_auth posted is the caller's token, not a key traded for one", source: "https://developer.matomo.org/api-reference/reporting-api",
		req:      Request{Method: "POST", Path: "/index.php", RawQuery: "module=API&method=API.getMatomoVersion&format=json", Header: hdr("Content-Type", "application/x-www-form-urlencoded"), Body: []byte("token_auth=PLACEHOLDERmatomotokenauth0000000000000003")},
		resp:     jsonResp("401", `{"result":"error","message":"Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter."}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, MissingWWWAuthenticate},
	},
	{
		name: "a JSON call with ?token= carries a token", source: "https://github.com/python-kasa/python-kasa",
		req:      Request{Method: "POST", Path: "/", RawQuery: "token=PLACEHOLDER-cloud-token-000001", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"method":"passthrough","params":{"deviceId":"PLACEHOLDER"}}`)},
		resp:     jsonResp("200", `{"error_code":-20651,"msg":"Token expired"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "an ?appid= success is an API call keyed by the app", source: "https://openweathermap.org/current",
		req:      Request{Method: "GET", Path: "/data/2.5/weather", RawQuery: "q=London,uk&appid=PLACEHOLDER0000000000000000000001"},
		resp:     jsonResp("200", `{"coord":{"lon":-0.13,"lat":51.51},"weather":[{"id":300,"main":"Drizzle"}],"name":"London","cod":200}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "an IP allowlist named on its own is the owner's access policy", source: "https://grafana.com/docs/grafana-cloud/account-management/authentication-and-permissions/access-policies/",
		req:      Request{Method: "GET", Path: "/api/v1/query", Header: hdr("Authorization", "Bearer glc_PLACEHOLDER")},
		resp:     jsonResp("401", `{"status": "error", "message": "AuthClient error: Conditions.AllowedSubnets is set, but client IP is not available"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{AccessDenied, MissingWWWAuthenticate},
	},
	{
		name: "a 200 whose message is itself a token code is the token refused", source: "https://developers.viber.com/docs/api/rest-bot-api/#error-codes",
		req:      Request{Method: "POST", Path: "/pa/get_account_info", Header: hdr("X-Viber-Auth-Token", "PLACEHOLDER-viber-token", "Content-Type", "application/json"), Body: []byte(`{}`)},
		resp:     jsonResp("200", `{"status":2,"status_message":"invalidAuthToken"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken, ErrorInSuccessStatus},
	},
	{
		name: "a 200 whose message is a success code is a success", source: "https://developers.viber.com/docs/api/rest-bot-api/#error-codes",
		req:      Request{Method: "POST", Path: "/pa/get_account_info", Header: hdr("X-Viber-Auth-Token", "PLACEHOLDER-viber-token", "Content-Type", "application/json"), Body: []byte(`{}`)},
		resp:     jsonResp("200", `{"status":0,"status_message":"ok","id":"pa:1"}`),
		endpoint: EndpointResource, verdict: VerdictOK, causes: []Code{},
	},
	{
		name: "a resource's 200 error envelope whose words name no cause is still a failure", source: "https://apiok.ru/dev/errors",
		req:      Request{Method: "GET", Path: "/api/users/getCurrentUser", RawQuery: "access_token=PLACEHOLDER-access-token&sig=PLACEHOLDER"},
		resp:     jsonResp("200", `{"error_code":101,"error_msg":"PARAM_API_KEY : No application key","error_data":null}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{ErrorInSuccessStatus},
	},
	{
		name: "a session API's refresh refused is the refresh token refused", source: "https://docs.descope.com/api/refresh-session",
		req:      Request{Method: "POST", Path: "/v1/auth/refresh", Header: hdr("Authorization", "Bearer P2PROJECT:eyJhbGciOiJSUzI1NiJ9.e30.PLACEHOLDER", "Content-Type", "application/json"), Body: []byte(`{}`)},
		resp:     jsonResp("401", `{"errorCode":"E064001"}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "a refresh by session cookie refused with a bare 401 is the refresh token refused", source: "https://github.com/keratin/authn-server/blob/main/docs/api.md#refresh-session",
		req:      Request{Method: "GET", Path: "/session/refresh", Header: hdr("Cookie", "authn=PLACEHOLDER-session-token-000001", "Origin", "https://app.example.com")},
		resp:     Response{Status: 401, Header: hdr("Content-Length", "0")},
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, EmptyBody},
	},
	{
		name: "a magic link posted to …/authenticate and refused is the grant refused", source: "https://stytch.com/docs/api/errors/401#unable_to_auth_magic_link",
		req:      Request{Method: "POST", Path: "/v1/magic_links/authenticate", Header: hdr("Authorization", "Basic UExBQ0VIT0xERVI6UExBQ0VIT0xERVI=", "Content-Type", "application/json"), Body: []byte(`{"token":"PLACEHOLDER-stytch-magic-link-token-0001="}`)},
		resp:     jsonResp("401", `{"status_code":401,"request_id":"r1","error_type":"unable_to_auth_magic_link","error_message":"The magic link could not be authenticated because it was either already used or expired. Send another magic link to this user."}`),
		endpoint: EndpointToken, verdict: VerdictInvalid, causes: []Code{InvalidGrant, NonstandardErrorShape},
	},
	{
		name: "a refusal to a call carrying an Authorization key scheme beside an app_id is the API's", source: "https://documentation.onesignal.com/reference/push-notification",
		req:      Request{Method: "POST", Path: "/notifications", Header: hdr("Authorization", "Key os_v2_app_PLACEHOLDER000000000000000000000001", "Content-Type", "application/json"), Body: []byte(`{"app_id":"00000000-0000-4000-8000-000000000001","contents":{"en":"Message"}}`)},
		resp:     jsonResp("403", `{"errors": ["Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/accounts-and-keys)."]}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InvalidToken},
	},
	{
		name: "a key \"restricted to only\" some calls is short of a permission", source: "https://resend.com/docs/api-reference/errors",
		req:      Request{Method: "GET", Path: "/domains", Header: hdr("Authorization", "Bearer re_PLACEHOLDER_sendonly_0000000000003")},
		resp:     jsonResp("401", `{"statusCode":401,"message":"This API key is restricted to only send emails","name":"restricted_api_key"}`),
		endpoint: EndpointResource, verdict: VerdictInvalid, causes: []Code{InsufficientScope, MissingWWWAuthenticate},
	},
	{
		name: "non-oauth", source: "",
		req:      Request{Method: "GET", Path: "/api/orders/42", RawQuery: "expand=items", Header: hdr("Accept", "application/json", "User-Agent", "curl/8")},
		resp:     Response{Status: 200, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"id":42}`)},
		endpoint: EndpointNone, verdict: VerdictOK, causes: []Code{},
	},
}

func TestClassifyExchanges(t *testing.T) {
	for _, tc := range exchanges {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(&tc.req, &tc.resp, tc.opts)
			if got.Endpoint != tc.endpoint {
				t.Errorf("endpoint: got %q, want %q", got.Endpoint, tc.endpoint)
			}
			if got.Verdict != tc.verdict {
				t.Errorf("verdict: got %q, want %q (causes %v)", got.Verdict, tc.verdict, got.Causes())
			}
			if !slices.Equal(got.Causes(), tc.causes) {
				t.Errorf("causes: got %v, want %v", got.Causes(), tc.causes)
			}
		})
	}
}
