package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/test/traffic"
)

// GateEnv names the gateway to test (e.g. http://127.0.0.1:8080). The rest
// comes from package traffic's variables (TYK_GW_SECRET, OAUTHCHECK_IDP,
// OAUTHCHECK_IDP_URL, OAUTHCHECK_UPSTREAM_URL, OAUTHCHECK_REDIS_ADDR), with
// compose defaults. Unset: the suite runs in the plugin harness instead,
// against Ory Hydra and the misbehaving upstream in-process
// (harness_test.go).
const GateEnv = "OAUTHCHECK_E2E_GATEWAY"

// recordWait bounds how long the gateway may take to flush records to
// Redis; it is a deadline for a poll, not a timing assertion.
const recordWait = 30 * time.Second

type run struct {
	runner    *traffic.Runner
	exchanges []traffic.Exchange
	records   map[string][]Record // by User-Agent
	missing   []string            // sent cases without a record
	where     string              // where the records were read
	skip      string              // why nothing was sent
	err       error
}

var (
	once   sync.Once
	shared run
)

// sent runs the traffic once per test binary and collects its records.
func sent(t *testing.T) *run {
	t.Helper()
	gateway := os.Getenv(GateEnv)
	once.Do(func() {
		cfg := traffic.FromEnv()
		if !cfg.IdP.Known() {
			shared.err = fmt.Errorf("OAUTHCHECK_IDP=%q: want %q or %q", cfg.IdP, traffic.Keycloak, traffic.Hydra)
			return
		}
		if gateway == "" {
			runOnHarness(t, &shared)
			return
		}
		cfg.GatewayURL = gateway
		shared.runner = traffic.NewRunner(cfg)
		shared.where = "Redis at " + cfg.RedisAddr
		ctx := context.Background()
		shared.exchanges = shared.runner.Run(ctx, shared.runner.Cases())

		rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr})
		defer rdb.Close()
		prefix := "oauthcheck-traffic/" + cfg.RunID + " "
		deadline := time.Now().Add(recordWait)
		for {
			var recs []Record
			recs, shared.err = readRecords(ctx, rdb, prefix)
			shared.collect(recs)
			if shared.err != nil || len(shared.missing) == 0 || time.Now().After(deadline) {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
	})
	if shared.skip != "" {
		t.Skip(shared.skip)
	}
	if shared.err != nil {
		t.Fatalf("e2e run (%s): %v", shared.where, shared.err)
	}
	return &shared
}

// collect files recs by User-Agent and notes the sent cases without one.
func (r *run) collect(recs []Record) {
	r.records = map[string][]Record{}
	for _, rec := range recs {
		r.records[rec.UserAgent] = append(r.records[rec.UserAgent], rec)
	}
	r.missing = r.missing[:0]
	for _, ex := range r.exchanges {
		if ex.Skipped == "" && ex.Requests > 0 && len(r.records[ex.UserAgent]) == 0 {
			r.missing = append(r.missing, ex.Case.Name)
		}
	}
}

// forEach runs fn as a subtest per exchange that was sent.
func (r *run) forEach(t *testing.T, fn func(t *testing.T, ex traffic.Exchange)) {
	for _, ex := range r.exchanges {
		t.Run(ex.Case.Name, func(t *testing.T) {
			if ex.Skipped != "" {
				t.Skip(ex.Skipped)
			}
			fn(t, ex)
		})
	}
}

// TestClientGetsUpstreamAnswer: every request went out once and the client
// got the status, the exact bytes and (where on) the debug header expected.
func TestClientGetsUpstreamAnswer(t *testing.T) {
	r := sent(t)
	r.forEach(t, func(t *testing.T, ex traffic.Exchange) {
		if ex.Err != nil {
			t.Errorf("client side: %v", ex.Err)
		}
	})
}

// TestRecordsCarryCauses: each request has exactly one analytics record,
// on the right API, with the expected x-oauth-* tags (none at all when the
// exchange must not be labelled).
func TestRecordsCarryCauses(t *testing.T) {
	r := sent(t)
	if len(r.missing) > 0 {
		hint := fmt.Sprintf("is tyk-pump draining %s? Stop it (docker compose stop pump) and re-run; is enable_analytics on?", AnalyticsList)
		if r.runner != nil && os.Getenv(GateEnv) == "" {
			hint = "the harness recorded nothing for them"
		}
		t.Errorf("no analytics record (%s) after %s for %d cases (%s): %s",
			r.where, recordWait, len(r.missing), strings.Join(r.missing, ", "), hint)
	}
	r.forEach(t, func(t *testing.T, ex traffic.Exchange) {
		recs := r.records[ex.UserAgent]
		if len(recs) != 1 {
			t.Fatalf("got %d records with User-Agent %q, want 1", len(recs), ex.UserAgent)
		}
		rec, c := recs[0], ex.Case
		if rec.APIID != c.APIID {
			t.Errorf("record APIID %q, want %q", rec.APIID, c.APIID)
		}
		if !c.Stream && rec.ResponseCode != ex.Status {
			t.Errorf("record ResponseCode %d, client got %d", rec.ResponseCode, ex.Status)
		}
		causes, verdicts, clients := labels(rec.Tags)
		if c.WantCauses == nil {
			if len(causes)+len(verdicts)+len(clients) > 0 {
				t.Errorf("tags %q: want no x-oauth-* tag on this exchange", rec.Tags)
			}
			return
		}
		switch {
		case c.RootOnly && (len(causes) == 0 || causes[0] != c.WantCauses[0]):
			t.Errorf("cause tags %q: want root cause %q first (tags %q)", causes, c.WantCauses[0], rec.Tags)
		case !c.RootOnly && !slices.Equal(causes, c.WantCauses):
			t.Errorf("cause tags %q, want %q (tags %q)", causes, c.WantCauses, rec.Tags)
		}
		if !slices.Equal(verdicts, []string{c.WantVerdict}) {
			t.Errorf("verdict tags %q, want [%q]", verdicts, c.WantVerdict)
		}
		if c.WantClient != "" && !slices.Equal(clients, []string{c.WantClient}) {
			t.Errorf("client tags %q, want [%q]", clients, c.WantClient)
		}
		if c.NoClient && len(clients) > 0 {
			t.Errorf("client tags %q, want none: the request carries no public client_id", clients)
		}
		for _, code := range causes {
			if !classify.Registered(classify.Code(code)) {
				t.Errorf("cause tag %q is not a registered cause", code)
			}
		}
	})
}

