package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// Every corpus case through the response hook labels exactly what the
// engine says in process: the hook's body policy (which request bodies it
// peeks, how much of a response it reads) loses nothing the engine needs,
// and the client still gets every byte.
func TestHookAgreesWithEngineOnCorpus(t *testing.T) {
	captureLogs(t)
	cases, err := rawhttp.LoadCorpus("classify/testdata")
	if err != nil {
		t.Fatal(err)
	}
	def := &standin.APIDefinition{APIID: "corpus"}
	for _, c := range cases {
		if c.Request == nil {
			continue
		}
		req, resp := *c.Request, *c.Response
		want := classify.Classify(&req, &resp, nil)

		target := req.Path
		if req.RawQuery != "" {
			target += "?" + req.RawQuery
		}
		r := httptest.NewRequest(req.Method, "http://gateway.test"+escapePath(target), bytes.NewReader(req.Body))
		r.URL.Path, r.URL.RawQuery = req.Path, req.RawQuery
		r.Header = req.Header.Clone()
		standin.SetDefinition(r, def)
		res := &http.Response{StatusCode: resp.Status, Header: resp.Header.Clone(),
			Body: io.NopCloser(bytes.NewReader(resp.Body)), ContentLength: int64(len(resp.Body))}
		OAuthCheckResponse(httptest.NewRecorder(), res, r)

		var wantLabels []string
		for _, code := range want.Causes() {
			wantLabels = append(wantLabels, string(code))
		}
		if got := r.Header.Values(HeaderCause); strings.Join(got, ",") != strings.Join(wantLabels, ",") {
			t.Errorf("%s: hook labels %v, engine says %v (endpoint %s)", c.Name, got, wantLabels, want.Endpoint)
		}
		if got, _ := io.ReadAll(res.Body); !bytes.Equal(got, resp.Body) {
			t.Errorf("%s: the client got %d bytes, the upstream sent %d", c.Name, len(got), len(resp.Body))
		}
	}
}

// escapePath keeps httptest.NewRequest from choking on raw bytes in a
// captured path; the URL fields are set from the capture afterwards.
func escapePath(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' {
			return '_'
		}
		return r
	}, s)
}
