// Package upstream is a misbehaving OAuth upstream: each route answers a
// token request the way a broken server, proxy or CDN does, so tests and
// the demo stack can check what oauthcheck says about it and that clients
// still get the exact bytes.
package upstream

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// TokenForm is the token request every POST route expects: its shape makes
// oauthcheck detect a token endpoint without any config.
const TokenForm = "grant_type=client_credentials&client_id=misbehaving-client"

// Route is one misbehaving answer.
type Route struct {
	Path        string
	Method      string
	Description string
	// WantCauses are the causes oauthcheck should label, root first.
	// Nil: the exchange must carry no labels at all.
	WantCauses  []string
	WantVerdict string // ok, warning or invalid; "" when WantCauses is nil
	// Form is the urlencoded request body to send ("" for none).
	Form string
	// Header holds extra request headers to send.
	Header map[string]string
	// Stream: the body never ends; read the first event, then disconnect.
	Stream bool
	// Hostile: the body is built to hurt a parser (depth, encoding, bombs).
	Hostile bool

	serve func(w http.ResponseWriter, r *http.Request)
}

// NewRequest builds the request the route expects, against baseURL.
func (rt Route) NewRequest(ctx context.Context, baseURL string) (*http.Request, error) {
	var body io.Reader
	if rt.Form != "" {
		body = strings.NewReader(rt.Form)
	}
	req, err := http.NewRequestWithContext(ctx, rt.Method, strings.TrimSuffix(baseURL, "/")+rt.Path, body)
	if err != nil {
		return nil, err
	}
	if rt.Form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range rt.Header {
		req.Header.Set(k, v)
	}
	return req, nil
}