// TestForgedLabelsDropped: every request sent X-OAuth-Cause, X-Oauth-Verdict
// and X-Oauth-Client "forged", in odd spellings; no record may carry them,
// including the one Tyk itself rejected before any upstream call.
func TestForgedLabelsDropped(t *testing.T) {
	r := sent(t)
	checked := 0
	for ua, recs := range r.records {
		for _, rec := range recs {
			checked++
			for _, tag := range rec.Tags {
				if strings.HasPrefix(tag, "x-oauth-") && strings.HasSuffix(tag, "-"+traffic.Forged) {
					t.Errorf("%s: forged tag %q survived (tags %q)", ua, tag, rec.Tags)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no records of this run to check")
	}
}

// TestNoSecretInRecords: no client secret, password, token, device code or
// Tyk key the run sent or received appears in any record of the run,
// raw requests and responses included: the demo IdP API records them
// (enable_detailed_recording), and the analytics plugin must have
// redacted every one it stored.
// detailedAPI is the demo API with enable_detailed_recording on.
const detailedAPI = "oauthcheck-idp"

func TestNoSecretInRecords(t *testing.T) {
	r := sent(t)
	secrets := r.runner.Secrets()
	if len(secrets) == 0 {
		t.Fatal("the run recorded no secrets to look for")
	}
	idp, redacted := 0, 0
	for ua, recs := range r.records {
		for _, rec := range recs {
			if (rec.RawRequest != "" || rec.RawResponse != "") && !slices.Contains(rec.Tags, "oauthcheck-raw-redacted") {
				t.Errorf("%s: RawRequest/RawResponse recorded without the analytics plugin's redaction (tags %q)", ua, rec.Tags)
			}
			if rec.APIID == detailedAPI {
				idp++
				if rec.RawRequest != "" {
					redacted++
				}
			}
			haystacks := [][]byte{rec.Raw, decodeB64(rec.RawRequest), decodeB64(rec.RawResponse)}
			for _, s := range secrets {
				for _, h := range haystacks {
					if bytes.Contains(h, []byte(s)) {
						t.Errorf("%s: a secret (%d bytes, starts %q) appears in the analytics record", ua, len(s), s[:4])
					}
				}
			}
		}
	}
	if idp > 0 && redacted == 0 {
		t.Errorf("none of %d records of %s carried a raw request: detailed recording there did not reach the analytics plugin", idp, detailedAPI)
	}
}

// TestEveryFamilyCovered: the run produced a labelled record for every
// cause family a standards-following client can hit. The misbehaving
// upstream and its fixture replay cover every family on their own, so a
// run without Keycloak still checks them all; a family is excused only
// when every case that would produce it was skipped.
func TestEveryFamilyCovered(t *testing.T) {
	r := sent(t)
	want := []classify.Family{
		classify.FamilyCredentials, classify.FamilyRedirectURI, classify.FamilyRequest,
		classify.FamilyGrant, classify.FamilyScope, classify.FamilyServer,
		classify.FamilyResponseFormat, classify.FamilyToken, classify.FamilyFlow,
	}
	seen := map[classify.Family]bool{}
	expected := map[classify.Family]bool{} // by a case that was sent
	var skipped []string
	for _, ex := range r.exchanges {
		if ex.Skipped != "" {
			if !slices.Contains(skipped, ex.Skipped) {
				skipped = append(skipped, ex.Skipped)
			}
			continue
		}
		if ex.Case.Family != "" {
			expected[ex.Case.Family] = true
		}
		for _, rec := range r.records[ex.UserAgent] {
			causes, _, _ := labels(rec.Tags)
			if len(causes) > 0 {
				if cause, ok := classify.Lookup(classify.Code(causes[0])); ok {
					seen[cause.Family] = true
				}
			}
		}
	}
	var excused []string
	for _, f := range want {
		switch {
		case seen[f]:
		case expected[f] || len(skipped) == 0:
			t.Errorf("no record labelled with a root cause of family %q", f)
		default:
			excused = append(excused, string(f))
		}
	}
	if len(excused) > 0 && !t.Failed() {
		t.Skipf("families %s only come from skipped cases: %s", strings.Join(excused, ", "), strings.Join(skipped, "; "))
	}
}

// labels splits a record's tags into oauthcheck's cause, verdict and client
// values, in tag order.
func labels(tags []string) (causes, verdicts, clients []string) {
	for _, tag := range tags {
		switch {
		case strings.HasPrefix(tag, "x-oauth-cause-"):
			causes = append(causes, strings.TrimPrefix(tag, "x-oauth-cause-"))
		case strings.HasPrefix(tag, "x-oauth-verdict-"):
			verdicts = append(verdicts, strings.TrimPrefix(tag, "x-oauth-verdict-"))
		case strings.HasPrefix(tag, "x-oauth-client-"):
			clients = append(clients, strings.TrimPrefix(tag, "x-oauth-client-"))
		}
	}
	return causes, verdicts, clients
}

func decodeB64(s string) []byte {
	if s == "" {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return []byte(s)
	}
	return b
}
