package classify

// Mapping upstream error codes and texts to root causes. Real providers
// bend RFC 6749 §5.2: the code alone often names a symptom, so provider
// numbers and descriptions are read first.

// errorCodes maps the "error" values of the OAuth RFCs and of known
// providers to causes. Unknown values are unrecognized_error.
var errorCodes = map[string]Code{
	// RFC 6749 §4.1.2.1 and §5.2.
	"invalid_request":           InvalidRequest,
	"invalid_client":            InvalidClient,
	"invalid_grant":             InvalidGrant,
	"unauthorized_client":       UnauthorizedClient,
	"unsupported_grant_type":    UnsupportedGrantType,
	"invalid_scope":             InvalidScope,
	"access_denied":             AccessDenied,
	"unsupported_response_type": UnsupportedResponseType,
	"server_error":              ServerError,
	"temporarily_unavailable":   TemporarilyUnavailable,
	// RFC 6750 §3.1.
	"invalid_token":      InvalidToken,
	"insufficient_scope": InsufficientScope,
	// RFC 8628 §3.5.
	"authorization_pending": AuthorizationPending,
	"slow_down":             SlowDown,
	"expired_token":         ExpiredToken,
	// RFC 7009 §2.2.1, RFC 8707 §2, RFC 9449 §7.1 and §8.
	"unsupported_token_type": UnsupportedTokenType,
	"invalid_target":         InvalidTarget,
	"invalid_dpop_proof":     InvalidDPoPProof,
	"use_dpop_nonce":         UseDPoPNonce,
	// OpenID Connect Core §3.1.2.6.
	"interaction_required":       InteractionRequired,
	"login_required":             InteractionRequired,
	"consent_required":           InteractionRequired,
	"account_selection_required": InteractionRequired,
	"invalid_request_uri":        InvalidRequest,
	"invalid_request_object":     InvalidRequest,
	"request_not_supported":      InvalidRequest,
	"request_uri_not_supported":  InvalidRequest,
	"registration_not_supported": InvalidRequest,
	// RFC 7591 and common spellings.
	"invalid_redirect_uri":  RedirectURIMismatch,
	"redirect_uri_mismatch": RedirectURIMismatch, // GitHub, Google
	// bshaffer/oauth2-server-php's "No redirect URI was supplied or
	// stored" and "The redirect URI provided is missing or does not match".
	"invalid_uri": RedirectURIMismatch,
	// GitHub.
	"incorrect_client_credentials": InvalidClient,
	"bad_verification_code":        InvalidGrant,
	"bad_refresh_token":            InvalidGrant,
	"incorrect_device_code":        InvalidGrant,
	"unverified_user_email":        AccessDenied,
	"device_flow_disabled":         UnauthorizedClient,
	// Google.
	"deleted_client":        InvalidClient,
	"disabled_client":       UnauthorizedClient,
	"org_internal":          AccessDenied,
	"admin_policy_enforced": AccessDenied,
	"invalid_rapt":          InvalidGrant,
	"rate_limit_exceeded":   RateLimited,
	// Auth0.
	"mfa_required":       InteractionRequired,
	"too_many_attempts":  RateLimited,
	"unauthorized":       InvalidClient,
	"invalid_user_input": InvalidRequest,
}

// entraCodes maps Microsoft Entra AADSTS numbers (in error_codes and
// error_description) to causes: the number is the root cause, the error
// field only its family.
var entraCodes = map[int]Code{
	7000215: InvalidClient, // invalid client secret
	7000222: InvalidClient, // client secret expired
	700016:  InvalidClient, // application not found in the directory
	7000218: InvalidClient, // client_assertion or client_secret missing
	700027:  InvalidClient, // client assertion signature invalid
	700025:  InvalidClient, // public client sent a secret
	50011:   RedirectURIMismatch,
	500113:  RedirectURIMismatch, // no reply address registered
	70011:   InvalidScope,
	650053:  InvalidScope,
	70008:   InvalidGrant, // code or refresh token expired or revoked
	54005:   InvalidGrant, // code already redeemed
	70000:   InvalidGrant,
	700082:  InvalidGrant, // refresh token expired by inactivity
	70043:   InvalidGrant,
	50126:   InvalidGrant, // wrong username or password
	50034:   InvalidGrant,
	50148:   InvalidGrant, // PKCE verifier does not match
	501481:  InvalidGrant,
	900144:  InvalidRequest,
	9002313: InvalidRequest,
	90014:   InvalidRequest,
	50059:   InvalidRequest, // tenant not found
	90002:   InvalidRequest,
	700054:  UnauthorizedClient,
	70001:   UnauthorizedClient,
	7000112: UnauthorizedClient,
	65001:   InteractionRequired,
	50076:   InteractionRequired,
	50079:   InteractionRequired,
	50058:   InteractionRequired,
	50074:   InteractionRequired,
	65004:   AccessDenied,
	53003:   AccessDenied,
	50105:   AccessDenied,
	70016:   AuthorizationPending,
	70019:   ExpiredToken,
	// More rows from https://learn.microsoft.com/entra/identity-platform/reference-error-codes
	700024:  InvalidClient, // client assertion not within its valid time range
	700023:  InvalidClient, // client assertion audience or issuer is wrong
	50012:   InvalidClient, // authentication failed (assertion)
	700211:  InvalidClient, // no matching federated identity issuer
	700212:  InvalidClient, // no matching federated identity audience
	700213:  InvalidClient, // no matching federated identity subject
	50146:   InvalidClient, // app-specific signing key required
	900971:  RedirectURIMismatch,
	50055:   InvalidGrant, // password expired
	50053:   InvalidGrant, // account locked
	50057:   InvalidGrant, // account disabled
	50173:   InvalidGrant, // grant expired: password changed or token revoked
	700084:  InvalidGrant, // SPA refresh token expired
	700003:  InvalidGrant, // device object no longer exists
	50089:   InvalidGrant, // flow token expired
	70012:   ServerError,
	90033:   TemporarilyUnavailable,
	500011:  InvalidTarget, // resource principal not found in the tenant: an unknown target (RFC 8707 §2)
	50001:   InvalidScope,  // resource disabled or does not exist
	28002:   InvalidScope,
	28003:   InvalidScope,
	700051:  UnsupportedResponseType,
	50194:   UnauthorizedClient, // app not configured as multi-tenant
	9002326: InvalidRequest,     // cross-origin token redemption only for SPAs
	90009:   InvalidRequest,
	50020:   AccessDenied,
	90072:   AccessDenied,
	500021:  AccessDenied,
	65002:   InteractionRequired,
	50158:   InteractionRequired,
	50097:   InteractionRequired,
	50078:   InteractionRequired,
}

