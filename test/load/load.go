// Package load drives traffic through the plugin harness for the load
// comparison (no plugin, a no-op plugin, oauthcheck) and the soak run
// (docs/benchmarks.md). The upstream and the client can run in processes
// of their own, so that the host's CPU time is the gateway's alone.
package load

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Shot is one kind of request and the exact answer the client must get.
type Shot struct {
	Name   string
	Method string
	Path   string
	Form   string // form body; "" for none
	Status int
	Body   []byte // what the upstream sends and the client must get
}

// Token1KB is a Keycloak-shaped token response of about 1 KB, the shape
// of issue 14's gateway measurement.
var Token1KB = []byte(`{"access_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRlbW8ifQ.` + strings.Repeat("eyJzdWIiOiJkZW1vIn0", 30) +
	`.c2lnbmF0dXJl","expires_in":300,"refresh_expires_in":1800,"refresh_token":"eyJhbGciOiJIUzI1NiJ9.` + strings.Repeat("cmVmcmVzaA", 20) +
	`.sig","token_type":"Bearer","not-before-policy":0,"session_state":"5f1a0d1c-8d0a-4f0e-9a8b-2b1c0d9e8f7a","scope":"profile email"}`)

// TokenForm is the client's token request.
const TokenForm = "grant_type=client_credentials&client_id=load-client&scope=profile+email"

var (
	invalidGrant = []byte(`{"error":"invalid_grant","error_description":"Token is not active"}`)
	orders       = []byte(`{"id":42,"items":[{"sku":"a-1","qty":2},{"sku":"b-7","qty":1}],"total":"19.90"}`)
	// largeToken is past the default 64 KiB inspection cap.
	largeToken = append(append([]byte(`{"access_token":"mb-large-`), bytes.Repeat([]byte("A"), 200_000)...), []byte(`","token_type":"Bearer","expires_in":300}`)...)
	gzipToken  = gzipped(Token1KB)
)

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// Shots by name. ok and warning differ only in Cache-Control: no-store.
var (
	ShotOK       = Shot{Name: "ok", Method: http.MethodPost, Path: "/token/ok", Form: TokenForm, Status: 200, Body: Token1KB}
	ShotWarning  = Shot{Name: "warning", Method: http.MethodPost, Path: "/token/warning", Form: TokenForm, Status: 200, Body: Token1KB}
	ShotInvalid  = Shot{Name: "invalid", Method: http.MethodPost, Path: "/token/invalid", Form: "grant_type=refresh_token&client_id=load-client&refresh_token=mb-refresh-1", Status: 400, Body: invalidGrant}
	ShotNonOAuth = Shot{Name: "non-oauth", Method: http.MethodGet, Path: "/api/orders/42", Status: 200, Body: orders}
	ShotLarge    = Shot{Name: "large", Method: http.MethodPost, Path: "/token/large", Form: TokenForm, Status: 200, Body: largeToken}
	ShotGzip     = Shot{Name: "gzip", Method: http.MethodPost, Path: "/token/gzip", Form: TokenForm, Status: 200, Body: gzipToken}
)

// Mixed is the soak's traffic, in proportion: mostly ok and non-OAuth.
var Mixed = []Shot{ShotOK, ShotOK, ShotOK, ShotNonOAuth, ShotNonOAuth, ShotNonOAuth, ShotWarning, ShotInvalid, ShotLarge, ShotGzip}

// Upstream answers every Shot's path.
func Upstream() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		var s Shot
		switch r.URL.Path {
		case ShotOK.Path:
			s = ShotOK
			h.Set("Cache-Control", "no-store")
		case ShotWarning.Path:
			s = ShotWarning
		case ShotInvalid.Path:
			s = ShotInvalid
			h.Set("Cache-Control", "no-store")
		case ShotNonOAuth.Path:
			s = ShotNonOAuth
		case ShotLarge.Path:
			s = ShotLarge
			h.Set("Cache-Control", "no-store")
		case ShotGzip.Path:
			s = ShotGzip
			h.Set("Cache-Control", "no-store")
			h.Set("Content-Encoding", "gzip")
		default:
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(s.Status)
		_, _ = w.Write(s.Body)
	})
}

// Result is what a client run saw.
type Result struct {
	Requests int64         `json:"requests"`
	Errors   int64         `json:"errors"`
	FirstErr string        `json:"first_error,omitempty"`
	Elapsed  time.Duration `json:"elapsed"`
}

// Client sends shots in turn from workers goroutines until ctx ends, and
// checks every answer byte for byte. Compression is off on its side, so
// the gzip shot arrives as the upstream encoded it.
type Client struct {
	Base    string
	Shots   []Shot
	Workers int
	HTTP    *http.Client
}

// NewClient returns a keep-alive client for base.
func NewClient(base string, shots []Shot, workers int) *Client {
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: workers, DisableCompression: true, IdleConnTimeout: time.Minute}
	return &Client{Base: base, Shots: shots, Workers: workers, HTTP: &http.Client{Transport: tr}}
}

// Run drives traffic until ctx is done.
func (c *Client) Run(ctx context.Context) Result {
	var requests, errs atomic.Int64
	var firstMu sync.Mutex
	var first string
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c.Workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 0, 256<<10)
			for i := w; ctx.Err() == nil; i++ {
				s := c.Shots[i%len(c.Shots)]
				err := c.one(ctx, s, &buf)
				if ctx.Err() != nil {
					return // a request cut by the end of the run is not an error
				}
				requests.Add(1)
				if err != nil {
					errs.Add(1)
					firstMu.Lock()
					if first == "" {
						first = s.Name + ": " + err.Error()
					}
					firstMu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	return Result{Requests: requests.Load(), Errors: errs.Load(), FirstErr: first, Elapsed: time.Since(start)}
}

func (c *Client) one(ctx context.Context, s Shot, buf *[]byte) error {
	var body io.Reader
	if s.Form != "" {
		body = strings.NewReader(s.Form)
	}
	req, err := http.NewRequestWithContext(ctx, s.Method, c.Base+s.Path, body)
	if err != nil {
		return err
	}
	if s.Form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	// Asked for by the client, gzip passes the gateway's transport as sent.
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b := bytes.NewBuffer((*buf)[:0])
	_, err = b.ReadFrom(res.Body)
	*buf = b.Bytes()
	if err != nil {
		return err
	}
	if res.StatusCode != s.Status {
		return fmt.Errorf("status %d, want %d", res.StatusCode, s.Status)
	}
	if !bytes.Equal(b.Bytes(), s.Body) {
		return errors.New("body differs from the upstream's")
	}
	return nil
}
