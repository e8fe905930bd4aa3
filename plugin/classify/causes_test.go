package classify

import (
	"regexp"
	"strings"
	"testing"
)

// requiredCodes are the public contract from the classifier issue: these
// names must exist exactly.
var requiredCodes = []Code{
	"ok", "invalid_client", "unauthorized_client", "redirect_uri_mismatch", "invalid_request",
	"unsupported_grant_type", "unsupported_response_type", "unsupported_token_type", "invalid_grant",
	"invalid_scope", "scope_narrowed", "scope_widened", "insufficient_scope", "invalid_token",
	"missing_token", "access_denied", "server_error", "temporarily_unavailable", "empty_body",
	"not_json", "wrong_content_type", "missing_access_token", "missing_token_type", "bad_expires_in",
	"error_in_success_status", "nonstandard_error_shape", "missing_no_store", "missing_id_token",
	"state_mismatch", "issuer_mismatch", "authorization_pending", "slow_down", "expired_token",
	"inactive_token", "body_truncated", "plugin_misconfigured",
}

var codeShape = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func TestRegistryIsCompleteAndUnique(t *testing.T) {
	seen := map[Code]bool{}
	families := map[Family]bool{FamilyOK: true, FamilyCredentials: true, FamilyRedirectURI: true, FamilyRequest: true,
		FamilyGrant: true, FamilyScope: true, FamilyServer: true, FamilyResponseFormat: true, FamilyToken: true,
		FamilyFlow: true, FamilyPlugin: true, FamilyRisk: true}
	for _, c := range Registry {
		if seen[c.Code] {
			t.Errorf("code %q is registered twice", c.Code)
		}
		seen[c.Code] = true
		if !codeShape.MatchString(string(c.Code)) {
			t.Errorf("code %q: got a name outside [a-z0-9_], want snake_case (it becomes an analytics tag)", c.Code)
		}
		if !families[c.Family] {
			t.Errorf("code %q: family %q is not a known family", c.Code, c.Family)
		}
		switch c.Severity {
		case SeverityInvalid, SeverityWarning, SeverityInfo:
		default:
			t.Errorf("code %q: severity %q, want invalid, warning or info", c.Code, c.Severity)
		}
		switch c.Fault {
		case FaultClient, FaultUpstream, FaultGatewayConfig:
		default:
			t.Errorf("code %q: fault %q, want client, upstream or gateway_config", c.Code, c.Fault)
		}
		if c.Summary == "" || c.Hint == "" {
			t.Errorf("code %q: summary and hint must both be set", c.Code)
		}
		if c.Family != FamilyPlugin && c.Code != BodyTruncated && c.RFC == "" {
			t.Errorf("code %q: no RFC section; every protocol check rests on one", c.Code)
		}
	}
	for _, want := range requiredCodes {
		if !seen[want] {
			t.Errorf("required code %q is not registered", want)
		}
	}
}

// Every code the engine can emit must be registered: the maps below are
// the engine's only sources of codes besides constants.
func TestMappedCodesAreRegistered(t *testing.T) {
	for name, c := range errorCodes {
		if !Registered(c) {
			t.Errorf("errorCodes[%q] = %q: not registered", name, c)
		}
	}
	for n, c := range entraCodes {
		if !Registered(c) {
			t.Errorf("entraCodes[%d] = %q: not registered", n, c)
		}
	}
	lowered := map[string]Code{} // lookups fold case: two rows of one code must agree
	for _, row := range VendorCodes {
		if c, dup := lowered[strings.ToLower(row.Code)]; dup && c != row.Cause {
			t.Errorf("VendorCodes[%q]: %q here, %q in another row of the same code", row.Code, row.Cause, c)
		}
		lowered[strings.ToLower(row.Code)] = row.Cause
		if row.Cause != statusWord && !Registered(row.Cause) {
			t.Errorf("VendorCodes[%q] = %q: not registered", row.Code, row.Cause)
		}
		if row.Provider == "" || !strings.HasPrefix(row.Source, "https://") {
			t.Errorf("VendorCodes[%q]: want a provider and a source URL", row.Code)
		}
	}
	for n, c := range graphCodes {
		if !Registered(c) {
			t.Errorf("graphCodes[%d] = %q: not registered", n, c)
		}
	}
	for n, c := range twitterCodes {
		if !Registered(c) {
			t.Errorf("twitterCodes[%d] = %q: not registered", n, c)
		}
	}
	rules := map[string]bool{}
	for _, p := range Phrases {
		if !Registered(p.Cause) || p.Rule == "" || rules[p.Rule] || len(p.Groups) == 0 || p.Provider == "" || !strings.HasPrefix(p.Source, "https://") {
			t.Errorf("Phrases %q: want a unique rule name, a registered cause, groups, a provider and a source URL", p.Rule)
		}
		rules[p.Rule] = true
		for _, g := range p.Groups {
			for _, term := range g {
				if term != strings.ToLower(term) || term == "" {
					t.Errorf("Phrases %q: term %q must be lowercase and non-empty", p.Rule, term)
				}
			}
		}
	}
	for _, e := range EdgeSignatures {
		if e.Name == "" || !strings.HasPrefix(e.Source, "https://") || e.HeaderHas != strings.ToLower(e.HeaderHas) {
			t.Errorf("EdgeSignatures %q: want a name, a source URL and a lowercase header match", e.Name)
		}
	}
}

func TestLookup(t *testing.T) {
	got, ok := Lookup(InvalidClient)
	if !ok || got.Family != FamilyCredentials || got.Severity != SeverityInvalid {
		t.Errorf("Lookup(invalid_client) = %+v, %v; want the credentials/invalid row", got, ok)
	}
	if _, ok := Lookup("no_such_code"); ok {
		t.Errorf("Lookup(no_such_code): got ok, want not found")
	}
}
