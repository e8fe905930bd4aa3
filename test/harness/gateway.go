package harness

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// DefaultTagHeaders are the tag_headers an API uses to turn oauthcheck's
// labels into analytics tags.
var DefaultTagHeaders = []string{"x-oauth-cause", "x-oauth-verdict", "x-oauth-client"}

// Session is what a key in the harness's static key table stands for.
type Session struct {
	Alias         string
	OauthClientID string
	Tags          []string // session tags, added to records as Tyk does
}

// API is the part of a Tyk API definition the harness honours.
type API struct {
	ID       string
	Upstream string // target URL; the request path is appended to its path

	// ConfigData is config_data (classic) or, with OAS set,
	// x-tyk-api-gateway.middleware.global.pluginConfig.data.value.
	ConfigData         map[string]interface{}
	ConfigDataDisabled bool // classic: config_data_disabled; OAS: data.enabled=false
	OAS                bool // inject an OAS definition instead of a classic one

	// Keyless is Tyk's use_keyless: no authentication, and no post_key_auth
	// hook (api_loader.go registers it only for APIs with auth).
	Keyless    bool
	AuthHeader string             // auth.auth_header_name; default Authorization
	Keys       map[string]Session // raw key → session

	// PostHook lists OAuthCheckPost in custom_middleware.post.
	PostHook bool

	TagHeaders []string // nil: DefaultTagHeaders
	Tags       []string // the API's own tags

	// DetailedRecording is enable_detailed_recording: the record gets the
	// raw request and response (base64 of the wire format), as
	// gateway/handler_success.go writes them.
	DetailedRecording bool
	// AnalyticsPlugin is analytics_plugin.enable with the plugin's
	// OAuthCheckAnalytics; Tyk runs it on the record before storing it.
	AnalyticsPlugin bool

	// DiscardRecords keeps no records and no copy of client bodies, for
	// load and soak runs (the record is still built, as Tyk builds it).
	DiscardRecords bool

	// Transport to the upstream. Nil: like Tyk's default transport, which
	// leaves compression on (Go adds Accept-Encoding: gzip and decodes the
	// answer only when the client did not ask for an encoding itself).
	Transport http.RoundTripper
}

// Record is the analytics record Tyk would store, plus what the client got.
type Record struct {
	APIID         string
	Path          string
	Method        string
	UserAgent     string // the request's, as Tyk records it
	ResponseCode  int
	Tags          []string
	Alias         string
	OauthClientID string
	ErrorPath     bool   // recorded by the error handler (auth failure, hook error, upstream down)
	RawRequest    string // base64, with detailed recording on
	RawResponse   string

	ClientStatus int
	ClientHeader http.Header
	ClientBody   []byte
}

// HasTag reports whether tag is among the record's tags.
func (r Record) HasTag(tag string) bool {
	for _, t := range r.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// TagsWithPrefix returns the tags starting with prefix, in record order.
func (r Record) TagsWithPrefix(prefix string) []string {
	var out []string
	for _, t := range r.Tags {
		if strings.HasPrefix(t, prefix) {
			out = append(out, t)
		}
	}
	return out
}

// Gateway runs one API through the plugin's hooks in Tyk's order: pre,
// authentication, post_key_auth, reverse proxy, response hook, copy to the
// client, analytics record.
type Gateway struct {
	api       API
	plugin    *Plugin
	target    *url.URL
	transport http.RoundTripper

	// Server is the gateway's listener; URL is its base URL.
	Server *httptest.Server
	URL    string

	defMu   sync.Mutex
	classic *standin.APIDefinition
	oas     *standin.OASDefinition

	mu       sync.Mutex
	idle     *sync.Cond
	inFlight int
	records  []Record
}

// NewGateway starts a gateway for api. It is closed when the test ends.
func NewGateway(t testing.TB, p *Plugin, api API) *Gateway {
	t.Helper()
	target, err := url.Parse(api.Upstream)
	if err != nil || target.Scheme == "" || target.Host == "" {
		t.Fatalf("API %q: upstream %q is not an absolute URL", api.ID, api.Upstream)
	}
	if api.TagHeaders == nil {
		api.TagHeaders = DefaultTagHeaders
	}
	if api.AuthHeader == "" {
		api.AuthHeader = "Authorization"
	}
	g := &Gateway{api: api, plugin: p, target: target, transport: api.Transport}
	if g.transport == nil {
		tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 100, IdleConnTimeout: 90 * time.Second}
		g.transport = tr
		t.Cleanup(tr.CloseIdleConnections)
	}
	g.idle = sync.NewCond(&g.mu)
	g.Reload()
	g.Server = httptest.NewServer(g)
	g.URL = g.Server.URL
	t.Cleanup(g.Server.Close)
	return g
}

