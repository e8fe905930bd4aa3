package classify

import (
	"net/http"
	"testing"
)

// Endpoint detection on the request shapes real clients send: one case per
// pattern, with the evidence explain and the log line must show.
func TestDetectPatterns(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name     string
		req      Request
		status   int
		respHdr  http.Header
		want     Endpoint
		evidence string
	}{
		{"github code exchange without grant_type", Request{Method: "POST", Path: "/login/oauth/access_token", Header: hdr("Content-Type", form),
			Body: []byte("client_id=Iv1.demo&client_secret=PLACEHOLDER-secret&code=PLACEHOLDER-code")}, 200, nil, EndpointToken, "param code"},
		{"parameters in the query", Request{Method: "POST", Path: "/oauth/v2/accessToken", RawQuery: "grant_type=authorization_code&code=x&client_id=y", Header: hdr()},
			400, nil, EndpointToken, "param grant_type"},
		{"JSON request body", Request{Method: "POST", Path: "/api/v1/login", Header: hdr("Content-Type", "application/json"),
			Body: []byte(`{"grant_type":"refresh_token","refresh_token":"PLACEHOLDER"}`)}, 400, nil, EndpointToken, "param grant_type"},
		{"multipart/form-data body (curl -F)", Request{Method: "POST", Path: "/api/v1/login", Header: hdr("Content-Type", "multipart/form-data; boundary=b"),
			Body: []byte("--b\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n--b--\r\n")},
			400, nil, EndpointToken, "param grant_type"},
		{"multipart upload whose file is named like a parameter", Request{Method: "POST", Path: "/api/v1/files", Header: hdr("Content-Type", "multipart/form-data; boundary=b"),
			Body: []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"grant_type\"\r\n\r\nx\r\n--b--\r\n")},
			200, nil, EndpointNone, ""},
		{"multipart upload whose file's contents name parameters", Request{Method: "POST", Path: "/api/v1/files", Header: hdr("Content-Type", "multipart/form-data; boundary=b"),
			Body: []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.html\"\r\n\r\n<input name=\"code\"><input name=\"client_id\">\r\n--b--\r\n")},
			400, nil, EndpointNone, ""},
		{"GET to a token endpoint", Request{Method: "GET", Path: "/v19.0/oauth/access_token", RawQuery: "client_id=1&redirect_uri=x&client_secret=s&code=c", Header: hdr()},
			400, nil, EndpointToken, "param code"},
		{"broken client posting nothing to /oauth/token", Request{Method: "POST", Path: "/oauth/token", Header: hdr("Content-Type", form)},
			400, nil, EndpointToken, "path token"},
		{"Keycloak token path", Request{Method: "POST", Path: "/realms/demo/protocol/openid-connect/token", Header: hdr()}, 401, nil, EndpointToken, "path token"},
		{"Entra v2 token path", Request{Method: "POST", Path: "/common/oauth2/v2.0/token", Header: hdr()}, 400, nil, EndpointToken, "path token"},
		{"Adobe token path with a version after it", Request{Method: "POST", Path: "/ims/token/v3", Header: hdr()}, 400, nil, EndpointToken, "path token"},
		{"Intuit bearer tokens path", Request{Method: "POST", Path: "/oauth2/v1/tokens/bearer", Header: hdr()}, 400, nil, EndpointToken, "path tokens"},
		{"Slack oauth.v2.access", Request{Method: "POST", Path: "/api/oauth.v2.access", Header: hdr()}, 200, nil, EndpointToken, "path oauth.v2.access"},
		{"Curity oauth-introspect", Request{Method: "POST", Path: "/oauth/v2/oauth-introspect", Header: hdr("Content-Type", form), Body: []byte("token=x")}, 200, nil, EndpointIntrospect, "path introspect"},
		{"revocation", Request{Method: "POST", Path: "/oauth2/revoke", Header: hdr("Content-Type", form), Body: []byte("token=x&token_type_hint=refresh_token")}, 200, nil, EndpointRevoke, "path revoke"},
		{"device code path", Request{Method: "POST", Path: "/oauth/device/code", Header: hdr("Content-Type", form), Body: []byte("client_id=x")}, 200, nil, EndpointDeviceAuthorization, "path device/code"},
		{"authorize", Request{Method: "GET", Path: "/oauth2/v1/authorize", RawQuery: "client_id=x", Header: hdr()}, 400, nil, EndpointAuthorize, "path authorize"},
		{"Authorization: token", Request{Method: "GET", Path: "/user/repos", Header: hdr("Authorization", "token gho_PLACEHOLDER")}, 401, nil, EndpointResource, "credentials token"},
		{"access_token in the query (RFC 6750 §2.3)", Request{Method: "GET", Path: "/v2/items", RawQuery: "access_token=PLACEHOLDER", Header: hdr()}, 400, nil, EndpointResource, "credentials access_token"},
		{"empty Bearer", Request{Method: "GET", Path: "/v1/me/player", Header: hdr("Authorization", "Bearer ")}, 401, nil, EndpointResource, "credentials Bearer"},
		{"no credentials, 401", Request{Method: "GET", Path: "/user", Header: hdr()}, 401, nil, EndpointResource, "status 401"},
		{"no credentials, Bearer challenge", Request{Method: "GET", Path: "/v1/items", Header: hdr()}, 403, hdr("Www-Authenticate", `Bearer realm="api"`), EndpointResource, "challenge WWW-Authenticate"},
		{"GitHub scope headers", Request{Method: "GET", Path: "/orgs/x/members", Header: hdr()}, 403, hdr("X-Accepted-Oauth-Scopes", "read:org"), EndpointResource, "header X-Accepted-OAuth-Scopes"},
		{"REST path ending in token, with a bearer", Request{Method: "POST", Path: "/api/devices/push/token", Header: hdr("Authorization", "Bearer PLACEHOLDER", "Content-Type", "application/json"),
			Body: []byte(`{"device":"x"}`)}, 400, nil, EndpointResource, "credentials Bearer"},
		{"not OAuth", Request{Method: "GET", Path: "/api/orders/42", RawQuery: "expand=items", Header: hdr()}, 200, nil, EndpointNone, ""},
		{"not OAuth, 404", Request{Method: "GET", Path: "/favicon.ico", Header: hdr()}, 404, nil, EndpointNone, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.respHdr == nil {
				tc.respHdr = http.Header{}
			}
			d := DetectExchange(&tc.req, tc.status, tc.respHdr, nil)
			if d.Endpoint != tc.want {
				t.Errorf("endpoint: got %q, want %q (evidence %q)", d.Endpoint, tc.want, d.Why.DetectedText())
			}
			if got := d.Why.DetectedText(); tc.evidence != "" && !hasPrefix(got, tc.evidence) {
				t.Errorf("evidence: got %q, want it to start with %q", got, tc.evidence)
			}
		})
	}
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// The body decides when the request and headers say nothing, and only
// for client-error statuses; a 429 or 5xx is a resource server's failure
// on its status alone. Other undetected traffic is never read.
func TestDetectFromResponseBody(t *testing.T) {
	req := Request{Method: "POST", Path: "/api/v2/session", Header: hdr("Content-Type", "application/json"), Body: []byte(`{"user":"x"}`)}
	for _, tc := range []struct {
		status int
		body   string
		want   Endpoint
		root   Code
	}{
		{400, `{"error":"invalid_grant","error_description":"The refresh token has expired"}`, EndpointToken, InvalidGrant},
		{403, `{"error":"insufficient_scope"}`, EndpointResource, InsufficientScope},
		{400, `{"error":"validation_failed","fields":["name"]}`, EndpointNone, OK},
		{404, `{"error":"invalid_grant"}`, EndpointNone, OK},
		// A server failure needs no OAuth signal to be one.
		{500, `{"error":"invalid_grant"}`, EndpointResource, ServerError},
		{429, `{"message":"slow down"}`, EndpointResource, RateLimited},
	} {
		resp := Response{Status: tc.status, Header: hdr("Content-Type", "application/json"), Body: []byte(tc.body)}
		if want := NeedsBody(tc.status) || tc.want == EndpointResource; BodyWanted(DetectExchange(&req, tc.status, resp.Header, nil), tc.status, resp.Header, nil) > 0 != want {
			t.Errorf("status %d: BodyWanted: got %v, want %v", tc.status, !want, want)
		}
		got := Classify(&req, &resp, nil)
		if got.Endpoint != tc.want || got.Root() != tc.root {
			t.Errorf("status %d %s: got %s/%s, want %s/%s", tc.status, tc.body, got.Endpoint, got.Root(), tc.want, tc.root)
		}
	}
}

