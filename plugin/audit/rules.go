// Package audit finds weak OAuth set-ups before they fail: in an
// authorization server's metadata (RFC 8414 / OpenID Connect Discovery), in
// Tyk API definitions and in oauthcheck's per-API config. It is pure Go with
// no Tyk import; every rule is a row of Rules.
package audit

// Severity orders findings; a higher value is worse.
type Severity int

// Severities, least severe first.
const (
	SeverityInfo Severity = iota + 1
	SeverityLow
	SeverityMedium
	SeverityHigh
)

var severityNames = map[Severity]string{SeverityInfo: "info", SeverityLow: "low", SeverityMedium: "medium", SeverityHigh: "high"}

func (s Severity) String() string { return severityNames[s] }

// MarshalText writes the severity's name, so JSON carries "high", not 4.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads "high", "medium", "low" or "info".
func ParseSeverity(name string) (Severity, bool) {
	for s, n := range severityNames {
		if n == name {
			return s, true
		}
	}
	return 0, false
}

// Kind is what a rule looks at.
type Kind string

// Subject kinds.
const (
	KindMetadata      Kind = "metadata"
	KindAPIDefinition Kind = "api_definition"
	KindPluginConfig  Kind = "plugin_config"
)

// Kinds lists every subject kind.
var Kinds = []Kind{KindMetadata, KindAPIDefinition, KindPluginConfig}

// Rule is one row of the registry.
type Rule struct {
	ID       string
	Severity Severity
	Kind     Kind
	Meaning  string // what the finding says, one line
	Fix      string // what to change, one line
	Ref      string // RFC section or Tyk source file
}

// Rule ids.
const (
	MetadataImplicitOffered    = "metadata_implicit_offered"
	MetadataPasswordOffered    = "metadata_password_offered"
	MetadataPKCENotAdvertised  = "metadata_pkce_not_advertised"
	MetadataPKCENoS256         = "metadata_pkce_no_s256"
	MetadataPKCEPlain          = "metadata_pkce_plain_allowed"
	MetadataAlgNone            = "metadata_alg_none"
	MetadataNotHTTPS           = "metadata_not_https"
	MetadataIssuerMismatch     = "metadata_issuer_mismatch"
	MetadataIssuerInvalid      = "metadata_issuer_invalid"
	MetadataRequiredMissing    = "metadata_required_missing"
	MetadataNoIssParameter     = "metadata_no_iss_parameter"
	MetadataNoSenderConstraint = "metadata_no_sender_constraint"
	APIResponseWithoutPre      = "api_response_hook_without_pre"
	APITagHeadersMissing       = "api_tag_headers_missing"
	APIDetailedRecordingToken  = "api_detailed_recording_on_token_endpoint"
	// AnalyticsFunction is the plugin's analytics function, which redacts
	// raw records (plugin/redact).
	AnalyticsFunction           = "OAuthCheckAnalytics"
	APIKeylessTokenNoRateLimit  = "api_keyless_token_endpoint_no_rate_limit"
	APIUpstreamTLSUnverified    = "api_upstream_tls_unverified"
	APIUpstreamPlainHTTP        = "api_upstream_plain_http"
	APIPluginPathUnversioned    = "api_plugin_path_unversioned"
	APIPluginDriverNotGoplugin  = "api_plugin_driver_not_goplugin"
	APIPluginPathsDiffer        = "api_plugin_paths_differ"
	ConfigInvalid               = "config_invalid"
	ConfigEndpointOutsideListen = "config_endpoint_outside_listen_path"
	ConfigDebugHeaderOn         = "config_debug_header_on"
	ConfigIssuerDiffersMetadata = "config_issuer_differs_from_metadata"
	ConfigWithoutHooks          = "config_without_hooks"
	ConfigOptionsConflict       = "config_options_conflict"
	ConfigUpstreamSecretPlain   = "config_upstream_secret_plain"
	ConfigUpstreamPlainHTTP     = "config_upstream_auth_plain_http"
)

