package redact

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const corpusDir = "../classify/testdata/corpus"

// TestCorpusCapturesCarryNoSecret redacts every real capture of the
// corpus and checks that none of its secrets, as the loader lists them
// (rawhttp.Case.Secrets, a JSON and URL parser independent of this
// package), is left.
func TestCorpusCapturesCarryNoSecret(t *testing.T) {
	cases, err := rawhttp.LoadCorpus(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	r := New([]byte("corpus"))
	checked := 0
	for _, c := range cases {
		secrets := c.Secrets()
		rawReq, _ := os.ReadFile(filepath.Join(corpusDir, c.Name+".req")) // absent for some cases
		rawResp, err := os.ReadFile(filepath.Join(corpusDir, c.Name+".resp"))
		if err != nil {
			t.Fatal(err)
		}
		// As a record holds them: the pair, so echoes are caught.
		req, resp, _, _ := r.Exchange(rawReq, rawResp)
		for _, out := range [][]byte{req, resp} { // nil when unreadable: dropped, nothing leaks
			for _, s := range secrets {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("%s: secret %.12q… survives redaction", c.Name, s)
				}
			}
			checked += len(secrets)
		}
	}
	if checked < 500 {
		t.Fatalf("only %d secret placements checked, want the corpus's hundreds", checked)
	}
}

// goldens are real captures whose redacted bytes are pinned.
var goldens = []string{
	"github/token_success_form_encoded.req", "github/token_success_form_encoded.resp",
	"keycloak/client_credentials_success.req", "keycloak/client_credentials_success.resp",
	"keycloak/refresh_token_not_active.req", "okta/device_token_success.resp",
}

func TestGoldens(t *testing.T) {
	r := New([]byte("golden-key"))
	matched := 0
	for _, g := range goldens {
		raw, err := os.ReadFile(filepath.Join(corpusDir, g))
		if err != nil {
			continue // names are checked below: all must exist
		}
		matched++
		out, err := r.Message(raw)
		if err != nil {
			t.Fatalf("%s: %v", g, err)
		}
		path := filepath.Join("testdata", filepath.Base(filepath.Dir(g))+"_"+filepath.Base(g)+".golden")
		if *update {
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./plugin/redact -update)", g, err)
		}
		if !bytes.Equal(out, want) {
			t.Errorf("%s: got\n%s\nwant\n%s", g, out, want)
		}
	}
	if matched != len(goldens) {
		t.Fatalf("%d of %d golden captures found", matched, len(goldens))
	}
}

// TestCorpusCapturesAreReadable keeps the test above honest: a capture
// the redactor cannot read is dropped whole, which leaks nothing but
// keeps nothing either, so all must be readable, except the captures
// that curl printed with "Transfer-Encoding: chunked" over a body it had
// already decoded: those must fail closed as bad chunking (Tyk itself
// removes chunked encoding before it writes raw_response).
func TestCorpusCapturesAreReadable(t *testing.T) {
	cases, err := rawhttp.LoadCorpus(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	r := New(nil)
	var failed []string
	for _, c := range cases {
		rawReq, _ := os.ReadFile(filepath.Join(corpusDir, c.Name+".req"))
		rawResp, _ := os.ReadFile(filepath.Join(corpusDir, c.Name+".resp"))
		_, _, reqErr, respErr := r.Exchange(rawReq, rawResp)
		if respErr == ErrBadChunking && bytes.Contains(bytes.ToLower(rawResp), []byte("transfer-encoding: chunked")) {
			respErr = nil
		}
		if reqErr != nil || respErr != nil {
			failed = append(failed, c.Name)
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d captures unreadable: %v", len(failed), len(cases), failed)
	}
}
