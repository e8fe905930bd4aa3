package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Well-known suffixes of metadata URLs (RFC 8414 §3, OIDC Discovery §4).
var wellKnownSuffixes = []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}

// Metadata is the part of an RFC 8414 / OIDC discovery document the rules read.
type Metadata struct {
	Issuer                         string   `json:"issuer"`
	AuthorizationEndpoint          string   `json:"authorization_endpoint"`
	TokenEndpoint                  string   `json:"token_endpoint"`
	JWKSURI                        string   `json:"jwks_uri"`
	ResponseTypesSupported         []string `json:"response_types_supported"`
	GrantTypesSupported            []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported  []string `json:"code_challenge_methods_supported"`
	IDTokenSigningAlgs             []string `json:"id_token_signing_alg_values_supported"`
	RequestObjectSigningAlgs       []string `json:"request_object_signing_alg_values_supported"`
	TokenEndpointAuthSigningAlgs   []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IssParameterSupported          bool     `json:"authorization_response_iss_parameter_supported"`
	DPoPSigningAlgs                []string `json:"dpop_signing_alg_values_supported"`
	TLSClientCertBoundAccessTokens bool     `json:"tls_client_certificate_bound_access_tokens"`
	SubjectTypesSupported          []string `json:"subject_types_supported"`

	raw map[string]json.RawMessage
}

// ParseMetadata decodes a discovery document.
func ParseMetadata(b []byte) (*Metadata, error) {
	var m Metadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("metadata is not a JSON object of the RFC 8414 shape: %v", err)
	}
	if err := json.Unmarshal(b, &m.raw); err != nil {
		return nil, fmt.Errorf("metadata is not a JSON object: %v", err)
	}
	return &m, nil
}

// IssuerFromURL is the issuer a metadata URL implies: the URL with its
// well-known suffix removed (RFC 8414 §3.1 also allows the suffix to be
// inserted before the issuer's path, which is undone too). Empty when the
// URL has no well-known part.
func IssuerFromURL(metadataURL string) string {
	u, err := url.Parse(metadataURL)
	if err != nil {
		return ""
	}
	for _, suffix := range wellKnownSuffixes {
		if strings.HasSuffix(u.Path, suffix) {
			u.Path = strings.TrimSuffix(u.Path, suffix)
			u.RawQuery, u.Fragment = "", ""
			return u.String()
		}
		if rest, ok := strings.CutPrefix(u.Path, suffix+"/"); ok {
			u.Path = "/" + rest
			u.RawQuery, u.Fragment = "", ""
			return u.String()
		}
	}
	return ""
}

