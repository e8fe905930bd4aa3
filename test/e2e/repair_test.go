package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/test/traffic"
)

// TestRepairedRecords: on the repair-enabled API (apps/
// oauthcheck-upstream-repair.json) the client got a token or a registered
// error (TestClientGetsUpstreamAnswer checks that side), and the record
// carries the repairs as x-oauth-repaired-<kind> beside the upstream's
// causes; no other exchange carries a repair tag.
func TestRepairedRecords(t *testing.T) {
	r := sent(t)
	r.forEach(t, func(t *testing.T, ex traffic.Exchange) {
		recs := r.records[ex.UserAgent]
		if len(recs) != 1 {
			t.Skipf("%d records (TestRecordsCarryCauses reports it)", len(recs))
		}
		var repaired []string
		for _, tag := range recs[0].Tags {
			if kind, ok := strings.CutPrefix(tag, "x-oauth-repaired-"); ok {
				repaired = append(repaired, kind)
			}
		}
		if !slices.Equal(repaired, ex.Case.WantRepaired) {
			t.Errorf("repair tags %q, want %q (tags %q)", repaired, ex.Case.WantRepaired, recs[0].Tags)
		}
	})
}
