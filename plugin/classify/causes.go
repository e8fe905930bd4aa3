package classify

// Code is a registered cause code. Codes are a public contract: dashboards
// filter on them, so a code is never renamed or removed, only added.
type Code string

// Family groups codes for dashboards ("all credential problems").
type Family string

// Families.
const (
	FamilyOK             Family = "ok"
	FamilyCredentials    Family = "credentials"
	FamilyRedirectURI    Family = "redirect_uri"
	FamilyRequest        Family = "request"
	FamilyGrant          Family = "grant"
	FamilyScope          Family = "scope"
	FamilyServer         Family = "server"
	FamilyResponseFormat Family = "response_format"
	FamilyToken          Family = "token"
	FamilyFlow           Family = "flow"
	FamilyPlugin         Family = "plugin"
	// FamilyRisk: risky practices seen in traffic (observe_risks), info only.
	FamilyRisk Family = "risk"
)

// Severity says what a cause does to the verdict.
type Severity string

// Severities, from worst to mildest.
const (
	// SeverityInvalid: a standards-following client cannot use the response.
	SeverityInvalid Severity = "invalid"
	// SeverityWarning: a client can use it, but something is off.
	SeverityWarning Severity = "warning"
	// SeverityInfo: a normal protocol state worth counting (device polling).
	SeverityInfo Severity = "info"
)

// Fault says who has to act.
type Fault string

// Fault sides.
const (
	FaultClient        Fault = "client"
	FaultUpstream      Fault = "upstream"
	FaultGatewayConfig Fault = "gateway_config"
)

// Cause is one row of the registry.
type Cause struct {
	Code     Code
	Family   Family
	Severity Severity
	Fault    Fault
	RFC      string // the section the check rests on
	Summary  string // one line: what happened
	Hint     string // one line: what the operator should do
}

// Registered cause codes.
const (
	OK                      Code = "ok"
	InvalidClient           Code = "invalid_client"
	UnauthorizedClient      Code = "unauthorized_client"
	RedirectURIMismatch     Code = "redirect_uri_mismatch"
	InvalidRequest          Code = "invalid_request"
	UnsupportedGrantType    Code = "unsupported_grant_type"
	UnsupportedResponseType Code = "unsupported_response_type"
	UnsupportedTokenType    Code = "unsupported_token_type"
	InvalidGrant            Code = "invalid_grant"
	InvalidScope            Code = "invalid_scope"
	ScopeNarrowed           Code = "scope_narrowed"
	ScopeWidened            Code = "scope_widened"
	InsufficientScope       Code = "insufficient_scope"
	InvalidToken            Code = "invalid_token"
	MissingToken            Code = "missing_token"
	AccessDenied            Code = "access_denied"
	InteractionRequired     Code = "interaction_required"
	InvalidTarget           Code = "invalid_target"
	InvalidDPoPProof        Code = "invalid_dpop_proof"
	UseDPoPNonce            Code = "use_dpop_nonce"
	ServerError             Code = "server_error"
	TemporarilyUnavailable  Code = "temporarily_unavailable"
	RateLimited             Code = "rate_limited"
	UnexpectedStatus        Code = "unexpected_status"
	EdgeBlocked             Code = "edge_blocked"
	EmptyBody               Code = "empty_body"
	NotJSON                 Code = "not_json"
	HTMLErrorPage           Code = "html_error_page"
	WrongContentType        Code = "wrong_content_type"
	FormEncodedResponse     Code = "form_encoded_response"
	MissingAccessToken      Code = "missing_access_token"
	MissingTokenType        Code = "missing_token_type"
	BadTokenType            Code = "bad_token_type"
	BadExpiresIn            Code = "bad_expires_in"
	ExpiresInString         Code = "expires_in_string"
	MissingIssuedTokenType  Code = "missing_issued_token_type"
	MissingDeviceFields     Code = "missing_device_fields"
	MissingActive           Code = "missing_active"
	ErrorInSuccessStatus    Code = "error_in_success_status"
	NonstandardErrorShape   Code = "nonstandard_error_shape"
	UnrecognizedError       Code = "unrecognized_error"
	MissingWWWAuthenticate  Code = "missing_www_authenticate"
	MissingNoStore          Code = "missing_no_store"
	MissingIDToken          Code = "missing_id_token"
	StateMismatch           Code = "state_mismatch"
	IssuerMismatch          Code = "issuer_mismatch"
	AuthorizationPending    Code = "authorization_pending"
	SlowDown                Code = "slow_down"
	ExpiredToken            Code = "expired_token"
	InactiveToken           Code = "inactive_token"
	BodyTruncated           Code = "body_truncated"
	PKCEMissing             Code = "risk_pkce_missing"
	PasswordGrant           Code = "risk_password_grant"
	TokenInQuery            Code = "risk_token_in_query"
	RefreshNotRotated       Code = "risk_refresh_not_rotated"
	UpstreamAuthFailed      Code = "upstream_auth_failed"
	PluginMisconfigured     Code = "plugin_misconfigured"
	PluginError             Code = "plugin_error"
	// RepairSkipped: repair mode is on but the body could not be repaired.
	RepairSkipped Code = "repair_skipped"
)

