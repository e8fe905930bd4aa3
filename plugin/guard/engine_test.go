package guard

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

var t0 = time.Unix(1_800_000_000, 0) // a window boundary for 1 min windows

func newEngine(t testing.TB, c Config) *Engine {
	t.Helper()
	e, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func familyOf(c classify.Code) classify.Family {
	cause, _ := classify.Lookup(c)
	return cause.Family
}

func failure(root classify.Code, ip, client string, at time.Time) *Event {
	return &Event{IP: ip, ClientID: client, Root: root, Family: familyOf(root), At: at}
}

// feed sends n events spread evenly over d, starting at start, and returns
// the firings and the first quarantine seen.
func feed(e *Engine, n int, start time.Time, d time.Duration, mk func(i int, at time.Time) *Event) (firings []Firing, firstFire time.Duration, block *Block) {
	firstFire = -1
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(int64(d) * int64(i) / int64(n)))
		var out Outcome
		e.Observe(mk(i, at), &out)
		if out.n > 0 && firstFire < 0 {
			firstFire = at.Sub(start)
		}
		firings = append(firings, out.Firings()...)
		if out.Quarantined && block == nil {
			b := out.Block
			block = &b
		}
	}
	return firings, firstFire, block
}

func TestDetectorsFireOnTheirAttack(t *testing.T) {
	cases := []struct {
		name     string
		detector Detector
		kind     Kind
		n        int
		event    func(i int, at time.Time) *Event
	}{
		{"invalid_client burst from one IP", CredentialStuffing, KindIP, 60, func(i int, at time.Time) *Event {
			return failure(classify.InvalidClient, "203.0.113.9", fmt.Sprintf("client-%d", i), at)
		}},
		{"password failures, one IP, many usernames (Auth0 shape)", CredentialStuffing, KindIP, 60, func(i int, at time.Time) *Event {
			ev := failure(classify.InvalidGrant, "203.0.113.10", "app", at)
			ev.PasswordGrant, ev.UserHash = true, uint64(1000+i)
			return ev
		}},
		{"password failures, one username, many IPs (Keycloak shape)", CredentialStuffing, KindUser, 60, func(i int, at time.Time) *Event {
			ev := failure(classify.InvalidGrant, fmt.Sprintf("198.51.%d.%d", i/250, i%250), "", at)
			ev.PasswordGrant, ev.UserHash = true, 42
			return ev
		}},
		{"invalid_grant replay per client across IPs", GrantReplay, KindClient, 60, func(i int, at time.Time) *Event {
			return failure(classify.InvalidGrant, fmt.Sprintf("192.0.2.%d", i), "spa", at)
		}},
		{"redirect_uri probing", RedirectProbing, KindIP, 20, func(i int, at time.Time) *Event {
			ev := failure(classify.RedirectURIMismatch, "203.0.113.11", "", at)
			ev.RedirectURIHash = uint64(i+1) * 0x9E3779B97F4A7C15
			return ev
		}},
		{"scope probing with a key", ScopeProbing, KindKey, 40, func(i int, at time.Time) *Event {
			ev := failure(classify.InsufficientScope, "", "", at)
			ev.KeyFingerprint = "a1b2c3d4e5f6"
			return ev
		}},
		{"token guessing at a resource server", TokenGuessing, KindIP, 80, func(i int, at time.Time) *Event {
			return failure(classify.InvalidToken, "203.0.113.12", "", at)
		}},
		{"upstream incident across many IPs", UpstreamIncident, KindAPI, 60, func(i int, at time.Time) *Event {
			return failure(classify.ServerError, fmt.Sprintf("192.0.2.%d", i), "", at)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, Config{})
			firings, first, _ := feed(e, tc.n, t0, 30*time.Second, tc.event)
			var got *Firing
			for i := range firings {
				if firings[i].Detector == tc.detector && firings[i].Kind == tc.kind {
					got = &firings[i]
					break
				}
			}
			if got == nil {
				t.Fatalf("%s did not fire per %s; firings: %v", tc.detector, tc.kind, firings)
			}
			if first < 0 || first > 60*time.Second {
				t.Errorf("first firing after %s, want within 60s", first)
			}
			floor := float64(Registry[tc.detector].Defaults.Floor)
			if got.Threshold != floor || got.Estimate < floor || got.Baseline != 0 {
				t.Errorf("firing %+v: want threshold = floor %v on a fresh subject", got, floor)
			}
			msg := got.String()
			for _, part := range []string{tc.detector.String(), tc.kind.String(), "threshold", "baseline"} {
				if !strings.Contains(msg, part) {
					t.Errorf("explanation %q lacks %q", msg, part)
				}
			}
		})
	}
}

