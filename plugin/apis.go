package main

import (
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/audit"
	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/config"
	"github.com/oauthcheck/oauthcheck/plugin/upstreamauth"
)

// apiState is an API's parsed config, built once per definition object.
type apiState struct {
	id   string
	cfg  config.Config
	opts classify.Options
	err  error // non-nil: the config was invalid and defaults are in use
	// risks are the high audit findings on the definition, logged once.
	risks []audit.Finding

	// upstreamWanted: the config asks for upstream_auth; upstream is its
	// token client, nil when that config (or the whole config) is invalid,
	// and then upstreamErr says why.
	upstreamWanted bool
	upstream       *upstreamauth.Client
	upstreamErr    error
	// upstreamLogged is the last failure logged, so an outage gives one
	// line per backoff window, not one per request.
	upstreamLogged atomic.Pointer[upstreamauth.Failure]
	// guard is the API's attack protection (guard_hooks.go).
	guard *apiGuard
	// logOn and logLevels, by verdict index (verdictIndex), are the
	// config's log_verdicts and log_levels, resolved once.
	logOn     [3]bool
	logLevels [3]logrus.Level
}

func verdictIndex(v classify.Verdict) int {
	switch v {
	case classify.VerdictWarning:
		return 1
	case classify.VerdictInvalid:
		return 2
	}
	return 0
}

// logLevel is the level of verdict v's lines, and whether they are written.
func (st *apiState) logLevel(v classify.Verdict) (logrus.Level, bool) {
	i := verdictIndex(v)
	return st.logLevels[i], st.logOn[i]
}

func (st *apiState) resolveLogPolicy() {
	for _, v := range []classify.Verdict{classify.VerdictOK, classify.VerdictWarning, classify.VerdictInvalid} {
		i := verdictIndex(v)
		st.logOn[i] = st.cfg.Logs(v)
		level, err := logrus.ParseLevel(st.cfg.LogLevel(v))
		if err != nil {
			level = logrus.InfoLevel
		}
		st.logLevels[i] = level
	}
}

// apiCache maps a definition object (Tyk's, or the stand-in's) to its
// parsed state, because Tyk's getters deep-copy the whole definition on
// every call. A hot reload brings new definition objects, so their config
// is parsed afresh and the previous object of the same API is dropped.
// Reads take no lock: the map is replaced, never changed, under mu.
type apiCache struct {
	byDef   atomic.Pointer[map[interface{}]*apiState]
	mu      sync.Mutex             // serialises writers
	current map[string]interface{} // api id → its newest definition object
}

var apis = newAPICache()

func newAPICache() *apiCache {
	c := &apiCache{current: map[string]interface{}{}}
	m := map[interface{}]*apiState{}
	c.byDef.Store(&m)
	return c
}

// defaultAPI serves requests that carry no definition at all.
var defaultAPI = func() *apiState { st := &apiState{}; st.resolveLogPolicy(); return st }()

func apiFor(r *http.Request) *apiState {
	def := definitionOf(r)
	if def == nil {
		return defaultAPI
	}
	return apis.get(def)
}

func (c *apiCache) get(def interface{}) *apiState {
	if st, ok := (*c.byDef.Load())[def]; ok {
		return st
	}

	st := parseAPI(def)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.byDef.Load()
	if existing, ok := old[def]; ok {
		return existing // another request parsed it first; it logged
	}
	next := make(map[interface{}]*apiState, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	if prev, ok := c.current[st.id]; ok && st.id != "" {
		delete(next, prev)
	}
	next[def] = st
	if st.id != "" {
		c.current[st.id] = def
	}
	c.byDef.Store(&next)
	for _, f := range st.risks {
		gatewayLogger().WithFields(logrus.Fields{"prefix": logPrefix, "api_id": st.id, "rule": f.Rule}).
			Warnf("oauthcheck: risk: %s; fix: %s (%s)", f.Detail, f.Fix, f.Ref)
	}
	if st.err != nil {
		gatewayLogger().WithFields(logrus.Fields{"prefix": logPrefix, "api_id": st.id}).
			WithError(st.err).Error("oauthcheck: invalid config, using defaults; responses are labelled plugin_misconfigured")
	} else if st.upstreamErr != nil {
		gatewayLogger().WithFields(logrus.Fields{"prefix": logPrefix, "api_id": st.id}).
			WithError(st.upstreamErr).Error("oauthcheck: upstream_auth cannot start; requests are answered 502 and never sent upstream without credentials")
	}
	return st
}

func parseAPI(def interface{}) *apiState {
	id, data := describeAPI(def)
	st := &apiState{id: id}
	cfg, err := config.Parse(data)
	if err != nil {
		st.err = err
		cfg = config.Config{}
	}
	st.cfg, st.opts = cfg, cfg.Options()
	st.guard = newAPIGuard(id, cfg)
	st.resolveLogPolicy()
	st.risks = auditDefinition(def)
	if raw, ok := data[config.Key].(map[string]interface{}); ok && raw["upstream_auth"] != nil {
		st.upstreamWanted = true
		switch {
		case err != nil:
			st.upstreamErr = err
		case cfg.UpstreamAuth != nil:
			st.upstream, st.upstreamErr = upstreamauth.New(*cfg.UpstreamAuth, upstreamauth.Options{})
		}
	}
	return st
}

// auditDefinition runs the definition and config rules once per definition
// and keeps the high findings. A malformed definition skips the audit; the
// config error is logged on its own.
func auditDefinition(def interface{}) (risks []audit.Finding) {
	defer func() {
		if e := recover(); e != nil {
			risks = nil // fail open: the audit never stops a definition loading
		}
	}()
	b := definitionJSON(def)
	if b == nil {
		return nil
	}
	fs, err := audit.CheckAPIDefinitions("definition", b, nil)
	if err != nil {
		return nil
	}
	for _, f := range fs {
		// Tyk has resolved secret references in the definition it hands the
		// plugin, so a plain-looking client_secret here proves nothing.
		if f.Severity >= audit.SeverityHigh && f.Rule != audit.ConfigInvalid && f.Rule != audit.ConfigUpstreamSecretPlain {
			risks = append(risks, f)
		}
	}
	return risks
}