// Registry is every cause oauthcheck can report, in documentation order.
// The README's cause table is generated from it (go run ./cmd/oauthcheck causes).
var Registry = []Cause{
	{OK, FamilyOK, SeverityInfo, FaultUpstream, "RFC 6749 §5.1",
		"A usable OAuth response.",
		"Nothing to do."},

	// Client credentials.
	{InvalidClient, FamilyCredentials, SeverityInvalid, FaultClient, "RFC 6749 §5.2",
		"Client authentication failed: unknown client, wrong or expired secret, or wrong auth method.",
		"Check client_id and secret (or rotate an expired secret) and the token_endpoint_auth_method registered at the provider."},
	{UnauthorizedClient, FamilyCredentials, SeverityInvalid, FaultClient, "RFC 6749 §5.2",
		"The client is known but not allowed to use this grant or response type.",
		"Enable the grant type or flow for this client at the provider."},

	// Redirect URI.
	{RedirectURIMismatch, FamilyRedirectURI, SeverityInvalid, FaultClient, "RFC 6749 §4.1.3",
		"The redirect_uri is not registered, or differs from the one used in the authorization request.",
		"Register the exact redirect_uri (scheme, host, port, path) for the client, and send the same value at /authorize and /token."},

	// Malformed or unsupported requests.
	{InvalidRequest, FamilyRequest, SeverityInvalid, FaultClient, "RFC 6749 §5.2",
		"The request is missing a parameter, repeats one, or is otherwise malformed.",
		"Compare the client's request with the provider's documented parameters; see error_description upstream."},
	{UnsupportedGrantType, FamilyRequest, SeverityInvalid, FaultClient, "RFC 6749 §5.2",
		"The authorization server does not support this grant_type.",
		"Use a grant type the provider supports, or enable it there."},
	{UnsupportedResponseType, FamilyRequest, SeverityInvalid, FaultClient, "RFC 6749 §4.1.2.1",
		"The authorization server does not support this response_type.",
		"Use response_type=code, or enable the flow for the client."},
	{UnsupportedTokenType, FamilyRequest, SeverityInvalid, FaultClient, "RFC 7009 §2.2.1",
		"The server cannot revoke or introspect this token type.",
		"Send a token_type_hint the server supports, or none."},
	{InvalidTarget, FamilyRequest, SeverityInvalid, FaultClient, "RFC 8707 §2",
		"The requested resource or audience is unknown or not allowed.",
		"Check the resource/audience parameter against the provider's configuration."},

	// Grants.
	{InvalidGrant, FamilyGrant, SeverityInvalid, FaultClient, "RFC 6749 §5.2",
		"The code, refresh token, password or device code is invalid, expired, revoked or already used.",
		"Restart the flow; check that codes are redeemed once, quickly, with the matching PKCE verifier."},
	{AccessDenied, FamilyGrant, SeverityInvalid, FaultClient, "RFC 6749 §4.1.2.1",
		"The resource owner or the server denied the request.",
		"Expected when a user declines; otherwise check the provider's policies for this user and client."},
	{InteractionRequired, FamilyGrant, SeverityInvalid, FaultClient, "OpenID Connect Core §3.1.2.6",
		"The user must log in, consent or pass MFA before the request can succeed.",
		"Send the user through an interactive login (drop prompt=none)."},

	// Scopes.
	{InvalidScope, FamilyScope, SeverityInvalid, FaultClient, "RFC 6749 §5.2",
		"A requested scope is unknown, malformed, or not allowed for this client.",
		"Request only scopes the client is allowed at the provider."},
	{ScopeNarrowed, FamilyScope, SeverityWarning, FaultUpstream, "RFC 6749 §3.3",
		"The server granted fewer scopes than the client asked for.",
		"Expected if consent or policy trims scopes; otherwise grant the client the missing scopes."},
	{ScopeWidened, FamilyScope, SeverityWarning, FaultUpstream, "RFC 6749 §3.3",
		"The server granted scopes the client did not ask for.",
		"Check the client's default scopes at the provider: least privilege."},
	{InsufficientScope, FamilyScope, SeverityInvalid, FaultClient, "RFC 6750 §3.1",
		"The access token lacks the scope this resource needs.",
		"Request the scope named in the WWW-Authenticate challenge."},

	// Tokens presented to resource servers.
	{InvalidToken, FamilyToken, SeverityInvalid, FaultClient, "RFC 6750 §3.1",
		"The access token is expired, revoked, malformed or for another audience.",
		"Refresh the token; check its audience and the resource server's trusted issuer."},
	{MissingToken, FamilyToken, SeverityInvalid, FaultClient, "RFC 6750 §3.1",
		"The request carried no access token.",
		"Send Authorization: Bearer <token>."},
	{InvalidDPoPProof, FamilyToken, SeverityInvalid, FaultClient, "RFC 9449 §7.1",
		"The DPoP proof is missing, malformed or does not match the request.",
		"Check the DPoP proof's htm, htu, iat and key binding."},
	{UseDPoPNonce, FamilyToken, SeverityInfo, FaultClient, "RFC 9449 §8",
		"The server asks the client to retry with a DPoP nonce.",
		"None: a compliant client retries with the nonce it was given."},
	{InactiveToken, FamilyToken, SeverityInfo, FaultClient, "RFC 7662 §2.2",
		"Introspection says the token is not active.",
		"The resource server will reject this token; the client must get a new one."},

	// Upstream server state.
	{ServerError, FamilyServer, SeverityInvalid, FaultUpstream, "RFC 6749 §5.2",
		"The upstream server failed (5xx or error=server_error).",
		"Check the upstream's health and logs."},
	{TemporarilyUnavailable, FamilyServer, SeverityInvalid, FaultUpstream, "RFC 6749 §4.1.2.1",
		"The upstream is overloaded or in maintenance (503 or error=temporarily_unavailable).",
		"Retry with backoff; check the upstream's capacity."},
	{RateLimited, FamilyServer, SeverityInvalid, FaultClient, "RFC 6585 §4",
		"The upstream rate-limited the client (429).",
		"Slow the client down or raise its quota at the provider."},
	{UnexpectedStatus, FamilyServer, SeverityInvalid, FaultGatewayConfig, "RFC 6749 §5.1",
		"The endpoint answered with a status no OAuth client expects (3xx, 404, 405 …) and no OAuth error.",
		"Check the API's upstream URL, listen path and path rewriting: the request probably reached the wrong place."},
	{EdgeBlocked, FamilyServer, SeverityInvalid, FaultUpstream, "RFC 9110 §15.5.4",
		"A CDN, WAF, proxy or load balancer in front of the endpoint refused the request (block or challenge page); the authorization server never saw it.",
		"Allow the OAuth endpoint through the edge's bot and WAF rules (no JavaScript challenge for API clients), or call the origin directly."},

	// Response format.
	{EmptyBody, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.1",
		"The response body is empty where an OAuth JSON body is required.",
		"Check the upstream (or a proxy in front of it) for dropped bodies."},
	{NotJSON, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.1",
		"The body is not valid JSON (nor a form body an OAuth client could read).",
		"Check what actually answered: a proxy, a login page or a different service."},
	{HTMLErrorPage, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.2",
		"An HTML page came back in place of an OAuth JSON response.",
		"Look at the page's origin (nginx, CDN, the IdP's error page); fix the upstream or the route."},
	{WrongContentType, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.1",
		"The body is JSON but Content-Type is not application/json, so clients parse it as something else.",
		"Make the upstream send Content-Type: application/json."},
	{FormEncodedResponse, FamilyResponseFormat, SeverityWarning, FaultUpstream, "RFC 6749 §5.1",
		"The body is form-encoded, not JSON (GitHub without Accept: application/json).",
		"Have the client send Accept: application/json; strict clients reject form bodies."},
	{MissingAccessToken, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.1",
		"A success response has no usable access_token (missing, empty or not a string).",
		"Fix the upstream's token response."},
	{MissingTokenType, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.1",
		"A success response has no token_type.",
		"Make the upstream send token_type (usually Bearer)."},
	{BadTokenType, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §7.1",
		"token_type is not one the API accepts (see token_types in the config).",
		"Send Bearer or DPoP, or add the type to the API's token_types."},
	{BadExpiresIn, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.1",
		"expires_in is not a positive integer.",
		"Make the upstream send expires_in as a positive JSON number of seconds."},
	{ExpiresInString, FamilyResponseFormat, SeverityWarning, FaultUpstream, "RFC 6749 §5.1",
		"expires_in is a quoted number; lenient clients accept it, strict ones do not.",
		"Make the upstream send expires_in as a JSON number."},
	{MissingIssuedTokenType, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 8693 §2.2.1",
		"A token-exchange response has no issued_token_type.",
		"Fix the upstream's token-exchange response."},
	{MissingDeviceFields, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 8628 §3.2",
		"A device authorization response lacks device_code, user_code, verification_uri or expires_in.",
		"Fix the upstream's device authorization response."},
	{MissingActive, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 7662 §2.2",
		"An introspection response has no boolean active field.",
		"Fix the upstream's introspection response."},
	{ErrorInSuccessStatus, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.2",
		"An OAuth error came back with a 2xx status (GitHub does this).",
		"Clients must inspect the body; strict ones will treat it as a broken success."},
	{NonstandardErrorShape, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.2",
		"An error response lacks a top-level string error field (nested error objects, message-only bodies).",
		"Make the upstream answer {\"error\":\"…\"} as RFC 6749 §5.2 defines."},
	{UnrecognizedError, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "RFC 6749 §5.2",
		"The error code is not one defined by the OAuth RFCs or a known provider.",
		"Read the upstream's error_description; map the code with the provider's docs."},
	{MissingWWWAuthenticate, FamilyResponseFormat, SeverityWarning, FaultUpstream, "RFC 6750 §3",
		"A 401 from a resource server has no WWW-Authenticate challenge.",
		"Make the resource server send WWW-Authenticate: Bearer error=\"…\"."},
	{MissingNoStore, FamilyResponseFormat, SeverityWarning, FaultUpstream, "RFC 6749 §5.1",
		"A response carrying tokens lacks Cache-Control: no-store.",
		"Make the upstream send Cache-Control: no-store so caches never keep tokens."},
	{MissingIDToken, FamilyResponseFormat, SeverityInvalid, FaultUpstream, "OpenID Connect Core §3.1.3.3",
		"openid was requested (or granted) but the response has no id_token.",
		"Check the provider's OIDC configuration for this client."},
	{BodyTruncated, FamilyResponseFormat, SeverityWarning, FaultGatewayConfig, "",
		"The body was larger than the inspection cap; only its start was checked.",
		"Raise max_body_bytes if OAuth bodies on this API are legitimately large."},

	// Authorization and device flows.
	{StateMismatch, FamilyFlow, SeverityInvalid, FaultUpstream, "RFC 6749 §4.1.2",
		"The authorization response's state differs from the request's (or is missing).",
		"The client will reject it as possible CSRF; check the upstream echoes state unchanged."},
	{IssuerMismatch, FamilyFlow, SeverityInvalid, FaultUpstream, "RFC 9207 §2.4",
		"The authorization response's iss differs from the expected issuer.",
		"Check the issuer in the API's config against the provider's metadata; a mix-up attack shows this way too."},
	{AuthorizationPending, FamilyFlow, SeverityInfo, FaultClient, "RFC 8628 §3.5",
		"The user has not yet approved the device; the client keeps polling.",
		"None: normal device-flow polling."},
	{SlowDown, FamilyFlow, SeverityInfo, FaultClient, "RFC 8628 §3.5",
		"The client polls too fast and must add 5 seconds to its interval.",
		"Check the client honours the interval."},
	{ExpiredToken, FamilyFlow, SeverityInvalid, FaultClient, "RFC 8628 §3.5",
		"The device code expired before the user approved it.",
		"Restart the device flow."},

	// Risky practices seen live (observe_risks: true); info, never the verdict.
	{PKCEMissing, FamilyRisk, SeverityInfo, FaultClient, "RFC 9700 §2.1.1",
		"An authorization-code request or code exchange carries no PKCE (code_challenge or code_verifier).",
		"Make the client use PKCE with S256 (RFC 7636) and the server require it."},
	{PasswordGrant, FamilyRisk, SeverityInfo, FaultClient, "RFC 9700 §2.4",
		"The client used the resource owner password credentials grant.",
		"Move the client to the authorization code flow with PKCE; then disable the password grant."},
	{TokenInQuery, FamilyRisk, SeverityInfo, FaultClient, "RFC 6750 §2.3",
		"The access token was sent in the URL query, where logs and Referer headers keep it.",
		"Send the token in the Authorization header (RFC 6750 §2.1)."},
	{RefreshNotRotated, FamilyRisk, SeverityInfo, FaultUpstream, "RFC 9700 §4.14.2",
		"A public client's refresh succeeded without a new refresh token, so a stolen one stays usable.",
		"Turn on refresh token rotation (or sender-constrained tokens) for public clients at the authorization server."},

	// The gateway's own token fetch (upstream_auth).
	{UpstreamAuthFailed, FamilyPlugin, SeverityInvalid, FaultGatewayConfig, "RFC 6749 §4.4",
		"The gateway could not get its own upstream token; the other causes say what the authorization server answered.",
		"Fix the API's upstream_auth (client, secret, scope) or the authorization server; the caller's credentials are not at fault."},

	// The plugin itself.
	{PluginMisconfigured, FamilyPlugin, SeverityWarning, FaultGatewayConfig, "",
		"The API's oauthcheck config is invalid; defaults are in use.",
		"Read the gateway log line 'oauthcheck: invalid config' and fix config_data (or pluginConfig.data.value)."},
	{PluginError, FamilyPlugin, SeverityWarning, FaultGatewayConfig, "",
		"oauthcheck hit an internal error on this response and passed it through unchanged.",
		"Report the gateway log line 'oauthcheck: recovered' to the plugin's maintainers."},
	{RepairSkipped, FamilyPlugin, SeverityInfo, FaultGatewayConfig, "",
		"Repair mode is on, but the body was larger than the inspection cap or in an encoding it cannot undo, so it passed through unrepaired.",
		"Raise max_body_bytes if OAuth bodies on this API are legitimately large."},
}

var registryIndex = func() map[Code]int {
	m := make(map[Code]int, len(Registry))
	for i, c := range Registry {
		m[c.Code] = i
	}
	return m
}()

// Lookup returns the registry row for code.
func Lookup(code Code) (Cause, bool) {
	i, ok := registryIndex[code]
	if !ok {
		return Cause{}, false
	}
	return Registry[i], true
}

// Registered reports whether code is in the registry.
func Registered(code Code) bool {
	_, ok := registryIndex[code]
	return ok
}

// SeverityOf returns the code's severity, or invalid for an unknown code.
func SeverityOf(code Code) Severity {
	if i, ok := registryIndex[code]; ok {
		return Registry[i].Severity
	}
	return SeverityInvalid
}
