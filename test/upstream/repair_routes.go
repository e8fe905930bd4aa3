package upstream

import "net/http"

// More broken shapes, one per repair kind the routes above do not show:
// the repair-mode tests (test/integration/repair_clients_test.go) run
// real clients against every route with repair off and on.
func init() {
	Routes = append(Routes,
		Route{
			Path: "/token/form-encoded", Method: http.MethodPost, Form: TokenForm,
			Description: "GitHub style: the token form-encoded as text/plain, token_type lowercase, no no-store",
			WantCauses:  []string{"form_encoded_response", "expires_in_string", "missing_no_store"}, WantVerdict: "warning",
			serve: fixed(200, hdr("Content-Type", "text/plain; charset=utf-8"),
				"access_token=mb-access-form&token_type=bearer&expires_in=3600&scope=read"),
		},
		Route{
			Path: "/token/xml", Method: http.MethodPost, Form: TokenForm,
			Description: "Walmart style: the token as an XML document with camelCase elements",
			WantCauses:  []string{"not_json"}, WantVerdict: "invalid",
			serve: fixed(200, hdr("Content-Type", "application/xml"),
				`<?xml version="1.0" encoding="UTF-8"?><OAuthTokenDTO><accessToken>mb-access-xml</accessToken><tokenType>Bearer</tokenType><expiresIn>900</expiresIn></OAuthTokenDTO>`),
		},
		Route{
			Path: "/token/lowercase-bearer", Method: http.MethodPost, Form: TokenForm,
			Description: "a token response with token_type bearer and no Cache-Control: no-store",
			WantCauses:  []string{"missing_no_store"}, WantVerdict: "warning",
			serve: fixed(200, hdr("Content-Type", "application/json"),
				`{"access_token":"mb-access-lower-bearer","token_type":"bearer","expires_in":3600}`),
		},
		Route{
			Path: "/token/slack-ok-false", Method: http.MethodPost, Form: TokenForm,
			Description: `Slack style: HTTP 200 {"ok":false,"error":"invalid_client_id"}`,
			WantCauses:  []string{"invalid_client", "error_in_success_status"}, WantVerdict: "invalid",
			serve: fixed(200, hdr("Content-Type", "application/json; charset=utf-8"), `{"ok":false,"error":"invalid_client_id"}`),
		},
		Route{
			Path: "/token/waf-403", Method: http.MethodPost, Form: TokenForm,
			Description: "a Cloudflare WAF block page (403) in front of the token endpoint",
			WantCauses:  []string{"edge_blocked", "html_error_page"}, WantVerdict: "invalid",
			serve: fixed(403, hdr("Content-Type", "text/html; charset=UTF-8", "Server", "cloudflare", "Cf-Ray", "8a1b2c3d4e5f6789-AMS"),
				`<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1><div class="cf-error-details">Cloudflare Ray ID: 8a1b2c3d4e5f6789</div></body></html>`),
		},
	)
}

// RepairedRoutes are the routes repair mode rewrites, with the repairs it
// applies in order; every other route reaches a client unchanged with
// repair on.
var RepairedRoutes = map[string]string{
	"/token/nginx-502":          "edge_error",
	"/token/cloudflare-503":     "edge_error",
	"/token/empty-500":          "edge_error",
	"/token/waf-403":            "edge_error",
	"/token/github-error-200":   "error_shape,error_status",
	"/token/slack-ok-false":     "error_shape,error_status",
	"/token/nested-error":       "error_shape",
	"/token/expires-in-string":  "expires_in_number",
	"/token/json-as-text-plain": "content_type",
	"/token/form-encoded":       "expires_in_number,success_json,no_store,token_type_case",
	"/token/xml":                "expires_in_number,success_json,no_store",
	"/token/lowercase-bearer":   "no_store,token_type_case",
}
