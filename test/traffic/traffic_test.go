package traffic

import (
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// TestCasesCoverEveryFamily: the run, with every target up, produces a
// root cause of every family a client can hit.
func TestCasesCoverEveryFamily(t *testing.T) {
	seen := map[classify.Family]bool{}
	for _, c := range NewRunner(Config{RunID: "test"}).Cases() {
		if len(c.WantCauses) > 0 {
			seen[c.Family] = true
		}
	}
	for _, f := range []classify.Family{
		classify.FamilyCredentials, classify.FamilyRedirectURI, classify.FamilyRequest,
		classify.FamilyGrant, classify.FamilyScope, classify.FamilyServer,
		classify.FamilyResponseFormat, classify.FamilyToken, classify.FamilyFlow,
	} {
		if !seen[f] {
			t.Errorf("no case with a root cause of family %q", f)
		}
	}
}

// TestCasesAreConsistent: names are unique (they correlate records), every
// expected cause is registered and its family matches.
func TestCasesAreConsistent(t *testing.T) {
	names := map[string]bool{}
	for _, c := range NewRunner(Config{RunID: "test"}).Cases() {
		if names[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		names[c.Name] = true
		if c.send == nil {
			t.Errorf("%s: no send function", c.Name)
		}
		if c.WantCauses == nil {
			if c.WantVerdict != "" || c.Family != "" {
				t.Errorf("%s: no causes but verdict %q family %q", c.Name, c.WantVerdict, c.Family)
			}
			continue
		}
		for _, code := range c.WantCauses {
			if !classify.Registered(classify.Code(code)) {
				t.Errorf("%s: cause %q is not registered", c.Name, code)
			}
		}
		if root, _ := classify.Lookup(classify.Code(c.WantCauses[0])); root.Family != c.Family {
			t.Errorf("%s: family %q, but root cause %s is in %q", c.Name, c.Family, root.Code, root.Family)
		}
	}
}

// TestUpstreamAnswersKnown: every non-streaming upstream route has the bytes
// the client must get, taken from the route's own handler.
func TestUpstreamAnswersKnown(t *testing.T) {
	for _, c := range UpstreamCases() {
		if c.WantStatus == 0 && !c.Stream {
			t.Errorf("%s: no known status", c.Name)
		}
		if c.WantBody == nil {
			t.Errorf("%s: no known body", c.Name)
		}
	}
}
