package main

// The adapter between the hooks and the attack-protection engine
// (plugin/guard). Each hook makes one call here; everything fails open.

import (
	"bytes"
	"hash/maphash"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/config"
	"github.com/oauthcheck/oauthcheck/plugin/guard"
)

// Guard label headers, tagged by tag_headers like the cause labels:
// x-oauth-risk-high, x-oauth-anomaly-grant_replay, x-oauth-action-blocked.
const (
	HeaderRisk    = "X-Oauth-Risk"
	HeaderAnomaly = "X-Oauth-Anomaly"
	HeaderAction  = "X-Oauth-Action"
)

// guardLogEvery rate-limits the warn lines: per API, detector and subject
// kind one firing line, and per API one block line, in this period.
const guardLogEvery = 10 * time.Second

// riskValues are the label values per level, shared so that labelling
// allocates nothing; nothing downstream modifies header slices.
var riskValues = [...][]string{{guard.LevelLow.String()}, {guard.LevelMedium.String()}, {guard.LevelHigh.String()}}

// guardNow is the clock; tests replace it.
var guardNow = time.Now

// usernames hashes usernames of password grants with a per-process key.
var usernames = guard.NewUserHasher()

// redirectSeed hashes redirect URIs for the distinct count.
var redirectSeed = maphash.MakeSeed()

// apiGuard is an API's engine, made at its first OAuth response so APIs
// without OAuth traffic cost no memory.
type apiGuard struct {
	once    sync.Once
	engine  *guard.Engine
	mode    string
	cfg     guard.Config
	lastLog [guard.NumDetectors][guard.NumKinds]atomic.Int64
	// lastBlockLog and blocksSince rate-limit the block lines.
	lastBlockLog atomic.Int64
	blocksSince  atomic.Int64
	hook         *webhook // nil: no webhook_url
	src          *config.Guard
	syncer       *guard.Syncer // nil: no redis_addr
}

// guards keeps each API's guard across hot reloads (Tyk reloads every API
// when any changes), so counts and quarantines survive while the API's
// guard config stays the same.
var guards sync.Map // api id → *apiGuard

func newAPIGuard(apiID string, cfg config.Config) *apiGuard {
	if apiID != "" {
		if old, ok := guards.Load(apiID); ok {
			if reflect.DeepEqual(old.(*apiGuard).src, cfg.Guard) {
				return old.(*apiGuard)
			}
			old.(*apiGuard).unshare()
		}
	}
	g := &apiGuard{mode: cfg.GuardMode(), cfg: cfg.GuardConfig(), src: cfg.Guard}
	if cfg.Guard != nil && g.mode != config.GuardOff {
		g.hook = webhookFor(cfg.Guard.WebhookURL)
	}
	if apiID != "" {
		guards.Store(apiID, g)
	}
	return g
}

func (g *apiGuard) get(apiID string) *guard.Engine {
	if g == nil || g.mode == config.GuardOff {
		return nil
	}
	g.once.Do(func() {
		e, err := guard.New(g.cfg)
		if err != nil {
			// The config was validated; this is a bug, so log and carry on without.
			gatewayLogger().WithFields(logrus.Fields{"prefix": logPrefix, "api_id": apiID}).
				WithError(err).Error("oauthcheck: attack protection off for this API")
			return
		}
		if g.src != nil && g.src.RedisAddr != "" && apiID != "" {
			g.syncer = syncerFor(g.src)
			g.syncer.Share(apiID, e)
		}
		g.engine = e
	})
	return g.engine
}

// unshare stops syncing the engine of a guard replaced by a new config.
func (g *apiGuard) unshare() {
	g.once.Do(func() {}) // waits for a get in flight; a guard never used stays unused
	if g.syncer != nil && g.engine != nil {
		g.syncer.Unshare(g.engine)
	}
}

