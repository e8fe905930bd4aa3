// Package logagg decides which log lines a stream of repeated events
// deserves: the first occurrence of a key is written at once, repeats
// within a window are counted and summarised in one line at the window's
// end, a global cap bounds lines per second (what it drops is counted and
// reported in the next line), and a fixed-capacity table bounds memory
// (an entry that falls out is summarised first).
//
// It writes nothing itself: callers get Line values and format them, so
// the package has no logger and no Tyk import. There is no goroutine per
// key: due summaries come out of Observe and Flush, which a single ticker
// of the caller may call.
package logagg

import (
	"sync"
	"time"
)

// Defaults.
const (
	DefaultWindow         = 60 * time.Second
	DefaultLinesPerSecond = 100
	DefaultCapacity       = 4096
)

// Kind says what a Line stands for.
type Kind int

const (
	// First is the first occurrence of a key (or the first after a quiet
	// window): the caller writes its usual line.
	First Kind = iota
	// Summary counts the repeats of a key since its previous line.
	Summary
	// DroppedOnly reports lines the cap dropped when no other line came
	// after them for a second.
	DroppedOnly
)

// Line is one line to write. Dropped is how many lines the cap dropped
// since the previous line; the caller reports it on this line.
type Line[K comparable, P any] struct {
	Kind    Kind
	Key     K
	Payload P
	// Repeats (Summary only) is how many occurrences the summary stands
	// for: those after the key's previous line, up to now.
	Repeats int64
	// Window (Summary only) is the time since the key's previous line.
	Window  time.Duration
	Dropped int64
}

// Config sets the limits; zero fields take the defaults.
type Config struct {
	Window         time.Duration
	LinesPerSecond int
	Capacity       int
	// Now is the clock; nil is time.Now. Tests inject one.
	Now func() time.Time
}

type entry[K comparable, P any] struct {
	key        K
	payload    P
	start      time.Time // of the window: when the key's previous line was written
	repeats    int64
	prev, next int32 // deadline order: a window never moves earlier
}

const none = -1

// Aggregator is safe for concurrent use.
type Aggregator[K comparable, P any] struct {
	window   time.Duration
	perSec   int
	capacity int
	now      func() time.Time

	mu      sync.Mutex
	index   map[K]int32
	entries []entry[K, P]
	free    []int32
	head    int32 // earliest deadline
	tail    int32
	second  int64 // unix second the cap is counting
	used    int   // lines written in that second
	dropped int64 // lines dropped since the last line written
}

// New returns an aggregator with cfg's limits.
func New[K comparable, P any](cfg Config) *Aggregator[K, P] {
	a := &Aggregator[K, P]{window: cfg.Window, perSec: cfg.LinesPerSecond, capacity: cfg.Capacity, now: cfg.Now}
	if a.window <= 0 {
		a.window = DefaultWindow
	}
	if a.perSec <= 0 {
		a.perSec = DefaultLinesPerSecond
	}
	if a.capacity <= 0 {
		a.capacity = DefaultCapacity
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.index = make(map[K]int32, a.capacity)
	a.head, a.tail = none, none
	return a
}

// Observe records one occurrence of key and appends to dst the lines to
// write now: due summaries, then this occurrence's own line if it is a
// first one and the cap allows it. payload is kept with a new key for
// its summaries. A repeat inside its window appends nothing.
func (a *Aggregator[K, P]) Observe(key K, payload P, dst []Line[K, P]) []Line[K, P] {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	dst = a.sweep(now, dst)
	if i, ok := a.index[key]; ok {
		a.entries[i].repeats++
		return dst
	}
	need := 1
	if len(a.index) >= a.capacity && a.entries[a.head].repeats > 0 {
		need = 2 // the evicted key's summary goes out with this line
	}
	if !a.allow(now, need) {
		a.dropped++
		return dst
	}
	if len(a.index) >= a.capacity {
		dst = a.evict(now, dst)
	}
	a.insert(key, payload, now)
	return append(dst, a.line(Line[K, P]{Kind: First, Key: key, Payload: payload}))
}

// Flush appends the summaries that are due, and a DroppedOnly line if the
// cap dropped lines and nothing has reported them. Call it about once a
// second so that summaries come out when traffic stops.
func (a *Aggregator[K, P]) Flush(dst []Line[K, P]) []Line[K, P] {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	dst = a.sweep(now, dst)
	if a.dropped > 0 && a.allow(now, 1) {
		dst = append(dst, a.line(Line[K, P]{Kind: DroppedOnly}))
	}
	return dst
}

// Len is the number of keys in the table.
func (a *Aggregator[K, P]) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.index)
}

