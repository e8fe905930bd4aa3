package logagg

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is the injected clock: tests move it, nothing sleeps.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)} }

type key struct {
	api, verdict, causes, client string
}

type agg = Aggregator[key, string]
type line = Line[key, string]

// tally checks every line written against the cap and adds them up.
type tally struct {
	t          *testing.T
	perSec     int
	bySecond   map[int64]int
	lines      []line
	firsts     int64
	repeats    int64
	dropped    int64
	summaries  int
	droppedOly int // DroppedOnly lines
}

func newTally(t *testing.T, perSec int) *tally {
	return &tally{t: t, perSec: perSec, bySecond: map[int64]int{}}
}

func (ty *tally) add(now time.Time, ls []line) {
	ty.t.Helper()
	for _, l := range ls {
		ty.bySecond[now.Unix()]++
		if n := ty.bySecond[now.Unix()]; n > ty.perSec {
			ty.t.Fatalf("second %d: %d lines, over the cap of %d", now.Unix(), n, ty.perSec)
		}
		ty.lines = append(ty.lines, l)
		ty.dropped += l.Dropped
		switch l.Kind {
		case First:
			ty.firsts++
		case Summary:
			ty.summaries++
			ty.repeats += l.Repeats
		case DroppedOnly:
			ty.droppedOly++
		}
	}
}

func TestIdenticalWarningsGiveAHandfulOfLinesThatAddUp(t *testing.T) {
	clock := newClock()
	a := New[key, string](Config{Now: clock.now})
	ty := newTally(t, DefaultLinesPerSecond)
	k := key{"idp", "warning", "scope_widened", "demo-app"}
	const n = 100_000
	for i := 0; i < n; i++ {
		ty.add(clock.t, a.Observe(k, "payload", nil))
		clock.advance(time.Millisecond) // 100,000 events over 100 s
	}
	clock.advance(DefaultWindow)
	ty.add(clock.t, a.Flush(nil))

	if got := ty.firsts + ty.repeats; got != n {
		t.Fatalf("first lines %d + repeats %d = %d, want exactly %d", ty.firsts, ty.repeats, got, n)
	}
	if len(ty.lines) > 5 {
		t.Fatalf("got %d lines, want a handful: %+v", len(ty.lines), ty.lines)
	}
	if ty.firsts != 1 || ty.summaries != 2 {
		t.Errorf("got %d first and %d summary lines, want 1 and 2 (one per 60 s window)", ty.firsts, ty.summaries)
	}
	if s := ty.lines[1]; s.Kind != Summary || s.Window != DefaultWindow || s.Repeats != 59_999 || s.Payload != "payload" || s.Key != k {
		t.Errorf("first summary: got %+v, want 59999 repeats over 60 s with the key's payload", s)
	}
	if a.Len() != 1 {
		t.Errorf("table holds %d keys, want 1", a.Len())
	}
}

func TestBurstOfDistinctKeysStaysUnderTheCapWithAnExactDroppedCount(t *testing.T) {
	clock := newClock()
	const perSec, capacity = 100, 1000
	a := New[key, string](Config{Now: clock.now, LinesPerSecond: perSec, Capacity: capacity})
	ty := newTally(t, perSec)
	const n = 100_000
	for i := 0; i < n; i++ {
		ty.add(clock.t, a.Observe(key{"idp", "invalid", "invalid_client", fmt.Sprint("client-", i)}, "p", nil))
	}
	if ty.firsts != perSec {
		t.Fatalf("burst in one second wrote %d lines, want the cap, %d", ty.firsts, perSec)
	}
	clock.advance(time.Second)
	ty.add(clock.t, a.Flush(nil))
	if ty.droppedOly != 1 || ty.dropped != n-perSec {
		t.Fatalf("after the burst: %d dropped-only lines reporting %d, want 1 reporting exactly %d", ty.droppedOly, ty.dropped, n-perSec)
	}
	if a.Len() > capacity {
		t.Fatalf("table holds %d keys, over its capacity %d", a.Len(), capacity)
	}
}

// The same burst spread over 20 s: every second stays under the cap, and
// the dropped counts reported add up to exactly what was not written.
func TestSpreadDistinctKeysReportEveryDroppedLine(t *testing.T) {
	clock := newClock()
	const perSec, capacity = 100, 500
	a := New[key, string](Config{Now: clock.now, LinesPerSecond: perSec, Capacity: capacity})
	ty := newTally(t, perSec)
	const n = 100_000
	for i := 0; i < n; i++ {
		ty.add(clock.t, a.Observe(key{"idp", "invalid", "invalid_client", fmt.Sprint("client-", i%3000)}, "p", nil))
		clock.advance(200 * time.Microsecond)
	}
	for i := 0; i < 200 && (a.Len() > 0 || ty.firsts+ty.repeats+ty.dropped < n); i++ {
		clock.advance(time.Second)
		ty.add(clock.t, a.Flush(nil))
	}
	if got := ty.firsts + ty.repeats + ty.dropped; got != n {
		t.Fatalf("first %d + repeats %d + dropped %d = %d, want exactly %d", ty.firsts, ty.repeats, ty.dropped, got, n)
	}
	if a.Len() != 0 {
		t.Errorf("table holds %d keys after every window ended, want 0", a.Len())
	}
}

