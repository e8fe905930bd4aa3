package guard

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// Level is a subject's risk level.
type Level uint8

// Risk levels.
const (
	LevelLow Level = iota
	LevelMedium
	LevelHigh
)

var levelNames = [...]string{"low", "medium", "high"}

func (l Level) String() string { return levelNames[l] }

// Risk score bounds: a score of MediumAt or more is medium, HighAt or more
// is high, and high is what quarantines.
const (
	MediumAt    = 25
	HighAt      = 75
	maxRisk     = 100
	firingScore = 50 // one firing: medium; a second before it decays: high
)

// Defaults.
const (
	DefaultMemoryBytes         = 4 << 20
	MinMemoryBytes             = 256 << 10
	MaxMemoryBytes             = 1 << 30
	DefaultQuarantineBase      = time.Minute
	DefaultQuarantineIncrement = 2 * time.Minute
	DefaultQuarantineMax       = 15 * time.Minute
	DefaultRiskHalfLife        = 5 * time.Minute
	// warmupWindows: the baseline is the plain mean of the first windows,
	// then an EWMA with baselineAlpha.
	warmupWindows = 5
	baselineAlpha = 0.05
)

// Config configures one Engine. Zero fields take the defaults.
type Config struct {
	// Thresholds override Registry defaults per detector; zero fields
	// keep the default.
	Thresholds [NumDetectors]Thresholds
	// MemoryBytes caps the engine's state, whatever the number of
	// distinct subjects.
	MemoryBytes         int
	QuarantineBase      time.Duration
	QuarantineIncrement time.Duration
	QuarantineMax       time.Duration
	RiskHalfLife        time.Duration
	// AllowCIDRs and AllowClients are never quarantined (still labelled).
	AllowCIDRs   []netip.Prefix
	AllowClients []string
	// QuarantineClients lets the detectors marked ClientOptIn quarantine
	// client_ids too (off: client_ids are labelled only).
	QuarantineClients bool
}

// Event is one classified OAuth response. Strings are public identifiers;
// UserHash is a keyed hash of the username (see UserHasher), never the name.
type Event struct {
	ClientID       string
	KeyFingerprint string
	IP             string
	UserHash       uint64
	Root           classify.Code
	Family         classify.Family
	PasswordGrant  bool
	// RedirectURIHash identifies the redirect_uri of the request, for the
	// distinct count of redirect_probing; 0 when there is none.
	RedirectURIHash uint64
	At              time.Time
}

// Firing is a detector's explanation of why it fired.
type Firing struct {
	Detector  Detector
	Kind      Kind
	Subject   string // the public identifier (user: the hash in hex)
	Current   int    // count in the current window (distinct URIs for redirect_probing)
	Previous  int    // count in the previous window
	Estimate  float64
	Baseline  float64
	Threshold float64
	Window    time.Duration
}

func (f Firing) String() string {
	return fmt.Sprintf("%s fired for %s %s: %.1f in the last %s (window now %d, previous %d) against a threshold of %.1f (baseline %.2f)",
		f.Detector, f.Kind, f.Subject, f.Estimate, f.Window, f.Current, f.Previous, f.Threshold, f.Baseline)
}

// maxFirings bounds the firings one event can report: one per subject kind.
const maxFirings = int(numKinds)

// Outcome is what the engine concluded from one event.
type Outcome struct {
	Level   Level // the highest risk level among the event's subjects
	n       int
	firings [maxFirings]Firing
	// Quarantined is set when a subject entered quarantine on this event.
	Quarantined bool
	Block       Block
}

// Firings are the detectors that fired on this event, with their reasons.
func (o *Outcome) Firings() []Firing { return o.firings[:o.n] }

// Block describes a quarantine.
type Block struct {
	Detector   Detector
	Kind       Kind
	Until      time.Time
	RetryAfter time.Duration
}

