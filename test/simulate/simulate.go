// Package simulate replays a synthetic day of OAuth traffic through the
// attack-protection engine (plugin/guard): benign mixed traffic with
// normal failure rates and one secret rotation, plus every detector's
// attack, low-and-slow and IP-distributed variants included. It measures
// detection, time to detect and false quarantines, on simulated time.
package simulate

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/guard"
)

// Config says how much to simulate.
type Config struct {
	BenignRequests int // over the day
	Seed           int64
	Guard          guard.Config
}

// Day is the start of the simulated day.
var Day = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// AttackResult is one injected attack's outcome.
type AttackResult struct {
	Name             string
	Detector         guard.Detector
	Start            time.Duration // from the start of the day
	Requests         int           // sent, blocked ones included
	Blocked          int
	Detected         bool
	TimeToDetect     time.Duration
	Quarantined      bool
	TimeToQuarantine time.Duration
}

// Report is what a run measured.
type Report struct {
	Benign              int
	BenignFailures      int
	BenignBlocked       int      // benign requests answered 429
	FalseQuarantines    int      // benign subjects quarantined
	FalseSubjects       []string // which, for the report
	BenignFirings       int      // firings on benign subjects (labels, not blocks)
	RotationRequests    int
	RotationLabelled    bool
	RotationQuarantined bool
	Attacks             []AttackResult
	Elapsed             time.Duration // wall time of the run
}

// FalseQuarantinesPerMillion is false quarantines per million benign requests.
func (r *Report) FalseQuarantinesPerMillion() float64 {
	return float64(r.FalseQuarantines) / float64(r.Benign) * 1e6
}

// attack is one injected source of requests.
type attack struct {
	name     string
	detector guard.Detector
	start    time.Duration
	length   time.Duration
	every    time.Duration
	make     func(a *attack, n int, ev *guard.Event)
	// targets are the subjects whose firing counts as detecting it.
	targets map[string]bool
	result  AttackResult
	sent    int
}

const (
	svcClients = 50
	webClients = 20
	apiKeys    = 100
	userIPs    = 100_000
	users      = 20_000
)

type world struct {
	rng      *rand.Rand
	svcZipf  *rand.Zipf
	webZipf  *rand.Zipf
	keyZipf  *rand.Zipf
	svcIDs   []string
	podIPs   [][2]string
	webIDs   []string
	keys     []string
	userIP   []string
	userHash []uint64
	hasher   guard.UserHasher
	outage   [2]time.Duration // upstream incident window
}

func newWorld(seed int64) *world {
	w := &world{rng: rand.New(rand.NewSource(seed)), hasher: guard.NewUserHasher()}
	w.svcZipf = rand.NewZipf(w.rng, 1.2, 1, svcClients-1)
	w.webZipf = rand.NewZipf(w.rng, 1.2, 1, webClients-1)
	w.keyZipf = rand.NewZipf(w.rng, 1.1, 1, apiKeys-1)
	for i := 0; i < svcClients; i++ {
		w.svcIDs = append(w.svcIDs, "svc-"+strconv.Itoa(i))
		w.podIPs = append(w.podIPs, [2]string{fmt.Sprintf("10.1.%d.1", i), fmt.Sprintf("10.1.%d.2", i)})
	}
	for i := 0; i < webClients; i++ {
		w.webIDs = append(w.webIDs, "web-"+strconv.Itoa(i))
	}
	for i := 0; i < apiKeys; i++ {
		w.keys = append(w.keys, fmt.Sprintf("key%09d", i))
	}
	for i := 0; i < userIPs; i++ {
		w.userIP = append(w.userIP, fmt.Sprintf("198.%d.%d.%d", 18+i>>16, i>>8&255, i&255))
	}
	for i := 0; i < users; i++ {
		w.userHash = append(w.userHash, w.hasher.Hash("user-"+strconv.Itoa(i)))
	}
	return w
}

func set(ev *guard.Event, root classify.Code) {
	ev.Root = root
	c, _ := classify.Lookup(root)
	ev.Family = c.Family
}

