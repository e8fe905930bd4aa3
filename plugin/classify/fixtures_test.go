package classify_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

// The captured provider responses in testdata/, with what the classifier
// must say of each (testdata/cases.json).
func loadFixtures(tb testing.TB) []rawhttp.Case {
	tb.Helper()
	cases, err := rawhttp.LoadCases("testdata")
	if err != nil {
		tb.Fatalf("loading fixtures: %v", err)
	}
	return cases
}

func fixtureExchange(c rawhttp.Case) (classify.Request, classify.Response) {
	req := classify.Request{Method: "GET", Path: "/", Header: http.Header{}}
	if c.Request != nil {
		req = *c.Request
	}
	resp := *c.Response
	if len(resp.Body) > classify.DefaultMaxBodyBytes {
		resp.Body, resp.Truncated = resp.Body[:classify.DefaultMaxBodyBytes], true // as the plugin reads it
	}
	return req, resp
}

func TestFixtures(t *testing.T) {
	for _, c := range loadFixtures(t) {
		c := c
		t.Run(c.Name, func(t *testing.T) {
			req, resp := fixtureExchange(c)
			got := classify.Classify(&req, &resp, nil)
			if string(got.Endpoint) != c.Endpoint {
				t.Errorf("endpoint: got %q, want %q", got.Endpoint, c.Endpoint)
			}
			if string(got.Verdict) != c.Verdict {
				t.Errorf("verdict: got %q, want %q", got.Verdict, c.Verdict)
			}
			gotCauses := make([]string, 0, len(got.Causes()))
			for _, code := range got.Causes() {
				gotCauses = append(gotCauses, string(code))
			}
			if strings.Join(gotCauses, ",") != strings.Join(c.Causes, ",") {
				t.Errorf("causes: got %v, want %v (source: %s)", gotCauses, c.Causes, c.Source)
			}
		})
	}
}

// Every fixture file is in the manifest, and every case names its source.
func TestFixturesAreAllListed(t *testing.T) {
	names, err := rawhttp.FixtureNames("testdata")
	if err != nil {
		t.Fatal(err)
	}
	all, err := rawhttp.LoadCorpus("testdata")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range all {
		listed[c.Name] = true
		if c.Source == "" {
			t.Errorf("%s: no source", c.Name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if !listed[n] {
			t.Errorf("%s.resp is in no cases.json", n)
		}
	}
}

func BenchmarkFixtures(b *testing.B) {
	cases := loadFixtures(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c := cases[i%len(cases)]
		req, resp := fixtureExchange(c)
		_ = classify.Classify(&req, &resp, nil)
	}
}

// FuzzFixtureBodies mutates every fixture's and corpus case's response
// body under its original request and headers.
func FuzzFixtureBodies(f *testing.F) {
	cases, err := rawhttp.LoadCorpus("testdata") // the fixtures and the whole public corpus
	if err != nil {
		f.Fatal(err)
	}
	for i, c := range cases {
		f.Add(i, c.Response.Body)
	}
	f.Fuzz(func(t *testing.T, i int, body []byte) {
		if i < 0 {
			i = -i
		}
		c := cases[i%len(cases)]
		req, resp := fixtureExchange(c)
		resp.Body = body
		got := classify.Classify(&req, &resp, nil)
		for _, code := range got.Causes() {
			if !classify.Registered(code) {
				t.Fatalf("unregistered cause %q", code)
			}
		}
	})
}
