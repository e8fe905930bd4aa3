package guard

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// memStore is a Store in memory, standing in for Redis: INCRBY semantics.
type memStore struct {
	mu     sync.Mutex
	counts map[string]int64
	ttls   map[string]time.Duration
	fail   error
	calls  int
}

func newMemStore() *memStore {
	return &memStore{counts: map[string]int64{}, ttls: map[string]time.Duration{}}
}

func (m *memStore) Add(_ context.Context, deltas []Delta) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.fail != nil {
		return nil, m.fail
	}
	out := make([]int64, len(deltas))
	for i, d := range deltas {
		m.counts[d.Key] += d.N
		m.ttls[d.Key] = d.TTL
		out[i] = m.counts[d.Key]
	}
	return out, nil
}

// twoGateways are two engines of one API sharing one store.
func twoGateways(t *testing.T, store Store) (a, b *Engine, sy *Syncer) {
	t.Helper()
	sy = NewSyncer(store)
	a, b = newEngine(t, Config{}), newEngine(t, Config{})
	sy.Share("api-1", a)
	sy.Share("api-1", b)
	return a, b, sy
}

func stuffing(ip string, at time.Time) *Event {
	return failure(classify.InvalidClient, ip, "", at)
}

// observe sends n events and returns every firing.
func observe(e *Engine, n int, ev func(i int) *Event) []Firing {
	var all []Firing
	for i := 0; i < n; i++ {
		var out Outcome
		e.Observe(ev(i), &out)
		all = append(all, out.Firings()...)
	}
	return all
}

// An attack split across two gateways: 15 invalid_client per gateway from
// one IP, under the floor of 20 on each, is caught once they share counts.
func TestTwoGatewaysSharingCatchWhatEachMisses(t *testing.T) {
	ip := "203.0.113.50"
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 100 * time.Millisecond) }

	// Control: the same traffic with no sharing fires nowhere.
	alone1, alone2 := newEngine(t, Config{}), newEngine(t, Config{})
	if f := append(observe(alone1, 15, func(i int) *Event { return stuffing(ip, at(i)) }),
		observe(alone2, 15, func(i int) *Event { return stuffing(ip, at(i)) })...); len(f) != 0 {
		t.Fatalf("control: unshared gateways fired: %v", f)
	}

	store := newMemStore()
	a, b, sy := twoGateways(t, store)
	firings := observe(a, 10, func(i int) *Event { return stuffing(ip, at(i)) })
	firings = append(firings, observe(b, 10, func(i int) *Event { return stuffing(ip, at(i)) })...)
	if len(firings) != 0 {
		t.Fatalf("fired before any sync: %v", firings)
	}
	if err := sy.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	key := ""
	for k, n := range store.counts {
		if strings.Contains(k, ":credential_stuffing:ip:") {
			key = k
			if n != 20 {
				t.Errorf("shared count of %s: got %d, want 20 (10 from each gateway)", k, n)
			}
		}
	}
	if !strings.HasPrefix(key, KeyPrefix+"api-1:credential_stuffing:ip:") {
		t.Fatalf("no shared key for the IP; keys %v", store.counts)
	}
	if strings.Contains(key, ip) {
		t.Errorf("shared key %q carries the IP itself; want its hash", key)
	}
	if ttl := store.ttls[key]; ttl != 2*time.Minute+10*time.Second {
		t.Errorf("TTL of %s: got %s, want two windows and 10 s", key, ttl)
	}
	// The gateway that synced first learnt only its own count; one more
	// failure and a sync teach it the other's.
	var got []Firing
	for i := 10; i < 15 && len(got) == 0; i++ {
		got = append(got, observe(a, 1, func(int) *Event { return stuffing(ip, at(i)) })...)
		got = append(got, observe(b, 1, func(int) *Event { return stuffing(ip, at(i)) })...)
		if err := sy.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) == 0 {
		t.Fatalf("no firing with 15 failures on each gateway sharing counts (store %v)", store.counts)
	}
	f := got[0]
	if f.Detector != CredentialStuffing || f.Kind != KindIP || f.Subject != ip {
		t.Errorf("firing: got %s for %s %s, want credential_stuffing for ip %s", f.Detector, f.Kind, f.Subject, ip)
	}
	if f.Estimate < 20 || f.Current >= 20 {
		t.Errorf("firing: estimate %.0f with local count %d; want the cluster's ≥ 20 from a local count under 20", f.Estimate, f.Current)
	}
}

// Only public subjects' plain counts are shared: not usernames (their
// keyed hash is per process), not distinct counts.
func TestSharedCountsLeaveUsersAndDistinctCountsLocal(t *testing.T) {
	store := newMemStore()
	a, _, sy := twoGateways(t, store)
	var out Outcome
	ev := failure(classify.InvalidGrant, "", "", t0)
	ev.PasswordGrant, ev.UserHash = true, 12345
	a.Observe(ev, &out)
	probe := failure(classify.RedirectURIMismatch, "", "", t0)
	probe.RedirectURIHash = 99
	a.Observe(probe, &out)
	if err := sy.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(store.counts) != 0 || store.calls != 0 {
		t.Errorf("shared %v (%d calls); want nothing for a username or a distinct count", store.counts, store.calls)
	}
	// A client_id and a key are shared.
	a.Observe(&Event{ClientID: "app", KeyFingerprint: "fp1", Root: classify.InvalidGrant, Family: classify.FamilyGrant, At: t0}, &out)
	if err := sy.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for k := range store.counts {
		parts := strings.Split(strings.TrimPrefix(k, KeyPrefix), ":")
		kinds[parts[2]] = true
	}
	if !kinds["client_id"] || !kinds["key"] || len(kinds) != 2 {
		t.Errorf("shared kinds: got %v, want client_id and key", kinds)
	}
}

