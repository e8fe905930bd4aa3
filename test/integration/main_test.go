// Package integration drives the built oauthcheck plugin through the
// harness gateway against real and misbehaving upstreams.
package integration

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oauthcheck/oauthcheck/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

var apiSeq atomic.Int64

// uniqueAPIID keeps API ids (and so log lines, which tests pick by api_id
// from the process-wide logger) apart across -count runs.
func uniqueAPIID(base string) string { return fmt.Sprintf("%s-%d", base, apiSeq.Add(1)) }

// loadPlugin builds the plugin once per process and loads it.
func loadPlugin(t *testing.T) *harness.Plugin {
	t.Helper()
	return harness.LoadPlugin(t)
}

// rawClient neither decodes gzip nor follows redirects, so tests see the
// bytes and statuses exactly as sent.
func rawClient() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{DisableCompression: true, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// causeTags returns the cause values of a record's x-oauth-cause tags, in
// order (root first: one header's values keep their order in tagHeaders).
func causeTags(rec harness.Record) []string {
	var out []string
	for _, t := range rec.TagsWithPrefix("x-oauth-cause-") {
		out = append(out, strings.TrimPrefix(t, "x-oauth-cause-"))
	}
	return out
}

func verdictTag(rec harness.Record) string {
	tags := rec.TagsWithPrefix("x-oauth-verdict-")
	if len(tags) != 1 {
		return strings.Join(tags, ",")
	}
	return strings.TrimPrefix(tags[0], "x-oauth-verdict-")
}

// oauthTags returns every tag oauthcheck could have produced.
func oauthTags(rec harness.Record) []string {
	return rec.TagsWithPrefix("x-oauth-")
}

// checkCauses fails unless the record's cause tags are want (in order) and
// its verdict tag is verdict.
func checkCauses(t *testing.T, rec harness.Record, want []string, verdict string) {
	t.Helper()
	if got := causeTags(rec); !slices.Equal(got, want) {
		t.Errorf("causes: got %q, want %q (tags %q)", got, want, rec.Tags)
	}
	if got := verdictTag(rec); got != verdict {
		t.Errorf("verdict: got %q, want %q (tags %q)", got, verdict, rec.Tags)
	}
}