// Engine holds the state of one API. It is safe for concurrent use.
type Engine struct {
	mu        sync.Mutex
	spec      [NumDetectors]Thresholds
	windowSec [NumDetectors]uint32
	qBase     time.Duration
	qInc      time.Duration
	qMax      time.Duration
	halfLife  float64 // seconds
	allowNets []netip.Prefix
	clients   bool // Config.QuarantineClients
	allowIDs  map[string]struct{}
	seed      maphash.Seed
	table     table
	sketch    sketch
	// lastRelease is the latest end of any quarantine (unix seconds), so
	// Check costs nothing while no one is quarantined.
	lastRelease atomic.Int64
	// seenEnded is a lastRelease a request found in the past, so that
	// QuarantineActive reads no clock until a new quarantine raises it.
	seenEnded atomic.Int64
	// kindRelease is lastRelease per subject kind.
	kindRelease [numKinds]atomic.Int64
	api         entry  // the API itself, for upstream_incident
	shared      *share // nil: counts are this gateway's only (shared.go)
}

// New builds an engine, or says which setting is wrong.
func New(c Config) (*Engine, error) {
	e := &Engine{seed: maphash.MakeSeed()}
	var errs []string
	for d := Detector(0); d < NumDetectors; d++ {
		t := Registry[d].Defaults
		o := c.Thresholds[d]
		if o.Floor < 0 || o.Factor < 0 || o.Window < 0 {
			errs = append(errs, fmt.Sprintf("%s: thresholds must not be negative", d))
		}
		if o.Floor > 0 {
			t.Floor = o.Floor
		}
		if o.Factor > 0 {
			t.Factor = o.Factor
		}
		if o.Window > 0 {
			t.Window = o.Window
		}
		if t.Window < time.Second || t.Window > time.Hour {
			errs = append(errs, fmt.Sprintf("%s: window must be between 1s and 1h, got %s", d, t.Window))
		}
		if t.Floor > math.MaxUint16/2 {
			errs = append(errs, fmt.Sprintf("%s: floor must be at most %d, got %d", d, math.MaxUint16/2, t.Floor))
		}
		e.spec[d] = t
		e.windowSec[d] = uint32(t.Window / time.Second)
	}
	mem := c.MemoryBytes
	if mem == 0 {
		mem = DefaultMemoryBytes
	}
	if mem < MinMemoryBytes || mem > MaxMemoryBytes {
		errs = append(errs, fmt.Sprintf("memory cap must be between %d and %d bytes, got %d", MinMemoryBytes, MaxMemoryBytes, mem))
		mem = DefaultMemoryBytes
	}
	e.qBase, e.qInc, e.qMax = orDefault(c.QuarantineBase, DefaultQuarantineBase), orDefault(c.QuarantineIncrement, DefaultQuarantineIncrement), orDefault(c.QuarantineMax, DefaultQuarantineMax)
	if e.qMax < e.qBase {
		errs = append(errs, fmt.Sprintf("quarantine max %s is shorter than quarantine base %s", e.qMax, e.qBase))
	}
	e.halfLife = orDefault(c.RiskHalfLife, DefaultRiskHalfLife).Seconds()
	e.allowNets, e.clients = c.AllowCIDRs, c.QuarantineClients
	if len(c.AllowClients) > 0 {
		e.allowIDs = make(map[string]struct{}, len(c.AllowClients))
		for _, id := range c.AllowClients {
			e.allowIDs[id] = struct{}{}
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	e.sketch.init()
	e.table.init((mem - sketchBytes) / entrySize)
	return e, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// MemoryBytes is the size of the engine's fixed tables; it never grows.
func (e *Engine) MemoryBytes() int { return len(e.table.slots)*entrySize + sketchBytes }

// Capacity is how many subjects the engine tracks at once.
func (e *Engine) Capacity() int { return len(e.table.slots) }

func (e *Engine) key(k Kind, s string) uint64 {
	h := maphash.String(e.seed, s) ^ kindSalt(k)
	if h == 0 {
		h = 1
	}
	return h
}

// kindSalt keeps the same string of two kinds (a client_id that is also
// a key fingerprint) apart.
func kindSalt(k Kind) uint64 { return (uint64(k) + 1) * 0x9E3779B97F4A7C15 }

func (e *Engine) userKey(u uint64) uint64 {
	h := u ^ kindSalt(KindUser)
	h ^= h >> 31
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 29
	if h == 0 {
		h = 1
	}
	return h
}

// Observe feeds one classified response into the engine and writes what
// it concluded into out (which it resets; passed in so the hot path copies
// no firings).
func (e *Engine) Observe(ev *Event, out *Outcome) {
	out.Level, out.n, out.Quarantined = LevelLow, 0, false
	d, counted := detectorFor(ev.Root, ev.Family, ev.PasswordGrant)
	if !counted && ev.Root != classify.OK {
		return
	}
	now := ev.At.Unix()
	e.mu.Lock()
	defer e.mu.Unlock()
	if counted && d == UpstreamIncident {
		// The API is the subject; the distinct count is over client IPs.
		sub := e.key(KindIP, ev.IP)
		e.count(&e.api, d, now, sub, KindAPI, "", out)
		return
	}
	e.sketch.age(now)
	spec := &Registry[d]
	if ev.IP != "" {
		e.subject(KindIP, e.key(KindIP, ev.IP), ev.IP, d, counted, spec, ev, now, out)
	}
	if ev.ClientID != "" {
		e.subject(KindClient, e.key(KindClient, ev.ClientID), ev.ClientID, d, counted, spec, ev, now, out)
	}
	if ev.KeyFingerprint != "" {
		e.subject(KindKey, e.key(KindKey, ev.KeyFingerprint), ev.KeyFingerprint, d, counted, spec, ev, now, out)
	}
	if ev.UserHash != 0 {
		e.subject(KindUser, e.userKey(ev.UserHash), "", d, counted, spec, ev, now, out)
	}
}

func (e *Engine) subject(k Kind, key uint64, name string, d Detector, counted bool, spec *Spec, ev *Event, now int64, out *Outcome) {
	if !counted {
		// A success marks a tracked subject, or takes a quiet slot:
		// successes never evict the state of a subject that failed lately.
		s := e.table.lookup(key)
		if s == nil {
			s = e.table.admit(key, now, false, 0)
		}
		if s != nil {
			s.lastSeen = uint32(now)
			if s.successes < math.MaxUint16 {
				s.successes++
			}
			s.ok.roll(uint32(now)/successWindow, 0, true)
			if s.ok.cur < math.MaxUint16 {
				s.ok.cur++
			}
		}
		return
	}
	if !spec.Counts.Has(k) {
		return
	}
	s := e.table.lookup(key)
	est := 0
	if s == nil {
		// Only newcomers are counted in the sketch: it decides admission.
		est = e.sketch.add(key)
		if s = e.table.admit(key, now, true, est); s == nil {
			return // not admitted yet; the sketch remembers it
		}
	}
	fresh := s.lastSeen == 0
	s.lastSeen = uint32(now)
	s.kind = k
	if e.shared != nil && s.sid == 0 && name != "" {
		s.sid = sharedID(k, name) // once per subject, not per event
	}
	c := &s.c[d]
	if fresh && est > 1 {
		// Carry the failures the sketch saw before admission.
		c.window = uint32(now) / e.windowSec[d]
		c.cur = uint16(min(est-1, math.MaxUint16))
	}
	sub := ev.RedirectURIHash
	if d != RedirectProbing {
		sub = 0
	}
	e.count(s, d, now, sub, k, name, out)
	if k == KindUser && out.n > 0 && out.firings[out.n-1].Kind == KindUser && out.firings[out.n-1].Subject == "" {
		out.firings[out.n-1].Subject = strconv.FormatUint(ev.UserHash, 16)
	}
	e.noteRisk(s, out)
}

// count adds one event to s's counter for d, fires when both the floor and
// the baseline are exceeded, and scores the firing. distinct, when not 0,
// is counted as a distinct value instead of an event.
func (e *Engine) count(s *entry, d Detector, now int64, distinct uint64, k Kind, name string, out *Outcome) {
	c := &s.c[d]
	win := e.windowSec[d]
	w := uint32(now) / win
	t := &e.spec[d]
	if w > c.window { // the threshold is needed only to roll
		c.roll(w, float32(max(float64(t.Floor), t.Factor*float64(c.baseline))), s.successes > 0)
	}
	if distinct != 0 || d == UpstreamIncident || d == RedirectProbing {
		if distinct != 0 {
			c.bits |= 1 << (distinct >> 58)
		}
		if d == RedirectProbing {
			c.cur = uint16(linearCount(c.bits))
		} else if c.cur < math.MaxUint16 {
			c.cur++
		}
	} else if c.cur < math.MaxUint16 {
		c.cur++
		if e.shared != nil && s.sid != 0 && sharedKind(k, d) {
			e.markShared(s, d, c)
		}
	}
	if s.successes > 0 {
		s.ok.roll(uint32(now)/successWindow, 0, true)
	}
	// Fire at the threshold, then again at each doubling within a window.
	doublings := min(c.fired, 16)
	// The common case, nothing fires, in integers: the estimate is at most
	// cur+prev and the threshold at least the floor. Whatever is added to
	// est below (counts from other gateways) must be added here too.
	if uint64(c.cur)+uint64(c.remote)+uint64(c.prev) < uint64(t.Floor)<<doublings {
		return
	}
	frac := float64(uint32(now)%win) / float64(win)
	est := float64(c.cur) + float64(c.remote) + float64(c.prev)*(1-frac)
	threshold := max(float64(t.Floor), t.Factor*float64(c.baseline))
	if s.successes > 0 {
		okFrac := float64(uint32(now)%successWindow) / successWindow
		threshold = max(threshold, successShare*(float64(s.ok.cur)+float64(s.ok.prev)*(1-okFrac)))
	}
	need := threshold * float64(uint32(1)<<doublings)
	if est < need {
		return
	}
	if d == UpstreamIncident && linearCount(c.bits) < upstreamMinSubjects {
		return
	}
	c.fired++
	if out.n < maxFirings {
		out.firings[out.n] = Firing{Detector: d, Kind: k, Subject: name, Current: int(c.cur), Previous: int(c.prev),
			Estimate: est, Baseline: float64(c.baseline), Threshold: threshold, Window: time.Duration(win) * time.Second}
		out.n++
	}
	if d == UpstreamIncident {
		return // never scores or quarantines anyone
	}
	spec := &Registry[d]
	e.decay(s, now)
	score := float64(s.risk) + firingScore
	if spec.SpareEstablished && s.successes > 0 {
		score = math.Min(score, HighAt-1)
	}
	s.risk = float32(math.Min(math.Max(score, float64(s.risk)), maxRisk))
	enforces := spec.Enforces.Has(k) || k == KindClient && e.clients && spec.ClientOptIn
	if s.risk >= HighAt && enforces && !e.allowed(k, name) && int64(s.quarantineUntil) <= now {
		e.quarantine(s, d, k, now, out)
	}
}

func (e *Engine) decay(s *entry, now int64) {
	if uint32(now) <= s.riskAt {
		return // a late event: the score is already newer
	}
	if s.riskAt != 0 && s.risk > 0 {
		dt := float64(uint32(now) - s.riskAt)
		s.risk *= float32(math.Exp2(-dt / e.halfLife))
	}
	s.riskAt = uint32(now)
}

func (e *Engine) noteRisk(s *entry, out *Outcome) {
	l := levelOf(s.risk)
	if l > out.Level {
		out.Level = l
	}
}

func levelOf(r float32) Level {
	switch {
	case r >= HighAt:
		return LevelHigh
	case r >= MediumAt:
		return LevelMedium
	}
	return LevelLow
}

// quarantine blocks s for a time that grows with each repeat offence, like
// Keycloak's wait increment, up to the max. Offences are forgotten after a
// quiet period of four max waits.
func (e *Engine) quarantine(s *entry, d Detector, k Kind, now int64, out *Outcome) {
	if s.quarantineUntil != 0 && now-int64(s.quarantineUntil) > int64(4*e.qMax/time.Second) {
		s.offences = 0
	}
	wait := e.qBase + time.Duration(s.offences)*e.qInc
	if wait > e.qMax {
		wait = e.qMax
	}
	if s.offences < math.MaxUint8 {
		s.offences++
	}
	s.quarantineUntil = uint32(now + int64(wait/time.Second))
	if int64(s.quarantineUntil) > e.lastRelease.Load() {
		e.lastRelease.Store(int64(s.quarantineUntil)) // writers hold e.mu
	}
	e.seenEnded.Store(0) // even one ending before lastRelease is seen
	if int64(s.quarantineUntil) > e.kindRelease[k].Load() {
		e.kindRelease[k].Store(int64(s.quarantineUntil))
	}
	s.quarantinedBy = d
	out.Quarantined = true
	out.Block = Block{Detector: d, Kind: k, Until: time.Unix(int64(s.quarantineUntil), 0), RetryAfter: wait}
}

func (e *Engine) allowed(k Kind, name string) bool {
	switch k {
	case KindIP:
		if len(e.allowNets) == 0 {
			return false
		}
		a, err := netip.ParseAddr(name)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range e.allowNets {
			if p.Contains(a) {
				return true
			}
		}
	case KindClient:
		_, ok := e.allowIDs[name]
		return ok
	}
	return false
}

// Check says whether the subject is quarantined at now. It never creates
// state, so unknown subjects cost one lookup.
func (e *Engine) Check(k Kind, subject string, now time.Time) (Block, bool) {
	t := now.Unix()
	if subject == "" || k >= numKinds || t >= e.kindRelease[k].Load() {
		return Block{}, false
	}
	key := e.key(k, subject)
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.table.lookup(key)
	if s == nil || int64(s.quarantineUntil) <= t {
		return Block{}, false
	}
	until := int64(s.quarantineUntil)
	// A request stamped before the quarantine began (clocks of concurrent
	// requests differ) still waits no longer than the max.
	wait := min(time.Duration(until-t)*time.Second, e.qMax)
	return Block{Detector: s.quarantinedBy, Kind: k, Until: time.Unix(until, 0), RetryAfter: wait}, true
}

// AnyQuarantined is false when no subject can be quarantined at now: the
// request hooks' common case, one atomic load.
func (e *Engine) AnyQuarantined(now time.Time) bool { return now.Unix() < e.lastRelease.Load() }

// QuarantinesEnded is true when no quarantine can be active, read without
// a clock (it costs more than the check): none was ever set, or a request
// hook's QuarantineActive has seen the latest end pass. A new quarantine
// makes it false again.
func (e *Engine) QuarantinesEnded() bool { return e.lastRelease.Load() == e.seenEnded.Load() }

// QuarantineActive is AnyQuarantined for the request hooks, with now the
// present: when it is false it records that, for QuarantinesEnded.
func (e *Engine) QuarantineActive(now time.Time) bool {
	release := e.lastRelease.Load()
	if now.Unix() < release {
		return true
	}
	e.seenEnded.Store(release) // a newer lastRelease differs from it, so it is never hidden
	return false
}

// AnyQuarantinedOf is AnyQuarantined for one subject kind.
func (e *Engine) AnyQuarantinedOf(k Kind, now time.Time) bool {
	return k < numKinds && now.Unix() < e.kindRelease[k].Load()
}

// Risk returns the subject's current risk score and level.
func (e *Engine) Risk(k Kind, subject string, now time.Time) (float64, Level) {
	key := e.key(k, subject)
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.table.lookup(key)
	if s == nil {
		return 0, LevelLow
	}
	e.decay(s, now.Unix())
	return float64(s.risk), levelOf(s.risk)
}

// UserHasher returns a keyed hash of usernames for Event.UserHash: the
// engine never sees a username. The key lives only in memory.
type UserHasher struct{ seed maphash.Seed }

// NewUserHasher makes a hasher with a fresh random key.
func NewUserHasher() UserHasher { return UserHasher{seed: maphash.MakeSeed()} }

// Hash returns the keyed hash of name, never 0.
func (u UserHasher) Hash(name string) uint64 {
	h := maphash.String(u.seed, name)
	if h == 0 {
		h = 1
	}
	return h
}
