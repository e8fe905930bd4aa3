// Package upstreamauth gets the gateway its own access token from the
// upstream's authorization server (RFC 6749 §4.4 client credentials), keeps
// it cached, and judges every answer with the classifier, so that a failed
// token fetch names its cause. Pure Go: no Tyk import.
package upstreamauth

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
)

// Client authentication methods (RFC 8414 token_endpoint_auth_methods_supported names).
const (
	AuthBasic         = "client_secret_basic" // RFC 6749 §2.3.1, the default
	AuthPost          = "client_secret_post"  // RFC 6749 §2.3.1, in the form
	AuthPrivateKeyJWT = "private_key_jwt"     // RFC 7523 §2.2, OpenID Connect Core §9
)

// tykSecretPrefixes are the references Tyk replaces in an API definition
// before it parses it (gateway/api_definition.go replaceSecrets: env://,
// secrets://, consul://, vault://). One still present was not resolved.
var tykSecretPrefixes = []string{"env://", "secrets://", "consul://", "vault://"}

// Config is the "upstream_auth" object of an API's oauthcheck config.
type Config struct {
	// TokenURL is the authorization server's token endpoint (https, or
	// http on loopback for tests).
	TokenURL string `json:"token_url"`
	// ClientID is the gateway's client at that server.
	ClientID string `json:"client_id"`
	// ClientSecret takes only a Tyk secret reference (env://NAME,
	// secrets://NAME, vault://NAME, consul://NAME), which Tyk replaces when
	// it loads the definition, so the secret never sits in it in plain text.
	ClientSecret string `json:"client_secret,omitempty"`
	// ClientSecretEnv names an environment variable of the gateway process
	// that holds the secret.
	ClientSecretEnv string `json:"client_secret_env,omitempty"`
	// ClientSecretFile is a file holding the secret (a mounted secret).
	ClientSecretFile string `json:"client_secret_file,omitempty"`
	// AuthMethod is client_secret_basic (default), client_secret_post or
	// private_key_jwt.
	AuthMethod string `json:"auth_method,omitempty"`
	// PrivateKeyFile is a PEM RSA or EC private key for private_key_jwt.
	PrivateKeyFile string `json:"private_key_file,omitempty"`
	// KeyID is the "kid" of that key, if the server needs one.
	KeyID string `json:"key_id,omitempty"`
	// Scope is the space-separated scope to ask for.
	Scope string `json:"scope,omitempty"`
	// Audience is sent as "audience" (Auth0, Okta and others).
	Audience string `json:"audience,omitempty"`
	// Resource is sent as "resource" (RFC 8707).
	Resource string `json:"resource,omitempty"`
	// Params are extra form parameters of the token request.
	Params map[string]string `json:"params,omitempty"`
	// Header is the request header the token goes in. Default Authorization.
	Header string `json:"header,omitempty"`
	// Format is the header value, with {token} for the token. Default
	// "Bearer {token}".
	Format string `json:"format,omitempty"`
	// TimeoutSeconds bounds one token request. Default 5, at most 60.
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
	// InsecureAllowHTTP lets token_url and introspection_url be plain
	// http off loopback, for a demo stack whose IdP has no TLS (the
	// compose Keycloak). The secret then crosses the network in clear;
	// oauthcheck audit reports it.
	InsecureAllowHTTP bool `json:"insecure_allow_http,omitempty"`

	// IntrospectionURL turns on introspection mode (RFC 7662): each
	// caller's Bearer token is checked at this endpoint with the gateway's
	// client credentials, and inactive tokens are refused with 401. With
	// token_url unset, only introspection runs.
	IntrospectionURL string `json:"introspection_url,omitempty"`
	// IntrospectionCacheSeconds caps how long an answer is reused (never
	// past the token's exp). Default 60, at most 3600.
	IntrospectionCacheSeconds int `json:"introspection_cache_seconds,omitempty"`
	// IntrospectionCacheEntries bounds the answers kept. Default 10000.
	IntrospectionCacheEntries int `json:"introspection_cache_entries,omitempty"`
}

const (
	defaultHeader  = "Authorization"
	defaultFormat  = "Bearer {token}"
	defaultTimeout = 5
)

