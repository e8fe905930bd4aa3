// Command noopplugin is the floor the load comparison measures oauthcheck
// against: a Go plugin with oauthcheck's hook symbols and types that
// return at once, built and loaded the same way (test/harness).
package main

import (
	"net/http"

	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// OAuthCheckPre returns at once.
func OAuthCheckPre(http.ResponseWriter, *http.Request) {}

// OAuthCheckAuth returns at once.
func OAuthCheckAuth(http.ResponseWriter, *http.Request) {}

// OAuthCheckResponse returns at once.
func OAuthCheckResponse(http.ResponseWriter, *http.Response, *http.Request) {}

// OAuthCheckAnalytics returns at once.
func OAuthCheckAnalytics(*standin.AnalyticsRecord) {}

func main() {}