// Below the floor nothing fires, however unusual for the subject.
func TestBelowFloorIsQuiet(t *testing.T) {
	for d := Detector(0); d < NumDetectors; d++ {
		e := newEngine(t, Config{})
		floor := Registry[d].Defaults.Floor
		// Spread over five minutes: at most floor-1 per sliding window.
		per := floor / 2
		firings, _, _ := feed(e, per*5, t0, 5*time.Minute, func(i int, at time.Time) *Event {
			root := map[Detector]classify.Code{CredentialStuffing: classify.InvalidClient, GrantReplay: classify.InvalidGrant,
				RedirectProbing: classify.RedirectURIMismatch, ScopeProbing: classify.InvalidScope,
				TokenGuessing: classify.InvalidToken, UpstreamIncident: classify.ServerError}[d]
			ev := failure(root, fmt.Sprintf("192.0.2.%d", i%50), "c", at)
			ev.RedirectURIHash = uint64(i+1) * 0x9E3779B97F4A7C15
			return ev
		})
		if len(firings) > 0 {
			t.Errorf("%s fired below its floor: %v", d, firings[0])
		}
	}
}

// A busy client whose normal failure rate is above the floor stays quiet:
// the baseline learns it; a jump well past it fires. An attacker that only
// fails never teaches its baseline.
func TestBaselineKeepsBusyClientQuiet(t *testing.T) {
	e := newEngine(t, Config{})
	steady := func(i int, at time.Time) *Event {
		if i%10 != 0 { // nine successes per failure: a client that works
			return &Event{ClientID: "busy-app", Root: classify.OK, Family: classify.FamilyOK, At: at}
		}
		return failure(classify.InvalidGrant, "", "busy-app", at)
	}
	start := t0
	var warm []Firing
	for m := 0; m < 30; m++ { // 30 minutes at 40/min, twice the floor
		f, _, _ := feed(e, 400, start, time.Minute, steady)
		if m >= warmupWindows+1 {
			warm = append(warm, f...)
		}
		start = start.Add(time.Minute)
	}
	if len(warm) > 0 {
		t.Fatalf("steady rate fired after warm-up: %v", warm[0])
	}
	f, _, _ := feed(e, 400, start, time.Minute, func(i int, at time.Time) *Event { return failure(classify.InvalidGrant, "", "busy-app", at) })
	if len(f) == 0 {
		t.Fatal("10x the baseline did not fire")
	}
	if f[0].Baseline < 30 || f[0].Threshold < 4*30 {
		t.Errorf("firing %v: baseline should be near 40 and threshold 4x it", f[0])
	}
}

func TestFailingOnlySubjectNeverLearns(t *testing.T) {
	e := newEngine(t, Config{})
	at := t0
	for m := 0; m < 10; m++ {
		f, _, _ := feed(e, 40, at, time.Minute, func(i int, at time.Time) *Event { return failure(classify.InvalidToken, "203.0.113.40", "", at) })
		if len(f) == 0 || f[0].Threshold != 30 {
			t.Fatalf("minute %d: steady attack at 40/min: firings %v, want one at the floor 30", m, f)
		}
		at = at.Add(time.Minute)
	}
}