// Validate checks the config; errors are lowercase and name the option,
// under prefix (for example "oauthcheck.upstream_auth").
func (c Config) Validate(prefix string) error {
	var errs []string
	bad := func(field, format string, args ...interface{}) {
		errs = append(errs, prefix+"."+field+": "+fmt.Sprintf(format, args...))
	}
	checkURL := func(field, v string) {
		if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && (loopback(u.Hostname()) || c.InsecureAllowHTTP))) {
			bad(field, "must be an https URL (http only on loopback), got %q", v)
		}
	}
	switch {
	case c.TokenURL == "" && c.IntrospectionURL == "":
		bad("token_url", "is required (or introspection_url for introspection only)")
	case c.TokenURL != "":
		checkURL("token_url", c.TokenURL)
	}
	if c.IntrospectionURL != "" {
		checkURL("introspection_url", c.IntrospectionURL)
	}
	if c.IntrospectionCacheSeconds < 0 || c.IntrospectionCacheSeconds > 3600 {
		bad("introspection_cache_seconds", "must be between 1 and 3600, got %d", c.IntrospectionCacheSeconds)
	}
	if c.IntrospectionCacheEntries < 0 || c.IntrospectionCacheEntries > 1000000 {
		bad("introspection_cache_entries", "must be between 1 and 1000000, got %d", c.IntrospectionCacheEntries)
	}
	if strings.TrimSpace(c.ClientID) == "" {
		bad("client_id", "is required")
	}
	method := c.method()
	sources := 0
	for _, s := range []string{c.ClientSecret, c.ClientSecretEnv, c.ClientSecretFile} {
		if s != "" {
			sources++
		}
	}
	switch method {
	case AuthBasic, AuthPost:
		if sources != 1 {
			bad("client_secret", "set exactly one of client_secret (a Tyk secret reference), client_secret_env or client_secret_file for %s, got %d", method, sources)
		}
		if c.PrivateKeyFile != "" {
			bad("private_key_file", "is only used with auth_method private_key_jwt")
		}
	case AuthPrivateKeyJWT:
		if c.PrivateKeyFile == "" {
			bad("private_key_file", "is required for private_key_jwt")
		}
		if sources != 0 {
			bad("client_secret", "private_key_jwt signs an assertion; drop the client secret")
		}
	default:
		bad("auth_method", "must be %s, %s or %s, got %q", AuthBasic, AuthPost, AuthPrivateKeyJWT, c.AuthMethod)
	}
	if c.Format != "" && !strings.Contains(c.Format, "{token}") {
		bad("format", "must contain {token}, got %q", c.Format)
	}
	if c.Header != "" && strings.ContainsAny(c.Header, " :\r\n") {
		bad("header", "must be a header name, got %q", c.Header)
	}
	if c.TimeoutSeconds < 0 || c.TimeoutSeconds > 60 {
		bad("timeout_seconds", "must be between 1 and 60, got %d", c.TimeoutSeconds)
	}
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch k {
		case "grant_type", "client_id", "client_secret", "client_assertion", "client_assertion_type", "scope", "audience", "resource":
			bad("params", "%q is set by the plugin; use its own option", k)
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// IsTykReference reports a value written as a Tyk secret reference. The
// plugin only sees client_secret after Tyk replaced it, so it cannot tell
// a plain secret from a resolved one; oauthcheck audit reads the files.
func IsTykReference(v string) bool {
	_, ok := unresolvedReference(v)
	return ok
}

func (c Config) method() string {
	if c.AuthMethod == "" {
		return AuthBasic
	}
	return c.AuthMethod
}

// unresolvedReference names a Tyk reference Tyk left in place.
func unresolvedReference(v string) (string, bool) {
	for _, p := range tykSecretPrefixes {
		if strings.HasPrefix(v, p) {
			return p, true
		}
	}
	return "", false
}

// secret reads the client secret from where the config says.
func (c Config) secret(getenv func(string) string) ([]byte, error) {
	switch {
	case c.ClientSecret != "":
		if p, ok := unresolvedReference(c.ClientSecret); ok {
			return nil, fmt.Errorf("client_secret: the Tyk reference %s… was not resolved by the gateway (unset variable or secret)", p)
		}
		return []byte(c.ClientSecret), nil
	case c.ClientSecretEnv != "":
		v := getenv(c.ClientSecretEnv)
		if v == "" {
			return nil, fmt.Errorf("client_secret_env: environment variable %s is empty or unset", c.ClientSecretEnv)
		}
		return []byte(v), nil
	case c.ClientSecretFile != "":
		b, err := os.ReadFile(c.ClientSecretFile)
		if err != nil {
			return nil, fmt.Errorf("client_secret_file: %v", err)
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	}
	return nil, nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
