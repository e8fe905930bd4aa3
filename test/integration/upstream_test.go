package integration

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/test/harness"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

type fetched struct {
	status int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, rt upstream.Route, base string) fetched {
	t.Helper()
	req, err := rt.NewRequest(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rawClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rt.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", rt.Method, req.URL, err)
	}
	return fetched{res.StatusCode, res.Header, body}
}

// Every misbehaving route: the client gets exactly the upstream's status,
// body bytes and entity headers, and the record carries the route's causes.
func TestMisbehavingUpstreamRoutes(t *testing.T) {
	p := loadPlugin(t)
	up := httptest.NewServer(upstream.Handler())
	defer up.Close()
	logs := harness.CaptureLogs()

	t.Cleanup(func() {
		// Tokens in the upstream's bodies start with mb-access-.
		if bytes.Contains(logs.Bytes(), []byte("mb-access-")) {
			t.Errorf("logs contain an access token from an upstream body")
		}
	})
	for _, rt := range upstream.Routes {
		if rt.Stream {
			continue // TestEventStreamIsNotBuffered
		}
		t.Run(strings.TrimPrefix(rt.Path, "/token/"), func(t *testing.T) {
			apiID := uniqueAPIID("mb" + strings.ReplaceAll(rt.Path, "/", "-"))
			g := harness.NewGateway(t, p, harness.API{ID: apiID, Upstream: up.URL, Keyless: true})

			direct := fetch(t, rt, up.URL)
			before := len(g.Records(t))
			via := fetch(t, rt, g.URL)
			recs := g.Records(t)
			if len(recs) != before+1 {
				t.Fatalf("got %d records, want 1", len(recs)-before)
			}
			rec := recs[len(recs)-1]

			if via.status != direct.status {
				t.Errorf("status: got %d via gateway, want upstream's %d", via.status, direct.status)
			}
			if !bytes.Equal(via.body, direct.body) {
				t.Errorf("body: got %d bytes via gateway, want upstream's %d bytes (equal prefix %d)", len(via.body), len(direct.body), commonPrefix(via.body, direct.body))
			}
			for _, h := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Cache-Control"} {
				if got, want := via.header.Get(h), direct.header.Get(h); got != want {
					t.Errorf("%s: got %q via gateway, want upstream's %q", h, got, want)
				}
			}
			if rec.ResponseCode != direct.status {
				t.Errorf("record ResponseCode: got %d, want %d", rec.ResponseCode, direct.status)
			}
			if rec.HasTag("x-oauth-cause-plugin_error") {
				t.Errorf("tags %q: the response hook panicked", rec.Tags)
			}
			if rt.WantCauses == nil {
				if tags := oauthTags(rec); len(tags) != 0 {
					t.Errorf("tags: got %q, want no oauthcheck labels", tags)
				}
				if lines := logs.ForAPI(apiID); len(lines) != 0 {
					t.Errorf("logs: got %d lines, want none: %v", len(lines), lines)
				}
				return
			}
			checkCauses(t, rec, rt.WantCauses, rt.WantVerdict)
			if rt.WantVerdict == "ok" {
				// log_verdicts defaults to invalid and warning.
				if lines := logs.ForAPI(apiID); len(lines) != 0 {
					t.Errorf("logs: got %d lines for an ok response, want none by default: %v", len(lines), lines)
				}
				return
			}
			if lines := logs.ForAPI(apiID); len(lines) != 1 {
				t.Errorf("logs: got %d lines, want 1: %v", len(lines), lines)
			} else if got := lines[0].Field("causes"); got != strings.Join(rt.WantCauses, ",") {
				t.Errorf("log causes: got %q, want %q", got, strings.Join(rt.WantCauses, ","))
			}
		})
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// Chunked bodies stay chunked through the gateway (no Content-Length).
func TestChunkedStaysChunked(t *testing.T) {
	p := loadPlugin(t)
	up := httptest.NewServer(upstream.Handler())
	defer up.Close()
	g := harness.NewGateway(t, p, harness.API{ID: "mb-chunked-te", Upstream: up.URL, Keyless: true})
	rt, _ := upstream.Lookup("/token/chunked")
	req, _ := rt.NewRequest(context.Background(), g.URL)
	res, err := rawClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := strings.Join(upstream.ChunkedParts, ""); string(body) != want {
		t.Errorf("body: got %q, want %q", body, want)
	}
	if res.ContentLength != -1 || len(res.TransferEncoding) == 0 || res.TransferEncoding[0] != "chunked" {
		t.Errorf("got ContentLength %d TransferEncoding %q, want -1 and chunked", res.ContentLength, res.TransferEncoding)
	}
}

// The event stream never ends; the client must still read its first event
// through the gateway, which proves nothing in the hook waits for the end
// of the body. The deadline only bounds a hang.
func TestEventStreamIsNotBuffered(t *testing.T) {
	p := loadPlugin(t)
	up := httptest.NewServer(upstream.Handler())
	defer up.Close()
	apiID := uniqueAPIID("mb-event-stream")
	g := harness.NewGateway(t, p, harness.API{ID: apiID, Upstream: up.URL, Keyless: true})
	rt, _ := upstream.Lookup("/token/event-stream")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := rt.NewRequest(ctx, g.URL)
	res, err := rawClient().Do(req)
	if err != nil {
		t.Fatalf("headers never arrived: %v", err)
	}
	if got := res.Header.Get("Content-Type"); got != "text/event-stream" {
		t.Errorf("Content-Type: got %q, want text/event-stream", got)
	}
	first := make([]byte, len(upstream.FirstEvent))
	if _, err := io.ReadFull(bufio.NewReader(res.Body), first); err != nil {
		t.Fatalf("first event never arrived while the stream was open: %v", err)
	}
	if string(first) != upstream.FirstEvent {
		t.Errorf("first event: got %q, want %q", first, upstream.FirstEvent)
	}
	cancel() // the client leaves; only now does the upstream end the stream
	res.Body.Close()

	recs := g.Records(t)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	if recs[0].ResponseCode != http.StatusOK {
		t.Errorf("record ResponseCode: got %d, want 200", recs[0].ResponseCode)
	}
	checkCauses(t, recs[0], rt.WantCauses, rt.WantVerdict)
}