// Reload builds new definition objects, as a Tyk hot reload does.
func (g *Gateway) Reload() {
	g.defMu.Lock()
	defer g.defMu.Unlock()
	data := g.api.ConfigData
	source := definitionSource(g.api, g.api.Upstream, g.plugin.Path)
	if g.api.OAS {
		g.classic = nil
		g.oas = &standin.OASDefinition{ID: g.api.ID, PluginDataEnabled: !g.api.ConfigDataDisabled, PluginData: data, Source: source}
		return
	}
	g.oas = nil
	g.classic = &standin.APIDefinition{APIID: g.api.ID, ConfigData: data, ConfigDataDisabled: g.api.ConfigDataDisabled, Source: source}
}

// injectDefinition mirrors APISpec.injectIntoReqContext, which Tyk calls
// before every Go plugin hook.
func (g *Gateway) injectDefinition(r *http.Request) {
	g.defMu.Lock()
	classic, oas := g.classic, g.oas
	g.defMu.Unlock()
	if oas != nil {
		standin.SetOASDefinition(r, oas)
		return
	}
	standin.SetDefinition(r, classic)
}

// Client returns an HTTP client for the gateway.
func (g *Gateway) Client() *http.Client { return g.Server.Client() }

// ServeHTTP handles one client request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.inFlight++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inFlight--
		g.idle.Broadcast()
		g.mu.Unlock()
	}()

	cw := &clientWriter{rw: w, discard: g.api.DiscardRecords}
	rec, recorded := g.serve(cw, r)
	if !recorded || g.api.DiscardRecords {
		return
	}
	rec.ClientStatus = cw.status
	if rec.ClientStatus == 0 {
		rec.ClientStatus = http.StatusOK
	}
	rec.ClientHeader = w.Header().Clone()
	rec.ClientBody = cw.body.Bytes()
	g.mu.Lock()
	g.records = append(g.records, rec)
	g.mu.Unlock()
}

func (g *Gateway) serve(w *clientWriter, r *http.Request) (Record, bool) {
	// Pre hooks run for every API, before authentication.
	if rec, done := g.requestHook(g.plugin.Pre, w, r); done {
		return rec, true
	}

	if !g.api.Keyless {
		key := stripBearer(r.Header.Get(g.api.AuthHeader))
		if key == "" {
			return g.handleError(w, r, http.StatusUnauthorized, "Authorization field missing", true), true
		}
		s, ok := g.api.Keys[key]
		if !ok {
			return g.handleError(w, r, http.StatusForbidden, "Access to this API has been disallowed", true), true
		}
		standin.SetSession(r, &standin.SessionState{Alias: s.Alias, OauthClientID: s.OauthClientID, KeyHash: keyHash(key)})
		sessions.Store(r, s)
		// post_key_auth: registered only when the API is not keyless.
		if rec, done := g.requestHook(g.plugin.Auth, w, r); done {
			return rec, true
		}
	}
	// post: after authentication, on every API that lists it.
	if g.api.PostHook {
		if rec, done := g.requestHook(g.plugin.Post, w, r); done {
			return rec, true
		}
	}
	return g.proxy(w, r)
}

// sessions keeps the harness's session (with tags) per request, because
// the stand-in session carries no tags.
var sessions sync.Map

func sessionOf(r *http.Request) (Session, bool) {
	if standin.Session(r) == nil {
		return Session{}, false
	}
	v, ok := sessions.Load(r)
	if !ok {
		return Session{}, false
	}
	return v.(Session), true
}