func TestRiskLevelsAndDecay(t *testing.T) {
	e := newEngine(t, Config{})
	ip := "203.0.113.20"
	feed(e, 25, t0, 10*time.Second, func(i int, at time.Time) *Event { return failure(classify.InvalidToken, ip, "", at) })
	if _, l := e.Risk(KindIP, ip, t0.Add(10*time.Second)); l != LevelLow {
		t.Errorf("below floor: level %s, want low", l)
	}
	feed(e, 10, t0.Add(10*time.Second), 10*time.Second, func(i int, at time.Time) *Event { return failure(classify.InvalidToken, ip, "", at) })
	score, l := e.Risk(KindIP, ip, t0.Add(20*time.Second))
	if l != LevelMedium || score < 49 || score > 50 {
		t.Errorf("one firing: %v %s, want 50 medium", score, l)
	}
	if s, l := e.Risk(KindIP, ip, t0.Add(20*time.Second+DefaultRiskHalfLife)); l != LevelLow || s < score/2-0.1 || s > score/2+0.1 {
		t.Errorf("after one half-life: %v %s, want half of the score, low", s, l)
	}
	if _, l := e.Risk(KindIP, ip, t0.Add(20*time.Second+3*DefaultRiskHalfLife)); l != LevelLow {
		t.Errorf("after three half-lives: %s, want low", l)
	}
}

func TestQuarantineGrowsAndCaps(t *testing.T) {
	e := newEngine(t, Config{QuarantineBase: time.Minute, QuarantineIncrement: 2 * time.Minute, QuarantineMax: 4 * time.Minute})
	ip := "203.0.113.30"
	want := []time.Duration{time.Minute, 3 * time.Minute, 4 * time.Minute, 4 * time.Minute}
	at := t0
	for round, w := range want {
		_, _, b := feed(e, 200, at, 30*time.Second, func(i int, at time.Time) *Event { return failure(classify.InvalidToken, ip, "", at) })
		if b == nil {
			t.Fatalf("round %d: no quarantine", round)
		}
		if b.RetryAfter != w || b.Detector != TokenGuessing || b.Kind != KindIP {
			t.Errorf("round %d: %+v, want %s by token_guessing on ip", round, b, w)
		}
		checkAt := b.Until.Add(-time.Second)
		if got, ok := e.Check(KindIP, ip, checkAt); !ok || got.RetryAfter != time.Second {
			t.Errorf("round %d: Check a second before the end: %+v %v", round, got, ok)
		}
		if _, ok := e.Check(KindIP, ip, b.Until); ok {
			t.Errorf("round %d: still blocked at the end of the quarantine", round)
		}
		if _, ok := e.Check(KindIP, "203.0.113.31", checkAt); ok {
			t.Errorf("round %d: an innocent IP is blocked", round)
		}
		at = b.Until.Add(time.Minute)
	}
	// A long quiet period forgets the offences.
	_, _, b := feed(e, 200, at.Add(time.Hour), 30*time.Second, func(i int, at time.Time) *Event { return failure(classify.InvalidToken, ip, "", at) })
	if b == nil || b.RetryAfter != time.Minute {
		t.Errorf("after a quiet hour: %+v, want the base wait again", b)
	}
}

func TestAllowlistsAreNeverQuarantined(t *testing.T) {
	e := newEngine(t, Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, AllowClients: []string{"trusted"}})
	firings, _, b := feed(e, 300, t0, 30*time.Second, func(i int, at time.Time) *Event {
		return failure(classify.InvalidGrant, "10.1.2.3", "trusted", at)
	})
	if len(firings) == 0 {
		t.Fatal("allowlisted subjects must still be labelled")
	}
	if b != nil {
		t.Fatalf("allowlisted subject quarantined: %+v", b)
	}
	_, _, b = feed(e, 300, t0, 30*time.Second, func(i int, at time.Time) *Event {
		return failure(classify.InvalidGrant, "11.1.2.3", "other", at)
	})
	if b == nil {
		t.Fatal("the same attack from outside the allowlist is not quarantined")
	}
}

