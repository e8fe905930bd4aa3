package classify

// Phrase tables: what providers write in error_description, message and
// error pages, mapped to the root cause it names. The error code gives the
// family; the words often give the root (root.go says when they may).
//
// A row matches a sentence when every group has one of its terms in that
// sentence (terms are lowercase; matching ignores ASCII case). Rows are in
// precedence order: the first matching row wins.

// Phrase is one row of the phrase table.
type Phrase struct {
	Rule   string     // the rule's name, shown by explain and the log line
	Cause  Code       // the root cause the words name
	Groups [][]string // every group must match, in one sentence
	Only   Endpoint   // when set, the row applies only to this endpoint kind
	// NotListed ignores a first-group term written as one item of a
	// slash list ("appid/redirect uri/code verifier does not match"): the
	// sentence enumerates suspects rather than naming one.
	NotListed bool
	Provider  string // where the wording was seen
	Source    string
}

var (
	wordsRedirect = []string{"redirect_uri", "redirect uri", "redirect url", "redirect_url", "redirecturi",
		"reply address", "reply url", "callback url", "callback_url", "callback uri", "redirection uri", "return url",
		"returnurl", "return_url", "redirecturl"}
	wordsMismatch = []string{"match", "mismatch", "mismatched", "incorrect", "invalid", "not registered", "not allowed", "not valid",
		"unknown", "unexpected", "not whitelisted", "not in the list", "isn't included", "not included", "not permitted", "not found",
		"isn't allowed", "is not", "wrong", "unregistered", "differs", "different", "identical", "same",
		"missing in the", "missing from the", "not configured", "not among", "must be registered",
		// European IdPs' own languages (gematik, FranceConnect, SPID, Clave):
		// invalid, unknown, does not match.
		"ungültig", "ungueltig", "unbekannt", "stimmt nicht", "invalide", "inconnu", "ne correspond", "inválid", "no válid",
		"non valid", "sconosciut", "ongeldig", "onbekend"}
	wordsBad = []string{"invalid", "expired", "incorrect", "wrong", "revoked", "not valid", "isn't valid",
		"malformed", "unknown", "not found", "does not exist", "doesn't exist", "mismatch", "already", "illegal", "outdated",
		"could not verify", "cannot verify", "unable to verify", "failed to verify", "verification failed",
		"no such", "no active", "been used", "was used", "token used", "code used", "reused", "redeemed", "stale", "decrypt", "bad", "not recognized", "inactive", "not active", "no longer", "failed", "error validating", "could not be", "cannot be", "can't be",
		// Chinese and Japanese providers (WeChat, DingTalk, Feishu, LINE, Yahoo! JAPAN): invalid, illegal, expired.
		"无效", "不合法", "非法", "过期", "失效", "無効", "期限切れ", "不正",
		// BASE's and Ocean Engine's: expiry passed, already used, not found, does not exist.
		"有効期限が切れ", "切れています", "已经使用", "已使用", "已被使用", "見つかりません", "不存在",
		// European IdPs' own languages: invalid, expired, unknown, wrong.
		"ungültig", "ungueltig", "abgelaufen", "unbekannt", "falsch", "invalide", "expiré", "inconnu", "inválid", "no válid",
		"expirad", "caducad", "non valid", "scadut", "sconosciut", "ongeldig", "verlopen", "onbekend"}
)

