package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauthcheck/oauthcheck/plugin/guard/redisstore/redistest"
	"github.com/oauthcheck/oauthcheck/test/harness"
)

// The child gateway's settings, passed by TestGuardSharedCountersTwoGateways.
const (
	childSO       = "OAUTHCHECK_CHILD_SO"
	childUpstream = "OAUTHCHECK_CHILD_UPSTREAM"
	childAPI      = "OAUTHCHECK_CHILD_API"
	childRedis    = "OAUTHCHECK_CHILD_REDIS" // empty: no shared counters
)

// Two gateways, two processes, each loading the built .so as Tyk does and
// each behind the same load balancer (the test alternates). An attacker
// sends 15 invalid_client per gateway from one IP, under the floor of 20
// that either sees alone. Without Redis neither fires; sharing one Redis,
// the gateways fire together.
func TestGuardSharedCountersTwoGateways(t *testing.T) {
	if os.Getenv(childSO) != "" {
		t.Skip("the parent test; this process is a child gateway")
	}
	addr := redistest.Addr(t)
	so := harness.BuildPlugin(t)
	d := newIDP(t)

	for _, shared := range []bool{false, true} {
		name := map[bool]string{false: "alone", true: "shared"}[shared]
		t.Run(name, func(t *testing.T) {
			apiID := uniqueAPIID("guard-shared-"+name) + "-" + randomString(t, 6)
			redisAddr := ""
			if shared {
				redisAddr = addr
			}
			awayFromWindowEdge(t, stuffWindow, time.Minute)
			gws := []*childGateway{startChild(t, so, d.URL, apiID, redisAddr), startChild(t, so, d.URL, apiID, redisAddr)}
			rdb := redis.NewClient(&redis.Options{Addr: addr})
			t.Cleanup(func() { _ = rdb.Close() })

			fired := -1
			sent := 0
			for i := 0; i < 15 && fired < 0; i++ {
				for gi, gw := range gws {
					if gw.stuff(t, i) {
						fired = gi
					}
				}
				sent += 2
				if shared && i >= 9 {
					waitShared(t, rdb, apiID, sent) // both gateways synced this round
				}
			}
			switch {
			case !shared && fired >= 0:
				t.Fatalf("an unshared gateway fired on 15 failures (floor 20): gateway %d", fired)
			case shared && fired < 0:
				t.Fatalf("gateways sharing Redis never fired on 2×15 failures (floor 20)")
			}
			if shared {
				t.Logf("fired on gateway %d after %d failures in all", fired, sent)
			}
			// Per-gateway the innocent client keeps succeeding and is never labelled.
			for _, gw := range gws {
				if rec := gw.innocent(t, d); rec.ClientStatus != http.StatusOK || len(rec.TagsWithPrefix("x-oauth-anomaly-")) > 0 {
					t.Errorf("innocent client: %d, tags %v", rec.ClientStatus, rec.Tags)
				}
			}
		})
	}
}

// stuffWindow is the child gateways' credential_stuffing window.
const stuffWindow = time.Hour

// awayFromWindowEdge waits, if less than need is left of the current
// window (windows start at multiples of the window since the Unix epoch),
// until the next one begins.
func awayFromWindowEdge(t *testing.T, window, need time.Duration) {
	t.Helper()
	left := window - time.Duration(time.Now().UnixNano()%int64(window))
	if left < need {
		t.Logf("waiting %s for the next guard window", left.Round(time.Second))
		time.Sleep(left + 100*time.Millisecond)
	}
}

