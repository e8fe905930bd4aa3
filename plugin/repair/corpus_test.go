package repair_test

import (
	"net/http"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

// shapeCauses are the causes of a broken shape: the answer means one
// thing but is not written the standard way.
var shapeCauses = []classify.Code{
	classify.ErrorInSuccessStatus, classify.NonstandardErrorShape, classify.UnrecognizedError,
	classify.FormEncodedResponse, classify.NotJSON, classify.HTMLErrorPage, classify.EmptyBody,
	classify.WrongContentType, classify.ExpiresInString, classify.MissingNoStore,
}

// contentCauses are what no repair can supply: a field the upstream did
// not send, or a value that is wrong rather than badly written.
var contentCauses = []classify.Code{
	classify.MissingAccessToken, classify.MissingTokenType, classify.BadTokenType, classify.BadExpiresIn,
	classify.MissingIssuedTokenType, classify.MissingDeviceFields, classify.MissingActive, classify.MissingIDToken,
}

func hasAny(r *classify.Result, codes []classify.Code) bool {
	for _, c := range codes {
		if r.Has(c) {
			return true
		}
	}
	return false
}

// standard: explain finds no response-format cause.
func standard(r *classify.Result) bool {
	for _, c := range r.Causes() {
		if cause, _ := classify.Lookup(c); cause.Family == classify.FamilyResponseFormat {
			return false
		}
	}
	return true
}

type measure struct {
	broken, repaired    int // broken shape, content intact
	brokenAll, fixAll   int // every case with a shape cause
	valid, validTouched int
	misses              []string
}

func classifyCase(k *rawhttp.Case) (classify.Request, classify.Result) {
	req := classify.Request{Method: "GET", Path: "/", Header: http.Header{}}
	if k.Request != nil {
		req = *k.Request
	}
	return req, classify.Classify(&req, k.Response, nil)
}

func measureCorpus(t *testing.T, root string) measure {
	cases, err := rawhttp.LoadCorpus(root)
	if err != nil {
		t.Fatal(err)
	}
	var m measure
	for i := range cases {
		k := &cases[i]
		req, before := classifyCase(k)
		plan := repair.Apply(&req, k.Response, &before, nil)
		if before.Verdict == classify.VerdictOK {
			m.valid++
			if plan.Changed() {
				m.validTouched++
				t.Errorf("%s: valid response changed by %v", k.Name, plan.Kinds())
			}
			continue
		}
		if !hasAny(&before, shapeCauses) || before.Endpoint == classify.EndpointResource || before.Endpoint == classify.EndpointAuthorize || before.Endpoint == classify.EndpointNone {
			continue
		}
		after := before
		if plan.Changed() {
			resp := classify.Response{Status: plan.Status, Header: plan.Header, Body: k.Response.Body}
			if plan.BodyChanged {
				resp.Body = plan.Body
			}
			after = classify.Classify(&req, &resp, nil)
		}
		m.brokenAll++
		if standard(&after) {
			m.fixAll++
		}
		if hasAny(&before, contentCauses) {
			continue
		}
		m.broken++
		if standard(&after) {
			m.repaired++
		} else {
			m.misses = append(m.misses, k.Name+" "+causeList(&before)+" -> "+causeList(&after))
		}
	}
	return m
}

func causeList(r *classify.Result) string {
	s := ""
	for i, c := range r.Causes() {
		if i > 0 {
			s += ","
		}
		s += string(c)
	}
	return "[" + s + "]"
}

// The public corpus: at least 90% of broken-shape token, device,
// introspection and revocation answers come out standard, and no valid
// one is touched. docs/repair.md records the figures.
func TestCorpusRepair(t *testing.T) {
	m := measureCorpus(t, "../classify/testdata/corpus")
	share := float64(m.repaired) / float64(m.broken)
	t.Logf("broken shape, content intact: %d, standard after repair: %d (%.1f%%)", m.broken, m.repaired, 100*share)
	t.Logf("every case with a shape cause: %d, standard after repair: %d (%.1f%%)", m.brokenAll, m.fixAll, 100*float64(m.fixAll)/float64(m.brokenAll))
	t.Logf("valid: %d, changed: %d", m.valid, m.validTouched)
	for _, miss := range m.misses {
		t.Logf("not standard: %s", miss)
	}
	if m.broken < 100 {
		t.Errorf("only %d broken-shape cases: the corpus did not load as expected", m.broken)
	}
	if share < 0.90 {
		t.Errorf("repaired %.1f%% of broken-shape cases, want at least 90%%", 100*share)
	}
}