// requestHook mirrors GoPluginMiddleware.ProcessRequest: inject the
// definition, call the hook; a panic goes to the error handler as 500, a
// status of 400 or more to the error handler, a lower status ends the
// request as a success.
//
// A status of 400 or more that the hook wrote itself reaches the client
// exactly as written (status, headers, body): ProcessRequest returns it as
// an error (v5.8.0 gateway/mw_go_plugin.go:256-260; v5.8.15 :257-258 and
// :295-299; v5.14.0 :307-308 and :344-348), and the chain then calls
// HandleError with writeResponse false for an API-level Go plugin (v5.8.0
// gateway/middleware.go:177-182; v5.8.15 :183-188; v5.14.0 :192-197), so
// the template is skipped (handler_error.go:95 / :96 / :103) and only the
// analytics record is made, tags from tag_headers included
// (handler_error.go:210 / :214 / :161). Hence write=false below.
func (g *Gateway) requestHook(h func(http.ResponseWriter, *http.Request), w *clientWriter, r *http.Request) (rec Record, done bool) {
	if h == nil {
		return Record{}, false // no plugin: Tyk adds no middleware
	}
	hw := &hookWriter{clientWriter: w}
	panicked := func() (panicked bool) {
		defer func() {
			if e := recover(); e != nil {
				panicked = true
			}
		}()
		g.injectDefinition(r)
		h(hw, r)
		return false
	}()
	switch {
	case panicked:
		return g.handleError(w, r, http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError), !hw.sent), true
	case !hw.sent:
		return Record{}, false
	case hw.status >= http.StatusBadRequest:
		return g.handleError(w, r, hw.status, "", false), true
	}
	return g.record(r, hw.status, false), true
}

// handleError mirrors ErrorHandler.HandleError: write Tyk's JSON error
// (unless the hook already answered), then record analytics with tags from
// the request headers named in tag_headers.
func (g *Gateway) handleError(w *clientWriter, r *http.Request, code int, msg string, write bool) Record {
	if write {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Generator", "tyk.io")
		w.WriteHeader(code)
		fmt.Fprintf(w, "{\n    \"error\": %q\n}", msg)
	}
	return g.record(r, code, true)
}

func (g *Gateway) record(r *http.Request, code int, errorPath bool) Record {
	rec := Record{APIID: g.api.ID, Path: r.URL.Path, Method: r.Method, UserAgent: r.UserAgent(), ResponseCode: code, ErrorPath: errorPath}
	if s := standin.Session(r); s != nil {
		rec.Alias, rec.OauthClientID = s.Alias, s.OauthClientID
	}
	if s, ok := sessionOf(r); ok {
		rec.Tags = append(rec.Tags, s.Tags...)
		sessions.Delete(r)
	}
	if len(g.api.TagHeaders) > 0 {
		rec.Tags = tagHeaders(r, g.api.TagHeaders, rec.Tags)
	}
	rec.Tags = append(rec.Tags, g.api.Tags...)
	return rec
}

// tagHeaders is gateway/handler_success.go tagHeaders, verbatim in effect.
func tagHeaders(r *http.Request, th []string, tags []string) []string {
	for k, v := range r.Header {
		cleanK := strings.ToLower(k)
		ok := false
		for _, hname := range th {
			if hname == cleanK {
				ok = true
				break
			}
		}
		if ok {
			for _, val := range v {
				tags = append(tags, cleanK+"-"+val)
			}
		}
	}
	return tags
}