// waitShared waits until Redis holds want failures for the attacker's IP
// key of apiID, i.e. until every gateway has synced its counts.
func waitShared(t *testing.T, rdb *redis.Client, apiID string, want int) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	got := int64(0)
	for time.Now().Before(deadline) {
		keys, err := rdb.Keys(ctx, "oauthcheck:guard:"+apiID+":credential_stuffing:ip:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		got = 0
		for _, k := range keys {
			n, _ := rdb.Get(ctx, k).Int64()
			got += n
		}
		if got >= int64(want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("Redis holds %d failures for the IP, want %d: the gateways did not sync", got, want)
}

type childGateway struct {
	url    string
	client *http.Client
}

const attackerIP = "203.0.113.90"

// stuff sends one invalid_client (a wrong secret) and reports whether its
// record carries the credential_stuffing anomaly.
func (g *childGateway) stuff(t *testing.T, i int) bool {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	req, _ := http.NewRequest(http.MethodPost, g.url+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(serviceClientID, fmt.Sprintf("PLACEHOLDER-wrong-secret-%d", i))
	req.Header.Set("X-Real-IP", attackerIP)
	rec := g.do(t, req)
	if rec.ClientStatus != http.StatusUnauthorized && rec.ClientStatus != http.StatusBadRequest {
		t.Fatalf("attack %d: status %d, want the IdP's 401", i, rec.ClientStatus)
	}
	if !rec.HasTag("x-oauth-cause-invalid_client") {
		t.Fatalf("attack %d: tags %v, want invalid_client", i, rec.Tags)
	}
	return rec.HasTag("x-oauth-anomaly-credential_stuffing")
}

func (g *childGateway) innocent(t *testing.T, d *idp) harness.Record {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	req, _ := http.NewRequest(http.MethodPost, g.url+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(serviceClientID, d.secrets[serviceClientID])
	req.Header.Set("X-Real-IP", "198.51.100.9")
	return g.do(t, req)
}

// do sends req and fetches its analytics record from the child.
func (g *childGateway) do(t *testing.T, req *http.Request) harness.Record {
	t.Helper()
	req.Header.Set("User-Agent", "oauthcheck-shared-test/"+randomString(t, 10))
	res, err := g.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	rr, err := g.client.Get(g.url + "/__records?ua=" + url.QueryEscape(req.UserAgent()))
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Body.Close()
	var rec harness.Record
	if err := json.NewDecoder(rr.Body).Decode(&rec); err != nil {
		t.Fatalf("record of %s: %v", req.UserAgent(), err)
	}
	return rec
}

// startChild runs this test binary again as one gateway process.
func startChild(t *testing.T, so, upstream, apiID, redisAddr string) *childGateway {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestGuardSharedChildGateway$", "-test.count=1")
	cmd.Env = append(os.Environ(), childSO+"="+so, childUpstream+"="+upstream, childAPI+"="+apiID, childRedis+"="+redisAddr)
	cmd.Dir = filepath.Dir(exe)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close() // the child exits when its stdin closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "CHILD-GATEWAY-URL="); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return &childGateway{url: u, client: &http.Client{Timeout: 10 * time.Second}}
		}
	}
	t.Fatalf("child gateway exited before serving: %v", lines.Err())
	return nil
}

// TestGuardSharedChildGateway is one gateway process of the test above:
// the plugin loaded from the .so, one API in observe mode, and a side
// door /__records?ua=… that returns the record of a request.
func TestGuardSharedChildGateway(t *testing.T) {
	so := os.Getenv(childSO)
	if so == "" {
		t.Skip("runs only as a child process of TestGuardSharedCountersTwoGateways")
	}
	p := harness.Load(t, so)
	// A one-hour window, so the attack never straddles a window edge: after
	// an edge the first window's count becomes the baseline and, at 4x, the
	// threshold would climb past what 2x15 failures reach.
	guard := map[string]interface{}{"mode": "observe", "thresholds": map[string]interface{}{
		"credential_stuffing": map[string]interface{}{"window_seconds": int(stuffWindow / time.Second)}}}
	if r := os.Getenv(childRedis); r != "" {
		guard["redis_addr"] = r
	}
	g := harness.NewGateway(t, p, harness.API{ID: os.Getenv(childAPI), Upstream: os.Getenv(childUpstream), Keyless: true,
		TagHeaders: guardTagHeaders, ConfigData: map[string]interface{}{"oauthcheck": map[string]interface{}{"guard": guard}}})
	mux := http.NewServeMux()
	mux.HandleFunc("/__records", func(w http.ResponseWriter, r *http.Request) {
		ua := r.URL.Query().Get("ua")
		for _, rec := range g.Records(t) {
			if rec.UserAgent == ua {
				rec.ClientBody = nil
				_ = json.NewEncoder(w).Encode(rec)
				return
			}
		}
		http.Error(w, "no record for "+ua, http.StatusNotFound)
	})
	mux.Handle("/", g)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	fmt.Printf("CHILD-GATEWAY-URL=%s\n", srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin) // serve until the parent closes stdin
}
