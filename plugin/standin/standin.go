// Package standin is a plain-Go stand-in for the few parts of Tyk that
// oauthcheck reads: the API definition and session Tyk puts in the request
// context. Builds without the goplugin tag read these; the test harness
// sets them the way Tyk's ctx.SetDefinition and ctx.SetSession do.
package standin

import (
	"context"
	"net/http"

	"github.com/sirupsen/logrus"
)

// Logger stands in for Tyk's log.Get(): the host's own logger. A host that
// loads the plugin shares this package with it, so setting Logger's output
// in the host captures the plugin's lines, as Tyk's log config does.
var Logger = logrus.New()

type key int

const (
	definitionKey key = iota
	oasDefinitionKey
	sessionKey
)

// APIDefinition mirrors the fields oauthcheck reads from Tyk's
// apidef.APIDefinition (classic APIs).
type APIDefinition struct {
	APIID              string
	ConfigData         map[string]interface{}
	ConfigDataDisabled bool
	// Source is the definition's JSON, as Tyk would marshal it, for the
	// load-time audit; nil skips the audit.
	Source []byte
}

// OASDefinition mirrors what oauthcheck reads from Tyk's oas.OAS:
// x-tyk-api-gateway.info.id and .middleware.global.pluginConfig.data.
type OASDefinition struct {
	ID                string
	PluginDataEnabled bool
	PluginData        map[string]interface{}
	Source            []byte // the definition's JSON, for the load-time audit
}

// AnalyticsRecord mirrors the fields of tyk-pump's
// analytics.AnalyticsRecord that the analytics plugin function reads and
// writes, under the same names.
type AnalyticsRecord struct {
	APIID       string
	RawRequest  string // base64 of the raw HTTP request (detailed recording)
	RawResponse string // base64 of the raw HTTP response
	Tags        []string
}

// SessionState mirrors the fields oauthcheck reads from Tyk's
// user.SessionState. KeyHash is already hashed, as Tyk's KeyHash() is.
type SessionState struct {
	Alias         string
	OauthClientID string
	KeyHash       string
}

// SetDefinition puts a classic definition in r's context, in place, as
// Tyk's ctx.SetDefinition does.
func SetDefinition(r *http.Request, d *APIDefinition) { set(r, definitionKey, d) }

// SetOASDefinition puts an OAS definition in r's context, in place.
func SetOASDefinition(r *http.Request, d *OASDefinition) { set(r, oasDefinitionKey, d) }

// SetSession puts a session in r's context, in place, as authentication does.
func SetSession(r *http.Request, s *SessionState) { set(r, sessionKey, s) }

// Definition returns the classic definition in r's context, or nil.
func Definition(r *http.Request) *APIDefinition {
	d, _ := r.Context().Value(definitionKey).(*APIDefinition)
	return d
}

// OAS returns the OAS definition in r's context, or nil.
func OAS(r *http.Request) *OASDefinition {
	d, _ := r.Context().Value(oasDefinitionKey).(*OASDefinition)
	return d
}

// Session returns the session in r's context, or nil.
func Session(r *http.Request) *SessionState {
	s, _ := r.Context().Value(sessionKey).(*SessionState)
	return s
}

func set(r *http.Request, k key, v interface{}) {
	*r = *r.WithContext(context.WithValue(r.Context(), k, v))
}