// indexFold agrees with the plain search on every input.
func FuzzIndexFold(f *testing.F) {
	f.Add([]byte("Generated by cloudfront (CloudFront)"), "cloudfront")
	f.Add([]byte("aAaAab"), "aab")
	f.Fuzz(func(t *testing.T, s []byte, needle string) {
		lowered := []byte(needle)
		for i, c := range lowered {
			lowered[i] = lower(c)
		}
		n := string(lowered)
		got := indexFold(s, n) >= 0
		want := false
		for i := 0; i+len(n) <= len(s) && !want; i++ {
			want = true
			for j := 0; j < len(n); j++ {
				if lower(s[i+j]) != n[j] {
					want = false
					break
				}
			}
		}
		if got != want {
			t.Fatalf("indexFold(%q, %q) = %v, want %v", s, n, got, want)
		}
	})
}

// A key header is the upstream's credential, unless the gateway itself
// authenticated the request with it: then the upstream got no token.
func TestKeyHeadersAndGatewayKeys(t *testing.T) {
	resp := Response{Status: 401, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"message":"Unauthorized"}`)}
	for _, tc := range []struct {
		keyed bool
		want  Code
	}{{false, InvalidToken}, {true, MissingToken}} {
		req := Request{Method: "GET", Path: "/api/v1/series", Header: hdr("X-Api-Key", "PLACEHOLDER-key-000001"), GatewayKeyed: tc.keyed}
		if got := Classify(&req, &resp, nil); got.Root() != tc.want {
			t.Errorf("GatewayKeyed %v: got %s, want %s", tc.keyed, got.Root(), tc.want)
		}
	}
	req := Request{Method: "GET", Path: "/x", Header: hdr("X-Csrf-Token", "abc123abc123")}
	if got := Classify(&req, &resp, nil); got.Root() != MissingToken {
		t.Errorf("an anti-CSRF token is no credential: got %s, want missing_token", got.Root())
	}
}