// Routes lists every route the Handler serves.
var Routes = []Route{
	{
		Path: "/token/nginx-502", Method: http.MethodPost, Form: TokenForm,
		Description: "nginx's HTML 502 Bad Gateway page in place of a token response",
		WantCauses:  []string{"server_error", "html_error_page"}, WantVerdict: "invalid",
		serve: fixed(502, hdr("Content-Type", "text/html", "Server", "nginx/1.25.3"), nginx502),
	},
	{
		Path: "/token/cloudflare-503", Method: http.MethodPost, Form: TokenForm,
		Description: "a Cloudflare-like HTML 503 page",
		WantCauses:  []string{"temporarily_unavailable", "html_error_page"}, WantVerdict: "invalid",
		serve: fixed(503, hdr("Content-Type", "text/html; charset=UTF-8", "Server", "cloudflare", "Cf-Ray", "8a1b2c3d4e5f6789-AMS", "Retry-After", "30"), cloudflare503),
	},
	{
		Path: "/token/missing-access-token", Method: http.MethodPost, Form: TokenForm,
		Description: "200 JSON with token_type and expires_in but no access_token",
		WantCauses:  []string{"missing_access_token"}, WantVerdict: "invalid",
		serve: fixed(200, jsonNoStore(), `{"token_type":"Bearer","expires_in":3600}`),
	},
	{
		Path: "/token/expires-in-string", Method: http.MethodPost, Form: TokenForm,
		Description: `200 token response with expires_in as a quoted number ("3600")`,
		WantCauses:  []string{"expires_in_string"}, WantVerdict: "warning",
		serve: fixed(200, jsonNoStore(), `{"access_token":"mb-access-string-expiry","token_type":"Bearer","expires_in":"3600"}`),
	},
	{
		Path: "/token/expires-in-nonnumeric", Method: http.MethodPost, Form: TokenForm,
		Description: `200 token response with expires_in "one hour"`,
		WantCauses:  []string{"bad_expires_in"}, WantVerdict: "invalid",
		serve: fixed(200, jsonNoStore(), `{"access_token":"mb-access-bad-expiry","token_type":"Bearer","expires_in":"one hour"}`),
	},
	{
		Path: "/token/github-error-200", Method: http.MethodPost, Form: TokenForm,
		Description: "GitHub style: an OAuth error (bad_verification_code) with status 200",
		WantCauses:  []string{"invalid_grant", "error_in_success_status"}, WantVerdict: "invalid",
		serve: fixed(200, hdr("Content-Type", "application/json; charset=utf-8"),
			`{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"}`),
	},
	{
		Path: "/token/json-as-text-plain", Method: http.MethodPost, Form: TokenForm,
		Description: "a valid token response labelled Content-Type: text/plain",
		WantCauses:  []string{"wrong_content_type"}, WantVerdict: "invalid",
		serve: fixed(200, hdr("Content-Type", "text/plain; charset=utf-8", "Cache-Control", "no-store"),
			`{"access_token":"mb-access-text-plain","token_type":"Bearer","expires_in":3600}`),
	},
	{
		Path: "/token/nested-error", Method: http.MethodPost, Form: TokenForm,
		Description: `Google API style nested error {"error":{"code","message","status"}}`,
		WantCauses:  []string{"invalid_request", "nonstandard_error_shape"}, WantVerdict: "invalid",
		serve: fixed(400, hdr("Content-Type", "application/json; charset=UTF-8"),
			`{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`),
	},
	{
		Path: "/token/empty-500", Method: http.MethodPost, Form: TokenForm,
		Description: "500 with an empty body",
		WantCauses:  []string{"server_error", "empty_body"}, WantVerdict: "invalid",
		serve: fixed(500, hdr("Content-Length", "0"), ""),
	},
	{
		Path: "/token/gzip", Method: http.MethodPost, Form: TokenForm,
		Header:      map[string]string{"Accept-Encoding": "gzip"},
		Description: "a good token response, gzip-encoded",
		WantCauses:  []string{"ok"}, WantVerdict: "ok",
		serve: fixed(200, hdr("Content-Type", "application/json", "Cache-Control", "no-store", "Content-Encoding", "gzip", "Vary", "Accept-Encoding"),
			string(gzipped([]byte(`{"access_token":"mb-access-gzip","token_type":"Bearer","expires_in":3600}`)))),
	},
	{
		Path: "/token/chunked", Method: http.MethodPost, Form: TokenForm,
		Description: "a good token response sent in flushed chunks (no Content-Length)",
		WantCauses:  []string{"ok"}, WantVerdict: "ok",
		serve: chunked,
	},
	{
		Path: "/token/oversized", Method: http.MethodPost, Form: TokenForm,
		Description: "a good token response padded past the 64 KiB inspection cap",
		WantCauses:  []string{"body_truncated"}, WantVerdict: "warning",
		serve: fixed(200, jsonNoStore(), string(oversized())),
	},
	{
		Path: "/token/event-stream", Method: http.MethodPost, Form: TokenForm, Stream: true,
		Description: "text/event-stream that never ends until the client leaves; it must reach the client unbuffered",
		// The body is never inspected (it never ends), so the label comes
		// from the media type: a JSON client cannot read an event stream.
		WantCauses: []string{"not_json"}, WantVerdict: "invalid",
		serve: eventStream,
	},
	{
		Path: "/token/head", Method: http.MethodHead,
		Description: "HEAD: headers only, Content-Length of a body never sent",
		serve:       fixed(200, hdr("Content-Type", "application/json", "Content-Length", "71"), ""),
	},
	{
		Path: "/token/no-content", Method: http.MethodPost, Form: TokenForm,
		Description: "204 No Content to a token request",
		WantCauses:  []string{"empty_body"}, WantVerdict: "invalid",
		serve: fixed(204, hdr("Cache-Control", "no-store"), ""),
	},
	{
		Path: "/token/not-modified", Method: http.MethodPost, Form: TokenForm,
		Description: "304 Not Modified to a token request",
		WantCauses:  []string{"unexpected_status", "empty_body"}, WantVerdict: "invalid",
		serve: fixed(304, hdr("Etag", `"v1"`), ""),
	},
	{
		Path: "/token/deep-json", Method: http.MethodPost, Form: TokenForm, Hostile: true,
		Description: "200 application/json nested 100,000 levels deep",
		WantCauses:  []string{"body_truncated"}, WantVerdict: "warning",
		serve: fixed(200, jsonNoStore(), string(deepJSON(100000))),
	},
	{
		Path: "/token/invalid-utf8", Method: http.MethodPost, Form: TokenForm, Hostile: true,
		Description: "200 token response whose strings hold invalid UTF-8",
		WantCauses:  []string{"ok"}, WantVerdict: "ok",
		serve: fixed(200, jsonNoStore(),
			"{\"access_token\":\"mb-access-\xff\xfe\xfd\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"note\":\"\xc3\x28\xed\xa0\x80\"}"),
	},
	{
		Path: "/token/gzip-bomb", Method: http.MethodPost, Form: TokenForm, Hostile: true,
		Header:      map[string]string{"Accept-Encoding": "gzip"},
		Description: "200 gzip body that inflates to 16 MiB of zero bytes",
		WantCauses:  []string{"not_json", "body_truncated"}, WantVerdict: "invalid",
		serve: fixed(200, hdr("Content-Type", "application/json", "Content-Encoding", "gzip"),
			string(gzipBomb(16<<20))),
	},
}

