//go:build !goplugin

package main

// The plain-Go side of the gateway seam, for builds without Tyk. It keeps
// the contract of gateway_tyk.go: same functions, same meaning.

import (
	"net"
	"net/http"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// gatewayLogger is the logger every line goes to: the host's.
func gatewayLogger() *logrus.Logger { return standin.Logger }

// definitionOf returns the API definition serving r, as an opaque pointer
// that stays the same until the API is reloaded, or nil.
func definitionOf(r *http.Request) interface{} {
	if d := standin.Definition(r); d != nil {
		return d
	}
	if d := standin.OAS(r); d != nil {
		return d
	}
	return nil
}

// describeAPI returns the API id and its plugin config data. It runs once
// per definition, so it may be slow.
func describeAPI(def interface{}) (apiID string, configData map[string]interface{}) {
	switch d := def.(type) {
	case *standin.APIDefinition:
		if d.ConfigDataDisabled {
			return d.APIID, nil
		}
		return d.APIID, d.ConfigData
	case *standin.OASDefinition:
		if !d.PluginDataEnabled {
			return d.ID, nil
		}
		return d.ID, d.PluginData
	}
	return "", nil
}

// definitionJSON is the definition as JSON (classic or OAS shape) for the
// load-time audit, or nil.
func definitionJSON(def interface{}) []byte {
	switch d := def.(type) {
	case *standin.APIDefinition:
		return d.Source
	case *standin.OASDefinition:
		return d.Source
	}
	return nil
}

// sessionOf returns who is calling, from the gateway's session, if any.
func sessionOf(r *http.Request) (caller, bool) {
	s := standin.Session(r)
	if s == nil {
		return caller{}, false
	}
	c := caller{Alias: s.Alias, OAuthClientID: s.OauthClientID}
	if s.KeyHash != "" {
		c.KeyFingerprint = fingerprint(s.KeyHash)
	}
	return c, true
}

// clientIP is the client's IP as Tyk's request.RealIP takes it (v5.8.0
// request/real_ip.go): the remote_addr context value, X-Real-IP, the first
// X-Forwarded-For entry, then RemoteAddr.
func clientIP(r *http.Request) string {
	if v, ok := r.Context().Value("remote_addr").(string); ok {
		return v
	}
	// Direct map reads: net/http has canonicalised the names already, and
	// Header.Get would canonicalise again on every call.
	if v := r.Header["X-Real-Ip"]; len(v) > 0 && v[0] != "" {
		if ip := net.ParseIP(v[0]); ip != nil {
			return ip.String()
		}
	}
	if v := r.Header["X-Forwarded-For"]; len(v) > 0 && v[0] != "" {
		fw := v[0]
		if i := strings.IndexByte(fw, ','); i >= 0 {
			fw = fw[:i]
		}
		if ip := net.ParseIP(fw); ip != nil {
			return ip.String()
		}
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return host
}

// OAuthCheckAnalytics is the analytics plugin function (classic
// analytics_plugin.func_name, OAS trafficLogs.plugins[].functionName). Tyk
// calls it with func(*analytics.AnalyticsRecord); the stand-in record has
// the fields it reads, under the same names.
func OAuthCheckAnalytics(record *standin.AnalyticsRecord) {
	if record == nil {
		return
	}
	redactRecord(&record.RawRequest, &record.RawResponse, &record.Tags)
}
