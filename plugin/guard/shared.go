package guard

// Shared counters: several gateways behind a load balancer each see a share
// of an attack, so each adds its window counts to a store they share
// (Redis; plugin/guard/redisstore) and counts the others' in its estimates.
// The hot path only marks a counter dirty in a fixed-size list; a Syncer
// goroutine sends the deltas in batches and reads the cluster totals back.
// No store call ever sits on the request path, and when the store fails
// the engine counts locally only until it returns.

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// Delta is one window count a gateway adds to the shared store.
type Delta struct {
	Key string // stable across gateways: API, detector, subject, window
	N   int64  // this gateway's new failures since its last sync
	TTL time.Duration
}

// Store adds deltas to shared counts and returns the totals after the
// addition, in order. Redis: INCRBY and EXPIRE in one pipeline.
type Store interface {
	Add(ctx context.Context, deltas []Delta) ([]int64, error)
}

// maxPending bounds the counters one engine sends per sync. A counter
// that finds the list full is sent with its next failure after a sync.
const maxPending = 4096

// KeyPrefix starts every shared key.
const KeyPrefix = "oauthcheck:guard:"

// pending is one dirty counter.
type pending struct {
	key    uint64 // table key of the entry
	det    Detector
	window uint32
	// Filled by the snapshot: what this gateway has sent so far in the
	// window (total minus that is the other gateways' count), and the delta.
	synced uint16
	delta  uint16
	shared string
}

// share is an engine's link to a Syncer.
type share struct {
	apiID string
	list  []pending // dirty counters, cap maxPending; guarded by Engine.mu
	spare []pending
}

// sharedID names a subject the same way on every gateway (the table key
// is seeded per process). Only public identifiers are shared, and only as
// this hash: an IP, a client_id, a key fingerprint. Usernames are not:
// their keyed hash is per process by design.
func sharedID(k Kind, subject string) uint64 {
	h := sha256.New()
	h.Write([]byte{byte(k)})
	h.Write([]byte(subject))
	var sum [sha256.Size]byte
	id := binary.BigEndian.Uint64(h.Sum(sum[:0]))
	if id == 0 {
		id = 1
	}
	return id
}

// sharedKind says whether counts of a subject kind and detector are
// shared: plain counts of public subjects. Distinct counts (redirect URIs,
// the IPs of an incident) stay per gateway.
func sharedKind(k Kind, d Detector) bool {
	return (k == KindIP || k == KindClient || k == KindKey) && d != RedirectProbing && d != UpstreamIncident
}

// markShared queues c for the next sync; e.mu is held. It costs a
// comparison and, once per counter and sync, an append into a list that
// never grows past its capacity.
func (e *Engine) markShared(s *entry, d Detector, c *counter) {
	if c.dirty || len(e.shared.list) == cap(e.shared.list) {
		return
	}
	c.dirty = true
	e.shared.list = append(e.shared.list, pending{key: s.key, det: d, window: c.window})
}

// snapshot takes the dirty counters and what to send for each.
func (e *Engine) snapshot() []pending {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shared == nil || len(e.shared.list) == 0 {
		return nil
	}
	out := e.shared.list
	next := e.shared.spare
	if next == nil {
		next = make([]pending, 0, maxPending)
	}
	e.shared.list, e.shared.spare = next[:0], nil
	n := 0
	for _, p := range out {
		s := e.table.lookup(p.key)
		if s == nil || s.sid == 0 {
			continue
		}
		c := &s.c[p.det]
		c.dirty = false
		if c.window != p.window || c.cur <= c.synced {
			continue // rolled on since: the old window's count is done
		}
		p.delta, p.synced = c.cur-c.synced, c.cur
		c.synced = c.cur
		p.shared = e.sharedKey(s, p.det, p.window)
		out[n] = p
		n++
	}
	return out[:n]
}

func (e *Engine) sharedKey(s *entry, d Detector, window uint32) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], s.sid)
	return KeyPrefix + e.shared.apiID + ":" + Registry[d].Name + ":" + s.kind.String() + ":" +
		hex.EncodeToString(b[:8]) + ":" + strconv.FormatUint(uint64(window), 10)
}

// apply stores the cluster totals the store returned, or, when the sync
// failed (totals nil), takes the deltas back so a later sync resends them.
func (e *Engine) apply(list []pending, totals []int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, p := range list {
		s := e.table.lookup(p.key)
		if s == nil {
			continue
		}
		c := &s.c[p.det]
		if c.window != p.window {
			continue
		}
		if totals == nil {
			// Resent by the next round, with or without new failures.
			c.synced -= min(p.delta, c.synced)
			if e.shared != nil && !c.dirty && len(e.shared.list) < cap(e.shared.list) {
				c.dirty = true
				e.shared.list = append(e.shared.list, pending{key: p.key, det: p.det, window: p.window})
			}
			continue
		}
		others := totals[i] - int64(p.synced)
		c.remote = uint16(max(0, min(others, math.MaxUint16-int64(c.cur))))
	}
	if e.shared != nil && e.shared.spare == nil {
		e.shared.spare = list[:0]
	}
}

