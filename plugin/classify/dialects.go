package classify

// Provider error dialects: the shapes and vendor codes that real
// authorization and resource servers send instead of (or beside) the
// RFC 6749 §5.2 / RFC 6750 §3 error. Data, with the provider and source
// of each row; the scanner below finds the codes in any of the shapes.

// vendorCode is one row of the vendor-code table.
type vendorCode struct {
	Code     string // compared case-insensitively
	Cause    Code
	Provider string
	Source   string
}

// VendorCodes maps vendor error codes to causes. Codes met at a resource
// server and at a token endpoint are adjusted with adjustForEndpoint.
var VendorCodes = []vendorCode{
	// AWS STS's XML <Error><Code>: AssumeRoleWithWebIdentity refusing the
	// identity token it was given.
	{"InvalidIdentityToken", InvalidGrant, "aws sts", awsSTSErrors},
	{"IDPRejectedClaim", InvalidGrant, "aws sts", awsSTSErrors},
	{"ExpiredTokenException", InvalidToken, "aws sts", awsSTSErrors},
	{"IDPCommunicationError", TemporarilyUnavailable, "aws sts", awsSTSErrors},
	{"MalformedPolicyDocument", InvalidRequest, "aws sts", awsSTSErrors},

	// OAuth 1.0a's Problem Reporting extension: oauth_problem=… in a form
	// body, a page or the WWW-Authenticate challenge (Flickr, E*TRADE,
	// Yahoo, Magento 1). The token codes name the request token at an
	// access-token call and the access token at an API; signature_invalid
	// and permission_denied share rows below with Berlin Group and Google.
	{"token_rejected", InvalidToken, "oauth 1.0a", oauthProblems},
	{"token_used", InvalidToken, "oauth 1.0a", oauthProblems},
	{"consumer_key_unknown", InvalidClient, "oauth 1.0a", oauthProblems},
	{"consumer_key_rejected", InvalidClient, "oauth 1.0a", oauthProblems},
	{"consumer_key_refused", InvalidClient, "oauth 1.0a", oauthProblems},
	{"signature_method_rejected", InvalidRequest, "oauth 1.0a", oauthProblems},
	{"timestamp_refused", InvalidRequest, "oauth 1.0a", oauthProblems},
	{"nonce_used", InvalidRequest, "oauth 1.0a", oauthProblems},
	{"parameter_absent", InvalidRequest, "oauth 1.0a", oauthProblems},
	{"parameter_rejected", InvalidRequest, "oauth 1.0a", oauthProblems},
	{"version_rejected", InvalidRequest, "oauth 1.0a", oauthProblems},
	{"additional_authorization_required", InsufficientScope, "oauth 1.0a", oauthProblems},
	{"permission_unknown", InsufficientScope, "oauth 1.0a", oauthProblems},
	{"user_refused", AccessDenied, "oauth 1.0a", oauthProblems},

	// Slack Web API and oauth.v2.access: HTTP 200 {"ok":false,"error":"…"}.
	{"invalid_auth", InvalidToken, "slack", "https://api.slack.com/web#evaluating_responses"},
	{"not_authed", MissingToken, "slack", "https://api.slack.com/web#evaluating_responses"},
	{"token_revoked", InvalidToken, "slack", "https://api.slack.com/methods/auth.test"},
	{"token_expired", InvalidToken, "slack", "https://api.slack.com/authentication/rotation"},
	{"account_inactive", InvalidToken, "slack", "https://api.slack.com/methods/auth.test"},
	{"missing_scope", InsufficientScope, "slack", "https://api.slack.com/web#evaluating_responses"},
	{"no_permission", InsufficientScope, "slack", "https://api.slack.com/methods/conversations.history"},
	{"invalid_code", InvalidGrant, "slack", "https://api.slack.com/methods/oauth.v2.access"},
	{"code_already_used", InvalidGrant, "slack", "https://api.slack.com/methods/oauth.v2.access"},
	{"bad_client_secret", InvalidClient, "slack", "https://api.slack.com/methods/oauth.v2.access"},
	{"invalid_client_id", InvalidClient, "slack", "https://api.slack.com/methods/oauth.v2.access"},
	{"bad_redirect_uri", RedirectURIMismatch, "slack", "https://api.slack.com/methods/oauth.v2.access"},
	{"invalid_refresh_token", InvalidGrant, "slack", "https://api.slack.com/methods/oauth.v2.access"},
	{"invalid_grant_type", UnsupportedGrantType, "slack", "https://api.slack.com/methods/oauth.v2.access"},
	{"ratelimited", RateLimited, "slack", "https://api.slack.com/docs/rate-limits"},
	{"fatal_error", ServerError, "slack", "https://api.slack.com/web#evaluating_responses"},
	{"internal_error", ServerError, "slack", "https://api.slack.com/web#evaluating_responses"},
	{"service_unavailable", TemporarilyUnavailable, "slack", "https://api.slack.com/web#evaluating_responses"},
	{"request_timeout", TemporarilyUnavailable, "slack", "https://api.slack.com/web#evaluating_responses"},

	// Berlin Group NextGenPSD2 (XS2A) tppMessages codes, which European
	// banks' PSD2 APIs send: {"tppMessages":[{"category":"ERROR","code":…}]}.
	// The eIDAS certificate is the TPP's client credential; the consent is
	// what the access token carries.
	{"CERTIFICATE_INVALID", InvalidClient, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"CERTIFICATE_EXPIRED", InvalidClient, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"CERTIFICATE_BLOCKED", InvalidClient, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"CERTIFICATE_REVOKED", InvalidClient, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"CERTIFICATE_MISSING", InvalidClient, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"TOKEN_INVALID", InvalidToken, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"TOKEN_UNKNOWN", InvalidToken, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"CONSENT_INVALID", InvalidToken, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"CONSENT_EXPIRED", InvalidToken, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"CONSENT_UNKNOWN", InvalidToken, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"FORMAT_ERROR", InvalidRequest, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	// "eIDAS signature for TPP authentication is not correct": the client's
	// own signature, as OAuth 1.0a's signature_invalid is the consumer's.
	{"SIGNATURE_INVALID", InvalidClient, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"SIGNATURE_MISSING", InvalidRequest, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	{"ACCESS_EXCEEDED", RateLimited, "berlin-group", "https://www.berlin-group.org/nextgenpsd2-downloads"},
	// UK Open Banking (OBIE) error codes: the consent behind the token.
	{"UK.OBIE.Resource.InvalidConsentStatus", InvalidToken, "uk-open-banking", "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure"},
	{"UK.OBIE.Resource.ConsentMismatch", InvalidToken, "uk-open-banking", "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure"},
	{"UK.OBIE.Header.Missing", InvalidRequest, "uk-open-banking", "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure"},
	{"UK.OBIE.Header.Invalid", InvalidRequest, "uk-open-banking", "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure"},
	{"UK.OBIE.Field.Missing", InvalidRequest, "uk-open-banking", "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure"},
	{"UK.OBIE.Field.Invalid", InvalidRequest, "uk-open-banking", "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure"},
	{"UK.OBIE.Signature.Invalid", InvalidRequest, "uk-open-banking", "https://openbankinguk.github.io/read-write-api-site3/v3.1.10/profiles/read-write-data-api-profile.html#error-response-structure"},

	// fosite (Ory Hydra): a bearer token its userinfo or introspection
	// rejects, in the body and in WWW-Authenticate (seen from Hydra v2.3.0).
	{"request_unauthorized", InvalidToken, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},
	// fosite's other own codes: the request refused by policy (Hydra's
	// login and consent CSRF check), token checks, and its own faults.
	{"request_forbidden", AccessDenied, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},
	{"token_signature_mismatch", InvalidToken, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},
	{"token_inactive", InvalidToken, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},
	{"token_claim", InvalidToken, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},
	{"scope_not_granted", InsufficientScope, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},
	{"insufficient_entropy", InvalidRequest, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},
	{"invalid_state", InvalidRequest, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},
	{"misconfiguration", ServerError, "fosite", "https://github.com/ory/fosite/blob/master/errors.go"},

	// yes.com's authorization response when the user asks to pick another
	// account (its own code, like OpenID Connect's account_selection_required).
	{"account_selection_requested", InteractionRequired, "yes.com", "https://yes.com/docs/rp-devguide/1.2/IDENTITY/index.html#_authentication_response"},

	// Apollo Server's extensions.code in a GraphQL errors[] entry
	// (UNAUTHENTICATED is Google's too, above; FORBIDDEN a status word).
	{"BAD_USER_INPUT", InvalidRequest, "apollo", "https://www.apollographql.com/docs/apollo-server/data/errors#built-in-error-codes"},
	{"GRAPHQL_VALIDATION_FAILED", InvalidRequest, "apollo", "https://www.apollographql.com/docs/apollo-server/data/errors#built-in-error-codes"},
	{"GRAPHQL_PARSE_FAILED", InvalidRequest, "apollo", "https://www.apollographql.com/docs/apollo-server/data/errors#built-in-error-codes"},

	// Google APIs: {"error":{"status":…,"details":[{"reason":…}],"errors":[{"reason":…}]}}.
	{"UNAUTHENTICATED", InvalidToken, "google-apis", "https://cloud.google.com/apis/design/errors#handling_errors"},
	{"PERMISSION_DENIED", InsufficientScope, "google-apis", "https://cloud.google.com/apis/design/errors#handling_errors"},
	{"ACCESS_TOKEN_SCOPE_INSUFFICIENT", InsufficientScope, "google-apis", "https://cloud.google.com/apis/design/errors#error_info"},
	{"ACCESS_TOKEN_EXPIRED", InvalidToken, "google-apis", "https://cloud.google.com/apis/design/errors#error_info"},
	{"ACCESS_TOKEN_TYPE_UNSUPPORTED", InvalidToken, "google-apis", "https://cloud.google.com/apis/design/errors#error_info"},
	{"CREDENTIALS_MISSING", MissingToken, "google-apis", "https://cloud.google.com/apis/design/errors#error_info"},
	{"insufficientPermissions", InsufficientScope, "google-apis", "https://developers.google.com/drive/api/guides/handle-errors"},
	// The API is not switched on for the project: the owner's standing,
	// whatever the token holds.
	{"accessNotConfigured", AccessDenied, "google-apis", "https://cloud.google.com/apis/design/errors#error_info"},
	{"SERVICE_DISABLED", AccessDenied, "google-apis", "https://cloud.google.com/apis/design/errors#error_info"},
	{"authError", InvalidToken, "google-apis", "https://developers.google.com/drive/api/guides/handle-errors"},
	{"INVALID_ARGUMENT", InvalidRequest, "google-apis", "https://cloud.google.com/apis/design/errors#handling_errors"},
	{"RESOURCE_EXHAUSTED", RateLimited, "google-apis", "https://cloud.google.com/apis/design/errors#handling_errors"},
	{"rateLimitExceeded", RateLimited, "google-apis", "https://developers.google.com/drive/api/guides/handle-errors"},
	{"userRateLimitExceeded", RateLimited, "google-apis", "https://developers.google.com/drive/api/guides/handle-errors"},
	{"UNAVAILABLE", TemporarilyUnavailable, "google-apis", "https://cloud.google.com/apis/design/errors#handling_errors"},
	{"INTERNAL", ServerError, "google-apis", "https://cloud.google.com/apis/design/errors#handling_errors"},

	// Microsoft Graph and Azure: {"error":{"code":…,"message":…}}.
	{"InvalidAuthenticationToken", InvalidToken, "microsoft-graph", "https://learn.microsoft.com/graph/errors#code-property"},
	{"ExpiredAuthenticationToken", InvalidToken, "microsoft-graph", "https://learn.microsoft.com/graph/errors#code-property"},
	{"AuthenticationError", InvalidToken, "microsoft-graph", "https://learn.microsoft.com/graph/errors#code-property"},
	{"Authorization_RequestDenied", InsufficientScope, "microsoft-graph", "https://learn.microsoft.com/graph/errors#code-property"},
	{"ErrorAccessDenied", InsufficientScope, "microsoft-graph", "https://learn.microsoft.com/graph/errors#code-property"},
	{"accessDenied", AccessDenied, "microsoft-graph", "https://learn.microsoft.com/graph/errors#code-property"},
	{"AuthorizationFailed", InsufficientScope, "azure", "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting"},
	{"InvalidAuthenticationTokenTenant", InvalidToken, "azure", "https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors"},
	{"AuthenticationFailed", InvalidToken, "azure", "https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes"},
	{"activityLimitReached", RateLimited, "microsoft-graph", "https://learn.microsoft.com/graph/errors#code-property"},
	{"serviceNotAvailable", TemporarilyUnavailable, "microsoft-graph", "https://learn.microsoft.com/graph/errors#code-property"},

	// Dropbox: {"error_summary":"expired_access_token/…","error":{".tag":…}}.
	{"expired_access_token", InvalidToken, "dropbox", "https://www.dropbox.com/developers/documentation/http/documentation#error-handling"},
	{"invalid_access_token", InvalidToken, "dropbox", "https://www.dropbox.com/developers/documentation/http/documentation#error-handling"},
	{"invalid_select_user", InvalidRequest, "dropbox", "https://www.dropbox.com/developers/documentation/http/documentation#error-handling"},

	// Salesforce REST: [{"message":…,"errorCode":…}].
	{"INVALID_SESSION_ID", InvalidToken, "salesforce", "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm"},
	{"INVALID_AUTH_HEADER", InvalidToken, "salesforce", "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm"},
	{"API_DISABLED_FOR_ORG", InsufficientScope, "salesforce", "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm"},
	{"INSUFFICIENT_ACCESS", InsufficientScope, "salesforce", "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm"},
	{"REQUEST_LIMIT_EXCEEDED", RateLimited, "salesforce", "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm"},

	// Okta management API: {"errorCode":"E0000011","errorSummary":…}.
	{"E0000011", InvalidToken, "okta", "https://developer.okta.com/docs/reference/error-codes/#E0000011"},
	{"E0000005", InvalidToken, "okta", "https://developer.okta.com/docs/reference/error-codes/#E0000005"},
	{"E0000006", InsufficientScope, "okta", "https://developer.okta.com/docs/reference/error-codes/#E0000006"},
	{"E0000004", InvalidGrant, "okta", "https://developer.okta.com/docs/reference/error-codes/#E0000004"},
	{"E0000047", RateLimited, "okta", "https://developer.okta.com/docs/reference/error-codes/#E0000047"},
	{"E0000009", ServerError, "okta", "https://developer.okta.com/docs/reference/error-codes/#E0000009"},

	// HubSpot: {"status":"error","category":…}.
	{"INVALID_AUTHENTICATION", InvalidToken, "hubspot", "https://developers.hubspot.com/docs/api/error-handling"},
	{"EXPIRED_AUTHENTICATION", InvalidToken, "hubspot", "https://developers.hubspot.com/docs/api/error-handling"},
	{"MISSING_SCOPES", InsufficientScope, "hubspot", "https://developers.hubspot.com/docs/api/error-handling"},
	{"RATE_LIMITS", RateLimited, "hubspot", "https://developers.hubspot.com/docs/api/error-handling"},

	// Square: {"errors":[{"category":…,"code":…}]}.
	{"ACCESS_TOKEN_EXPIRED", InvalidToken, "square", "https://developer.squareup.com/reference/square/enums/ErrorCode"},
	{"ACCESS_TOKEN_REVOKED", InvalidToken, "square", "https://developer.squareup.com/reference/square/enums/ErrorCode"},
	{"INSUFFICIENT_SCOPES", InsufficientScope, "square", "https://developer.squareup.com/reference/square/enums/ErrorCode"},
	// Square's UNAUTHORIZED is the status word of Spring's row below.
	{"RATE_LIMITED", RateLimited, "square", "https://developer.squareup.com/reference/square/enums/ErrorCode"},

	// Apigee OAuthV2 policy faults: {"fault":{"faultstring":…,"detail":{"errorcode":…}}}.
	{"oauth.v2.InvalidAccessToken", InvalidToken, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"oauth.v2.access_token_expired", InvalidToken, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"keymanagement.service.access_token_expired", InvalidToken, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"keymanagement.service.invalid_access_token", InvalidToken, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"oauth.v2.InsufficientScope", InsufficientScope, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"oauth.v2.InvalidAPICallAsNoApiProductMatchFound", InsufficientScope, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"steps.oauth.v2.FailedToResolveAccessToken", MissingToken, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"oauth.v2.InvalidClientIdentifier", InvalidClient, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"keymanagement.service.invalid_client-invalid_client_id", InvalidClient, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"oauth.v2.invalid_client", InvalidClient, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/oauth-v2-policy-error-reference"},
	{"policies.ratelimit.QuotaViolation", RateLimited, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/quota-policy-error-reference"},
	{"policies.ratelimit.SpikeArrestViolation", RateLimited, "apigee", "https://cloud.google.com/apigee/docs/api-platform/reference/policies/spike-arrest-policy-error-reference"},

	// Stripe: {"error":{"type":…,"code":…}}.
	{"api_key_expired", InvalidToken, "stripe", "https://docs.stripe.com/error-codes#api-key-expired"},
	{"rate_limit", RateLimited, "stripe", "https://docs.stripe.com/error-codes"},
	{"api_error", ServerError, "stripe", "https://docs.stripe.com/api/errors"},

	// Google Maps Platform web services: HTTP 200 with a status and an
	// error_message that says which denial (the words refine it).
	{"REQUEST_DENIED", AccessDenied, "google maps platform", "https://developers.google.com/maps/documentation/geocoding/requests-geocoding#StatusCodes"},
	{"OVER_QUERY_LIMIT", RateLimited, "google maps platform", "https://developers.google.com/maps/documentation/geocoding/requests-geocoding#StatusCodes"},
	{"OVER_DAILY_LIMIT", RateLimited, "google maps platform", "https://developers.google.com/maps/documentation/geocoding/requests-geocoding#StatusCodes"},

	// Box: {"type":"error","status":401,"code":…}.
	{"invalid_token", InvalidToken, "box", "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"},
	{"insufficient_scope", InsufficientScope, "box", "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"},
	{"access_denied_insufficient_permissions", InsufficientScope, "box", "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"},
	{"rate_limit_exceeded", RateLimited, "box", "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"},

	// Authorization servers' own codes for a redirect URI they refuse.
	{"redirect_mismatch", RedirectURIMismatch, "aws-cognito", "https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html"},
	{"invalid_callback", RedirectURIMismatch, "wso2-is", "https://is.docs.wso2.com/en/latest/references/troubleshoot/oauth-errors/"},
	{"invalid_origin", RedirectURIMismatch, "kanidm", "https://kanidm.github.io/kanidm/stable/integrations/oauth2.html"},
	// The user cancelled at the authorization server (Estonia's TARA).
	{"user_cancel", AccessDenied, "estonia-tara", "https://e-gov.github.io/TARA-Doku/TechnicalSpecification"},

	// Salesforce token endpoint.
	{"inactive_user", InvalidGrant, "salesforce", "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm"},
	{"inactive_org", InvalidGrant, "salesforce", "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm"},
	{"invalid_app_access", AccessDenied, "salesforce", "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm"},

	// PayPal REST: {"name":"AUTHENTICATION_FAILURE",…}.
	{"AUTHENTICATION_FAILURE", InvalidToken, "paypal", "https://developer.paypal.com/api/rest/responses/"},
	// Scaleway's {"type":"denied_authentication","reason":…}: the reason
	// (expired, invalid_argument) is about the key, not the request.
	{"denied_authentication", InvalidToken, "scaleway", "https://github.com/scaleway/scaleway-sdk-go/blob/master/scw/errors.go"},
	{"NOT_AUTHORIZED", AccessDenied, "paypal", "https://developer.paypal.com/api/rest/responses/"},

	// Plaid: {"error_type":…,"error_code":"ITEM_LOGIN_REQUIRED",…}.
	{"ITEM_LOGIN_REQUIRED", InteractionRequired, "plaid", "https://plaid.com/docs/errors/item/#item_login_required"},

	// HTTP reason phrases used as the error code (Spring Boot's default
	// error body, Kong, many hand-written servers): only the status's
	// family; a message may name the root.
	{"Unauthorized", statusWord, "spring-boot", "https://docs.spring.io/spring-boot/reference/web/servlet.html#web.servlet.spring-mvc.error-handling"},
	{"Bad Request", statusWord, "spring-boot", "https://docs.spring.io/spring-boot/reference/web/servlet.html#web.servlet.spring-mvc.error-handling"},
	{"Forbidden", statusWord, "spring-boot", "https://docs.spring.io/spring-boot/reference/web/servlet.html#web.servlet.spring-mvc.error-handling"},
	{"Internal Server Error", statusWord, "spring-boot", "https://docs.spring.io/spring-boot/reference/web/servlet.html#web.servlet.spring-mvc.error-handling"},
	{"Not Found", statusWord, "spring-boot", "https://docs.spring.io/spring-boot/reference/web/servlet.html#web.servlet.spring-mvc.error-handling"},
	{"Service Unavailable", statusWord, "spring-boot", "https://docs.spring.io/spring-boot/reference/web/servlet.html#web.servlet.spring-mvc.error-handling"},
	{"Too Many Requests", statusWord, "spring-boot", "https://docs.spring.io/spring-boot/reference/web/servlet.html#web.servlet.spring-mvc.error-handling"},
	{"Method Not Allowed", statusWord, "spring-boot", "https://docs.spring.io/spring-boot/reference/web/servlet.html#web.servlet.spring-mvc.error-handling"},
}

// errorTypeHeaders map AWS's x-amzn-ErrorType (API Gateway, Cognito,
// Lambda URLs) to causes. MissingAuthenticationToken is API Gateway's
// answer to a path or method it has no route for.
// Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
var errorTypeHeaders = map[string]Code{
	"MissingAuthenticationTokenException": UnexpectedStatus,
	"UnauthorizedException":               InvalidToken,
	"AccessDeniedException":               InsufficientScope,
	"ExpiredTokenException":               InvalidToken,
	"InvalidSignatureException":           InvalidToken,
	"ThrottlingException":                 RateLimited,
	"TooManyRequestsException":            RateLimited,
	"NotAuthorizedException":              InvalidClient, // Cognito
}

const awsSTSErrors = "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors"

// xmlErrorCode reads an XML error's <Code> (AWS's <ErrorResponse>, S3's
// <Error>) and maps it.
func xmlErrorCode(b []byte) (Code, bool) {
	i := indexFold(b, "<code>")
	if i < 0 || !containsFold(b[:min(len(b), 256)], "error") {
		return "", false
	}
	i += len("<code>")
	j := i
	for j < len(b) && j-i < 64 && b[j] != '<' {
		j++
	}
	return lookupVendor(b[i:j])
}

const oauthProblems = "https://wiki.oauth.net/w/page/12238543/ProblemReporting"

// oauthProblem finds OAuth 1.0a's oauth_problem=<code> in a page, a
// plain-text body or a challenge, and maps it.
func oauthProblem(b []byte) (Code, bool) {
	const key = "oauth_problem="
	i := indexFold(b, key)
	if i < 0 {
		return "", false
	}
	i += len(key)
	if i < len(b) && b[i] == '"' {
		i++
	}
	j := i
	for j < len(b) && j-i < 40 && (b[j] >= 'a' && b[j] <= 'z' || b[j] == '_') {
		j++
	}
	return lookupVendor(b[i:j])
}

// hasGatewayCode: Mashery's error-code header is present and mapped.
func hasGatewayCode(h map[string][]string) bool {
	if len(h["X-Mashery-Error-Code"]) == 0 {
		return false
	}
	_, ok := headerCode(h)
	return ok
}

// masheryCodes map the error codes TIBCO Mashery's proxy puts in
// X-Mashery-Error-Code, by the part (lowercase) that names the cause: its key
// refusals and throttles all answer 403 with a one-line page.
// Source: https://support.mashery.com/docs/read/mashery_api/20_reporting/error_codes
var masheryCodes = [...]struct {
	part  string
	cause Code
}{
	{"_over_qps", RateLimited},
	{"_over_rate", RateLimited},
	{"rate_limit", RateLimited},
	{"_developer_inactive", InvalidToken}, // the key or its grant is disabled
	{"_not_authorized", InvalidToken},     // the key is not recognised
	{"_invalid_key", InvalidToken},
}

// headerCode reads an error type that sits in a header, not the body.
func headerCode(h map[string][]string) (Code, bool) {
	if v := h["X-Mashery-Error-Code"]; len(v) > 0 {
		for _, m := range masheryCodes {
			if containsFold(v[0], m.part) {
				return m.cause, true
			}
		}
	}
	v := h["X-Amzn-Errortype"]
	if len(v) == 0 {
		return "", false
	}
	t := v[0]
	if i := indexString(t, ':'); i >= 0 {
		t = t[:i]
	}
	c, ok := errorTypeHeaders[t]
	return c, ok
}

// statusWord marks a vendor code that is only an HTTP reason phrase.
const statusWord Code = "\x00status"

// vendorCodeIndex is VendorCodes keyed by lowercased code.
var vendorCodeIndex = func() map[string]Code {
	m := make(map[string]Code, len(VendorCodes))
	for _, row := range VendorCodes {
		m[lowerString(row.Code)] = row.Cause
	}
	return m
}()

func lowerString(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}

// lookupVendor finds a vendor code, case-insensitively, without allocating.
func lookupVendor(code []byte) (Code, bool) {
	if len(code) == 0 || len(code) > 64 {
		return "", false
	}
	var buf [64]byte
	for i, c := range code {
		buf[i] = lower(c)
	}
	if c, ok := vendorCodeIndex[string(buf[:len(code)])]; ok {
		return c, true
	}
	c, ok := errorCodes[string(buf[:len(code)])] // Yelp's "INVALID_GRANT"
	return c, ok
}

// graphCodes maps Facebook / Instagram Graph API error codes (with
// "type":"OAuthException" or an fbtrace_id) to causes.
// Source: https://developers.facebook.com/docs/graph-api/guides/error-handling
var graphCodes = map[int]Code{
	// 1 (API unknown) and 100 (invalid parameter) name no cause; the
	// message does ("Error validating client secret.").
	100:  InvalidRequest,
	2:    TemporarilyUnavailable, // API service: temporary
	4:    RateLimited,
	17:   RateLimited,
	32:   RateLimited,
	613:  RateLimited,
	10:   InsufficientScope, // permission denied
	2500: InvalidToken,      // an active access token must be used
	102:  InvalidToken,      // API session
	190:  InvalidToken,      // access token has expired or is invalid
	463:  InvalidToken,
	467:  InvalidToken,
	101:  InvalidClient,       // invalid application id
	191:  RedirectURIMismatch, // redirect_uri not allowed for the app
}

// twitterCodes maps X (Twitter) v1.1 {"errors":[{"code":N,…}]} codes.
// Source: https://developer.x.com/en/support/x-api/error-troubleshooting
var twitterCodes = map[int]Code{
	32:  InvalidToken, // could not authenticate you
	89:  InvalidToken, // invalid or expired token
	215: InvalidToken, // bad authentication data
	88:  RateLimited,
	130: TemporarilyUnavailable, // over capacity
	131: ServerError,
	220: InsufficientScope, // credentials do not allow access
}

// maxVendorCodes bounds the codes kept from one body.
const maxVendorCodes = 6

// vendorFields are the code-like values of a vendor error body.
type vendorFields struct {
	codes [maxVendorCodes]value
	n     int
	msg   value // the first message found in a nested shape
	msg2  value // a second, often more specific one (Amazon "details")
	// subject is what a validation-style error says is wrong: its
	// "field", "param" or "resource" ({"field":"code","code":"invalid"}).
	subject, subjectOwner value
	msgFromCode           bool
	// errorish: the body carries a vendor error envelope without an
	// "error" key (WeChat's {"errcode":40029,"errmsg":…}, Weibo's
	// {"error_code":…}), even with status 200.
	errorish bool
	graph    bool // a Graph API error (type OAuthException or fbtrace_id)
	graphN   int  // the Graph error code
	errorsN  int  // the first errors[].code number (X v1.1)
	// retryAfter: the body names a wait (wait_seconds, retry_after).
	retryAfter bool
	// httpStatus: an HTTP error status the body carries in its own field
	// (Musixmatch's message.header.status_code), even in a 200.
	httpStatus int
}

// hasCode reports a code among the body's, compared without case.
func (v *vendorFields) hasCode(code string) bool {
	for i := 0; i < v.n; i++ {
		if equalFold(string(v.codes[i].raw), code) {
			return true
		}
	}
	return false
}

func (v *vendorFields) addCode(val value) {
	if val.kind == kindString && len(val.raw) > 0 && v.n < maxVendorCodes {
		v.codes[v.n] = val
		v.n++
	}
}

// field reads one key of an error object at the given nesting depth.
func (v *vendorFields) field(key []byte, val value, depth int) {
	if val.kind == kindString && indexByte(val.raw, ' ') >= 0 && !v.msg.present() {
		switch string(key) {
		case "reason", "error", "Error", "status", "type", "code":
			// Zoom's {"reason":"Invalid authorization code …"}: words, not
			// a code; a real message key met later still wins.
			v.msg, v.msgFromCode = val, true
			return
		}
	}
	switch string(key) {
	case "errcode", "error_code", "errorCode", "errorcode", "errmsg", "error_msg", "errors", "fault", "error_response", "exception":
		// Moodle's {"exception":…,"errorcode":"invalidtoken"} too; an empty
		// "errors":[] or "" is a success's placeholder.
		if depth == 0 && !(val.kind == kindNumber && string(val.raw) == "0") && val.kind != kindNull &&
			string(val.raw) != "[]" && len(val.raw) > 0 {
			v.errorish = true // errcode 0 is WeChat's success
		}
		if depth == 1 && (val.kind == kindNumber || val.kind == kindString && len(val.raw) > 0) && string(val.raw) != "0" &&
			string(key) != "errors" && string(key) != "exception" {
			// Douyin's {"data":{"error_code":10007,"description":…}},
			// Bill.com's {"response_data":{"error_code":"BDC_1109",…}}.
			v.errorish = true
		}
	case "Error":
		if depth == 1 && val.kind == kindObject {
			// Tencent Cloud's {"Response":{"Error":{"Code":…}}}, sent with 200.
			v.errorish = true
		}
	}
	switch string(key) {
	case "status_code", "statusCode", "StatusCode", "httpCode", "http_code", "httpStatus", "http_status", "jsonCode":
		if depth > 0 {
			v.httpStatusField(val)
		}
	}
	switch string(key) {
	case "wait_seconds", "retry_after", "retryAfter", "retry_after_seconds", "retry_in":
		v.retryAfter = val.kind == kindNumber
	}
	if string(key) == "value" && depth >= 2 && val.kind == kindString {
		v.addCode(val) // hh.ru's {"errors":[{"type":"oauth","value":"token_expired"}]}
	}
	switch string(key) {
	case "field", "param", "parameter", "attribute",
		"parameter_name", "param_name", "field_name", "paramName", "fieldName", "parameterName": // UptimeRobot's parameter_name
		if val.kind == kindString && !v.subject.present() {
			v.subject = val
		}
	case "resource":
		if val.kind == kindString && !v.subjectOwner.present() {
			v.subjectOwner = val
		}
	case "loc":
		// FastAPI's (pydantic's) validation error: "loc":["header","x-api-key"]
		// names the field last.
		if val.kind == kindArray && !v.subject.present() {
			if last, ok := lastArrayString(val.raw); ok {
				v.subject = last
			}
		}
	case "errorCode", "error_code", "ErrorCode", "errorcode", "code", "status", "type", "reason",
		".tag", "category", "error_type", "errorType", "Error", "error_name", "subcode", "name", "id", "sub_code",
		"status_txt", "ECODE", "stCode", "Code": // Tencent Cloud's {"Response":{"Error":{"Code":…,"Message":…}}}
		switch val.kind {
		case kindObject: // OneLogin's {"status":{"error":true,"message":…}}
			if depth < 4 {
				v.scan(val.raw, depth+1)
			}
		case kindArray: // bunq's {"Error":[{"error_description":…}]}
			if string(key) == "Error" && depth < 4 {
				v.scanArray(val.raw, depth+1)
			}
		case kindString:
			v.addCode(val)
			if string(val.raw) == "OAuthException" {
				v.graph = true
			}
		case kindNumber:
			if string(key) == "code" && depth > 0 {
				n := firstNumber(val.raw)
				if v.graphN == 0 {
					v.graphN = n
				}
				if v.errorsN == 0 && depth >= 2 {
					v.errorsN = n
				}
			}
		}
	case "message", "Message", "faultstring", "errorSummary", "error_summary", "detail", "title", "Detail", "Title",
		"error_message", "errorMessage", "description", "error_description", "error_msg", "hint", "errmsg", "sub_msg", "msg",
		"errMsg", "errorMsg", "ErrorMessage", "ErrorDetails", "status_message", "messageDescription", "text",
		"error_detail": // Untappd's meta.error_detail; Bybit's retMsg is message-like by name
		if val.kind == kindString && (!v.msg.present() || v.msgFromCode) && depth > 0 {
			if v.msgFromCode && v.msg2.kind == kindNone {
				// Ory's {"reason":"Token is expired","message":"The requested
				// action was forbidden"}: the reason is the specific one.
				v.msg2 = v.msg
			}
			v.msg, v.msgFromCode = val, false
		} else if val.kind == kindString && depth > 0 && v.msg2.kind == kindNone {
			// A second message beside the first (JSON:API's title
			// "Unauthorized" and its detail): read after it.
			v.msg2 = val
		}
		if val.kind == kindObject && depth < 4 {
			v.scan(val.raw, depth+1)
		}
	case "fbtrace_id":
		v.graph = true
	default:
		// A key of a vendor's own naming that says what it holds
		// (errorText, userMessage, resultCode, return_code, errorInfo): read
		// as the listed ones are, weaker than them.
		switch {
		case val.kind == kindString && depth > 0 && !v.msg.present() && (messageLikeKey(key) || string(key) == "info"): // MediaWiki's error.info
			v.msg, v.msgFromCode = val, true
		case val.kind == kindString && depth > 1 && v.msg.present() && v.msg2.kind == kindNone && messageLikeKey(key):
			// Kraken's GraphQL "Invalid data." with extensions'
			// errorDescription "Authentication failed.": the detail, read
			// after the message.
			v.msg2 = val
		case val.kind == kindString && codeLikeKey(key):
			v.addCode(val)
		case val.kind == kindObject && depth < 4 && errorLikeKey(key):
			v.scan(val.raw, depth+1) // errorInfo, error_detail
		case val.kind == kindArray && depth < 4 && errorLikeKey(key):
			v.scanArray(val.raw, depth+1) // Nordea's "failures":[{code,description}]
		case val.kind == kindObject && depth == 1:
			v.graphQLPayload(val.raw, depth+1)
		}
	case "errors", "details", "error", "fault", "data", "meta", "error_response", "Response", "extensions",
		"response_data", "responseData", "response", "header", // Bill.com's response_data, Musixmatch's message.header
		"tppMessages", "Errors", // Berlin Group NextGenPSD2's tppMessages[{category,code,text}]
		"_embedded", // HAL errors (Micronaut, Spring HATEOAS): {"_embedded":{"errors":[{"message":…}]}}
		"body":      // Withings' {"status":601,"body":{"wait_seconds":…}}
		if val.kind == kindString && string(key) == "details" && depth > 0 && v.msg2.kind == kindNone {
			v.msg2 = val // Amazon: {"message":"Access … denied.","details":"The access token … is revoked"}
		}
		switch {
		case depth >= 4:
		case val.kind == kindObject && string(key) == "errors":
			v.scanErrorMap(val.raw, depth+1)
		case val.kind == kindObject:
			v.scan(val.raw, depth+1)
		case val.kind == kindArray:
			v.scanArray(val.raw, depth+1)
		case val.kind == kindString && (string(key) == "errors" || string(key) == "error" && depth > 0) && !v.msg.present():
			v.msg = val // Shopify {"errors":"[API] Invalid API key or access token …"}
		}
	}
}

// graphQLPayload reads a GraphQL mutation's payload under "data"
// (Saleor's {"data":{"tokenCreate":{"errors":[…]}}}, Shopify's
// customerUserErrors): its error list only, never its data.
func (v *vendorFields) graphQLPayload(obj []byte, depth int) {
	o := newJSONObject(obj)
	for {
		key, val, kind, ok := o.next()
		if !ok {
			return
		}
		switch string(key) {
		case "errors", "userErrors", "customerUserErrors":
			if kind == kindArray {
				if i := skipSpace(val, 1); i < len(val) && val[i] != ']' {
					v.errorish = true
					v.scanArray(val, depth+1)
				}
			}
		}
	}
}

// scan reads the keys of a nested error object.
func (v *vendorFields) scan(obj []byte, depth int) {
	o := newJSONObject(obj)
	for {
		key, val, kind, ok := o.next()
		if !ok {
			return
		}
		v.field(key, value{raw: val, kind: kind}, depth)
	}
}

// lastArrayString is the last string element of a flat JSON array.
func lastArrayString(arr []byte) (value, bool) {
	var last value
	found := false
	for i := 1; i < len(arr); i++ {
		if arr[i] != '"' {
			continue
		}
		start, stop, ok := scanString(arr, i)
		if !ok {
			return value{}, false
		}
		last, found = value{raw: arr[start:stop], kind: kindString}, true
		i = stop
	}
	return last, found
}

// scanErrorMap reads an errors object keyed by what failed (pixiv's
// {"errors":{"system":{"message":…,"code":1508}}}): each object under a
// key is an error entry.
func (v *vendorFields) scanErrorMap(obj []byte, depth int) {
	o := newJSONObject(obj)
	for {
		key, val, kind, ok := o.next()
		if !ok {
			return
		}
		if kind == kindObject && depth < 4 {
			v.scan(val, depth+1)
			continue
		}
		v.field(key, value{raw: val, kind: kind}, depth)
	}
}

// scanArray reads the first object of an array of errors.
func (v *vendorFields) scanArray(arr []byte, depth int) {
	i := skipSpace(arr, 1)
	if i >= len(arr) || arr[i] != '{' {
		if i < len(arr) && arr[i] == '"' && !v.msg.present() {
			// A list of messages (Datadog's ["Forbidden","Failed
			// permission authorization checks"]): the words of all of them.
			start, stop, ok := scanString(arr, i)
			for end := stop; ok; {
				v.msg = value{raw: arr[start:end], kind: kindString}
				j := skipSpace(arr, end+1)
				if j >= len(arr) || arr[j] != ',' {
					break
				}
				j = skipSpace(arr, j+1)
				if j >= len(arr) || arr[j] != '"' {
					break
				}
				_, end, ok = scanString(arr, j)
			}
		}
		return
	}
	for n := 0; n < 4; n++ {
		kind, next, ok := skipValue(arr, i, depth)
		if !ok || kind != kindObject {
			return
		}
		v.scan(arr[i:next], depth+1)
		// Deyel's [{"message":"Unauthorized"},{"message":"Invalid refresh
		// token."}]: a bare reason phrase first, the reason after it.
		if c, ok := lookupVendor(v.msg.raw); !v.msg.present() || !ok || c != statusWord {
			return
		}
		v.msg = value{}
		i = skipSpace(arr, next)
		if i >= len(arr) || arr[i] != ',' {
			return
		}
		i = skipSpace(arr, i+1)
	}
}

// subjects map what a validation-style error names as wrong to a cause.
// Sources: https://developers.strava.com/docs/authentication/ (field,
// resource, code), https://www.rfc-editor.org/rfc/rfc6749#section-5.2.
var subjects = []struct {
	name  string // lowercase; matched as a substring of the subject
	cause Code
}{
	{"redirect", RedirectURIMismatch},
	{"code_verifier", InvalidGrant},
	{"refresh_token", InvalidGrant},
	{"requesttoken", InvalidGrant},
	{"authorization_code", InvalidGrant},
	{"client_secret", InvalidClient},
	{"client_id", InvalidClient},
	{"application", InvalidClient},
	{"grant_type", UnsupportedGrantType},
	{"scope", InvalidScope},
	{"permission", InsufficientScope},
	{"accesstoken", InvalidToken},
	{"access_token", InvalidToken},
	{"api_key", InvalidToken}, // an API key is the token of a keyed API
	{"apikey", InvalidToken},
	{"api-key", InvalidToken},
	{"authorization", InvalidToken},
	{"-token", InvalidToken}, // a vendor token header (x-subscription-token)
	{"code", InvalidGrant},
}

func (v *vendorFields) subjectRoot() Code {
	// The field is more specific than the object that owns it.
	for _, subject := range [...]value{v.subject, v.subjectOwner} {
		if !subject.nonEmptyString() || len(subject.raw) > 64 {
			continue
		}
		for _, s := range subjects {
			if !containsFold(subject.raw, s.name) {
				continue
			}
			if s.cause == InvalidToken && v.codeSays("missing") {
				return MissingToken // {"type":"missing_parameter","parameter_name":"api_key"}
			}
			return s.cause
		}
	}
	return ""
}

// codeSays reports a vendor code containing word.
func (v *vendorFields) codeSays(word string) bool {
	for i := 0; i < v.n; i++ {
		if containsFold(v.codes[i].raw, word) {
			return true
		}
	}
	return false
}

// root maps the vendor codes to a cause, most specific first.
func (v *vendorFields) root() (Code, string) {
	if c := v.subjectRoot(); c != "" {
		return c, "error_subject"
	}
	if v.graph {
		if c, ok := graphCodes[v.graphN]; ok {
			return c, "graph_code"
		}
	}
	if c, ok := twitterCodes[v.errorsN]; ok && v.errorsN != 0 && !v.graph {
		return c, "x_errors_code"
	}
	// Reasons and specific codes come before generic statuses: scan all
	// codes and keep the first that is not a status word.
	var word, canonical Code
	for i := v.n - 1; i >= 0; i-- {
		c, ok := lookupVendor(v.codes[i].raw)
		if !ok {
			if rc, ok := errorCodes[string(v.codes[i].raw)]; ok {
				c = rc
			} else {
				continue
			}
		}
		if c == statusWord {
			word = c
			continue
		}
		if c == AccessDenied && (string(v.codes[i].raw) == "accessNotConfigured" || string(v.codes[i].raw) == "SERVICE_DISABLED") {
			return c, "api_disabled" // the owner's standing: kept at a resource as the api_disabled phrase row is
		}
		if string(v.codes[i].raw) == "PERMISSION_DENIED" {
			// Google's canonical status; a reason beside it
			// (accessNotConfigured) says which denial.
			canonical = c
			continue
		}
		return c, "vendor_code"
	}
	if canonical != "" {
		return canonical, "vendor_code"
	}
	return word, "status_word"
}

// edgeSignature recognises a CDN, WAF, proxy or load balancer by its
// headers or the text of its default pages.
type edgeSignature struct {
	Name      string
	Header    string   // canonical header key; present (or containing HeaderHas) means this edge
	HeaderHas string   // lowercase; empty: presence is enough
	Body      []string // lowercase page markers
	Challenge []string // markers of a block or challenge page, even with status 200
	Source    string
}

// EdgeSignatures lists the edges in front of OAuth endpoints.
var EdgeSignatures = []edgeSignature{
	{"cloudflare", "Cf-Ray", "", []string{"cloudflare", "cf-error-details", "cf-wrapper"},
		// "error code: 1010": Cloudflare's plain-text refusals of API clients.
		[]string{"just a moment", "challenge-platform", "attention required", "cf-chl", "cf_chl", "sorry, you have been blocked",
			"error code: 1006", "error code: 1007", "error code: 1008", "error code: 1009", "error code: 1010", "error code: 1012", "error code: 1020"},
		"https://developers.cloudflare.com/support/troubleshooting/http-status-codes/"},
	// Without Cf-Ray: Cloudflare's challenge header and its Server name.
	{"cloudflare", "Cf-Mitigated", "challenge", nil, []string{"just a moment", "challenge-platform", "cf-chl", "cf_chl", "enable javascript and cookies"},
		"https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response/"},
	{"cloudflare", "Server", "cloudflare", nil, []string{"just a moment", "challenge-platform", "attention required", "cf-chl", "cf_chl", "sorry, you have been blocked"},
		"https://developers.cloudflare.com/support/troubleshooting/http-status-codes/"},
	{"cloudfront", "X-Amz-Cf-Id", "", []string{"generated by cloudfront", "the request could not be satisfied"}, nil,
		"https://repost.aws/knowledge-center/cloudfront-troubleshoot-403-errors"},
	// Akamai's denial page writes the URL entity-encoded: "http&#58;&#47;&#47;…".
	{"akamai", "Server", "akamaighost", []string{"akamai", "reference&#32;&#35;", "errors.edgesuite.net", "\"http&#58;&#47;&#47;", "\"https&#58;&#47;&#47;"},
		[]string{"access denied", "you don't have permission to access"},
		"https://techdocs.akamai.com/property-mgr/docs/error-pages"},
	{"aws-waf", "X-Amzn-Waf-Action", "", []string{"request blocked.", "awswafcookiedomainlist", "awswafintegration"},
		[]string{"request blocked", "awswafcookiedomainlist", "awswafintegration"},
		"https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html"},
	{"aws-elb", "Server", "awselb", []string{"<center>awselb"}, nil,
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html"},
	{"imperva", "X-Iinfo", "", []string{"incapsula incident", "_incapsula_resource", "imperva"},
		[]string{"request unsuccessful", "incapsula incident", "_incapsula_resource"},
		"https://docs.imperva.com/bundle/cloud-application-security/page/more/error-codes.htm"},
	{"f5-big-ip", "Server", "bigip", []string{"the requested url was rejected", "your support id is"},
		[]string{"the requested url was rejected"},
		"https://my.f5.com/manage/s/article/K15433"},
	{"azure-front-door", "X-Azure-Ref", "", []string{"azure front door", "our services aren't available right now"}, nil,
		"https://learn.microsoft.com/azure/frontdoor/troubleshoot-issues"},
	{"azure-application-gateway", "Server", "microsoft-azure-application-gateway", []string{"microsoft-azure-application-gateway"}, nil,
		"https://learn.microsoft.com/azure/application-gateway/application-gateway-troubleshooting-502"},
	{"fastly", "X-Served-By", "cache-", []string{"fastly error", "varnish cache server", "guru meditation"}, nil,
		"https://docs.fastly.com/en/guides/common-503-errors"},
	{"envoy", "Server", "envoy", []string{"upstream connect error", "no healthy upstream", "upstream request timeout", "delayed connect error"}, nil,
		"https://www.envoyproxy.io/docs/envoy/latest/faq/debugging/why_is_my_route_not_found"},
	{"haproxy", "Server", "haproxy", []string{"no server is available to handle this request", "haproxy"}, nil,
		"https://docs.haproxy.org/2.8/configuration.html#4-errorfile"},
	{"nginx", "Server", "nginx", []string{"<center>nginx", "nginx/"}, nil,
		"https://github.com/nginx/nginx/blob/master/src/http/ngx_http_special_response.c"},
	{"apache", "Server", "apache", []string{"<address>apache"}, nil,
		"https://httpd.apache.org/docs/2.4/custom-error.html"},
	{"traefik", "Server", "traefik", nil, nil, "https://doc.traefik.io/traefik/middlewares/http/errorpages/"},
	{"kong", "Via", "kong", []string{"an invalid response was received from the upstream server", "no route matched with those values"}, nil,
		"https://docs.konghq.com/gateway/latest/reference/proxy/"},
	{"google-frontend", "Server", "google frontend", []string{"the server encountered a temporary error"}, nil,
		"https://cloud.google.com/load-balancing/docs/https/troubleshooting-ext-https-lbs"},
	// Google Cloud IAP in front of the app: "Invalid IAP credentials: empty token".
	{"google-iap", "X-Goog-Iap-Generated-Response", "", []string{"invalid iap credentials", "iap credentials"},
		[]string{"invalid iap credentials"},
		"https://cloud.google.com/iap/docs/faq#troubleshooting"},
	{"heroku", "Via", "vegur", []string{"herokucdn.com/error-pages"}, nil, "https://devcenter.heroku.com/articles/error-pages"},
}

// edgeMatch is what edgeOf found.
type edgeMatch struct {
	name      string
	byPage    bool // the page itself is the edge's: stronger than a header
	challenge bool
}

// edgeOf names the edge that produced a page. Pages that carry an edge's
// own markers win over headers: an IdP behind Cloudflare or nginx has
// their headers on its own error pages too.
func edgeOf(h map[string][]string, page []byte) edgeMatch {
	var byHeader edgeMatch
	for i := range EdgeSignatures {
		e := &EdgeSignatures[i]
		for _, m := range e.Body {
			if containsFold(page, m) {
				return edgeMatch{e.Name, true, e.isChallenge(page)}
			}
		}
		if byHeader.name == "" {
			if vals := h[e.Header]; len(vals) > 0 && (e.HeaderHas == "" || containsFold(vals[0], e.HeaderHas)) {
				byHeader = edgeMatch{e.Name, false, e.isChallenge(page)}
			}
		}
	}
	return byHeader
}

// verifiesTokens: the edge is an identity-aware proxy that checks tokens
// on the resource server's behalf, so at a resource its page is the
// token's verdict; in front of a token endpoint it is still an edge.
func (m edgeMatch) verifiesTokens() bool { return m.name == "google-iap" }

func (e *edgeSignature) isChallenge(page []byte) bool {
	for _, m := range e.Challenge {
		if containsFold(page, m) {
			return true
		}
	}
	return false
}

// messageLikeKey reports a key named for a message or description
// (errorText, userMessage, statusDescription, retMsg).
func messageLikeKey(key []byte) bool {
	return containsFold(key, "message") || containsFold(key, "msg") || containsFold(key, "description") ||
		containsFold(key, "errortext") || containsFold(key, "error_text") ||
		equalFoldBytes(key, "details") || // Amazon Ads' {"code":"400","details":"The request input is invalid. …"}
		containsFold(key, "error_info") || containsFold(key, "errorinfo") || // Phabricator Conduit's error_info
		containsFold(key, "error_hint") // fosite's (Ory Hydra's) error_hint beside RFC 6749's boilerplate
}

// codeLikeKey reports a key named for an error or result code
// (resultCode, return_code, errCode), not a country's or currency's.
func codeLikeKey(key []byte) bool {
	if len(key) < 5 || !(containsFold(key, "error") || containsFold(key, "err") || containsFold(key, "result") ||
		containsFold(key, "return") || containsFold(key, "ret") || containsFold(key, "status")) {
		return false
	}
	k := key[len(key)-4:]
	return equalFoldBytes(k, "code")
}

// errorLikeKey reports a key named for errors (errorInfo, failures,
// faultDetail).
func errorLikeKey(key []byte) bool {
	return containsFold(key, "error") || containsFold(key, "failure") || containsFold(key, "fault")
}

// httpStatusField records an HTTP error status (400–599) a body names in
// a field of its own.
func (v *vendorFields) httpStatusField(val value) {
	if val.kind == kindNumber || val.kind == kindString {
		if n := firstNumber(val.raw); n >= 400 && n < 600 {
			v.errorish = true
			if v.httpStatus == 0 {
				v.httpStatus = n
			}
		}
	}
}