func TestUpstreamIncidentNeverEnforces(t *testing.T) {
	e := newEngine(t, Config{})
	// One IP alone, however loud, is not an incident.
	f, _, _ := feed(e, 500, t0, time.Minute, func(i int, at time.Time) *Event { return failure(classify.ServerError, "192.0.2.1", "c", at) })
	if len(f) > 0 {
		t.Errorf("one subject made an incident: %v", f[0])
	}
	f, _, b := feed(e, 2000, t0.Add(time.Minute), time.Minute, func(i int, at time.Time) *Event {
		return failure(classify.TemporarilyUnavailable, fmt.Sprintf("192.0.2.%d", i%100), "c", at)
	})
	if len(f) == 0 || f[0].Detector != UpstreamIncident || f[0].Kind != KindAPI {
		t.Fatalf("no incident: %v", f)
	}
	if b != nil {
		t.Fatalf("an upstream incident quarantined %+v", b)
	}
	for i := 0; i < 100; i++ {
		if _, ok := e.Check(KindIP, fmt.Sprintf("192.0.2.%d", i), t0.Add(2*time.Minute)); ok {
			t.Fatal("an upstream incident blocked a client")
		}
	}
}

// A client rotating its secret: its pods have a success history, then all
// fail with invalid_client for minutes. Labelled, never quarantined.
func TestSecretRotationIsLabelledNotQuarantined(t *testing.T) {
	e := newEngine(t, Config{})
	pods := []string{"10.8.0.1", "10.8.0.2", "10.8.0.3"}
	at := t0
	for i := 0; i < 600; i++ {
		e.Observe(&Event{IP: pods[i%3], ClientID: "billing", Root: classify.OK, Family: classify.FamilyOK, At: at}, &Outcome{})
		at = at.Add(time.Second)
	}
	f, _, b := feed(e, 3000, at, 5*time.Minute, func(i int, at time.Time) *Event {
		return failure(classify.InvalidClient, pods[i%3], "billing", at)
	})
	if len(f) == 0 {
		t.Fatal("rotation burst not labelled")
	}
	if b != nil {
		t.Fatalf("rotation burst quarantined %+v", b)
	}
	if _, l := e.Risk(KindIP, pods[0], at.Add(5*time.Minute)); l != LevelMedium {
		t.Errorf("pod risk %s, want medium", l)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		c    Config
		want string
	}{
		{Config{MemoryBytes: 1000}, "memory cap must be between"},
		{Config{QuarantineBase: time.Hour, QuarantineMax: time.Minute}, "quarantine max 1m0s is shorter than quarantine base 1h0m0s"},
		{Config{Thresholds: [NumDetectors]Thresholds{GrantReplay: {Floor: -1}}}, "grant_replay: thresholds must not be negative"},
		{Config{Thresholds: [NumDetectors]Thresholds{TokenGuessing: {Window: 2 * time.Hour}}}, "token_guessing: window must be between 1s and 1h"},
	}
	for _, tc := range cases {
		_, err := New(tc.c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want %q", tc.c, err, tc.want)
		}
	}
}

// A threshold override is used.
func TestThresholdOverride(t *testing.T) {
	e := newEngine(t, Config{Thresholds: [NumDetectors]Thresholds{TokenGuessing: {Floor: 5}}})
	f, _, _ := feed(e, 6, t0, 10*time.Second, func(i int, at time.Time) *Event { return failure(classify.InvalidToken, "192.0.2.7", "", at) })
	if len(f) == 0 || f[0].Threshold != 5 {
		t.Fatalf("override floor 5: firings %v", f)
	}
}

func TestUserHasherIsKeyed(t *testing.T) {
	a, b := NewUserHasher(), NewUserHasher()
	if a.Hash("alice") != a.Hash("alice") {
		t.Error("not stable")
	}
	if a.Hash("alice") == b.Hash("alice") {
		t.Error("two keys gave the same hash")
	}
}