// Syncer sends the dirty counters of its engines to one store, one batch
// per Sync. Run calls Sync every interval; tests call Sync directly.
type Syncer struct {
	store Store
	// OnDown is called once when the store starts failing, OnUp once when
	// it answers again; both may be nil.
	OnDown func(err error)
	OnUp   func()

	mu       sync.Mutex
	syncMu   sync.Mutex // one round at a time
	notifyMu sync.Mutex
	engines  map[*Engine]struct{}
	down     bool
	start    sync.Once
}

// NewSyncer makes a syncer for store.
func NewSyncer(store Store) *Syncer {
	return &Syncer{store: store, engines: map[*Engine]struct{}{}}
}

// Share links e to the syncer under apiID (part of every key, so each
// API counts apart).
func (sy *Syncer) Share(apiID string, e *Engine) {
	e.mu.Lock()
	e.shared = &share{apiID: apiID, list: make([]pending, 0, maxPending), spare: make([]pending, 0, maxPending)}
	e.mu.Unlock()
	sy.mu.Lock()
	sy.engines[e] = struct{}{}
	sy.mu.Unlock()
}

// Unshare stops syncing e (an API whose config changed was given a new engine).
func (sy *Syncer) Unshare(e *Engine) {
	sy.mu.Lock()
	delete(sy.engines, e)
	sy.mu.Unlock()
}

// Engines is how many engines the syncer serves.
func (sy *Syncer) Engines() int {
	sy.mu.Lock()
	defer sy.mu.Unlock()
	return len(sy.engines)
}

// errNoTotals: a store answered with the wrong number of totals.
var errNoTotals = errors.New("guard: shared store returned the wrong number of totals")

// Sync sends every engine's deltas and applies the totals. It returns the
// store's error, after taking the deltas back for the next round. A round
// with nothing to send leaves the up or down state as it was.
func (sy *Syncer) Sync(ctx context.Context) error {
	sy.syncMu.Lock()
	defer sy.syncMu.Unlock()
	sy.mu.Lock()
	engines := make([]*Engine, 0, len(sy.engines))
	for e := range sy.engines {
		engines = append(engines, e)
	}
	sy.mu.Unlock()
	var firstErr error
	sent := false
	for _, e := range engines {
		list := e.snapshot()
		if len(list) == 0 {
			continue
		}
		sent = true
		deltas := make([]Delta, len(list))
		for i, p := range list {
			deltas[i] = Delta{Key: p.shared, N: int64(p.delta), TTL: 2*time.Duration(e.windowSec[p.det])*time.Second + 10*time.Second}
		}
		totals, err := sy.store.Add(ctx, deltas)
		if err == nil && len(totals) != len(list) {
			err = errNoTotals
		}
		if err != nil {
			e.apply(list, nil)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		e.apply(list, totals)
	}
	if sent {
		sy.note(firstErr)
	}
	return firstErr
}

// note tells OnDown and OnUp of a change; notifyMu orders the callbacks
// with every later sync.
func (sy *Syncer) note(err error) {
	sy.notifyMu.Lock()
	defer sy.notifyMu.Unlock()
	sy.mu.Lock()
	was := sy.down
	sy.down = err != nil
	sy.mu.Unlock()
	switch {
	case err != nil && !was && sy.OnDown != nil:
		sy.OnDown(err)
	case err == nil && was && sy.OnUp != nil:
		sy.OnUp()
	}
}

// Down reports whether the last sync failed.
func (sy *Syncer) Down() bool {
	sy.mu.Lock()
	defer sy.mu.Unlock()
	return sy.down
}

// Start runs Sync every interval in its own goroutine, once per syncer,
// with each round bounded by timeout. It never stops: syncers are one per
// store address and live as long as the gateway.
func (sy *Syncer) Start(interval, timeout time.Duration) {
	sy.start.Do(func() {
		go func() {
			t := time.NewTicker(interval)
			defer t.Stop()
			for range t.C {
				sy.round(timeout)
			}
		}()
	})
}

func (sy *Syncer) round(timeout time.Duration) {
	defer func() {
		if v := recover(); v != nil { // a store bug must not end the gateway
			sy.note(fmt.Errorf("guard: shared counters sync panicked: %v", v))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_ = sy.Sync(ctx)
}
