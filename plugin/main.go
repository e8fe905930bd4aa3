// Command oauthcheck is a Tyk Go plugin that labels upstream OAuth 2.0 and
// OpenID Connect responses with why a standards-following client could not
// use them. Build it with -buildmode=plugin; Tyk loads the three hooks below.
package main

import "net/http"

// Tyk asserts exactly these function types when it looks the symbols up
// (goplugin/goplugin.go); a signature drift must fail the build, not the load.
var (
	_ func(http.ResponseWriter, *http.Request)                 = OAuthCheckPre
	_ func(http.ResponseWriter, *http.Request)                 = OAuthCheckAuth
	_ func(http.ResponseWriter, *http.Response, *http.Request) = OAuthCheckResponse
)

func main() {}