// Tyk's hop-by-hop headers (gateway/reverse_proxy.go hopHeaders).
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func removeHopHeaders(h http.Header) {
	if c := h.Get("Connection"); c != "" {
		for _, f := range strings.Split(c, ",") {
			if f = strings.TrimSpace(f); f != "" {
				h.Del(f)
			}
		}
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}

// proxy mirrors ReverseProxy.WrappedServeHTTP and HandleResponse.
func (g *Gateway) proxy(w *clientWriter, r *http.Request) (Record, bool) {
	outreq := r.Clone(r.Context())
	if err := deepCopyBody(r, outreq); err != nil {
		return g.handleError(w, r, http.StatusInternalServerError, "There was a problem proxying the request", true), true
	}
	u := *g.target
	u.Path = singleJoiningSlash(g.target.Path, r.URL.Path)
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	outreq.URL = &u
	outreq.Host = g.target.Host
	outreq.RequestURI = ""
	removeHopHeaders(outreq.Header)

	res, err := g.transport.RoundTrip(outreq)
	if err != nil {
		// Response hooks do not run when the upstream cannot be reached.
		return g.handleError(w, r, http.StatusInternalServerError, "There was a problem proxying the request", true), true
	}
	defer res.Body.Close()

	g.responseHook(w, res, r)

	removeHopHeaders(res.Header)
	copyHeader(w.Header(), res.Header)
	if res.StatusCode != http.StatusSwitchingProtocols {
		w.WriteHeader(res.StatusCode)
	}
	var copied bytes.Buffer
	body := io.Reader(res.Body)
	if g.api.DetailedRecording {
		body = io.TeeReader(res.Body, &copied)
	}
	copyResponse(w, body, flushImmediately(res))
	// Tyk records the upstream status (inres.StatusCode = res.StatusCode),
	// even when a panicking hook made the client get 500.
	rec := g.record(r, res.StatusCode, false)
	if g.api.DetailedRecording {
		rec.RawRequest, rec.RawResponse = rawRecord(r, res, copied.Bytes())
	}
	g.analyticsPlugin(&rec)
	return rec, true
}

// rawRecord mirrors handler_success.go with detailed recording: r.Write
// of the request, and the response written without chunked encoding.
func rawRecord(r *http.Request, res *http.Response, body []byte) (rawReq, rawResp string) {
	var req bytes.Buffer
	_ = r.Write(&req)
	out := *res
	out.TransferEncoding = nil
	out.ContentLength = int64(len(body))
	out.Body = io.NopCloser(bytes.NewReader(body))
	var resp bytes.Buffer
	_ = out.Write(&resp)
	return base64.StdEncoding.EncodeToString(req.Bytes()), base64.StdEncoding.EncodeToString(resp.Bytes())
}

// analyticsPlugin mirrors GoAnalyticsPlugin.processRecord: the record
// goes through the plugin function, a panic is recovered.
func (g *Gateway) analyticsPlugin(rec *Record) {
	if !g.api.AnalyticsPlugin || g.plugin.Analytics == nil {
		return
	}
	ar := &standin.AnalyticsRecord{APIID: rec.APIID, RawRequest: rec.RawRequest, RawResponse: rec.RawResponse, Tags: rec.Tags}
	func() {
		defer func() { _ = recover() }()
		g.plugin.Analytics(ar)
	}()
	rec.RawRequest, rec.RawResponse, rec.Tags = ar.RawRequest, ar.RawResponse, ar.Tags
}

// responseHook mirrors ResponseGoPluginMiddleware.HandleGoPluginResponse:
// inject the definition, call the hook with the same *http.Request; a panic
// is recovered and the client gets 500 (Tyk writes the status and carries
// on copying the upstream body).
func (g *Gateway) responseHook(w *clientWriter, res *http.Response, r *http.Request) {
	defer func() {
		if e := recover(); e != nil {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}()
	if g.plugin.Response == nil {
		return // no plugin
	}
	g.injectDefinition(r)
	g.plugin.Response(&hookWriter{clientWriter: w}, res, r)
}

// deepCopyBody mirrors gateway/reverse_proxy.go deepCopyBody: the body is
// read into memory, and both requests get a fresh reader over it, so a
// response hook can re-read what the client sent.
func deepCopyBody(source, target *http.Request) error {
	if source.Body == nil || source.Body == http.NoBody {
		return nil
	}
	body, err := io.ReadAll(source.Body)
	source.Body.Close()
	if source.ContentLength == -1 {
		source.Body = io.NopCloser(bytes.NewReader(body)) // copyRequest leaves chunked bodies unwrapped
	} else {
		source.Body = &nopCloserBuffer{r: bytes.NewReader(body)}
	}
	if err != nil {
		return err
	}
	target.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// nopCloserBuffer mirrors Tyk's type of the same name, which
// nopCloseRequestBody puts in the client's request after deepCopyBody
// (v5.8.0 to v5.14.0), unless the request was chunked: in
// memory, Close does nothing, Seek takes io.SeekStart only, and a read
// that reaches EOF rewinds for the next reader.
type nopCloserBuffer struct{ r *bytes.Reader }

func (n *nopCloserBuffer) Read(p []byte) (int, error) {
	c, err := n.r.Read(p)
	if err == io.EOF {
		_, _ = n.r.Seek(0, io.SeekStart)
	}
	return c, err
}

func (n *nopCloserBuffer) Seek(offset int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("invalid seek method, only supporting SeekStart")
	}
	return n.r.Seek(offset, whence)
}

func (n *nopCloserBuffer) Close() error { return nil }

// flushImmediately mirrors ReverseProxy.flushInterval returning -1.
func flushImmediately(res *http.Response) bool {
	return res.Header.Get("Content-Type") == "text/event-stream" || res.ContentLength == -1
}

func copyResponse(w *clientWriter, body io.Reader, flush bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flush {
				w.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

func copyHeader(dst, src http.Header) {
	for k, vv := range src {
		for _, v := range vv {
			dst.Add(k, v)
		}
	}
}

func singleJoiningSlash(a, b string) string {
	aslash, bslash := strings.HasSuffix(a, "/"), strings.HasPrefix(b, "/")
	switch {
	case aslash && bslash:
		return a + b[1:]
	case !aslash && !bslash:
		return a + "/" + b
	}
	return a + b
}

// stripBearer mirrors mw_auth_key.go stripBearer.
func stripBearer(token string) string {
	if len(token) > 6 && strings.ToUpper(token[0:7]) == "BEARER " {
		return token[7:]
	}
	return token
}

// keyHash stands in for Tyk's hashed key id (hash_keys on).
func keyHash(key string) string {
	sum := sha256.Sum256([]byte("harness-key:" + key))
	return hex.EncodeToString(sum[:])
}

// KeyHash is the hash the harness puts in sessions for key, so tests can
// check that logs carry only a fingerprint of it.
func KeyHash(key string) string { return keyHash(key) }

// clientWriter forwards to the client and keeps a copy of what it got.
type clientWriter struct {
	rw      http.ResponseWriter
	status  int
	body    bytes.Buffer
	discard bool // keep no copy
}

func (w *clientWriter) Header() http.Header { return w.rw.Header() }

func (w *clientWriter) WriteHeader(code int) {
	if w.status != 0 {
		return // superfluous, as net/http ignores it
	}
	w.status = code
	w.rw.WriteHeader(code)
}

func (w *clientWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.discard {
		w.body.Write(p)
	}
	return w.rw.Write(p)
}

func (w *clientWriter) Flush() {
	if f, ok := w.rw.(http.Flusher); ok {
		f.Flush()
	}
}

// hookWriter is Tyk's customResponseWriter: it notes whether a hook
// answered, and with which status.
type hookWriter struct {
	*clientWriter
	sent   bool
	status int
}

func (w *hookWriter) WriteHeader(code int) {
	w.sent, w.status = true, code
	w.clientWriter.WriteHeader(code)
}

func (w *hookWriter) Write(p []byte) (int, error) {
	if !w.sent {
		w.sent, w.status = true, http.StatusOK
	}
	return w.clientWriter.Write(p)
}

// Records waits until no request is in flight, then returns a copy of
// every record so far. It fails the test if requests are still running
// after a generous deadline (a hang, not a speed check).
func (g *Gateway) Records(t testing.TB) []Record {
	t.Helper()
	if !g.waitIdle(30 * time.Second) {
		t.Fatalf("gateway %s: requests still in flight after 30s", g.api.ID)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Record(nil), g.records...)
}

func (g *Gateway) waitIdle(limit time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		g.mu.Lock()
		g.idle.Broadcast()
		g.mu.Unlock()
	})
	defer stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.inFlight > 0 {
		if ctx.Err() != nil {
			return false
		}
		g.idle.Wait()
	}
	return true
}

// Exchange is one request through the gateway: what the client got and the
// analytics record.
type Exchange struct {
	Status int
	Header http.Header
	Body   []byte
	Record Record
}

// Do sends req through the gateway with client (nil: a plain client that
// does not follow redirects), reads the whole body and returns it with the
// request's analytics record. Requests on one gateway must not overlap.
func (g *Gateway) Do(t testing.TB, client *http.Client, req *http.Request) Exchange {
	t.Helper()
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	before := len(g.Records(t))
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	recs := g.Records(t)
	if len(recs) != before+1 {
		t.Fatalf("%s %s: got %d new analytics records, want 1", req.Method, req.URL, len(recs)-before)
	}
	return Exchange{Status: res.StatusCode, Header: res.Header, Body: body, Record: recs[len(recs)-1]}
}
