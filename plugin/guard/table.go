package guard

import (
	"math"
	"math/bits"
	"unsafe"
)

// counter is one detector's sliding window for one subject.
type counter struct {
	bits     uint64 // distinct sketch (64-bit linear counting) of the current window
	window   uint32 // index of the current window
	baseline float32
	cur      uint16
	prev     uint16
	seen     uint8 // windows folded into the baseline, up to warmupWindows
	fired    uint8 // firings in the current window
	// Shared counters (shared.go): the other gateways' count in this
	// window, what this one has sent of cur, and whether it waits for a sync.
	remote uint16
	synced uint16
	dirty  bool
}

// roll moves the counter to window w. A window that fired is folded into
// the baseline only for a subject with a success history (a busy client
// whose normal failure rate is above the floor), and then only up to the
// threshold it crossed; an attacker that only fails never teaches it.
func (c *counter) roll(w uint32, threshold float32, established bool) {
	if w <= c.window {
		return // same window, or an event stamped a little late
	}
	if c.window != 0 {
		gap := w - c.window
		all := min(uint32(c.cur)+uint32(c.remote), math.MaxUint16) // the cluster's count
		v := float32(all)
		if c.fired > 0 && v > threshold {
			v = threshold
		}
		if c.fired == 0 || established {
			c.fold(v)
		}
		for i := uint32(1); i < gap && i <= 64; i++ {
			c.fold(0)
		}
		if gap == 1 {
			c.prev = uint16(all)
		} else {
			c.prev = 0
		}
	} else {
		c.prev = 0
	}
	c.window, c.cur, c.fired, c.bits = w, 0, 0, 0
	c.remote, c.synced, c.dirty = 0, 0, false
}

func (c *counter) fold(v float32) {
	if c.seen < warmupWindows {
		c.seen++
		c.baseline += (v - c.baseline) / float32(c.seen)
		return
	}
	c.baseline += baselineAlpha * (v - c.baseline)
}

// linearCount estimates the distinct values set in a 64-bit bitmap.
func linearCount(b uint64) int {
	zeros := 64 - bits.OnesCount64(b)
	if zeros == 0 {
		return 64 * 4 // saturated: many
	}
	return int(math.Round(-64 * math.Log(float64(zeros)/64)))
}

// entry is one tracked subject.
type entry struct {
	key             uint64
	c               [NumDetectors]counter
	ok              counter // successes, in windows of successWindow seconds
	risk            float32
	riskAt          uint32 // unix seconds
	lastSeen        uint32 // unix seconds; 0: never (a fresh slot)
	quarantineUntil uint32
	successes       uint16
	kind            Kind
	offences        uint8
	quarantinedBy   Detector
	sid             uint64 // sharedID of the subject, when counts are shared; else 0
}

// successWindow is the window of the success counts, in seconds.
const successWindow = 60

const entrySize = int(unsafe.Sizeof(entry{}))

// ways is the associativity of the table: a subject lives in one of the
// ways of its bucket, and a newcomer replaces the least valuable one.
const ways = 8

// table is a fixed-capacity set-associative map from subject key to entry.
type table struct {
	slots []entry
	mask  uint64 // buckets - 1
}

func (t *table) init(capacity int) {
	buckets := 1
	for buckets*2*ways <= capacity {
		buckets *= 2
	}
	t.slots = make([]entry, buckets*ways)
	t.mask = uint64(buckets - 1)
}

func (t *table) bucket(key uint64) []entry {
	i := int((key>>32^key)&t.mask) * ways
	return t.slots[i : i+ways : i+ways]
}

func (t *table) lookup(key uint64) *entry {
	b := t.bucket(key)
	for i := range b {
		if b[i].key == key {
			return &b[i]
		}
	}
	return nil
}

// staleAfter: an entry unseen this long holds nothing a detector still uses.
const staleAfter = 2 * 3600

// admit makes room for key, which lookup did not find. A success
// (failure false) only takes an empty, stale or quiet slot. A failure evicts the
// least valuable entry if the newcomer has been seen at least as often
// (the sketch estimate) as the victim's recent activity, TinyLFU style;
// quarantined entries go last.
func (t *table) admit(key uint64, now int64, failure bool, est int) *entry {
	b := t.bucket(key)
	victim := 0
	victimValue := math.MaxFloat64
	for i := range b {
		v := value(&b[i], now)
		if v < victimValue {
			victim, victimValue = i, v
			if v == 0 {
				break
			}
		}
	}
	// A success may replace only a quiet entry (no failures lately); a
	// failure also one less active than the newcomer.
	if victimValue > quietValue && (!failure || float64(est) < victimValue) {
		return nil
	}
	b[victim] = entry{key: key}
	return &b[victim]
}

// quietValue is the value of an entry seen lately with no failures.
const quietValue = 0.5

// value ranks an entry for eviction: 0 for empty or stale ones, else its
// recent failures, with risk and quarantine weighing far more.
func value(s *entry, now int64) float64 {
	if s.key == 0 {
		return 0
	}
	if int64(s.quarantineUntil) > now {
		return math.MaxFloat64 / 2
	}
	if now-int64(s.lastSeen) > staleAfter && s.risk < MediumAt {
		return 0
	}
	v := float64(s.risk) * 1000
	for i := range s.c {
		v += float64(s.c[i].cur) + float64(s.c[i].prev)/2
	}
	if v == 0 {
		v = quietValue // seen recently but quiet: cheap to evict, not free
	}
	return v
}

// sketch is a count-min sketch of failures per subject, halved every
// minute, so subjects not (yet) in the table still have a count.
type sketch struct {
	rows  [sketchDepth][sketchWidth]uint8
	epoch int64
}

const (
	sketchDepth = 4
	sketchWidth = 1 << 14
	sketchBytes = sketchDepth * sketchWidth
	sketchAge   = 60 // seconds between halvings
)

func (s *sketch) init() {}

func (s *sketch) age(now int64) {
	epoch := now / sketchAge
	if epoch <= s.epoch {
		return // same minute, or a clock step back: keep counting
	}
	halvings := epoch - s.epoch
	s.epoch = epoch
	for r := range s.rows {
		row := (*[sketchWidth / 8]uint64)(unsafe.Pointer(&s.rows[r]))
		for i := range row {
			if halvings >= 8 {
				row[i] = 0
			} else {
				row[i] = (row[i] >> halvings) & (0xFF >> halvings * 0x0101010101010101)
			}
		}
	}
}

// add counts key once (conservative update) and returns its estimate.
func (s *sketch) add(key uint64) int {
	var idx [sketchDepth]uint32
	est := uint8(math.MaxUint8)
	h := key
	for r := range idx {
		h = h*0x9E3779B97F4A7C15 + uint64(r)
		idx[r] = uint32(h>>32) & (sketchWidth - 1)
		if v := s.rows[r][idx[r]]; v < est {
			est = v
		}
	}
	if est < math.MaxUint8 {
		est++
	}
	for r := range idx {
		if s.rows[r][idx[r]] < est {
			s.rows[r][idx[r]] = est
		}
	}
	return int(est)
}
