package repair

import (
	"net/http"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

// ShapeCauses are the causes of a broken shape: the answer means one
// thing but is not written the standard way.
var ShapeCauses = []classify.Code{
	classify.ErrorInSuccessStatus, classify.NonstandardErrorShape, classify.UnrecognizedError,
	classify.FormEncodedResponse, classify.NotJSON, classify.HTMLErrorPage, classify.EmptyBody,
	classify.WrongContentType, classify.ExpiresInString, classify.MissingNoStore,
}

// ContentCauses are what no repair can supply: a field the upstream did
// not send, or a value that is wrong rather than badly written.
var ContentCauses = []classify.Code{
	classify.MissingAccessToken, classify.MissingTokenType, classify.BadTokenType, classify.BadExpiresIn,
	classify.MissingIssuedTokenType, classify.MissingDeviceFields, classify.MissingActive, classify.MissingIDToken,
}

// Measurement is what repair does to a corpus of captured exchanges.
type Measurement struct {
	// Broken: answers at repairable endpoints with a shape cause and no
	// content cause; Repaired: those that explain finds standard after.
	Broken, Repaired int
	// BrokenAll counts every answer with a shape cause, content causes
	// included; RepairedAll those standard after.
	BrokenAll, RepairedAll int
	// Valid answers (verdict ok) and how many of them were changed.
	Valid, ValidChanged int
	// Misses name the broken-shape cases left non-standard, and the
	// valid ones changed, with their causes.
	Misses []string
}

// Standard reports that explain finds no response-format cause.
func Standard(r *classify.Result) bool {
	for _, c := range r.Causes() {
		if cause, _ := classify.Lookup(c); cause.Family == classify.FamilyResponseFormat {
			return false
		}
	}
	return true
}

func hasAny(r *classify.Result, codes []classify.Code) bool {
	for _, c := range codes {
		if r.Has(c) {
			return true
		}
	}
	return false
}

// Repaired returns the response a client receives under plan.
func Repaired(resp *classify.Response, plan *Plan) classify.Response {
	if !plan.Changed() {
		return *resp
	}
	out := classify.Response{Status: plan.Status, Header: plan.Header, Body: resp.Body}
	if plan.BodyChanged {
		out.Body = plan.Body
	}
	return out
}

// MeasureCorpus repairs every case zero-config, as explain classifies it,
// and classifies the result again.
func MeasureCorpus(cases []rawhttp.Case) Measurement {
	var m Measurement
	for i := range cases {
		k := &cases[i]
		req := classify.Request{Method: "GET", Path: "/", Header: http.Header{}}
		if k.Request != nil {
			req = *k.Request
		}
		before := classify.Classify(&req, k.Response, nil)
		plan := Apply(&req, k.Response, &before, nil)
		if before.Verdict == classify.VerdictOK {
			m.Valid++
			if plan.Changed() {
				m.ValidChanged++
				m.Misses = append(m.Misses, k.Name+": valid answer changed")
			}
			continue
		}
		if !eligible(before.Endpoint) || !hasAny(&before, ShapeCauses) {
			continue
		}
		resp := Repaired(k.Response, &plan)
		after := classify.Classify(&req, &resp, nil)
		m.BrokenAll++
		if Standard(&after) {
			m.RepairedAll++
		}
		if hasAny(&before, ContentCauses) {
			continue
		}
		m.Broken++
		if Standard(&after) {
			m.Repaired++
		} else {
			m.Misses = append(m.Misses, k.Name+": "+causeList(&before)+" -> "+causeList(&after))
		}
	}
	return m
}

func causeList(r *classify.Result) string {
	s := "["
	for i, c := range r.Causes() {
		if i > 0 {
			s += ","
		}
		s += string(c)
	}
	return s + "]"
}
