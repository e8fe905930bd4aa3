package redisstore

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/guard"
	"github.com/oauthcheck/oauthcheck/plugin/guard/redisstore/redistest"
)

func TestAddIncrementsAndExpires(t *testing.T) {
	addr := redistest.Addr(t)
	s := New(Options{Addr: addr})
	t.Cleanup(func() { _ = s.Close() })
	prefix := "oauthcheck:test:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	ctx := context.Background()
	got, err := s.Add(ctx, []guard.Delta{{Key: prefix + "a", N: 3, TTL: time.Minute}, {Key: prefix + "b", N: 1, TTL: 2 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != 3 || got[1] != 1 {
		t.Fatalf("totals: got %v, want [3 1]", got)
	}
	got, err = s.Add(ctx, []guard.Delta{{Key: prefix + "a", N: 4, TTL: time.Minute}})
	if err != nil || len(got) != 1 || got[0] != 7 {
		t.Fatalf("second add: got %v, %v; want [7]", got, err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	ttl, err := rdb.TTL(ctx, prefix+"b").Result()
	if err != nil || ttl <= time.Minute || ttl > 2*time.Minute {
		t.Errorf("TTL of b: got %s, %v; want just under 2m", ttl, err)
	}
}

// More keys than one pipeline holds come back in order.
func TestAddBatchesKeepOrder(t *testing.T) {
	s := New(Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { _ = s.Close() })
	prefix := "oauthcheck:test:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	deltas := make([]guard.Delta, 3*batch+7)
	for i := range deltas {
		deltas[i] = guard.Delta{Key: prefix + strconv.Itoa(i), N: int64(i + 1), TTL: time.Minute}
	}
	got, err := s.Add(context.Background(), deltas)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range got {
		if n != int64(i+1) {
			t.Fatalf("total %d: got %d, want %d", i, n, i+1)
		}
	}
	if len(got) != len(deltas) {
		t.Fatalf("got %d totals, want %d", len(got), len(deltas))
	}
}

// Two engines (two gateways) on one real Redis: an attack each sees half
// of is caught; the same traffic without Redis is not.
func TestTwoEnginesOnOneRedis(t *testing.T) {
	addr := redistest.Addr(t)
	api := "api-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	a, b := newEngine(t), newEngine(t)
	sy := guard.NewSyncer(New(Options{Addr: addr}))
	sy.Share(api, a)
	sy2 := guard.NewSyncer(New(Options{Addr: addr})) // a second gateway has its own client
	sy2.Share(api, b)
	ip := "203.0.113.61"
	now := time.Now()
	fail := func(e *guard.Engine) []guard.Firing {
		var out guard.Outcome
		e.Observe(&guard.Event{IP: ip, Root: classify.InvalidClient, Family: classify.FamilyCredentials, At: now}, &out)
		return out.Firings()
	}
	var firings []guard.Firing
	for i := 0; i < 15 && len(firings) == 0; i++ { // 15 each: under the floor of 20 alone
		firings = append(firings, fail(a)...)
		firings = append(firings, fail(b)...)
		for _, s := range []*guard.Syncer{sy, sy2} {
			if err := s.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(firings) == 0 || firings[0].Detector != guard.CredentialStuffing || firings[0].Subject != ip {
		t.Fatalf("got firings %v, want credential_stuffing for %s", firings, ip)
	}
	if firings[0].Current >= 20 {
		t.Errorf("fired on a local count of %d: not the shared view", firings[0].Current)
	}
}

// A Redis that is not there: Sync fails fast with the dial error, and the
// engine still counts locally.
func TestRedisDownFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	e := newEngine(t)
	sy := guard.NewSyncer(New(Options{Addr: addr}))
	sy.Share("api", e)
	var downs int
	sy.OnDown = func(error) { downs++ }
	var firings int
	for i := 0; i < 25; i++ {
		var out guard.Outcome
		e.Observe(&guard.Event{IP: "192.0.2.99", Root: classify.InvalidClient, Family: classify.FamilyCredentials, At: time.Now()}, &out)
		firings += len(out.Firings())
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := sy.Sync(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("sync to a closed port: got %v, want connection refused", err)
		}
	}
	if downs != 1 {
		t.Errorf("OnDown called %d times, want once per outage", downs)
	}
	if firings == 0 {
		t.Error("no local firing after 25 failures while Redis was down")
	}
}

func newEngine(t *testing.T) *guard.Engine {
	t.Helper()
	e, err := guard.New(guard.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
