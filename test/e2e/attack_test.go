package e2e

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauthcheck/oauthcheck/test/traffic"
)

// TestAttackScenarioLabels runs cmd/traffic's attack scenario against the
// live stack (OAUTHCHECK_E2E_GATEWAY; the harness run has no such
// scenario) and checks the records in Redis: the attacking client's
// records carry x-oauth-anomaly-credential_stuffing, each phase's records
// its own detector, the innocent client's no guard label at all, and no
// record any guessed secret, code or token. The demo IdP API runs the
// guard in observe mode, so nothing is blocked.
func TestAttackScenarioLabels(t *testing.T) {
	gateway := os.Getenv(GateEnv)
	if gateway == "" {
		t.Skipf("the attack scenario runs only against a live stack: set %s (and stop the pump)", GateEnv)
	}
	cfg := traffic.FromEnv()
	cfg.GatewayURL = gateway
	cfg.RunID += "-attack" // its own records, apart from the shared run's
	runner := traffic.NewRunner(cfg)
	ctx := context.Background()
	attack := runner.Attack()
	results := runner.RunAttack(ctx, attack)
	total := 0
	for _, res := range results {
		if res.Skipped != "" {
			t.Skip(res.Skipped)
		}
		if res.Failed() {
			t.Errorf("client side: %s", res.Line())
		}
		total += res.Sent
	}

	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr})
	defer rdb.Close()
	prefix := "oauthcheck-traffic/" + cfg.RunID + " case=" + traffic.AttackCasePrefix
	var recs []Record
	for deadline := time.Now().Add(recordWait); ; time.Sleep(500 * time.Millisecond) {
		var err error
		if recs, err = readRecords(ctx, rdb, prefix); err != nil {
			t.Fatal(err)
		}
		if len(recs) >= total || time.Now().After(deadline) {
			break
		}
	}
	if len(recs) != total {
		t.Errorf("%d records for %d attack requests (is tyk-pump draining %s? docker compose stop pump)", len(recs), total, AnalyticsList)
	}
	byUA := map[string][]Record{}
	for _, rec := range recs {
		byUA[rec.UserAgent] = append(byUA[rec.UserAgent], rec)
	}

	for _, res := range results {
		p := res.Phase
		phaseRecs := byUA[res.UserAgent]
		if len(phaseRecs) == 0 {
			t.Errorf("%s: no records", p.Name)
			continue
		}
		if p.Name == traffic.InnocentPhase {
			for _, rec := range phaseRecs {
				for _, tag := range rec.Tags {
					if isGuardTag(tag) {
						t.Errorf("innocent client's record carries %q (tags %q)", tag, rec.Tags)
					}
				}
				if !slices.Contains(rec.Tags, "x-oauth-client-"+p.ClientID) {
					t.Errorf("innocent client's record lacks x-oauth-client-%s (tags %q)", p.ClientID, rec.Tags)
				}
			}
			continue
		}
		// The detector labels the records that crossed its threshold (the
		// floor, then twice it), and the second crossing makes the risk high.
		fired, high := 0, 0
		for _, rec := range phaseRecs {
			if slices.Contains(rec.Tags, "x-oauth-anomaly-"+p.Name) &&
				(p.ClientID == "" || slices.Contains(rec.Tags, "x-oauth-client-"+p.ClientID)) {
				fired++
			}
			if slices.Contains(rec.Tags, "x-oauth-risk-high") {
				high++
			}
		}
		if fired == 0 || high == 0 {
			t.Errorf("%s: of %d records, %d carry x-oauth-anomaly-%s for client %q and %d x-oauth-risk-high; want both > 0",
				p.Name, len(phaseRecs), fired, p.Name, p.ClientID, high)
		}
	}

	for _, rec := range recs {
		for _, s := range runner.Secrets() {
			for _, h := range [][]byte{rec.Raw, decodeB64(rec.RawRequest), decodeB64(rec.RawResponse)} {
				if bytes.Contains(h, []byte(s)) {
					t.Errorf("%s: a secret (%d bytes, starts %q) appears in the analytics record", rec.UserAgent, len(s), s[:4])
				}
			}
		}
	}
}

func isGuardTag(tag string) bool {
	for _, p := range []string{"x-oauth-risk-", "x-oauth-anomaly-", "x-oauth-action-"} {
		if strings.HasPrefix(tag, p) {
			return true
		}
	}
	return false
}