func TestKeyLifecycle(t *testing.T) {
	A, B, C := key{api: "a"}, key{api: "b"}, key{api: "c"}
	type step struct {
		advance time.Duration
		flush   bool
		key     key
		want    []line // Dropped is checked too
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"a quiet window drops the key, its next occurrence is first again", Config{Window: time.Minute}, []step{
			{key: A, want: []line{{Kind: First, Key: A, Payload: "a"}}},
			{advance: time.Minute, flush: true},
			{key: A, want: []line{{Kind: First, Key: A, Payload: "a"}}},
		}},
		{"repeats are summarised at the window's end, on the next event", Config{Window: time.Minute}, []step{
			{key: A, want: []line{{Kind: First, Key: A, Payload: "a"}}},
			{advance: time.Second, key: A},
			{advance: time.Second, key: A},
			{advance: time.Minute, key: B, want: []line{{Kind: Summary, Key: A, Payload: "a", Repeats: 2, Window: 62 * time.Second}, {Kind: First, Key: B, Payload: "b"}}},
		}},
		{"a full table evicts the earliest key with its summary", Config{Capacity: 2}, []step{
			{key: A, want: []line{{Kind: First, Key: A, Payload: "a"}}},
			{key: A},
			{advance: time.Second, key: B, want: []line{{Kind: First, Key: B, Payload: "b"}}},
			{advance: time.Second, key: C, want: []line{{Kind: Summary, Key: A, Payload: "a", Repeats: 1, Window: 2 * time.Second}, {Kind: First, Key: C, Payload: "c"}}},
			{key: B},
			{key: A, want: []line{{Kind: Summary, Key: B, Payload: "b", Repeats: 1, Window: time.Second}, {Kind: First, Key: A, Payload: "a"}}},
		}},
		{"the cap drops first lines and the next line reports them", Config{LinesPerSecond: 1}, []step{
			{key: A, want: []line{{Kind: First, Key: A, Payload: "a"}}},
			{key: B},
			{key: C},
			{advance: time.Second, key: C, want: []line{{Kind: First, Key: C, Payload: "c", Dropped: 2}}},
		}},
		{"a summary the cap has no room for waits and keeps counting", Config{LinesPerSecond: 1, Window: time.Minute}, []step{
			{key: A, want: []line{{Kind: First, Key: A, Payload: "a"}}},
			{key: A},
			{advance: time.Minute, key: B, want: []line{{Kind: Summary, Key: A, Payload: "a", Repeats: 1, Window: time.Minute}}},
			{key: A},
			{key: C},
			{advance: time.Minute, flush: true, want: []line{{Kind: Summary, Key: A, Payload: "a", Repeats: 1, Window: time.Minute, Dropped: 2}}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			tc.cfg.Now = clock.now
			a := New[key, string](tc.cfg)
			for i, s := range tc.steps {
				clock.advance(s.advance)
				var got []line
				if s.flush {
					got = a.Flush(nil)
				}
				if s.key != (key{}) {
					got = a.Observe(s.key, s.key.api, got)
				}
				if fmt.Sprint(got) != fmt.Sprint(s.want) {
					t.Fatalf("step %d: got  %+v\nwant %+v", i, got, s.want)
				}
			}
		})
	}
}

// Conservation under any sequence: every occurrence ends up as a first
// line, a repeat in a summary, or a dropped line, exactly once.
func FuzzConservation(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0x80, 0, 0, 0xff, 3})
	f.Add([]byte("aaaaaaaaaaaaaaaabbbbbbbbcccccc\xf0\xf0\xf0dddd"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		clock := newClock()
		const perSec = 3
		a := New[key, string](Config{Now: clock.now, LinesPerSecond: perSec, Capacity: 4, Window: 5 * time.Second})
		ty := newTally(t, perSec)
		var n int64
		for _, op := range ops {
			if op&0x80 != 0 {
				clock.advance(time.Duration(op&0x7f) * 100 * time.Millisecond)
				ty.add(clock.t, a.Flush(nil))
				continue
			}
			n++
			ty.add(clock.t, a.Observe(key{api: fmt.Sprint(op % 7)}, "p", nil))
		}
		for i := 0; i < 1000 && (a.Len() > 0 || ty.firsts+ty.repeats+ty.dropped < n); i++ {
			clock.advance(time.Second)
			ty.add(clock.t, a.Flush(nil))
		}
		if got := ty.firsts + ty.repeats + ty.dropped; got != n {
			t.Fatalf("first %d + repeats %d + dropped %d = %d, want %d", ty.firsts, ty.repeats, ty.dropped, got, n)
		}
		if a.Len() > 4 {
			t.Fatalf("table holds %d keys, capacity 4", a.Len())
		}
	})
}

// BenchmarkRepeat is what an aggregated-away repeat costs.
func BenchmarkRepeat(b *testing.B) {
	a := New[key, string](Config{})
	k := key{"idp", "warning", "scope_widened", "demo-app"}
	a.Observe(k, "p", nil)
	var buf [4]line
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if got := a.Observe(k, "p", buf[:0]); len(got) != 0 {
			b.Fatalf("a repeat within the window wrote %d lines", len(got))
		}
	}
}