// Lookup returns the route serving path.
func Lookup(path string) (Route, bool) {
	for _, rt := range Routes {
		if rt.Path == path {
			return rt, true
		}
	}
	return Route{}, false
}

// Handler serves every route; other paths get 404.
func Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range Routes {
		mux.HandleFunc(rt.Path, rt.serve)
	}
	return mux
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func jsonNoStore() http.Header {
	return hdr("Content-Type", "application/json", "Cache-Control", "no-store", "Pragma", "no-cache")
}

// fixed answers status, header and body, whatever the request, draining
// the request body first as real servers do.
func fixed(status int, h http.Header, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for k, vv := range h {
			w.Header()[k] = append([]string(nil), vv...)
		}
		if h.Get("Content-Length") == "" && body != "" {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		}
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, body)
		}
	}
}

// ChunkedParts are the pieces /token/chunked flushes one by one.
var ChunkedParts = []string{`{"access_token":"mb-access-`, `chunked","token_type":`, `"Bearer","expires_in":`, `3600}`}

func chunked(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(200)
	f, _ := w.(http.Flusher)
	for _, part := range ChunkedParts {
		_, _ = io.WriteString(w, part)
		if f != nil {
			f.Flush()
		}
	}
}

// FirstEvent is the first thing /token/event-stream sends.
const FirstEvent = "event: token\ndata: {\"status\":\"pending\"}\n\n"

// eventStream sends one event, then holds the stream open until the client
// disconnects: anything that buffers the body waits forever.
func eventStream(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	_, _ = io.WriteString(w, FirstEvent)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	<-r.Context().Done()
}

const nginx502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
</body>
</html>
`

const cloudflare503 = `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>idp.example.com | 503: Service temporarily unavailable</title>
<meta charset="UTF-8" />
<meta name="robots" content="noindex, nofollow" />
</head>
<body>
<div id="cf-wrapper">
<h1><span class="cf-error-type">Error</span> <span class="code-label">Error code 503</span></h1>
<p>The web server reported a temporary error. Please try again in a few minutes.</p>
<p>Cloudflare Ray ID: <strong>8a1b2c3d4e5f6789</strong></p>
</div>
</body>
</html>
`

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// oversized is a usable token response followed by 100 KiB of padding.
func oversized() []byte {
	var b bytes.Buffer
	b.WriteString(`{"access_token":"mb-access-oversized","token_type":"Bearer","expires_in":3600,"padding":"`)
	b.WriteString(strings.Repeat("x", 100<<10))
	b.WriteString(`"}`)
	return b.Bytes()
}

func deepJSON(depth int) []byte {
	var b bytes.Buffer
	for i := 0; i < depth; i++ {
		b.WriteString(`{"a":`)
	}
	b.WriteString("1")
	b.WriteString(strings.Repeat("}", depth))
	return b.Bytes()
}

var bombs sync.Map

// gzipBomb compresses n zero bytes once per size (n is megabytes; the
// result is a few KiB).
func gzipBomb(n int) []byte {
	if v, ok := bombs.Load(n); ok {
		return v.([]byte)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(zeros) {
		_, _ = zw.Write(zeros[:min(left, len(zeros))])
	}
	_ = zw.Close()
	bombs.Store(n, buf.Bytes())
	return buf.Bytes()
}