// When the store fails, the engine counts locally, the syncer says so once,
// and the deltas go out when it answers again.
func TestSharedStoreDownThenBack(t *testing.T) {
	store := newMemStore()
	a, _, sy := twoGateways(t, store)
	var downs, ups int
	var downErr error
	sy.OnDown = func(err error) { downs++; downErr = err }
	sy.OnUp = func() { ups++ }
	store.fail = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

	observe(a, 3, func(i int) *Event { return stuffing("192.0.2.7", t0.Add(time.Duration(i)*time.Second)) })
	for i := 0; i < 3; i++ {
		if err := sy.Sync(context.Background()); err == nil {
			t.Fatal("sync with a failing store: got nil error")
		}
		observe(a, 1, func(int) *Event { return stuffing("192.0.2.7", t0.Add(time.Duration(3+i)*time.Second)) })
	}
	if downs != 1 || ups != 0 || !sy.Down() || !strings.Contains(downErr.Error(), "connection refused") {
		t.Errorf("while down: OnDown %d times, OnUp %d, Down %v, err %v; want one OnDown", downs, ups, sy.Down(), downErr)
	}
	// Local counting went on: risk unaffected by the outage.
	var out Outcome
	a.Observe(stuffing("192.0.2.7", t0.Add(7*time.Second)), &out)

	store.fail = nil
	if err := sy.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if downs != 1 || ups != 1 || sy.Down() {
		t.Errorf("after recovery: OnDown %d, OnUp %d, Down %v; want one of each and up", downs, ups, sy.Down())
	}
	total := int64(0)
	for _, n := range store.counts {
		total += n
	}
	if total != 7 {
		t.Errorf("shared count after recovery: got %d, want all 7 failures (none lost in the outage)", total)
	}
}

// The remote count belongs to its window: it is folded into prev when the
// window rolls and gone after.
func TestRemoteCountRollsWithTheWindow(t *testing.T) {
	store := newMemStore()
	a, b, sy := twoGateways(t, store)
	ip := "198.51.100.77"
	observe(b, 8, func(i int) *Event { return stuffing(ip, t0.Add(time.Duration(i)*time.Second)) })
	observe(a, 1, func(int) *Event { return stuffing(ip, t0.Add(9*time.Second)) })
	if err := sy.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	observe(a, 1, func(int) *Event { return stuffing(ip, t0.Add(10*time.Second)) })
	if err := sy.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := a.table.lookup(a.key(KindIP, ip))
	if s == nil {
		t.Fatal("subject not tracked")
	}
	c := &s.c[CredentialStuffing]
	if c.cur != 2 || c.remote != 8 {
		t.Fatalf("gateway a: local %d, remote %d; want 2 and 8", c.cur, c.remote)
	}
	a.Observe(stuffing(ip, t0.Add(61*time.Second)), &Outcome{})
	if c.prev != 10 || c.remote != 0 || c.cur != 1 || c.synced != 0 {
		t.Errorf("after the roll: prev %d remote %d cur %d synced %d; want 10, 0, 1, 0", c.prev, c.remote, c.cur, c.synced)
	}
}

// However many subjects fail between syncs, one sync sends at most
// maxPending counters per engine, and the rest go with a later failure.
func TestPendingListIsBounded(t *testing.T) {
	store := newMemStore()
	sy := NewSyncer(store)
	e := newEngine(t, Config{MemoryBytes: 64 << 20})
	sy.Share("api", e)
	n := maxPending + 500
	for i := 0; i < n; i++ {
		var out Outcome
		e.Observe(failure(classify.InvalidClient, "", "client-"+strconv.Itoa(i), t0), &out)
	}
	if got := len(e.shared.list); got != maxPending || cap(e.shared.list) != maxPending {
		t.Fatalf("pending: %d (cap %d), want %d", got, cap(e.shared.list), maxPending)
	}
	if err := sy.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(store.counts) != maxPending {
		t.Errorf("sent %d counters, want %d", len(store.counts), maxPending)
	}
}

// Marking a counter for the next sync allocates nothing.
func TestSharedHotPathAllocatesNothing(t *testing.T) {
	sy := NewSyncer(newMemStore())
	e := newEngine(t, Config{})
	sy.Share("api", e)
	ev := Event{IP: "203.0.113.1", ClientID: "app", KeyFingerprint: "fp", Root: classify.InvalidGrant, Family: classify.FamilyGrant, At: t0}
	var out Outcome
	e.Observe(&ev, &out) // admits the subjects and hashes their shared ids
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		i++
		ev.At = t0.Add(time.Duration(i) * time.Millisecond)
		e.Observe(&ev, &out)
	}); n != 0 {
		t.Errorf("Observe with shared counters: %.1f allocs, want 0", n)
	}
}

// A failed round's deltas go out with the next round even with no new
// failure in between.
func TestFailedRoundIsResent(t *testing.T) {
	store := newMemStore()
	a, _, sy := twoGateways(t, store)
	observe(a, 1, func(int) *Event { return stuffing("192.0.2.8", t0) })
	store.fail = errors.New("i/o timeout")
	if err := sy.Sync(context.Background()); err == nil {
		t.Fatal("want the store's error")
	}
	store.fail = nil
	if err := sy.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(store.counts) != 1 {
		t.Fatalf("after recovery: %v, want the one failure", store.counts)
	}
	for k, n := range store.counts {
		if n != 1 {
			t.Errorf("%s: got %d, want 1", k, n)
		}
	}
	if sy.Down() {
		t.Error("still down after a good round")
	}
}
