package guard

import (
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// Any sequence of events, times included (backwards, far jumps), neither
// panics nor lets a quarantine outlive its max, nor blocks for
// upstream_incident.
func FuzzObserve(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0, 0, 0, 0, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := New(Config{MemoryBytes: MinMemoryBytes, Thresholds: [NumDetectors]Thresholds{
			TokenGuessing: {Floor: 2}, CredentialStuffing: {Floor: 2}, GrantReplay: {Floor: 2}, UpstreamIncident: {Floor: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		at := t0
		ips := []string{"192.0.2.1", "192.0.2.2", "::1", ""}
		for i := 0; i+2 < len(data); i += 3 {
			cause := classify.Registry[int(data[i])%len(classify.Registry)]
			at = at.Add(time.Duration(int8(data[i+1])) * time.Second)
			ev := Event{Root: cause.Code, Family: cause.Family, IP: ips[data[i+2]%4], ClientID: ips[(data[i+2]>>2)%4],
				UserHash: uint64(data[i+2] >> 4), PasswordGrant: data[i+2]&0x80 != 0, RedirectURIHash: uint64(data[i]) << 56, At: at}
			var out Outcome
			e.Observe(&ev, &out)
			if out.Quarantined {
				if out.Block.Detector == UpstreamIncident {
					t.Fatal("upstream_incident quarantined")
				}
				if out.Block.RetryAfter > DefaultQuarantineMax || out.Block.RetryAfter <= 0 {
					t.Fatalf("quarantine %s out of bounds", out.Block.RetryAfter)
				}
			}
			for _, k := range []Kind{KindIP, KindClient, KindKey} {
				if b, ok := e.Check(k, ev.IP, at); ok && b.RetryAfter > DefaultQuarantineMax {
					t.Fatalf("block %s longer than max", b.RetryAfter)
				}
			}
		}
	})
}