// guardObserve feeds a classified response to the API's engine and labels
// the request with the risk level and the detectors that fired.
func guardObserve(api *apiState, r *http.Request, req *classify.Request, result *classify.Result, who caller) {
	e := api.guard.get(api.id)
	if e == nil {
		return
	}
	root := result.Root()
	cause, ok := classify.Lookup(root)
	if !ok {
		return
	}
	ev := guard.Event{ClientID: who.OAuthClientID, KeyFingerprint: who.KeyFingerprint, IP: clientIP(r),
		Root: root, Family: cause.Family, At: guardNow()}
	if root != classify.OK {
		ev.PasswordGrant, ev.UserHash = passwordUser(req)
		if root == classify.RedirectURIMismatch {
			ev.RedirectURIHash = redirectURIHash(req)
		}
	}
	var out guard.Outcome
	e.Observe(&ev, &out)
	firings := out.Firings()
	if out.Level == guard.LevelLow && len(firings) == 0 {
		return
	}
	if out.Level > guard.LevelLow {
		r.Header[HeaderRisk] = riskValues[out.Level]
	}
	if len(firings) > 0 {
		names := make([]string, 0, len(firings))
		for _, f := range firings {
			if !containsString(names, f.Detector.String()) {
				names = append(names, f.Detector.String())
			}
			api.guard.logFiring(api.id, &f, out.Level, ev.At)
		}
		r.Header[HeaderAnomaly] = names
	}
	if out.Quarantined && api.guard.hook != nil {
		b := out.Block
		api.guard.hook.send(&webhookEvent{Event: "OAuthQuarantine", Message: "oauthcheck quarantined a " + b.Kind.String() + " for " + b.Detector.String(),
			APIID: api.id, Detector: b.Detector.String(), SubjectKind: b.Kind.String(), Subject: publicSubject(&ev, b.Kind),
			Risk: guard.LevelHigh.String(), RetryAfter: int64(b.RetryAfter / time.Second), Mode: api.guard.mode})
	}
}