// sweep ends the windows that are over: a key with repeats gets its
// summary and a new window; a quiet one leaves the table, so its next
// occurrence is a first line again. A summary the cap has no room for
// waits, still counting, for the next sweep.
func (a *Aggregator[K, P]) sweep(now time.Time, dst []Line[K, P]) []Line[K, P] {
	for a.head != none {
		i := a.head
		e := &a.entries[i]
		if now.Sub(e.start) < a.window {
			break
		}
		if e.repeats == 0 {
			a.remove(i)
			continue
		}
		if !a.allow(now, 1) {
			break
		}
		dst = append(dst, a.summary(e, now))
		e.repeats, e.start = 0, now
		a.unlink(i)
		a.pushBack(i)
	}
	return dst
}

// evict makes room by taking out the key with the earliest deadline,
// with its summary if it has repeats (Observe reserved the cap for it).
func (a *Aggregator[K, P]) evict(now time.Time, dst []Line[K, P]) []Line[K, P] {
	i := a.head
	if e := &a.entries[i]; e.repeats > 0 {
		dst = append(dst, a.summary(e, now))
	}
	a.remove(i)
	return dst
}

func (a *Aggregator[K, P]) summary(e *entry[K, P], now time.Time) Line[K, P] {
	return a.line(Line[K, P]{Kind: Summary, Key: e.key, Payload: e.payload, Repeats: e.repeats, Window: now.Sub(e.start)})
}

// line hands the dropped count to the line being written.
func (a *Aggregator[K, P]) line(l Line[K, P]) Line[K, P] {
	l.Dropped, a.dropped = a.dropped, 0
	return l
}

// allow takes n lines from this second's budget, or none.
func (a *Aggregator[K, P]) allow(now time.Time, n int) bool {
	if s := now.Unix(); s != a.second {
		a.second, a.used = s, 0
	}
	if a.used+n > a.perSec {
		return false
	}
	a.used += n
	return true
}

func (a *Aggregator[K, P]) insert(key K, payload P, now time.Time) {
	var i int32
	if n := len(a.free); n > 0 {
		i, a.free = a.free[n-1], a.free[:n-1]
	} else {
		a.entries = append(a.entries, entry[K, P]{})
		i = int32(len(a.entries) - 1)
	}
	a.entries[i] = entry[K, P]{key: key, payload: payload, start: now}
	a.index[key] = i
	a.pushBack(i)
}

func (a *Aggregator[K, P]) remove(i int32) {
	a.unlink(i)
	delete(a.index, a.entries[i].key)
	a.entries[i] = entry[K, P]{} // drop references held by the key and payload
	a.free = append(a.free, i)
}

func (a *Aggregator[K, P]) pushBack(i int32) {
	e := &a.entries[i]
	e.prev, e.next = a.tail, none
	if a.tail != none {
		a.entries[a.tail].next = i
	} else {
		a.head = i
	}
	a.tail = i
}

func (a *Aggregator[K, P]) unlink(i int32) {
	e := &a.entries[i]
	if e.prev != none {
		a.entries[e.prev].next = e.next
	} else {
		a.head = e.next
	}
	if e.next != none {
		a.entries[e.next].prev = e.prev
	} else {
		a.tail = e.prev
	}
	e.prev, e.next = none, none
}