// Rules is the registry, ordered by kind, then most severe first.
var Rules = []Rule{
	{MetadataPasswordOffered, SeverityHigh, KindMetadata, "the resource owner password grant is offered", "remove \"password\" from grant_types_supported", "RFC 9700 §2.4"},
	{MetadataPKCENoS256, SeverityHigh, KindMetadata, "PKCE is advertised without S256", "support and advertise S256 in code_challenge_methods_supported", "RFC 9700 §2.1.1; RFC 7636 §4.2"},
	{MetadataAlgNone, SeverityHigh, KindMetadata, "\"none\" is an accepted ID-token or request-object signing algorithm", "remove \"none\" from the *_signing_alg_values_supported lists", "OpenID Connect Core §10.1; RFC 8725 §3.1"},
	{MetadataNotHTTPS, SeverityHigh, KindMetadata, "the issuer or an endpoint is not on https", "serve the issuer and every endpoint over https", "RFC 8414 §2; RFC 9700 §4.1"},
	{MetadataIssuerMismatch, SeverityHigh, KindMetadata, "the issuer does not match the URL the metadata was fetched from", "make issuer equal the URL before /.well-known, or fetch from the issuer's own URL", "RFC 8414 §3.3"},
	{MetadataIssuerInvalid, SeverityHigh, KindMetadata, "the issuer is missing or has a query or fragment", "set issuer to an https URL with no query or fragment", "RFC 8414 §2"},
	{MetadataImplicitOffered, SeverityMedium, KindMetadata, "the implicit flow (response_type token) is offered", "drop \"token\" response types; use the code flow with PKCE", "RFC 9700 §2.1.2"},
	{MetadataPKCENotAdvertised, SeverityMedium, KindMetadata, "the code flow is offered but code_challenge_methods_supported is absent", "support PKCE with S256 and advertise it", "RFC 9700 §2.1.1; RFC 8414 §2"},
	{MetadataRequiredMissing, SeverityMedium, KindMetadata, "a required metadata field is missing", "publish the field the detail names", "RFC 8414 §2; OpenID Connect Discovery §3"},
	{MetadataNoIssParameter, SeverityMedium, KindMetadata, "authorization responses carry no iss (mix-up attacks go unnoticed)", "send iss in authorization responses and set authorization_response_iss_parameter_supported", "RFC 9207 §2; RFC 9700 §4.4"},
	{MetadataPKCEPlain, SeverityLow, KindMetadata, "the PKCE plain method is allowed", "remove \"plain\" from code_challenge_methods_supported", "RFC 9700 §2.1.1"},
	{MetadataNoSenderConstraint, SeverityInfo, KindMetadata, "no sender-constrained tokens (DPoP or mTLS) are offered", "offer DPoP (dpop_signing_alg_values_supported) or mTLS-bound tokens", "RFC 9700 §2.2.1; RFC 9449; RFC 8705"},

	{APIResponseWithoutPre, SeverityHigh, KindAPIDefinition, "the oauthcheck response hook runs without its pre hook, so clients can forge the labels", "add OAuthCheckPre as a pre hook from the same .so", "plugin/hooks.go; Tyk gateway/mw_go_plugin.go"},
	{APIDetailedRecordingToken, SeverityHigh, KindAPIDefinition, "detailed recording is on for an API in front of a token endpoint without the redacting analytics plugin, so secrets land in analytics", "enable the analytics plugin OAuthCheckAnalytics (analytics_plugin, or trafficLogs.plugins), or turn off enable_detailed_recording (detailedActivityLogs)", "RFC 9700 §4.14; Tyk gateway/handler_success.go, gateway/analytics_go_plugin.go"},
	{APIUpstreamTLSUnverified, SeverityHigh, KindAPIDefinition, "upstream TLS certificates are not verified", "turn off ssl_insecure_skip_verify (tlsTransport.insecureSkipVerify)", "RFC 9700 §4.1; Tyk apidef/api_definitions.go ProxyConfig.Transport"},
	{APIPluginDriverNotGoplugin, SeverityHigh, KindAPIDefinition, "oauthcheck hooks are listed under a driver other than goplugin, so they never run", "set the custom middleware driver to goplugin", "Tyk apidef/api_definitions.go MiddlewareSection"},
	{APITagHeadersMissing, SeverityMedium, KindAPIDefinition, "tag_headers lacks the label headers, so labels never reach analytics", "add x-oauth-cause, x-oauth-verdict and x-oauth-client to tag_headers (trafficLogs.tagHeaders)", "Tyk gateway/handler_success.go"},
	{APIKeylessTokenNoRateLimit, SeverityMedium, KindAPIDefinition, "a keyless API in front of a token endpoint has no rate limit (credential stuffing)", "set global_rate_limit (upstream.rateLimit) for this API", "RFC 9700 §4.15; Tyk apidef/api_definitions.go GlobalRateLimit"},
	{APIUpstreamPlainHTTP, SeverityMedium, KindAPIDefinition, "an OAuth endpoint is proxied to a plain-http upstream", "use an https target_url (upstream.url)", "RFC 9700 §4.1; RFC 6749 §3.2"},
	{APIPluginPathsDiffer, SeverityMedium, KindAPIDefinition, "the oauthcheck hooks load from different .so paths, so they do not share state", "point every oauthcheck hook at the same .so path", "Tyk goplugin/goplugin.go"},
	{APIPluginPathUnversioned, SeverityLow, KindAPIDefinition, "the plugin path names no gateway version, so one .so must fit every gateway version", "build one .so per gateway version as name_vX.Y.Z_linux_amd64.so next to the plain path", "Tyk goplugin/plugin_name_builder.go"},

	{ConfigInvalid, SeverityHigh, KindPluginConfig, "the config parser rejects the oauthcheck config; defaults run and responses are labelled plugin_misconfigured", "fix the option the detail names", "plugin/config/config.go"},
	{ConfigIssuerDiffersMetadata, SeverityHigh, KindPluginConfig, "the configured issuer differs from the metadata's issuer, so every iss check fails", "set oauthcheck.issuer to the metadata's issuer", "RFC 9207 §2.4; plugin/config/config.go"},
	{ConfigEndpointOutsideListen, SeverityMedium, KindPluginConfig, "an endpoints path lies outside the API's listen path, so it never matches", "write endpoints paths as the client sends them, listen path included", "plugin/config/config.go Config.Endpoints"},
	{ConfigUpstreamSecretPlain, SeverityHigh, KindPluginConfig, "upstream_auth.client_secret is written in the definition in plain text", "write it as a Tyk reference (env://NAME, secrets://NAME, vault://NAME) or use client_secret_env or client_secret_file", "Tyk gateway/api_definition.go replaceSecrets; plugin/upstreamauth/config.go"},
	{ConfigUpstreamPlainHTTP, SeverityMedium, KindPluginConfig, "upstream_auth talks to its authorization server over plain http, so the gateway's secret crosses the network in clear", "serve the token and introspection endpoints over https and drop insecure_allow_http", "RFC 6749 §2.3.1; plugin/upstreamauth/config.go"},
	{ConfigOptionsConflict, SeverityLow, KindPluginConfig, "two oauthcheck options defeat each other, so one of them does nothing", "drop the option the detail names, or the one it cancels", "plugin/config/config.go"},
	{ConfigWithoutHooks, SeverityLow, KindPluginConfig, "oauthcheck options are set but no oauthcheck hook is wired, so they do nothing", "wire OAuthCheckPre and OAuthCheckResponse, or drop the config", "plugin/config/config.go"},
	{ConfigDebugHeaderOn, SeverityLow, KindPluginConfig, "debug_header tells every client the verdict and causes", "turn debug_header off outside test set-ups", "plugin/config/config.go Config.DebugHeader"},
}

// LookupRule finds a rule by id.
func LookupRule(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
