// Package guard spots abusive OAuth traffic from classified responses and
// decides whom to quarantine. It is pure Go, knows nothing of Tyk, keeps no
// globals, and takes the time from its caller, so tests need no sleeps.
//
// One Engine serves one API. It is fed one Event per classified OAuth
// response (subjects, root cause, time) and answers with an Outcome (risk
// level, firings that explain themselves, a new quarantine). Check says
// whether a subject is quarantined, for the request-side hooks.
package guard

import (
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// Detector names one anomaly detector; it indexes Registry.
type Detector uint8

// Detectors, in Registry order.
const (
	CredentialStuffing Detector = iota
	GrantReplay
	RedirectProbing
	ScopeProbing
	TokenGuessing
	UpstreamIncident
	NumDetectors
)

// Kind is the kind of a subject a detector counts per.
type Kind uint8

// Subject kinds.
const (
	KindIP Kind = iota
	KindClient
	KindKey
	KindUser
	KindAPI
	numKinds
)

// NumKinds is the number of subject kinds.
const NumKinds = int(numKinds)

var kindNames = [numKinds]string{"ip", "client_id", "key", "user", "api"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// Kinds is a set of subject kinds.
type Kinds uint8

// Has reports whether k is in the set.
func (s Kinds) Has(k Kind) bool { return s&(1<<k) != 0 }

func kinds(ks ...Kind) Kinds {
	var s Kinds
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

// Thresholds say when a detector fires: in a sliding window, the count per
// subject must reach Floor AND Factor times the subject's EWMA baseline.
type Thresholds struct {
	Floor  int           `json:"floor,omitempty"`
	Factor float64       `json:"factor,omitempty"`
	Window time.Duration `json:"-"`
}

// Spec is one row of the detector registry.
type Spec struct {
	Detector Detector
	Name     string
	Doc      string // one line: what a firing means
	// Counts are the subject kinds counted per.
	Counts Kinds
	// Enforces are the kinds a firing may quarantine. client_ids are not
	// among them by default: anyone can send a public client's id, or a
	// confidential one's with a wrong secret, and so get it blocked.
	Enforces Kinds
	// ClientOptIn: with Config.QuarantineClients the detector also
	// quarantines client_ids.
	ClientOptIn bool
	// SpareEstablished keeps subjects with a success history (a client
	// rotating its secret) at medium risk for this detector.
	SpareEstablished bool
	Defaults         Thresholds
}

// Registry is every detector, in documentation order. The README's
// detector table is tested against it.
var Registry = [NumDetectors]Spec{
	{CredentialStuffing, "credential_stuffing",
		"Bursts of invalid_client per client_id or IP, and failed password grants from one IP across usernames or for one username across IPs.",
		kinds(KindIP, KindClient, KindKey, KindUser), kinds(KindIP, KindKey), false, true,
		Thresholds{Floor: 20, Factor: 4, Window: time.Minute}},
	{GrantReplay, "grant_replay",
		"Bursts of invalid_grant per client_id, IP or key: guessed or replayed codes and refresh tokens.",
		kinds(KindIP, KindClient, KindKey), kinds(KindIP, KindKey), true, false,
		Thresholds{Floor: 20, Factor: 4, Window: time.Minute}},
	{RedirectProbing, "redirect_probing",
		"redirect_uri_mismatch from one client_id or IP with many distinct redirect URIs (counted distinct).",
		kinds(KindIP, KindClient), kinds(KindIP), true, false,
		Thresholds{Floor: 6, Factor: 3, Window: time.Minute}},
	{ScopeProbing, "scope_probing",
		"Bursts of invalid_scope or insufficient_scope per client_id, IP or key.",
		kinds(KindIP, KindClient, KindKey), kinds(KindIP, KindKey), true, false,
		Thresholds{Floor: 15, Factor: 4, Window: time.Minute}},
	{TokenGuessing, "token_guessing",
		"Bursts of invalid_token or inactive_token at resource servers and introspection per IP or key.",
		kinds(KindIP, KindKey), kinds(KindIP, KindKey), false, false,
		Thresholds{Floor: 30, Factor: 4, Window: time.Minute}},
	{UpstreamIncident, "upstream_incident",
		"Server-family causes from many subjects at once: the upstream's fault, reported for the API, never enforced.",
		kinds(KindAPI), 0, false, false,
		Thresholds{Floor: 20, Factor: 4, Window: time.Minute}},
}

func (d Detector) String() string {
	if d < NumDetectors {
		return Registry[d].Name
	}
	return "unknown"
}

// ByName finds a detector by its registry name.
func ByName(name string) (Detector, bool) {
	for _, s := range Registry {
		if s.Name == name {
			return s.Detector, true
		}
	}
	return 0, false
}

// successShare: a subject that also succeeds fires only when its failures
// in the window reach this share of its successes, so a client with heavy
// traffic and a normal failure rate stays quiet from its first window.
const successShare = 0.5

// upstreamMinSubjects: an incident needs failures from this many distinct
// IPs, so one client hammering a broken endpoint is not an incident.
const upstreamMinSubjects = 5

// detectorFor maps a root cause to the detector that counts it.
func detectorFor(root classify.Code, family classify.Family, password bool) (Detector, bool) {
	switch root {
	case classify.InvalidClient:
		return CredentialStuffing, true
	case classify.InvalidGrant, classify.AccessDenied:
		if password {
			return CredentialStuffing, true
		}
		if root == classify.InvalidGrant {
			return GrantReplay, true
		}
	case classify.RedirectURIMismatch:
		return RedirectProbing, true
	case classify.InvalidScope, classify.InsufficientScope:
		return ScopeProbing, true
	case classify.InvalidToken, classify.InactiveToken:
		return TokenGuessing, true
	}
	if family == classify.FamilyServer && root != classify.RateLimited {
		return UpstreamIncident, true
	}
	return 0, false
}