// The username never reaches a firing: only its keyed hash.
func TestFiringsCarryNoUsername(t *testing.T) {
	e := newEngine(t, Config{})
	h := NewUserHasher()
	f, _, _ := feed(e, 60, t0, 30*time.Second, func(i int, at time.Time) *Event {
		ev := failure(classify.InvalidGrant, fmt.Sprintf("198.51.100.%d", i), "", at)
		ev.PasswordGrant, ev.UserHash = true, h.Hash("alice@example.com")
		return ev
	})
	if len(f) == 0 {
		t.Fatal("no firing")
	}
	for _, x := range f {
		if strings.Contains(x.String(), "alice") {
			t.Errorf("firing names the user: %s", x)
		}
	}
}

// A heavy client with a normal failure share is quiet from its first
// window: its failures stay under half its successes.
func TestSuccessShareKeepsHeavyClientQuiet(t *testing.T) {
	e := newEngine(t, Config{})
	f, _, _ := feed(e, 3000, t0, 2*time.Minute, func(i int, at time.Time) *Event {
		if i%50 == 0 { // 2% invalid_grant: 30 a minute, above the floor of 20
			return failure(classify.InvalidGrant, "", "heavy-app", at)
		}
		return &Event{ClientID: "heavy-app", Root: classify.OK, Family: classify.FamilyOK, At: at}
	})
	if len(f) > 0 {
		t.Fatalf("heavy client fired: %v", f[0])
	}
}

// client_ids are quarantined only with QuarantineClients, and never for
// credential_stuffing.
func TestQuarantineClientsIsOptIn(t *testing.T) {
	replay := func(i int, at time.Time) *Event {
		return failure(classify.InvalidGrant, fmt.Sprintf("192.0.2.%d", i%200), "public-spa", at)
	}
	stuff := func(i int, at time.Time) *Event {
		return failure(classify.InvalidClient, fmt.Sprintf("192.0.2.%d", i%200), "public-spa", at)
	}
	for _, tc := range []struct {
		opt  bool
		mk   func(int, time.Time) *Event
		want bool
	}{{false, replay, false}, {true, replay, true}, {true, stuff, false}} {
		e := newEngine(t, Config{QuarantineClients: tc.opt})
		feed(e, 200, t0, 30*time.Second, tc.mk)
		_, got := e.Check(KindClient, "public-spa", t0.Add(31*time.Second))
		if got != tc.want {
			t.Errorf("QuarantineClients %v: client quarantined %v, want %v", tc.opt, got, tc.want)
		}
	}
}

// QuarantinesEnded needs no clock once QuarantineActive has seen the end
// of every quarantine, and turns false again with a new one.
func TestQuarantinesEndedWithoutClock(t *testing.T) {
	e := newEngine(t, Config{})
	if !e.QuarantinesEnded() {
		t.Fatal("nobody ever quarantined: QuarantinesEnded false")
	}
	_, _, b := feed(e, 200, t0, 30*time.Second, func(i int, at time.Time) *Event { return failure(classify.InvalidToken, "203.0.113.40", "", at) })
	if b == nil {
		t.Fatal("no quarantine")
	}
	if e.QuarantinesEnded() {
		t.Error("QuarantinesEnded true while a quarantine was just set")
	}
	if !e.QuarantineActive(b.Until.Add(-time.Second)) || e.QuarantinesEnded() {
		t.Error("a second before its end: QuarantineActive false or QuarantinesEnded true")
	}
	if e.QuarantineActive(b.Until) || !e.QuarantinesEnded() {
		t.Error("at its end: QuarantineActive true or QuarantinesEnded still false")
	}
	_, _, b = feed(e, 200, b.Until.Add(time.Minute), 30*time.Second, func(i int, at time.Time) *Event { return failure(classify.InvalidToken, "203.0.113.41", "", at) })
	if b == nil {
		t.Fatal("no second quarantine")
	}
	if e.QuarantinesEnded() || !e.QuarantineActive(b.Until.Add(-time.Second)) {
		t.Error("second quarantine: QuarantinesEnded true or QuarantineActive false")
	}
}
