//go:build goplugin

package main

// The Tyk side of the gateway seam. Only this file imports Tyk; it is
// compiled by Tyk's plugin compiler (tag goplugin) inside a workspace with
// the gateway's source. gateway_standin.go keeps the same contract.

import (
	"encoding/json"
	"net/http"

	"github.com/sirupsen/logrus"

	"github.com/TykTechnologies/tyk-pump/analytics"

	"github.com/TykTechnologies/tyk/apidef"
	"github.com/TykTechnologies/tyk/apidef/oas"
	"github.com/TykTechnologies/tyk/ctx"
	tyklog "github.com/TykTechnologies/tyk/log"
	"github.com/TykTechnologies/tyk/request"
)

// gatewayLogger is Tyk's own logger, so level and format follow tyk.conf.
func gatewayLogger() *logrus.Logger { return tyklog.Get() }

// definitionOf returns the definition Tyk injected into r's context. It
// reads the context value directly: ctx.GetDefinition and
// ctx.GetOASDefinition deep-copy the whole definition on every call.
func definitionOf(r *http.Request) interface{} {
	if d, ok := r.Context().Value(ctx.Definition).(*apidef.APIDefinition); ok && d != nil {
		return d
	}
	if d, ok := r.Context().Value(ctx.OASDefinition).(*oas.OAS); ok && d != nil {
		return d
	}
	return nil
}

// describeAPI returns the API id and its plugin config data, read-only.
func describeAPI(def interface{}) (apiID string, configData map[string]interface{}) {
	switch d := def.(type) {
	case *apidef.APIDefinition:
		if d.ConfigDataDisabled {
			return d.APIID, nil
		}
		return d.APIID, d.ConfigData
	case *oas.OAS:
		ext := d.GetTykExtension()
		if ext == nil {
			return "", nil
		}
		apiID = ext.Info.ID
		mw := ext.Middleware
		if mw == nil || mw.Global == nil || mw.Global.PluginConfig == nil ||
			mw.Global.PluginConfig.Data == nil || !mw.Global.PluginConfig.Data.Enabled {
			return apiID, nil
		}
		return apiID, mw.Global.PluginConfig.Data.Value
	}
	return "", nil
}

// definitionJSON is the definition as JSON for the load-time audit: the
// classic shape (api_definitions.go json tags), or the OAS document through
// (*oas.OAS).MarshalJSON. It runs once per definition.
func definitionJSON(def interface{}) []byte {
	var b []byte
	var err error
	switch d := def.(type) {
	case *apidef.APIDefinition:
		b, err = json.Marshal(d)
	case *oas.OAS:
		b, err = json.Marshal(d)
	}
	if err != nil {
		return nil
	}
	return b
}

// sessionOf returns who is calling, from Tyk's session. KeyHash() panics
// when unset, hence the check; with hash_keys off it is the raw key, which
// is why callers only ever keep a fingerprint of it.
func sessionOf(r *http.Request) (caller, bool) {
	s := ctx.GetSession(r)
	if s == nil {
		return caller{}, false
	}
	c := caller{Alias: s.Alias, OAuthClientID: s.OauthClientID}
	if !s.KeyHashEmpty() {
		c.KeyFingerprint = fingerprint(s.KeyHash())
	}
	return c, true
}

// clientIP is the client's IP exactly as Tyk takes it, honouring its
// trusted-proxy setting (http_server_options.xff_depth from v5.14.0):
// request.RealIP has this signature at v5.8.0, v5.8.15 and v5.14.0.
func clientIP(r *http.Request) string { return request.RealIP(r) }

// OAuthCheckAnalytics is the analytics plugin function (classic
// analytics_plugin.func_name, OAS trafficLogs.plugins[].functionName),
// of the exact type goplugin.GetAnalyticsHandler asserts (tyk
// goplugin/analyticsplugin.go, v5.8.0 to v5.14.0). It redacts OAuth
// secrets in the raw request and response of detailed recording.
func OAuthCheckAnalytics(record *analytics.AnalyticsRecord) {
	if record == nil {
		return
	}
	redactRecord(&record.RawRequest, &record.RawResponse, &record.Tags)
}
