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
}

// apiCache maps a definition object (Tyk's, or the stand-in's) to its
// parsed state, because Tyk's getters deep-copy the whole definition on
// every call. A hot reload brings new definition objects, so their config
// is parsed afresh and the previous object of the same API is dropped.
type apiCache struct {
	mu      sync.RWMutex
	byDef   map[interface{}]*apiState
	current map[string]interface{} // api id → its newest definition object
}

var apis = &apiCache{byDef: map[interface{}]*apiState{}, current: map[string]interface{}{}}

// defaultAPI serves requests that carry no definition at all.
var defaultAPI = &apiState{}

func apiFor(r *http.Request) *apiState {
	def := definitionOf(r)
	if def == nil {
		return defaultAPI
	}
	return apis.get(def)
}

func (c *apiCache) get(def interface{}) *apiState {
	c.mu.RLock()
	st, ok := c.byDef[def]
	c.mu.RUnlock()
	if ok {
		return st
	}

	st = parseAPI(def)
	c.mu.Lock()
	defer c.mu.Unlock()
	if existing, ok := c.byDef[def]; ok {
		return existing // another request parsed it first; it logged
	}
	if old, ok := c.current[st.id]; ok && st.id != "" {
		delete(c.byDef, old)
	}
	c.byDef[def] = st
	if st.id != "" {
		c.current[st.id] = def
	}
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
