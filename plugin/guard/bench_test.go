package guard

import (
	"context"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

func benchIPs(n int) []string {
	ips := make([]string, n)
	for i := range ips {
		ips[i] = ipOf(i)
	}
	return ips
}

// An OAuth error response with three subjects, over many distinct IPs.
func BenchmarkObserveOAuthFailure(b *testing.B) {
	e := newEngine(b, Config{})
	ips := benchIPs(4096)
	ev := Event{ClientID: "app", KeyFingerprint: "a1b2c3d4e5f6", Root: classify.InvalidGrant, Family: classify.FamilyGrant}
	var out Outcome
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev.IP, ev.At = ips[i&4095], t0.Add(time.Duration(i)*time.Microsecond)
		e.Observe(&ev, &out)
	}
}

// The same with shared counters on (guard.redis_addr): the hot path only
// marks counters for the next sync.
func BenchmarkObserveOAuthFailureShared(b *testing.B) {
	e := newEngine(b, Config{})
	sy := NewSyncer(newMemStore())
	sy.Share("api", e)
	ips := benchIPs(4096)
	ev := Event{ClientID: "app", KeyFingerprint: "a1b2c3d4e5f6", Root: classify.InvalidGrant, Family: classify.FamilyGrant}
	var out Outcome
	for i := range ips { // admit every subject first: the shared id is hashed once per subject
		ev.IP, ev.At = ips[i], t0
		e.Observe(&ev, &out)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev.IP, ev.At = ips[i&4095], t0.Add(time.Duration(i)*time.Microsecond)
		e.Observe(&ev, &out)
		if i&4095 == 4095 {
			b.StopTimer()
			_ = sy.Sync(context.Background()) // as the syncer does every second
			b.StartTimer()
		}
	}
}

// A usable OAuth response: successes only touch tracked subjects.
func BenchmarkObserveOAuthSuccess(b *testing.B) {
	e := newEngine(b, Config{})
	ips := benchIPs(4096)
	ev := Event{ClientID: "app", Root: classify.OK, Family: classify.FamilyOK}
	var out Outcome
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev.IP, ev.At = ips[i&4095], t0.Add(time.Duration(i)*time.Microsecond)
		e.Observe(&ev, &out)
	}
}

// A response no detector counts (a non-OAuth answer the hook still passes).
func BenchmarkObserveNonOAuth(b *testing.B) {
	e := newEngine(b, Config{})
	ev := Event{IP: "192.0.2.1", Root: classify.MissingNoStore, Family: classify.FamilyResponseFormat, At: t0}
	var out Outcome
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.Observe(&ev, &out)
	}
}

// The enforcement check of the request hooks: IP and client_id.
func BenchmarkCheck(b *testing.B) {
	e := newEngine(b, Config{})
	ips := benchIPs(4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Check(KindIP, ips[i&4095], t0)
		e.Check(KindClient, "app", t0)
	}
}

// The enforcement check while some subjects are quarantined: a lookup.
func BenchmarkCheckWithQuarantines(b *testing.B) {
	e := newEngine(b, Config{})
	var out Outcome
	for i := 0; i < 200; i++ {
		e.Observe(&Event{IP: "203.0.113.1", Root: classify.InvalidToken, Family: classify.FamilyToken, At: t0.Add(time.Duration(i) * 10 * time.Millisecond)}, &out)
	}
	if _, ok := e.Check(KindIP, "203.0.113.1", t0.Add(5*time.Second)); !ok {
		b.Fatal("no quarantine to benchmark against")
	}
	ips := benchIPs(4096)
	ips[7] = "203.0.113.1"
	at := t0.Add(5 * time.Second)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Check(KindIP, ips[i&4095], at)
	}
}