// benign fills ev with one benign request: a mix of service tokens, code
// exchanges, refreshes, password grants and resource calls, each with its
// normal failure rate.
func (w *world) benign(ev *guard.Event, at time.Duration) {
	*ev = guard.Event{}
	p := w.rng.Float64()
	fail := w.rng.Float64()
	switch {
	case p < 0.30: // client_credentials from a service's pods
		i := int(w.svcZipf.Uint64())
		ev.ClientID, ev.IP = w.svcIDs[i], w.podIPs[i][w.rng.Intn(2)]
		switch {
		case fail < 0.0005:
			set(ev, classify.InvalidClient)
		case fail < 0.001:
			set(ev, classify.InvalidScope)
		default:
			set(ev, classify.OK)
		}
	case p < 0.55: // authorization code exchange by a web app for a user
		ev.ClientID, ev.IP = w.webIDs[w.webZipf.Uint64()], w.userIP[w.rng.Intn(userIPs)]
		switch {
		case fail < 0.015: // double submit, expired code
			set(ev, classify.InvalidGrant)
		case fail < 0.0155:
			set(ev, classify.RedirectURIMismatch)
			ev.RedirectURIHash = 0x9E3779B97F4A7C15 // the one stale URI a client still sends
		default:
			set(ev, classify.OK)
		}
	case p < 0.70: // refresh
		ev.ClientID, ev.IP = w.webIDs[w.webZipf.Uint64()], w.userIP[w.rng.Intn(userIPs)]
		if fail < 0.03 {
			set(ev, classify.InvalidGrant)
		} else {
			set(ev, classify.OK)
		}
	case p < 0.75: // password grant: a user, mostly from their own IP
		u := w.rng.Intn(users)
		ev.ClientID, ev.IP, ev.UserHash = "legacy-app", w.userIP[u*5%userIPs], w.userHash[u]
		if fail < 0.04 {
			set(ev, classify.InvalidGrant)
			ev.PasswordGrant = true
		} else {
			set(ev, classify.OK)
		}
	default: // resource call with a partner key for a user
		ev.KeyFingerprint, ev.IP = w.keys[w.keyZipf.Uint64()], w.userIP[w.rng.Intn(userIPs)]
		switch {
		case fail < 0.03: // expired access tokens
			set(ev, classify.InvalidToken)
		case fail < 0.032:
			set(ev, classify.InsufficientScope)
		default:
			set(ev, classify.OK)
		}
	}
	if at >= w.outage[0] && at < w.outage[1] && w.rng.Intn(2) == 0 {
		set(ev, classify.TemporarilyUnavailable)
	} else if ev.Root == classify.OK && fail > 0.9998 {
		set(ev, classify.ServerError)
	}
}

func ipPool(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s.%d.%d", prefix, i>>8, i&255)
	}
	return out
}

func attacks(w *world) []*attack {
	h := func(d int) time.Duration { return time.Duration(d) * time.Hour }
	distIPs := ipPool("100.64", 1000)
	replayIPs := ipPool("100.65", 2000)
	one := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	victim := strconv.FormatUint(w.userHash[42], 16)
	return []*attack{
		{name: "invalid_client burst, one IP, guessed client_ids", detector: guard.CredentialStuffing, start: h(1), length: 10 * time.Minute, every: 200 * time.Millisecond,
			targets: one("203.0.113.1"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.ClientID = "203.0.113.1", "guess-"+strconv.Itoa(n)
				set(ev, classify.InvalidClient)
			}},
		{name: "password spray, one IP across usernames (Auth0 shape)", detector: guard.CredentialStuffing, start: h(2), length: 10 * time.Minute, every: 500 * time.Millisecond,
			targets: one("203.0.113.2"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.ClientID, ev.PasswordGrant, ev.UserHash = "203.0.113.2", "legacy-app", true, w.hasher.Hash("spray-"+strconv.Itoa(n))
				set(ev, classify.InvalidGrant)
			}},
		{name: "one username from 1,000 IPs (Keycloak shape, IP-distributed)", detector: guard.CredentialStuffing, start: h(3), length: 10 * time.Minute, every: time.Second,
			targets: one(victim), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.ClientID, ev.PasswordGrant, ev.UserHash = distIPs[n%len(distIPs)], "legacy-app", true, w.userHash[42]
				set(ev, classify.InvalidGrant)
			}},
		{name: "code replay burst, one IP", detector: guard.GrantReplay, start: h(4), length: 10 * time.Minute, every: 300 * time.Millisecond,
			targets: one("203.0.113.4"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.ClientID = "203.0.113.4", "web-1"
				set(ev, classify.InvalidGrant)
			}},
		{name: "refresh-token guessing, low and slow (24/min), one IP", detector: guard.GrantReplay, start: h(5), length: 30 * time.Minute, every: 2500 * time.Millisecond,
			targets: one("203.0.113.5"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.ClientID = "203.0.113.5", "web-2"
				set(ev, classify.InvalidGrant)
			}},
		{name: "code replay from 2,000 IPs against one client (IP-distributed)", detector: guard.GrantReplay, start: h(6), length: 10 * time.Minute, every: 200 * time.Millisecond,
			targets: one("web-5"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.ClientID = replayIPs[n%len(replayIPs)], "web-5"
				set(ev, classify.InvalidGrant)
			}},
		{name: "redirect_uri probing, one IP", detector: guard.RedirectProbing, start: h(7), length: 10 * time.Minute, every: 2 * time.Second,
			targets: one("203.0.113.7"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.ClientID, ev.RedirectURIHash = "203.0.113.7", "web-3", uint64(n+1)*0xBF58476D1CE4E5B9|1
				set(ev, classify.RedirectURIMismatch)
			}},
		{name: "redirect_uri probing, low and slow (12/min)", detector: guard.RedirectProbing, start: h(8), length: 30 * time.Minute, every: 5 * time.Second,
			targets: one("203.0.113.8"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.ClientID, ev.RedirectURIHash = "203.0.113.8", "web-4", uint64(n+7)*0x94D049BB133111EB|1
				set(ev, classify.RedirectURIMismatch)
			}},
		{name: "scope probing with one key", detector: guard.ScopeProbing, start: h(9), length: 10 * time.Minute, every: time.Second,
			targets: one("keyattacker1", "203.0.113.9"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP, ev.KeyFingerprint = "203.0.113.9", "keyattacker1"
				set(ev, classify.InsufficientScope)
			}},
		{name: "token guessing burst, one IP", detector: guard.TokenGuessing, start: h(11), length: 10 * time.Minute, every: 300 * time.Millisecond,
			targets: one("203.0.113.11"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP = "203.0.113.11"
				set(ev, classify.InvalidToken)
			}},
		{name: "token guessing, low and slow (36/min), one IP", detector: guard.TokenGuessing, start: h(12), length: 30 * time.Minute, every: 1666 * time.Millisecond,
			targets: one("203.0.113.12"), make: func(a *attack, n int, ev *guard.Event) {
				ev.IP = "203.0.113.12"
				set(ev, classify.InvalidToken)
			}},
		{name: "IdP outage: half of all answers 503 for 3 minutes", detector: guard.UpstreamIncident, start: h(14), length: 3 * time.Minute,
			targets: one("")},
	}
}