// entraNumber returns the first AADSTS number in error_codes or the
// description that the table knows ("AADSTS70002: Error validating
// credentials. AADSTS54005: …already redeemed": the second names the
// root), else the first one, else 0.
func entraNumber(f *oauthFields) int {
	first := 0
	note := func(n int) bool {
		if first == 0 {
			first = n
		}
		_, ok := entraCodes[n]
		return ok
	}
	if f.errorCodes.kind == kindArray {
		b := f.errorCodes.raw
		for i := 0; i < len(b); {
			if b[i] < '0' || b[i] > '9' {
				i++
				continue
			}
			n := firstNumber(b[i:])
			if note(n) {
				return n
			}
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				i++
			}
		}
	}
	desc := f.description.raw
	for i := 0; i+6 < len(desc); i++ {
		if desc[i] == 'A' && string(desc[i:i+6]) == "AADSTS" {
			if n := firstNumber(desc[i+6:]); note(n) {
				return n
			}
		}
	}
	return first
}

// firstNumber parses the first run of digits in b (at most 9).
func firstNumber(b []byte) int {
	i := 0
	for i < len(b) && (b[i] < '0' || b[i] > '9') {
		if b[i] != '[' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
			return 0
		}
		i++
	}
	n, digits := 0, 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' && digits < 9 {
		n = n*10 + int(b[i]-'0')
		i++
		digits++
	}
	return n
}

// nextSentence splits at '.', '!' or '?' followed by white space, and at
// line breaks, so the dots inside URLs do not end a sentence.
func nextSentence(b []byte) (sentence, rest []byte) {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\n', '\r':
			return b[:i], b[i+1:]
		case ';', '<', '>':
			// HTML tags end a sentence too: a page's text nodes are read
			// one by one, not as one line of markup.
			return b[:i], b[i+1:]
		case '.', '!', '?':
			if b[i] == '.' && (i < 2 || b[i-2] == '.' || b[i-2] == ' ' || b[i-2] == '(') && i > 0 && b[i-1] != ' ' {
				continue // "e.g.", "i.e.": a one-letter word ends no sentence
			}
			if i+1 == len(b) || b[i+1] == ' ' || b[i+1] == '\n' || b[i+1] == '\r' || b[i+1] == '\\' {
				return b[:i], b[i+1:]
			}
		}
	}
	return b, nil
}

// rootFromStatus names the cause of an error response that carries no
// OAuth error at all.
func rootFromStatus(status int, endpoint Endpoint) Code {
	switch {
	case status == 503:
		return TemporarilyUnavailable
	case status >= 500:
		return ServerError
	case status == 429:
		return RateLimited
	case status == 401:
		if endpoint == EndpointResource {
			return InvalidToken
		}
		return InvalidClient
	case status == 403:
		return AccessDenied
	case status == 423 && endpoint == EndpointToken:
		// WebDAV's Locked (RFC 4918 §11.3), which logins send for a
		// locked account (finAPI): the server refuses the user.
		return AccessDenied
	case status == 400, status == 406, status == 411, status == 413, status == 415, status == 422:
		// The request itself was refused: media type, size, shape.
		return InvalidRequest
	case status == 405:
		// The endpoint takes another method: no OAuth answer at all, as
		// the registry's unexpected_status says (a GET to a token
		// endpoint, a route that points at the wrong thing).
		return UnexpectedStatus
	case status >= 300:
		return UnexpectedStatus
	}
	return ""
}