// Phrases is the phrase table, in precedence order.
var Phrases = []Phrase{

	// Two ways of authenticating the client at once: the request, not the
	// credentials, is wrong (RFC 6749 §2.3: one method per request).
	{"multiple_client_auth", InvalidRequest,
		[][]string{{"multiple", "more than one", "both", "only one"},
			{"authentication method", "client credentials", "auth method", "authentication mechanism", "client authentication", "credentials in"}},
		"", false, "okta", "https://developer.okta.com/docs/reference/api/oidc/#client-authentication-methods"},

	// A redirect URI is the subject of the complaint. fosite appends
	// "…has exactly whitelisted the redirect_uri you specified." to every
	// invalid_request, which names no mismatch.
	{"redirect_uri_subject", RedirectURIMismatch,
		[][]string{wordsRedirect, wordsMismatch},
		"", true, "keycloak, okta, entra, google, fosite", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3"},
	{"callback_mismatch_page", RedirectURIMismatch,
		[][]string{{"callback url mismatch", "redirect_uri_mismatch", "redirect uri mismatch", "invalid redirect", "domain of this url isn't included",
			"parameter: redirect_uri"}},
		"", false, "auth0, google, facebook", "https://auth0.com/docs/authenticate/login/auth0-universal-login/error-pages"},

	// Grant type wording: missing, not allowed for this client, unknown.
	{"grant_type_missing", InvalidRequest,
		[][]string{{"grant_type", "grant type"}, {"missing", "required", "must be provided", "not provided", "no grant type", "no grant_type",
			"is null", "is empty", "empty"}},
		"", false, "rfc 6749", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3"},
	{"grant_type_not_allowed", UnauthorizedClient,
		[][]string{{"grant_type", "grant type", "granttype", "flow"}, {"not allowed for", "not authorized", "not permitted", "unauthorized", "not enabled", "is not allowed for this client", "not allowed by",
			"client does not", "by the client", "by this client", "for this client", "for the client", "in this application", "for this application", "for this app", "in this app"}},
		"", false, "keycloak, auth0, okta", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	{"grant_type_unsupported", UnsupportedGrantType,
		[][]string{{"grant_type", "grant type", "granttype", "login type", "login_type"}, // Taiga's "invalid login type"
			{"not supported", "not support", "unsupported", "invalid", "unknown", "not recognized", "not recognised", "incorrect", // Higress's "grant_type:password is not support"
				"one of the allowed values", "must be one of", // JSON Schema's enum message (Ed-Fi Meadowlark)
				"不正确", "不正", "无效", "不支持"}}, // Alipay's "grant_type参数不正确": incorrect, invalid, unsupported
		"", false, "spring, wso2, django-oauth-toolkit, alipay", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// SimpleLogin's "grant_type must be authorization_code": the server
	// names the only grant type it takes.
	{"grant_type_must_be", UnsupportedGrantType,
		[][]string{{"grant_type must be", "grant type must be", "grant_type should be", "grant type should be"}},
		"", false, "simplelogin", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// The resource owner said no (or let it lapse): access_denied, not the grant.
	{"owner_denied", AccessDenied,
		[][]string{{"denied", "declined", "rejected the", "did not approve", "refused", "cancel", "aborted"},
			{"user", "resource owner", "end-user", "consent"}},
		"", false, "auth0, rfc 8628", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"},

	// A parameter named as missing or empty ("Missing or empty code
	// parameter"): the request, not the grant it would carry.
	// Mutual-TLS client authentication failed (RFC 8705 §2: invalid_client).
	{"client_certificate", InvalidClient,
		[][]string{{"client certificate", "client ssl certificate", "client tls certificate", "client cert", "mtls", "mutual tls", "tls client"},
			{"not presented", "invalid", "missing", "not valid", "mismatch", "expired", "does not match", "not provided", "required", "not trusted", "untrusted", "revoked", "unknown"}},
		"", false, "adp, rfc 8705", "https://www.rfc-editor.org/rfc/rfc8705#section-2"},
	// A missing client_id is the client's authentication (client_auth
	// below says so too; this row keeps it ahead of param_missing).
	{"client_param_missing", InvalidClient,
		[][]string{{"client_id", "client id", "client_secret", "client secret", "app secret", "consumer secret", "app-key", "app key", "appkey", "api key", "api-key", "apikey"},
			{"missing", "is required", "must be provided", "not provided", "is empty", "please provide", "cannot be empty", "must not be empty", "not set",
				"can't be empty", "cannot be blank", "can't be blank", "must not be blank"}},
		EndpointToken, false, "envoy, keycloak, finicity", "https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1"},
	{"param_missing", InvalidRequest,
		[][]string{{"missing", "is required", "are required", "must be provided", "not provided", "or empty", "is empty", "缺少", "必須", "不足"},
			{"parameter", "param ", "参数", "パラメータ", "パラメーター"}},
		EndpointToken, false, "viessmann, rfc 6749", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// A parameter sent empty ("code_verifier cannot be empty", "username
	// can't be blank"): the request's fault, whatever the value is of.
	{"param_empty", InvalidRequest,
		[][]string{{"cannot be empty", "can not be empty", "can't be empty", "must not be empty", "should not be empty",
			"cannot be blank", "can't be blank", "must not be blank"}},
		EndpointToken, false, "zettle, rails", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// A form field the server needed was not set (GoToSocial's "code was
	// not set in the token request form"): the request's fault.
	{"field_not_set", InvalidRequest,
		[][]string{{"was not set", "were not set", "is not set", "not set in", "must be set"}},
		EndpointToken, false, "gotosocial", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	// The PKCE verifier is missing, not wrong (Authorizer's "The code
	// verifier is required"): a parameter left out (RFC 7636 §4.5).
	{"verifier_missing", InvalidRequest,
		[][]string{{"code_verifier", "code verifier"}, {"required", "missing", "not provided", "not set", "not sent", "not present"}},
		EndpointToken, false, "authorizer, myanimelist", "https://www.rfc-editor.org/rfc/rfc7636#section-4.5"},

	// PKCE: the verifier does not match the challenge.
	{"pkce_verifier", InvalidGrant,
		[][]string{{"code_verifier", "code verifier", "pkce", "code challenge", "code_challenge"},
			{"match", "invalid", "incorrect", "fail", "wrong", "not valid"}},
		"", false, "entra, okta, keycloak", "https://www.rfc-editor.org/rfc/rfc7636#section-4.6"},

	// The caller's IP address is not on the allowlist (MongoDB Atlas's
	// IP_ADDRESS_NOT_ON_ACCESS_LIST, Sumo Logic's user_ip_not_allowlisted,
	// dLocal's "Unregistered IP address"): a network policy refused the
	// caller, whatever its credentials.
	{"ip_not_allowed", AccessDenied,
		[][]string{{"ip address", "ip-address", "ip_address", "ipaddress", " ip ", "client ip", "source ip", "your ip", "caller ip", "unregistered ip"},
			{"not allowed", "not on", "not allowlisted", "not whitelisted", "not in", "unregistered", "not permitted", "not authorized",
				"not registered", "is blocked", "blocked", "restricted", "denied", "not whitelist", "not allowlist"}},
		"", false, "mongodb atlas, sumo logic, dlocal", "https://www.mongodb.com/docs/atlas/configure-api-access/"},
	// An IP allowlist named on its own (Sumo Logic's
	// "user_ip_not_allowlisted", Grafana Cloud's "AllowedSubnets is set").
	{"ip_allowlist", AccessDenied,
		[][]string{{"ip_not_allowlisted", "user_ip_not_allowlisted", "ip_not_whitelisted", "ip not allowlisted", "ip not whitelisted", "allowedsubnets",
			"allowed subnets", "ip allowlist", "ip whitelist", "ip restriction"}},
		"", false, "sumo logic, grafana cloud", "https://help.sumologic.com/docs/manage/security/create-allowlist-ip-cidr-addresses/"},

	// At a resource, the account behind a good token is switched off
	// (bol.com's "Account is not active, access denied"): the owner's
	// standing, not the token or its scope.
	{"account_inactive", AccessDenied,
		[][]string{{"account is not active", "account not active", "account is inactive", "inactive account", "account inactive",
			"account is disabled", "account disabled", "account has been disabled", "account is deactivated", "account deactivated",
			"account has been deactivated", "account is suspended", "account suspended", "account has been suspended"}},
		EndpointResource, false, "bol.com", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"},

	// Codes, refresh tokens and resource-owner credentials.
	{"grant_bad", InvalidGrant,
		[][]string{{"authorization code", "auth code", "authorization_code", "verification code", "the code", "code is", "code has",
			"code was", "code passed", "invalid code", "code been", "code invalid", "code expired", "code not valid", "code_not_valid", "this code", "grant",
			"refresh token", "refresh_token", "device code", "user credentials", "username or password", "password",
			"resource owner", "owner credentials", "session not active", "token is not active", "invalid user", "user not found", "unknown user",
			"user does not exist", "user is disabled", "user account", "account is", "account has", "login credentials",
			"login failed", "invalid login",
			// A passwordless login's one-time grant (Stytch's magic links and OTPs).
			"magic link", "one-time passcode", "one-time code", "passcode",
			// Japanese and Chinese: authorization code, refresh token (BASE, Ocean Engine).
			"auth_code", "認可コード", "認証コード", "リフレッシュトークン", "授权码", "刷新令牌"}, wordsBad},
		"", false, "github, keycloak, google, fosite", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// A refresh token's server-side session is gone (better-auth's
	// "session not found"), or an authorization transaction was consumed
	// (eSignet's invalid_transaction).
	{"grant_session", InvalidGrant,
		[][]string{{"session", "transaction"}, {"not found", "expired", "invalid", "does not exist", "no longer", "already", "unknown", "revoked", "not valid"}},
		EndpointToken, false, "better-auth, mosip esignet", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// The audience or resource the client asked for (RFC 8707).
	{"target_unknown", InvalidTarget,
		[][]string{{"audience", "service not enabled", "resource indicator", "resource parameter", "invalid resource", "resource server"},
			{"not found", "unknown", "invalid", "not enabled", "not allowed", "does not exist", "not valid", "not registered", "within domain",
				"bad", "wrong", "incorrect", "mismatch"}},
		"", false, "auth0, entra", "https://www.rfc-editor.org/rfc/rfc8707#section-2"},

	// The user must do something interactive first: MFA, SSO, a password
	// change, consent (OpenID Connect Core §3.1.2.6's interaction_required).
	{"interaction_needed", InteractionRequired,
		[][]string{{"mfa required", "mfa authentication is required", "mfa authentication required", "mfa is required", "mfa enrollment", "mfa_enrollment", "multi-factor", "multifactor", "sso required", "sso_required",
			"password change required", "change password required", "change_password_required", "must change", "password must be changed",
			"password reset is required", "password reset required", "confirmed e-mail", "confirmed email", "email not confirmed",
			"email is not confirmed", "e-mail not confirmed", "email not verified", "email is not verified", // Pleroma's account gates
			"re-authentication required", "reauthentication required", "must re-authenticate", "consent required", "consent_required", "interaction required", "enroll",
			"two step validat", "two-step verification", "two step verification", "2-step verification", "two-factor", "two factor", "2fa required"}},
		"", false, "workos, fusionauth, auth0, open banking", "https://openid.net/specs/openid-connect-core-1_0.html#AuthError"},

	// The resource owner's account is switched off.
	{"account_disabled", AccessDenied,
		[][]string{{"user disabled", "account disabled", "user is disabled", "account is disabled", "account locked",
			"account is locked", "user blocked", "user is blocked", "blocked user", "account suspended"}},
		"", false, "firebase, auth0", "https://firebase.google.com/docs/reference/rest/auth#section-refresh-token"},

	// A proxy's authorization policy refused the call (Envoy's RBAC filter,
	// as Istio's AuthorizationPolicy answers): a decision, not a scope.
	{"policy_denied", AccessDenied,
		[][]string{{"rbac: access denied", "denied by policy", "denied by rbac", "rbac denied", "policy denied"}},
		EndpointResource, false, "envoy, istio", "https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rbac_filter"},

	// A DPoP proof or its key binding refused (RFC 9449 §7.1 names the
	// code; servers often send invalid_token or invalid_client with it).
	{"dpop_proof", InvalidDPoPProof,
		[][]string{{"dpop"}, wordsBad},
		"", false, "bluesky atproto, rfc 9449", "https://www.rfc-editor.org/rfc/rfc9449#section-5"},

	// The client is not who it says: unknown, wrong or expired secret, bad assertion.
	{"client_auth", InvalidClient,
		[][]string{{"client secret", "client_secret", "client credentials", "client authentication", "client auth",
			"client assertion", "client_assertion", "client id", "client_id", "clientid", "client identifier",
			"application not found", "application with identifier", "app id", "application id", "application identifier",
			"consumer key", "consumer secret", "api key", "subscription key", "client-id", "app key", "app-key", "app_key", "appkey", "application credentials", "app credentials", "application key", "client is", "client does", "client was", "the client", "client_secret_",
			"authorization header", "basic auth", "http basic", "appsecret", "app secret", "app_secret", "appid", "corpsecret", "corpid",
			"authorise client", "authorize client", "authenticate client", "authorise the client", "authorize the client", "authenticate the client"},
			{"invalid", "incorrect", "wrong", "expired", "not found", "failed", "unknown", "mismatch", "does not exist",
				"doesn't exist", "missing", "not valid", "bad", "unauthorized", "isn't valid", "not recognized", "disabled",
				"error validating", "required", "not provided", "could not", "cannot", "can't be", "no client", "not registered",
				"must be authenticated", "must authenticate", "authentication required",
				// DingTalk's "不合法的corpId或corpSecret": illegal, invalid.
				"不合法", "无效", "非法"}},
		"", false, "keycloak, auth0, facebook, spring, dingtalk", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	// A bare "Invalid secret" (Medplum): at a token endpoint the secret is
	// the client's; "no access secret found" is not this row.
	{"secret_bad", InvalidClient,
		[][]string{{"invalid secret", "wrong secret", "incorrect secret", "bad secret", "secret is invalid", "secret is incorrect",
			"secret is wrong", "secret mismatch", "secret does not match"}},
		"", false, "medplum", "https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1"},
	{"client_unknown", InvalidClient,
		[][]string{{"invalid client", "unknown client", "client not found", "bad client", "invalid_client", "unauthorized client credentials",
			"no application was found", "application not found", "no client was found", "no client found", // Mobilizon's "No application was found with this client_id"
			// Banco do Brasil's "Software cliente não identificado"; Spanish and French alike.
			"cliente não identificado", "cliente nao identificado", "cliente no identificado", "client non identifié",
			"cliente inválido", "cliente invalido", "client inconnu"}},
		"", false, "keycloak, hydra", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	// The client in Japanese and Chinese ("クライアントが見つかりませんでした",
	// "客户端无效"), with the same words for bad.
	{"client_unknown_cjk", InvalidClient,
		[][]string{{"クライアント", "客户端"}, wordsBad},
		"", false, "base", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	// "invalid_credentials" at a token endpoint: the credentials there are
	// the client's (a password login's are the user's: chooseRoot).
	{"credentials_bad", InvalidClient,
		[][]string{{"invalid credentials", "invalid_credentials", "invalid credential", "incorrect credentials",
			"credentials invalid", "credentials are invalid", "credentials incorrect", "credentials are incorrect", "credentials not valid",
			"wrong credentials", "login bad credentials"}}, // fastapi-users' LOGIN_BAD_CREDENTIALS
		EndpointToken, false, "deribit, ccxt, prometeo", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	// Authentication failed, in words that name no credential: at a token
	// endpoint the client's, or for a password login the user's
	// (chooseRoot: PocketBase's "Failed to authenticate.", Mindbody's
	// "Staff identity authentication failed.").
	{"auth_failed", InvalidClient,
		[][]string{{"failed to authenticate", "authentication failed", "could not authenticate", "unable to authenticate",
			"authentication failure", "authentication has failed"}},
		EndpointToken, false, "pocketbase, mindbody", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	// A request signed with the client's secret (Tuya's sign, Taobao's
	// sign): a wrong signature is the client's authentication.
	{"client_sign_bad", InvalidClient,
		[][]string{{"sign invalid", "invalid sign", "sign error", "sign check", "sign verify failed", "sign mismatch"}},
		EndpointToken, false, "tuya, taobao", "https://developer.tuya.com/en/docs/iot/singnature?id=Ka43a5mtx1gsc"},

	// An assertion refused: the client's (client_assertion, RFC 7523 §2.2)
	// or, with no client_assertion sent, a jwt-bearer grant's (§3.1;
	// adjustForGrant). eSignet sends {"error":"invalid_assertion"}.
	{"assertion_bad", InvalidClient,
		[][]string{{"assertion"}, wordsBad},
		EndpointToken, false, "mosip esignet, pagopa", "https://www.rfc-editor.org/rfc/rfc7523#section-3.2"},
	// The application itself is refused by the customer or a tenant's
	// policy: the business has not authorized it, or an admin restricted
	// it (Ramp's CUSTOMER_7004, Dataverse's 0x80095ffc). A decision about
	// the app, not a scope the token lacks.
	{"app_not_authorized", AccessDenied,
		[][]string{{"not authorized to use this application", "not authorized to use this app", "restricted for this application",
			"restricted for this app", "has not authorized this application", "has not authorized the application",
			"hasn't authorized this application", "has not authorized this app", "has not authorized the app",
			"application is not authorized by", "app is not installed", "application is not installed",
			"app has been uninstalled", "application has been blocked", "app has been blocked", "application is blocked",
			"blocked for this application", "application is restricted", "app is restricted"}},
		EndpointResource, false, "ramp, dataverse", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"},
	// The token lacks a permission (resource servers).
	{"scope_missing", InsufficientScope,
		[][]string{{"insufficient scope", "insufficient_scope", "missing scope", "missing_scope", "required scope", "scopes required",
			"lacks the required", "required scopes", "insufficient permission", "insufficient privileges", "permission denied",
			"not have permission", "doesn't have permission", "does not have permission", "don't have permission",
			"not have the required", "not authorized to access", "not accessible by", "missing permission", "requires permission",
			"missing the required", "insufficientpermissions", "access_token_scope_insufficient", "not have access",
			"does not have the necessary", "not sufficient", "insufficient authorization", "not enough permissions",
			"additional_authorization_required", "additional authorization", "unauthorized to access", "not allowed to access",
			"not authorized by access token", "not authorized by the access token", "not authorized by the token",
			"not authorized by token", "not covered by the token", "not covered by the access token", // Nordea's error.resource.denied
			"no access to", "insufficient access", "failed permission", "isn't authorized to access", "isn't allowed to access",
			// Authorization, not authentication: Xero's AuthorizationUnsuccessful,
			// OVH's NOT_GRANTED_CALL "This call has not been granted".
			"authorization unsuccessful", "authorisation unsuccessful", "authorizationunsuccessful", "has not been granted",
			// light-4j's AUTH_TOKEN_SCOPE_MISMATCH: "Scopes [a] in authorization
			// token and specification scopes [b] are not matched".
			"scope mismatch", "scope_mismatch", "scopes mismatch",
			// Salla's "The access token should have access to one of those scopes: …".
			"one of those scopes", "one of these scopes", "one of the following scopes", "should have access to"}},
		"", false, "github, google, microsoft graph", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// At a resource server, a token refused an action or an endpoint is a
	// token without that permission (Linode, Bitbucket, monday.com).
	{"not_permitted_here", InsufficientScope,
		[][]string{{"not permitted to access", "not permitted to perform", "not authorized to use this", "not authorized to perform", "is restricted to only",
			"unauthorized to perform", "not authorized for this endpoint", "not allowed to perform", "not permitted to use this",
			"forbidden to perform", "forbidden from performing",
			// Algolia's "Method not allowed with this API key": a key
			// without the ACL the call needs.
			"not allowed with this api key", "not allowed with this key", "not allowed for this api key", "not allowed for this key",
			// Phabricator's ERR-OAUTH-ACCESS "You do not have authorization to call this method".
			"not have authorization to", "no authorization to", "not authorized to call",
			// Dolibarr's "You are not allowed to read list of users" (with a 401).
			"you are not allowed to", "you're not allowed to", "not allowed to read", "not allowed to write",
			"not allowed to create", "not allowed to delete", "not allowed to update", "not allowed to view", "not allowed to list"}},
		EndpointResource, false, "linode, bitbucket, monday.com", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	{"scope_lacking", InsufficientScope,
		[][]string{{"lack", "missing", "without", "not have", "need", "requires", "required", "not granted", "not contain", "don't have",
			"doesn't have", "has no", "have no"},
			{"scope", "permission", "privilege"}},
		"", false, "bitbucket, strava, github", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	{"scope_bad", InvalidScope,
		[][]string{{"scope", "scopes"}, {"invalid", "unknown", "not allowed", "not permitted", "not valid", "unsupported", "not supported",
			"malformed", "not authorized", "not granted", "exceed", "not recognized", "does not exist", "isn't valid", "not available", "not match",
			"cannot grant", "can't grant", "cannot be granted"}},
		"", false, "keycloak, entra, auth0, tailscale", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// At a token endpoint the token in question is the grant being
	// redeemed (X: "Value passed for the token was invalid.").
	{"token_grant_bad", InvalidGrant,
		[][]string{{"token", "code"}, wordsBad},
		EndpointToken, false, "x, twitch", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// A signed request whose signature (not its token) is wrong: the
	// request is malformed (TrueLayer, Open Banking, HTTP message signatures).
	{"request_signature", InvalidRequest,
		[][]string{{"request signature", "signature header", "http signature", "message signature", "jws signature", "x-jws-signature"}, wordsBad},
		EndpointResource, false, "truelayer, open banking", "https://www.rfc-editor.org/rfc/rfc9421"},

	// An Authorization header in the wrong form (RFC 6750 §3.1's
	// invalid_request): the scheme or its layout, not the token.
	{"auth_scheme_wrong", InvalidRequest,
		[][]string{{"prefixed with", "must start with", "should start with", "authorization scheme", "authentication scheme",
			"malformed authorization header", "authorization header format", "authorization header is malformed"}},
		EndpointResource, false, "apollo router, rfc 6750", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// The API or the app is switched off for this caller: a policy of the
	// provider's, not a scope the token lacks (Google's API-disabled
	// errors, Jetpack's disabled API, an app not provisioned for an API).
	// A disabled or suspended API key (api.data.gov's API_KEY_DISABLED,
	// "The api_key supplied has been disabled"): the credential is
	// refused, which at an API is the token.
	{"key_disabled", InvalidToken,
		[][]string{{"api_key", "api key", "apikey", "api-key", "access key", "secret key"},
			{"disabled", "deactivated", "suspended", "been blocked"}},
		EndpointResource, false, "api.data.gov", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// The user the call acts on has blocked the app (Telegram's "bot was
	// blocked by the user"): the owner's refusal, not the token's scope.
	{"user_blocked", AccessDenied,
		[][]string{{"blocked by the user", "blocked by user", "user has blocked", "user blocked the", "kicked from the"}},
		EndpointResource, false, "telegram", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"},
	{"api_disabled", AccessDenied,
		[][]string{{"api disabled", "apidisabled", "have been disabled", "has been disabled", "not provisioned", "no subscription",
			"not subscribed", "api access is disabled", "api is disabled", "access to this api is disabled",
			// A merchant or account not switched on for the call (Culqi's
			// "no está habilitado para realizar este tipo de peticiones").
			"merchant is not enabled", "merchant not enabled", "not enabled for this", "is not enabled to",
			"no está habilitado", "no esta habilitado", "não está habilitado", "nao esta habilitado",
			// The account's plan does not include the API (Hashnode's "does
			// not have an active Pro plan"): the owner's standing.
			"pro plan", "paid plan", "unpaid account", "unpaid accounts", "upgrade your plan",
			// Zammad's "API token access disabled!": the instance switched token access off.
			"token access disabled", "api access disabled", "your current plan", "your plan does not", "plan does not include",
			"not available on your plan", "not included in your plan", "requires a paid", "subscription required", "requires a subscription", "requires a separate subscription"}},
		EndpointResource, false, "google classroom, wordpress.com, globe labs", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"},
	// A gateway in front of the API could not get its own upstream token:
	// golang.org/x/oauth2's "oauth2: cannot fetch token: …" (Ory
	// Oathkeeper, oauth2-proxy and other Go proxies pass it on).
	{"upstream_token_fetch", UpstreamAuthFailed,
		[][]string{{"cannot fetch token", "could not fetch token", "failed to fetch token", "unable to fetch token"}},
		EndpointResource, false, "ory oathkeeper, golang.org/x/oauth2", "https://github.com/golang/oauth2/blob/master/internal/token.go"},
	// A message that names itself a request error before saying more
	// (Cohere's "invalid request: message must be at least 1 token
	// long"): the words after it are about the request, not the token.
	{"request_named", InvalidRequest,
		[][]string{{"invalid request:", "invalid request -", "bad request:", "malformed request:"}},
		EndpointResource, false, "cohere", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// Resource servers: no token, or a token that is not accepted.
	{"token_absent", MissingToken,
		[][]string{{"authorization header is missing", "missing authorization", "authentication header missing",
			"authentication header is missing", "authentication missing", "missing authentication header",
			"access token is empty", "token is empty", "bearer token is empty",
			"authorization header missing", "no token", "token is missing", "missing token", "jwt is missing",
			"missing access token", "access token is missing", "no access token", "credentials missing", "credentials were not provided",
			"no bearer token", "bearer token is missing", "missing bearer", "no credentials", "authentication credentials were not provided",
			"no api key", "no auth token", "token not provided", "token required", "token was not provided", "access token must be",
			"authorization field missing", "authorization header required", "api key is missing", "no api key found",
			"missing an authentication token", "missing an access token", "missing authentication token",
			"provide an api key", "provide your api key", "provide an access token", "provide a token", "provide a bearer token",
			"api key is required", "api key required",
			"authorization header is required", "no authorization header", "authorization header not found",
			"authorization header not present", "authorization header was not", "need a token", "requires a token", "access_token is required",
			"access token is required", "token is required", "access_token is missing", "access_token is required",
			// actix-web-httpauth's example "no bearer header"; GC Notify's
			// "authentication token must be provided".
			"no bearer header", "bearer header is missing", "bearer header missing", "token must be provided",
			// Overkiz's "Missing authorization token."
			"missing authorization token", "authorization token is missing", "no authorization token",
			// ASOS's "The mandatory 'access_token' parameter is missing."
			"'access_token' parameter is missing", "access_token parameter is missing", "access token parameter is missing"}},
		EndpointResource, false, "envoy, django rest framework, twitch", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// A credential expected and none sent, in two halves of a sentence
	// (Qualtrics' "Expected authorization in headers, but none provided").
	{"credential_absent", MissingToken,
		[][]string{{"authorization", "authentication", "credential", "token", "api key", "api-key", "apikey"},
			{"none provided", "none was provided", "none were provided", "none given", "none supplied", "none found",
				"was not supplied", "were not supplied", "was not sent", "were not sent"}},
		EndpointResource, false, "qualtrics", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// An API key named as missing (Bugsnag's "Missing 'Bugsnag-Api-Key'
	// header"): at an API the key stands for the token.
	{"key_missing", MissingToken,
		[][]string{{"missing", "is required", "required", "not provided", "must be provided"},
			{"api-key header", "api key header", "apikey header", "api_key header", "api-key", "api key", "apikey",
				"app-id", "app id", "project id", "secret", "environment key", "access key", "subscription key"}},
		EndpointResource, false, "bugsnag, salt edge, infura", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// The token's time claims fail the server's clock (GC Notify's "Your
	// system clock must be accurate to within 30 seconds", "token used
	// before issued"): the token is refused, not the permission.
	{"clock_skew", InvalidToken,
		[][]string{{"clock skew", "clock must be", "clock is out", "clock drift", "issued in the future", "used before issued",
			"not yet valid", "iat is in the future", "issued at is in the future"}},
		EndpointResource, false, "gc notify, golang-jwt", "https://www.rfc-editor.org/rfc/rfc7519#section-4.1.5"},
	// Generic wording: with a token sent, it was not accepted.
	{"auth_required", MissingToken,
		[][]string{{"requires authentication", "authentication required", "must authenticate", "missing authentication",
			"no authentication", "not authenticated", "login required", "please authenticate", "not logged in", "must be authenticated",
			"anonymous caller",
			// Google APIs' "Method doesn't allow unregistered callers (callers without established identity)".
			"unregistered callers", "without established identity"}},
		EndpointResource, false, "github, linear, google cloud storage", "https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api"},
	// A signed call's replay guard refused it (Kraken's "Invalid nonce",
	// FatSecret's "Invalid/expired timestamp", OAuth 1.0a's nonce_used):
	// the request was built wrong, not its key. Before the token rows,
	// which would read "oauth_timestamp" as the credential. A timestamp
	// only "expired" stays the key's (Pusher's auth_timestamp).
	{"replay_guard", InvalidRequest,
		[][]string{{"nonce", "timestamp"}, {"too small", "small", "too low", "too old", "already used", "used", "refused", "out of range", "invalid", "not valid", "incorrect", "wrong"}},
		EndpointResource, false, "kraken, fatsecret, bitstamp", "https://www.rfc-editor.org/rfc/rfc5849#section-3.3"},
	// A caller locked out after failed attempts (Overkiz's "Too many
	// attempts with an invalid token, temporarily banned"): the ban is
	// what stops it now, whatever credential it sends.
	{"lockout", RateLimited,
		[][]string{{"temporarily banned", "temporarily blocked", "too many attempts", "too many failed attempts", "too many invalid"}},
		EndpointResource, false, "overkiz", "https://www.rfc-editor.org/rfc/rfc6585#section-4"},
	// "Please check your Access Token to fix this" (pixiv): the token.
	{"token_check", InvalidToken,
		[][]string{{"check your access token", "check your token", "verify your access token", "check the access token"}},
		EndpointResource, false, "pixiv", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	{"token_bad", InvalidToken,
		[][]string{{"token", "access_token", "jwt", "session", "bearer", "credential", "api key", "authentication", "signature", "oauth",
			"subscription key", "access key", "key", "secretid", "secret id",
			"consent", "api_key", "apikey", "アクセストークン", "トークン", "访问令牌", "令牌"}, wordsBad},
		EndpointResource, false, "github, salesforce, envoy", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// A signed call whose signature failed (exchanges' "Signature Error",
	// "sign signature error", "error sign!"): the key's signing, which at
	// an API stands for the token.
	{"signature_error", InvalidToken,
		[][]string{{"signature error", "sign error", "error sign", "signature mismatch", "signature not valid", "signature invalid",
			"signature verification failed", "invalid sign", "signature is invalid", "signature does not match", "signature failed"}},
		EndpointResource, false, "github, salesforce, envoy", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// The server could not authenticate the caller at all (ImageKit's
	// 403 "Your account cannot be authenticated", Exoscale's "unable to
	// verify user credentials"): the credential, whatever the status.
	{"not_authenticated_here", InvalidToken,
		[][]string{{"cannot be authenticated", "could not be authenticated", "can't be authenticated", "unable to authenticate",
			"failed to authenticate", "could not authenticate", "unable to verify user credentials", "unable to verify credentials",
			"unable to verify your credentials", "authentication unsuccessful", "authenticationunsuccessful"}},
		EndpointResource, false, "imagekit, exoscale", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	{"token_unauthorized", InvalidToken,
		[][]string{{"unauthorized", "unauthenticated", "not authorized", "authentication failed", "unauthorised", "not authorised",
			"insufficient authentication", "insufficient credentials"}},
		EndpointResource, false, "aws api gateway, kong", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},
	// A bare "please re-authenticate" is the remedy servers append to
	// what went wrong ("Your token has expired. Please re-authenticate."):
	// after the token rows, so the cause named beside it wins.
	{"reauth_hint", InteractionRequired,
		[][]string{{"reauthenticate", "re-authenticate"}},
		"", false, "workos, infisical", "https://openid.net/specs/openid-connect-core-1_0.html#AuthError"},
	// The token passed and the call's own parameters did not (RFC 6750
	// §3.1's invalid_request), whatever status carried it (XING's 403
	// INVALID_PARAMETERS). After the token rows: a bad token parameter is
	// the token's.
	{"request_params_bad", InvalidRequest,
		[][]string{{"invalid parameter", "invalid params", "missing required parameter", "missing parameter", "parameter is missing",
			"parameter is invalid", "parameters are invalid", "validation failed", "validation error", "invalid request parameter",
			"parameter error", "parameters error", "param error", "parameter doesn't exist", "parameter does not exist"}},
		"", false, "xing, ecovacs, rfc 6750", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"},

	// Client not allowed this flow.
	{"client_not_allowed", UnauthorizedClient,
		[][]string{{"not authorized to use", "not allowed to use", "not permitted to use", "not enabled for", "is not allowed for this client",
			"client is not authorized", "not authorized for this", "unauthorized_client", "not eligible to use", "is not eligible for"}},
		"", false, "auth0, entra", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// Response type at the authorization endpoint.
	{"response_type_unsupported", UnsupportedResponseType,
		[][]string{{"response_type", "response type"}, {"not supported", "unsupported", "invalid", "not allowed", "only"}},
		"", false, "rfc 6749", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"},

	// Device-flow polling in words (Pocket ID's {"error":"Authorization is
	// still pending"}): RFC 8628 §3.5's codes, not failures.
	{"device_pending", AuthorizationPending,
		[][]string{{"still pending", "authorization pending", "authorization_pending", "pending approval", "not yet approved", "not yet authorized"}},
		EndpointToken, false, "pocket-id, rfc 8628", "https://www.rfc-editor.org/rfc/rfc8628#section-3.5"},
	{"device_slow_down", SlowDown,
		[][]string{{"polling too", "poll too", "too frequent", "slow down", "slow_down", "polling interval"}},
		EndpointToken, false, "pocket-id, rfc 8628", "https://www.rfc-editor.org/rfc/rfc8628#section-3.5"},

	// A request header the server needs is missing or wrong (Bitwarden's
	// Auth-Email, GKE's Metadata-Flavor): the request is malformed, not
	// the grant or the client (the Authorization header is the client's,
	// above).
	{"header_bad", InvalidRequest,
		[][]string{{"header"}, {"missing", "invalid", "required", "not present", "expected", "malformed"}},
		EndpointToken, false, "bitwarden, gke metadata server", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},

	// The server's own state.
	{"rate", RateLimited,
		[][]string{{"rate limit", "too many requests", "throttl", "quota exceeded", "ratelimit", "too many attempts", "request limit",
			"limit exceeded", "quota limit", "limit reached", "over qps", "over rate", "qps exceeded"}},
		"", false, "auth0, google", "https://www.rfc-editor.org/rfc/rfc6585#section-4"},
	{"transient", TemporarilyUnavailable,
		[][]string{{"temporarily", "try again", "retry later", "please retry", "timed out", "timeout", "overloaded",
			"maintenance", "unavailable", "transient", "temporary"}},
		"", false, "entra, google", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	// RFC 6749 §5.2's own descriptions, which fosite and its kin send, and
	// CrowdStrike inside a vendor envelope with no error code: each names
	// its code. Read even though they list suspects ("e.g."), which keeps
	// other rows from them; last, so any row naming a subject wins.
	{"rfc_client_description", InvalidClient,
		[][]string{{"client authentication failed (e.g.", "the client identifier provided is invalid, the client failed"}},
		"", false, "fosite, crowdstrike", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
	{"rfc_grant_description", InvalidGrant,
		[][]string{{"the provided authorization grant (e.g.", "the provided access grant is invalid"}},
		"", false, "fosite", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
}

// boilerplate marks sentences that define an error code rather than say
// what happened: RFC 6749 §5.2's own definitions, which fosite, Hydra,
// Doorkeeper and oauthlib send verbatim, list every suspect ("…does not
// match the redirection URI…, or was issued to another client").
var boilerplate = []string{
	"e.g.", "the provided authorization grant", "the provided access grant",
	"the request is missing a required parameter", "the client identifier provided is invalid, the client failed",
	"the authorization server may return an http 401", "if the client attempted to authenticate via",
}

func isBoilerplate(sentence []byte) bool {
	for _, b := range boilerplate {
		if containsFold(sentence, b) {
			return true
		}
	}
	return false
}

// phraseUnless lists, per rule, words that keep the row from matching a
// sentence: "access token is missing or invalid" is not about a missing
// token when one was sent.
var phraseUnless = map[string][]string{
	"token_absent":  {"invalid", "expired", "revoked", "malformed"},
	"scope_lacking": {"parameter"}, // "Missing required parameter: scope" is a malformed request
	"auth_required": {"invalid", "expired", "revoked", "malformed"},
	// "The API key you used is missing the permission user_read": the key
	// is known, and short of a permission.
	"client_auth": {"permission", "capabilities"},
	// CrowdStrike's "Failed to issue access token - Not Authorized": the
	// server's failing to issue, not a token that was bad.
	"token_grant_bad": {"failed to issue", "unable to issue", "could not issue", "cannot issue"},
	// Werkzeug's (Flask's) 404: "…please check your spelling and try
	// again" is a typed URL, not a server that will recover.
	"transient": {"check your spelling"},
}

// phraseMatch is the first phrase row that matches text, for endpoint.
// appliesAt reports whether the row is read at the endpoint kind. A
// resource row about the token being bad also reads at introspection,
// where the token checked is the subject (LINE's verify: invalid_request
// "access token expired").
func (p *Phrase) appliesAt(endpoint Endpoint) bool {
	return p.Only == "" || p.Only == endpoint ||
		endpoint == EndpointIntrospect && p.Only == EndpointResource && p.Cause == InvalidToken
}

func phraseMatch(text []byte, endpoint Endpoint) *Phrase {
	if len(text) == 0 {
		return nil
	}
	for i := range Phrases {
		p := &Phrases[i]
		if !p.appliesAt(endpoint) || p.Cause == InvalidTarget && endpoint == EndpointResource {
			continue
		}
		for rest := text; len(rest) > 0; {
			var sentence []byte
			sentence, rest = nextSentence(rest)
			if p.matches(sentence) && !(p.NotListed && listed(sentence, p.Groups[0])) && (p.rfcDescription() || !isBoilerplate(sentence)) && !p.unless(sentence) {
				if containsWordFold(sentence, " or ") {
					return earliestSuspect(p, sentence, endpoint)
				}
				return p
			}
		}
	}
	return nil
}

// earliestSuspect picks, in a sentence that lists suspects ("Invalid or
// expired authorization code, redirection URI mismatch, or PKCE
// verification failure"), the row whose subject is named first: servers
// list the likeliest cause first, and the precedence order would
// otherwise always pick the same suspect.
func earliestSuspect(p *Phrase, sentence []byte, endpoint Endpoint) *Phrase {
	best, at := p, p.firstIndex(sentence)
	for i := range Phrases {
		q := &Phrases[i]
		if q.Cause == p.Cause || !q.appliesAt(endpoint) || q.Cause == InvalidTarget && endpoint == EndpointResource {
			continue
		}
		if !q.matches(sentence) || q.NotListed && listed(sentence, q.Groups[0]) || q.unless(sentence) {
			continue
		}
		if i := q.firstIndex(sentence); i >= 0 && i < at {
			best, at = q, i
		}
	}
	return best
}

// firstIndex is where the earliest term of the row's first group starts.
func (p *Phrase) firstIndex(sentence []byte) int {
	at := -1
	for _, term := range p.Groups[0] {
		if i := indexWordFold(sentence, term); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	return at
}

// phraseSays reports whether any row for cause matches text, whatever
// rows of other causes come first: for detection, which asks one question.
func phraseSays(text []byte, endpoint Endpoint, cause Code) bool {
	for i := range Phrases {
		p := &Phrases[i]
		if p.Cause != cause || !p.appliesAt(endpoint) {
			continue
		}
		for rest := text; len(rest) > 0; {
			var sentence []byte
			sentence, rest = nextSentence(rest)
			if p.matches(sentence) && !isBoilerplate(sentence) && !p.unless(sentence) {
				return true
			}
		}
	}
	return false
}

func (p *Phrase) unless(sentence []byte) bool {
	for _, w := range phraseUnless[p.Rule] {
		if containsWordFold(sentence, w) {
			return true
		}
	}
	return false
}

func (p *Phrase) matches(sentence []byte) bool {
	for _, group := range p.Groups {
		found := false
		for _, term := range group {
			if term == "bad" && !badOutsideStatus(sentence) {
				continue // "Bad Request: …" restates the status, it calls nothing bad
			}
			if containsWordFold(sentence, term) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// listed reports a term of terms written as an item of a slash list.
func listed(sentence []byte, terms []string) bool {
	for _, term := range terms {
		for i := 0; i+len(term) <= len(sentence); i++ {
			if !hasPrefixFold(string(sentence[i:i+len(term)]), term) {
				continue
			}
			if i > 0 && sentence[i-1] == '/' || i+len(term) < len(sentence) && sentence[i+len(term)] == '/' {
				return true
			}
		}
	}
	return false
}

// containsWordFold is containsFold for a term that starts a word: "user"
// is not found in "list_users".
func containsWordFold(s []byte, term string) bool { return indexWordFold(s, term) >= 0 }

// indexWordFold is where term starts a word in s, or -1.
func indexWordFold(s []byte, term string) int {
	for i := 0; i+len(term) <= len(s); i++ {
		if i > 0 && isWordByte(s[i-1]) && isWordByte(term[0]) {
			continue
		}
		if matchFoldAt(s, i, term) {
			return i
		}
	}
	return -1
}

// matchFoldAt matches term at s[i:], ignoring ASCII case and quotes in s
// that the term does not have: `Missing "Authorization" header` says
// "missing authorization".
func matchFoldAt(s []byte, i int, term string) bool {
	for j := 0; j < len(term); {
		if i >= len(s) {
			return false
		}
		switch c := s[i]; {
		case lower(c) == lower(term[j]):
			i++
			j++
		case j > 0 && (c == '"' || c == '`' || c == '\'' || c == '\\'): // JSON-escaped quotes too
			i++
		default:
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// badOutsideStatus reports "bad" used of something other than the request
// as a status phrase ("Bad Request: code was not set", "400 Bad Request").
func badOutsideStatus(sentence []byte) bool {
	for rest := sentence; ; {
		i := indexWordFold(rest, "bad")
		if i < 0 {
			return false
		}
		after := rest[i+3:]
		if !hasPrefixFold(string(after[:min(len(after), 8)]), " request") && !hasPrefixFold(string(after[:min(len(after), 8)]), " gateway") {
			return true
		}
		rest = after
	}
}

// rfcDescription reports the rows of RFC 6749's own descriptions, which
// the boilerplate rule would otherwise skip.
func (p *Phrase) rfcDescription() bool {
	return p.Rule == "rfc_client_description" || p.Rule == "rfc_grant_description"
}