// Run simulates the day.
func Run(c Config) (*Report, error) {
	began := time.Now()
	e, err := guard.New(c.Guard)
	if err != nil {
		return nil, err
	}
	w := newWorld(c.Seed)
	atks := attacks(w)
	for _, a := range atks {
		if a.detector == guard.UpstreamIncident {
			w.outage = [2]time.Duration{a.start, a.start + a.length}
		}
		a.result = AttackResult{Name: a.name, Detector: a.detector, Start: a.start}
	}
	rot := struct{ start, length, every time.Duration }{10 * time.Hour, 5 * time.Minute, 200 * time.Millisecond}
	rep := &Report{}
	day := 24 * time.Hour
	meanGap := float64(day) / float64(c.BenignRequests)
	nextBenign := time.Duration(w.rng.ExpFloat64() * meanGap)
	next := make([]time.Duration, len(atks))
	for i, a := range atks {
		next[i] = a.start
		if a.every == 0 {
			next[i] = math.MaxInt64
		}
	}
	nextRot := rot.start
	var ev guard.Event
	var out guard.Outcome
	for rep.Benign < c.BenignRequests {
		// The earliest source goes next.
		src, at := -1, nextBenign
		if nextRot < at {
			src, at = -2, nextRot
		}
		for i, t := range next {
			if t < at {
				src, at = i, t
			}
		}
		now := Day.Add(at)
		switch src {
		case -1:
			w.benign(&ev, at)
			ev.At = now
			rep.Benign++
			nextBenign += time.Duration(w.rng.ExpFloat64()*meanGap) + 1
			if ev.Root != classify.OK {
				rep.BenignFailures++
			}
			if blocked(e, &ev, now) {
				rep.BenignBlocked++
				continue
			}
			e.Observe(&ev, &out)
			rep.BenignFirings += countBenignFirings(&out, atks, at)
			if out.Quarantined {
				rep.FalseQuarantines++
				if len(rep.FalseSubjects) < 20 {
					rep.FalseSubjects = append(rep.FalseSubjects, fmt.Sprintf("%s %s at %s (%s)", out.Block.Kind, subjectOf(&ev, out.Block.Kind), at, out.Block.Detector))
				}
			}
		case -2:
			pod := w.podIPs[3][rep.RotationRequests%2]
			ev = guard.Event{IP: pod, ClientID: w.svcIDs[3], At: now}
			set(&ev, classify.InvalidClient)
			rep.RotationRequests++
			nextRot += rot.every
			if nextRot >= rot.start+rot.length {
				nextRot = math.MaxInt64
			}
			if blocked(e, &ev, now) {
				rep.RotationQuarantined = true
				continue
			}
			e.Observe(&ev, &out)
			if len(out.Firings()) > 0 {
				rep.RotationLabelled = true
			}
			if out.Quarantined {
				rep.RotationQuarantined = true
			}
		default:
			a := atks[src]
			ev = guard.Event{At: now}
			a.make(a, a.sent, &ev)
			a.sent++
			a.result.Requests++
			next[src] += a.every
			if next[src] >= a.start+a.length {
				next[src] = math.MaxInt64
			}
			if blocked(e, &ev, now) {
				a.result.Blocked++
				continue
			}
			e.Observe(&ev, &out)
			if out.Quarantined && !a.result.Quarantined {
				a.result.Quarantined, a.result.TimeToQuarantine = true, at-a.start
			}
		}
		// Any firing on an attack's targets while it runs detects it.
		for _, f := range out.Firings() {
			for _, a := range atks {
				if !a.result.Detected && f.Detector == a.detector && a.targets[f.Subject] && at >= a.start && at < a.start+a.length+time.Minute {
					a.result.Detected, a.result.TimeToDetect = true, at-a.start
				}
			}
		}
		out = guard.Outcome{}
	}
	for _, a := range atks {
		rep.Attacks = append(rep.Attacks, a.result)
	}
	rep.Elapsed = time.Since(began)
	return rep, nil
}