// CheckMetadata runs the metadata rules. fetchedFrom is the URL the document
// came from, or "" for a file (then the issuer-match rule is skipped).
func CheckMetadata(subject string, b []byte, fetchedFrom string) ([]Finding, *Metadata, error) {
	m, err := ParseMetadata(b)
	if err != nil {
		return nil, nil, err
	}
	var fs []Finding
	add := func(id, detail string) { fs = append(fs, finding(id, subject, detail)) }

	isOIDC := m.has("subject_types_supported") || m.has("id_token_signing_alg_values_supported") || m.has("userinfo_endpoint")

	if u, err := url.Parse(m.Issuer); m.Issuer == "" || err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		add(MetadataIssuerInvalid, fmt.Sprintf("issuer is %q", m.Issuer))
	}
	if fetchedFrom != "" && m.Issuer != "" {
		// A terminating "/" of the issuer is dropped before the well-known
		// part is added (RFC 8414 §3.1, OIDC Discovery §4.1).
		if want := IssuerFromURL(fetchedFrom); want != "" && want != strings.TrimSuffix(m.Issuer, "/") {
			add(MetadataIssuerMismatch, fmt.Sprintf("issuer %q, fetched from %q (expected issuer %q)", m.Issuer, fetchedFrom, want))
		}
	}
	for _, field := range m.urlFields() {
		var v string
		if json.Unmarshal(m.raw[field], &v) != nil || v == "" {
			continue
		}
		if u, err := url.Parse(v); err == nil && u.Scheme != "https" {
			add(MetadataNotHTTPS, fmt.Sprintf("%s is %q", field, v))
		}
	}
	required := []string{"issuer", "response_types_supported"}
	if isOIDC {
		required = append(required, "authorization_endpoint", "jwks_uri", "subject_types_supported", "id_token_signing_alg_values_supported")
	}
	if offersCode(m) && !isOIDC {
		required = append(required, "authorization_endpoint")
	}
	if grantsNeedToken(m) {
		required = append(required, "token_endpoint")
	}
	seen := map[string]bool{}
	for _, f := range required {
		if !seen[f] && !m.has(f) {
			add(MetadataRequiredMissing, f+" is missing")
		}
		seen[f] = true
	}

	var implicit []string
	for _, rt := range m.ResponseTypesSupported {
		for _, part := range strings.Fields(rt) {
			if part == "token" {
				implicit = append(implicit, rt)
			}
		}
	}
	if contains(m.GrantTypesSupported, "implicit") && len(implicit) == 0 {
		implicit = append(implicit, "grant_types_supported: implicit")
	}
	if len(implicit) > 0 {
		add(MetadataImplicitOffered, "offered: "+strings.Join(implicit, ", "))
	}
	if contains(m.GrantTypesSupported, "password") {
		add(MetadataPasswordOffered, "grant_types_supported lists password")
	}
	if offersCode(m) {
		switch {
		case !m.has("code_challenge_methods_supported"):
			add(MetadataPKCENotAdvertised, "response_types_supported offers code; code_challenge_methods_supported is absent")
		case !contains(m.CodeChallengeMethodsSupported, "S256"):
			add(MetadataPKCENoS256, fmt.Sprintf("code_challenge_methods_supported is %q", m.CodeChallengeMethodsSupported))
		}
		if offersAuthorizationResponse(m) && !m.IssParameterSupported {
			add(MetadataNoIssParameter, "authorization_response_iss_parameter_supported is absent or false")
		}
	}
	if contains(m.CodeChallengeMethodsSupported, "plain") {
		add(MetadataPKCEPlain, "code_challenge_methods_supported lists plain")
	}
	for _, list := range []struct {
		field string
		algs  []string
	}{
		{"id_token_signing_alg_values_supported", m.IDTokenSigningAlgs},
		{"request_object_signing_alg_values_supported", m.RequestObjectSigningAlgs},
		{"token_endpoint_auth_signing_alg_values_supported", m.TokenEndpointAuthSigningAlgs},
	} {
		for _, a := range list.algs {
			if strings.EqualFold(a, "none") {
				add(MetadataAlgNone, list.field+" lists none")
			}
		}
	}
	// DPoP and mTLS bind access tokens; an issuer that hands out none (only
	// ID tokens, as GitHub Actions does) has nothing to constrain.
	issuesAccessTokens := m.TokenEndpoint != "" || grantsNeedToken(m) || len(implicit) > 0
	if issuesAccessTokens && len(m.DPoPSigningAlgs) == 0 && !m.TLSClientCertBoundAccessTokens {
		add(MetadataNoSenderConstraint, "neither dpop_signing_alg_values_supported nor tls_client_certificate_bound_access_tokens is offered")
	}
	return fs, m, nil
}

func (m *Metadata) has(field string) bool {
	v, ok := m.raw[field]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// urlFields are the issuer and every *_endpoint or *_uri field whose value
// is a URL the client talks to, in a stable order. Documentation pages
// (service_documentation, op_policy_uri, op_tos_uri) are left out.
func (m *Metadata) urlFields() []string {
	var fields []string
	for k := range m.raw {
		switch {
		case k == "issuer", k == "jwks_uri", k == "registration_endpoint":
			fields = append(fields, k)
		case strings.HasSuffix(k, "_endpoint"):
			fields = append(fields, k)
		}
	}
	sort.Strings(fields)
	return fields
}

func offersCode(m *Metadata) bool {
	for _, rt := range m.ResponseTypesSupported {
		for _, part := range strings.Fields(rt) {
			if part == "code" {
				return true
			}
		}
	}
	return false
}

// offersAuthorizationResponse: every code flow goes through the
// authorization endpoint, where mix-up happens.
func offersAuthorizationResponse(m *Metadata) bool {
	return m.AuthorizationEndpoint != "" || offersCode(m)
}

// grantsNeedToken: any grant but implicit needs a token endpoint (RFC 8414 §2).
func grantsNeedToken(m *Metadata) bool {
	if len(m.GrantTypesSupported) == 0 {
		return offersCode(m) // the default grant types include authorization_code
	}
	for _, g := range m.GrantTypesSupported {
		if g != "implicit" {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
