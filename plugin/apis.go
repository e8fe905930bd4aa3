package main

import (
	"net/http"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/config"
)

// apiState is an API's parsed config, built once per definition object.
type apiState struct {
	id   string
	cfg  config.Config
	opts classify.Options
	err  error // non-nil: the config was invalid and defaults are in use
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
	if st.err != nil {
		gatewayLogger().WithFields(logrus.Fields{"prefix": logPrefix, "api_id": st.id}).
			WithError(st.err).Error("oauthcheck: invalid config, using defaults; responses are labelled plugin_misconfigured")
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
	return st
}
