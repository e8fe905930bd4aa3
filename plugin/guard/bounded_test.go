package guard

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

func ipOf(i int) string {
	return strconv.Itoa(10+i>>16&0xff) + "." + strconv.Itoa(i>>8&0xff) + "." + strconv.Itoa(i&0xff) + ".1"
}

// One million distinct IPs, each failing once, around one loud attacker:
// the state stays at its cap, the attacker is still caught, and subjects
// admitted late carry the failures the sketch saw.
func TestMillionDistinctSubjectsStayBounded(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	e := newEngine(t, Config{MemoryBytes: MinMemoryBytes})
	if e.MemoryBytes() > MinMemoryBytes {
		t.Fatalf("engine uses %d bytes, cap %d", e.MemoryBytes(), MinMemoryBytes)
	}
	before := e.MemoryBytes()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	span := 10 * time.Minute
	ev := Event{Root: classify.InvalidToken, Family: classify.FamilyToken}
	var caught *Block
	for i := 0; i < n; i++ {
		ev.At = t0.Add(time.Duration(int64(span) * int64(i) / int64(n)))
		ev.IP = ipOf(i)
		if i%2000 == 0 { // the attacker: 100 failures a minute from one IP
			ev.IP = "203.0.113.66"
		}
		var out Outcome
		e.Observe(&ev, &out)
		if out.Quarantined && caught == nil && out.Block.Kind == KindIP {
			b := out.Block
			caught = &b
		}
	}
	runtime.ReadMemStats(&ms1)
	if e.MemoryBytes() != before {
		t.Errorf("state grew from %d to %d bytes", before, e.MemoryBytes())
	}
	// The test's own IP strings are garbage; what is live must not grow.
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	if grew := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc); grew > 1<<20 {
		t.Errorf("live heap grew by %d bytes over %d subjects", grew, n)
	}
	if caught == nil {
		t.Fatal("the attacker among a million distinct IPs was not quarantined")
	}
	if _, ok := e.Check(KindIP, "203.0.113.66", caught.Until.Add(-time.Second)); !ok {
		t.Error("the quarantined attacker was evicted")
	}
	t.Logf("%d subjects, capacity %d entries in %d bytes (%d per entry); attacker quarantined by %s for %s",
		n, e.Capacity(), e.MemoryBytes(), entrySize, caught.Detector, caught.RetryAfter)
}

// The hot paths allocate nothing, also for subjects never seen before.
func TestHotPathsDoNotAllocate(t *testing.T) {
	e := newEngine(t, Config{MemoryBytes: MinMemoryBytes})
	ips := make([]string, 5000)
	for i := range ips {
		ips[i] = ipOf(i)
	}
	i := 0
	ev := Event{ClientID: "app", KeyFingerprint: "a1b2c3d4e5f6", Root: classify.InvalidGrant, Family: classify.FamilyGrant}
	var out Outcome
	observe := testing.AllocsPerRun(4000, func() {
		ev.IP, ev.At = ips[i%len(ips)], t0.Add(time.Duration(i)*time.Millisecond)
		i++
		e.Observe(&ev, &out)
	})
	check := testing.AllocsPerRun(4000, func() {
		i++
		e.Check(KindIP, ips[i%len(ips)], t0)
	})
	if observe != 0 || check != 0 {
		t.Errorf("allocs per Observe %v, per Check %v; want 0", observe, check)
	}
}