// publicSubject is the event's identifier of kind k, if it is label-safe.
func publicSubject(ev *guard.Event, k guard.Kind) string {
	s := ""
	switch k {
	case guard.KindIP:
		s = ev.IP
	case guard.KindClient:
		s = ev.ClientID
	case guard.KindKey:
		s = ev.KeyFingerprint
	}
	if !classify.LabelSafe(s) {
		return ""
	}
	return s
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// passwordUser reports a password grant and the keyed hash of its
// username, read from the form body already peeked. The username itself
// is dropped here.
func passwordUser(req *classify.Request) (bool, uint64) {
	if !bytes.Contains(req.Body, []byte("grant_type=password")) {
		return false, 0
	}
	form, err := url.ParseQuery(string(req.Body))
	if err != nil || form.Get("grant_type") != "password" {
		return false, 0
	}
	if u := form.Get("username"); u != "" {
		return true, usernames.Hash(u)
	}
	return true, 0
}

func redirectURIHash(req *classify.Request) uint64 {
	v := ""
	if q, err := url.ParseQuery(req.RawQuery); err == nil {
		v = q.Get("redirect_uri")
	}
	if v == "" && len(req.Body) > 0 {
		if form, err := url.ParseQuery(string(req.Body)); err == nil {
			v = form.Get("redirect_uri")
		}
	}
	if v == "" {
		return 0
	}
	return maphash.String(redirectSeed, v) | 1
}

func (g *apiGuard) logFiring(apiID string, f *guard.Firing, level guard.Level, now time.Time) {
	if !allowLog(&g.lastLog[f.Detector][f.Kind], now) {
		return
	}
	fields := logrus.Fields{"prefix": logPrefix, "api_id": apiID, "detector": f.Detector.String(),
		"subject_kind": f.Kind.String(), "window_count": f.Current, "previous_window_count": f.Previous,
		"baseline": strconv.FormatFloat(f.Baseline, 'f', 2, 64), "threshold": strconv.FormatFloat(f.Threshold, 'f', 1, 64),
		"risk": level.String(), "mode": g.mode}
	if classify.LabelSafe(f.Subject) {
		fields["subject"] = f.Subject // public identifiers only: IP, client_id, key fingerprint, username hash
	} else {
		safe := *f
		safe.Subject = "(not label-safe)" // a hostile client_id must not reach the message either
		f = &safe
	}
	gatewayLogger().WithFields(fields).Warn("oauthcheck: anomaly: " + f.String())
	if g.hook != nil {
		subject, _ := fields["subject"].(string)
		g.hook.send(&webhookEvent{Event: "OAuthAnomaly", Message: "oauthcheck: " + f.String(), APIID: apiID,
			Detector: f.Detector.String(), SubjectKind: f.Kind.String(), Subject: subject, WindowCount: f.Current,
			Baseline: f.Baseline, Threshold: f.Threshold, Risk: level.String(), Mode: g.mode})
	}
}

// allowLog takes the caller's clock reading, so a line costs no second one.
func allowLog(last *atomic.Int64, at time.Time) bool {
	now := at.UnixNano()
	prev := last.Load()
	return now-prev >= int64(guardLogEvery) && last.CompareAndSwap(prev, now)
}

// guardCheckRequest is the enforcement of the request hooks: in enforce
// mode, a quarantined IP or client_id (pre) or key (post_key_auth) gets
// 429 and never reaches the upstream. It reports whether it answered.
func guardCheckRequest(w http.ResponseWriter, r *http.Request, hook string) bool {
	if w == nil {
		return false
	}
	api := apiFor(r)
	if api.guard == nil || api.guard.mode != config.GuardEnforce {
		return false
	}
	e := api.guard.get(api.id)
	if e == nil || e.QuarantinesEnded() {
		return false
	}
	now := guardNow()
	if !e.QuarantineActive(now) {
		return false
	}
	var b guard.Block
	var blocked bool
	switch hook {
	case "pre":
		if e.AnyQuarantinedOf(guard.KindIP, now) {
			b, blocked = e.Check(guard.KindIP, clientIP(r), now)
		}
		if !blocked && e.AnyQuarantinedOf(guard.KindClient, now) {
			b, blocked = e.Check(guard.KindClient, requestClientID(r), now)
		}
	case "post_key_auth":
		b, blocked = e.Check(guard.KindKey, callerFrom(r).KeyFingerprint, now)
	}
	if !blocked {
		return false
	}
	writeBlock(w, r, b)
	api.guard.logBlock(api.id, hook, b, now)
	return true
}

// requestClientID is the client_id the pre hook can see without reading a
// body: the query or HTTP Basic.
func requestClientID(r *http.Request) string {
	req := classify.Request{Method: r.Method, Header: r.Header}
	if r.URL != nil {
		req.Path, req.RawQuery = r.URL.Path, r.URL.RawQuery
	}
	return classify.PublicClientID(&req)
}

// writeBlock answers 429 itself. Tyk's Go plugin middleware then passes
// the status to its error handler with writeResponse false, so the client
// gets exactly this status, these headers and this body, and the analytics
// record is made from the request headers (the labels set here); see
// README "Attack protection" for the gateway source lines.
func writeBlock(w http.ResponseWriter, r *http.Request, b guard.Block) {
	stripLabels(r.Header)
	r.Header[HeaderAction] = []string{"blocked"}
	r.Header[HeaderAnomaly] = []string{b.Detector.String()}
	r.Header[HeaderRisk] = []string{guard.LevelHigh.String()}
	secs := int64((b.RetryAfter + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"error":"too_many_requests","error_description":"Too many failed OAuth requests; retry after ` +
		strconv.FormatInt(secs, 10) + ` seconds."}`))
}

func (g *apiGuard) logBlock(apiID, hook string, b guard.Block, now time.Time) {
	n := g.blocksSince.Add(1)
	if !allowLog(&g.lastBlockLog, now) {
		return
	}
	g.blocksSince.Add(-n)
	gatewayLogger().WithFields(logrus.Fields{"prefix": logPrefix, "api_id": apiID, "hook": hook,
		"detector": b.Detector.String(), "subject_kind": b.Kind.String(), "retry_after": int64(b.RetryAfter / time.Second),
		"blocked": n}).Warn("oauthcheck: blocked a quarantined " + b.Kind.String() + " with 429 (" + strconv.FormatInt(n, 10) + " blocks since the last line)")
}