// blocked is the enforcement the request hooks do: IP and key.
func blocked(e *guard.Engine, ev *guard.Event, now time.Time) bool {
	if _, ok := e.Check(guard.KindIP, ev.IP, now); ok {
		return true
	}
	_, ok := e.Check(guard.KindKey, ev.KeyFingerprint, now)
	return ok
}

func subjectOf(ev *guard.Event, k guard.Kind) string {
	switch k {
	case guard.KindIP:
		return ev.IP
	case guard.KindKey:
		return ev.KeyFingerprint
	case guard.KindClient:
		return ev.ClientID
	}
	return "?"
}

// countBenignFirings counts firings on benign requests that no attack
// explains (an IP-distributed attack's target fires on benign requests too).
func countBenignFirings(out *guard.Outcome, atks []*attack, at time.Duration) int {
	n := 0
	for _, f := range out.Firings() {
		explained := false
		for _, a := range atks {
			if f.Detector == a.detector && a.targets[f.Subject] && at >= a.start && at < a.start+a.length+2*time.Minute {
				explained = true
			}
		}
		if !explained {
			n++
		}
	}
	return n
}

// Markdown renders the report for docs/attack-protection.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Benign requests: %d (%d failures, %.2f%%), simulated over 24 h; wall time %s.\n\n",
		r.Benign, r.BenignFailures, 100*float64(r.BenignFailures)/float64(r.Benign), r.Elapsed.Round(time.Millisecond))
	b.WriteString("| Attack | Detector | Requests | Detected | Time to detect | Quarantined after | Blocked |\n|---|---|---:|---|---:|---:|---:|\n")
	detected := 0
	for _, a := range r.Attacks {
		d, ttd, q := "no", "–", "–"
		if a.Detected {
			d, ttd = "yes", a.TimeToDetect.Round(time.Second).String()
			detected++
		}
		if a.Quarantined {
			q = a.TimeToQuarantine.Round(time.Second).String()
		} else if a.Detector == guard.UpstreamIncident {
			q = "never (not enforced)"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %d | %s | %s | %s | %d |\n", a.Name, a.Detector, a.Requests, d, ttd, q, a.Blocked)
	}
	fmt.Fprintf(&b, "\nDetection rate: %d/%d.\n\n", detected, len(r.Attacks))
	fmt.Fprintf(&b, "False quarantines: %d (%.3f per million benign requests); benign requests blocked: %d; firings on benign subjects no attack explains (labels only): %d.\n\n",
		r.FalseQuarantines, r.FalseQuarantinesPerMillion(), r.BenignBlocked, r.BenignFirings)
	for _, s := range r.FalseSubjects {
		fmt.Fprintf(&b, "- false quarantine: %s\n", s)
	}
	fmt.Fprintf(&b, "Secret rotation (svc-3, %d invalid_client in 5 min from its two pods): labelled %v, quarantined %v.\n", r.RotationRequests, r.RotationLabelled, r.RotationQuarantined)
	return b.String()
}
