package upstreamauth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

const testSecret = "PLACEHOLDER-gateway-secret-4c1b"

// clock is a settable time for the cache tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// authServer answers token requests with answer; it records each request.
type authServer struct {
	*httptest.Server
	hits  atomic.Int64
	mu    sync.Mutex
	forms []string
	auths []string
}

func newAuthServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int64)) *authServer {
	t.Helper()
	s := &authServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.hits.Add(1)
		_ = r.ParseForm()
		s.mu.Lock()
		s.forms = append(s.forms, r.PostForm.Encode())
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		answer(w, r, n)
	}))
	t.Cleanup(s.Close)
	return s
}

func tokenAnswer(token string, expires interface{}) func(http.ResponseWriter, *http.Request, int64) {
	return func(w http.ResponseWriter, _ *http.Request, _ int64) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]interface{}{"access_token": token, "token_type": "Bearer", "expires_in": expires})
	}
}

func newClient(t *testing.T, url string, clk *clock, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{TokenURL: url + "/oauth2/token", ClientID: "gateway", ClientSecretEnv: "GW_SECRET", Scope: "orders:read"}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg, Options{Now: clk.now, Getenv: func(k string) string {
		if k == "GW_SECRET" {
			return testSecret
		}
		return ""
	}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestTokenIsCached(t *testing.T) {
	s := newAuthServer(t, tokenAnswer("PLACEHOLDER-at-1", 300))
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	c := newClient(t, s.URL, clk)
	for i := 0; i < 5; i++ {
		v, fail := c.Token(context.Background())
		if fail != nil || v != "Bearer PLACEHOLDER-at-1" {
			t.Fatalf("Token: got %q, %+v; want Bearer PLACEHOLDER-at-1", v, fail)
		}
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("token requests: got %d, want 1 (cached)", got)
	}
	if !strings.Contains(s.forms[0], "grant_type=client_credentials") || !strings.Contains(s.forms[0], "scope=orders%3Aread") {
		t.Errorf("form %q: want grant_type=client_credentials and the scope", s.forms[0])
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("gateway:"+testSecret)); s.auths[0] != want {
		t.Errorf("Authorization: got %q, want client_secret_basic", s.auths[0])
	}
}

func TestSingleFlight(t *testing.T) {
	release := make(chan struct{})
	s := newAuthServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		<-release
		tokenAnswer("PLACEHOLDER-at-sf", 600)(w, r, n)
	})
	c := newClient(t, s.URL, &clock{t: time.Unix(1_800_000_000, 0)})
	const callers = 1000
	var wg sync.WaitGroup
	var bad atomic.Int64
	started := make(chan struct{}, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started <- struct{}{}
			if v, fail := c.Token(context.Background()); fail != nil || v != "Bearer PLACEHOLDER-at-sf" {
				bad.Add(1)
			}
		}()
	}
	for i := 0; i < callers; i++ {
		<-started
	}
	close(release)
	wg.Wait()
	if got := s.hits.Load(); got != 1 {
		t.Errorf("token requests for %d concurrent callers on an empty cache: got %d, want 1", callers, got)
	}
	if bad.Load() != 0 {
		t.Errorf("%d callers got no token", bad.Load())
	}
}

func TestExpiryAndEarlyRefresh(t *testing.T) {
	s := newAuthServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		tokenAnswer("PLACEHOLDER-at-"+string(rune('0'+n)), "100")(w, r, n) // expires_in as a string
	})
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	c := newClient(t, s.URL, clk)
	if v, _ := c.Token(context.Background()); v != "Bearer PLACEHOLDER-at-1" {
		t.Fatalf("first token %q", v)
	}
	clk.add(70 * time.Second) // before 75% of 100 s: no refresh
	if v, _ := c.Token(context.Background()); v != "Bearer PLACEHOLDER-at-1" || s.hits.Load() != 1 {
		t.Fatalf("at 70 s: %q after %d requests, want the cached token and no request", v, s.hits.Load())
	}
	clk.add(15 * time.Second) // past 80%: served, renewed in the background
	if v, _ := c.Token(context.Background()); v != "Bearer PLACEHOLDER-at-1" {
		t.Fatalf("at 85 s: got %q, want the still-valid token while it renews", v)
	}
	waitFor(t, func() bool { return c.state.Load().value == "Bearer PLACEHOLDER-at-2" })
	clk.add(200 * time.Second) // the renewed token expired too: fetched before use
	if v, _ := c.Token(context.Background()); v != "Bearer PLACEHOLDER-at-3" {
		t.Errorf("after expiry: got %q, want a new token, never an expired one", v)
	}
}

// waitFor polls for a background refresh (no timing is asserted).
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if ok() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the background refresh never finished")
}

func TestFailuresAreClassifiedAndBackedOff(t *testing.T) {
	cases := []struct {
		name       string
		answer     func(http.ResponseWriter, *http.Request, int64)
		root       classify.Code
		status     int
		retryAfter time.Duration
	}{
		{"wrong secret", func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("WWW-Authenticate", `Basic realm="as"`)
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"Client authentication failed"}`))
		}, classify.InvalidClient, 401, 0},
		{"scope not allowed", func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_scope"}`))
		}, classify.InvalidScope, 400, 0},
		{"html 503 with Retry-After", func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`<html><body><h1>503 Service Temporarily Unavailable</h1><hr><center>nginx</center></body></html>`))
		}, classify.TemporarilyUnavailable, 503, 30 * time.Second},
		{"error with status 200", func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"error":"unauthorized_client","error_description":"client_credentials is not allowed for this client"}`))
		}, classify.UnauthorizedClient, 200, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newAuthServer(t, tc.answer)
			clk := &clock{t: time.Unix(1_800_000_000, 0)}
			c := newClient(t, s.URL, clk)
			_, fail := c.Token(context.Background())
			if fail == nil {
				t.Fatal("got a token from a failing server")
			}
			if got := fail.Result.Root(); got != tc.root {
				t.Errorf("root: got %s, want %s (causes %v)", got, tc.root, fail.Result.Causes())
			}
			if !fail.Result.Has(classify.UpstreamAuthFailed) || fail.Status != tc.status {
				t.Errorf("causes %v status %d: want upstream_auth_failed and status %d", fail.Result.Causes(), fail.Status, tc.status)
			}
			if strings.Contains(fail.Detail, testSecret) {
				t.Error("failure detail holds the client secret")
			}
			for i := 0; i < 50; i++ {
				c.Token(context.Background())
			}
			if got := s.hits.Load(); got != 1 {
				t.Errorf("requests during the backoff: got %d, want 1", got)
			}
			wait := minBackoff
			if tc.retryAfter > wait {
				wait = tc.retryAfter
			}
			if got := fail.Until.Sub(clk.now()); got != wait {
				t.Errorf("backoff: got %v, want %v", got, wait)
			}
			clk.add(wait)
			c.Token(context.Background())
			if got := s.hits.Load(); got != 2 {
				t.Errorf("requests after the backoff: got %d, want 2", got)
			}
		})
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	s := newAuthServer(t, func(w http.ResponseWriter, _ *http.Request, _ int64) { w.WriteHeader(500) })
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	c := newClient(t, s.URL, clk)
	var waits []time.Duration
	for i := 0; i < 9; i++ {
		_, fail := c.Token(context.Background())
		if fail == nil {
			t.Fatal("token from a 500")
		}
		w := fail.Until.Sub(clk.now())
		waits = append(waits, w)
		clk.add(w)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60}
	for i := range want {
		if waits[i] != want[i]*time.Second {
			t.Fatalf("backoffs: got %v, want %v seconds", waits, want)
		}
	}
}

func TestClientSecretPost(t *testing.T) {
	s := newAuthServer(t, tokenAnswer("PLACEHOLDER-at", 60))
	c := newClient(t, s.URL, &clock{t: time.Now()}, func(cfg *Config) {
		cfg.AuthMethod, cfg.Audience, cfg.Resource = AuthPost, "https://api.example", "https://orders.example"
		cfg.Params = map[string]string{"tenant": "acme"}
	})
	if _, fail := c.Token(context.Background()); fail != nil {
		t.Fatal(fail.Detail)
	}
	for _, want := range []string{"client_id=gateway", "client_secret=" + testSecret, "audience=https%3A%2F%2Fapi.example", "resource=https%3A%2F%2Forders.example", "tenant=acme"} {
		if !strings.Contains(s.forms[0], want) {
			t.Errorf("form %q lacks %q", s.forms[0], want)
		}
	}
	if s.auths[0] != "" {
		t.Errorf("client_secret_post also sent Authorization %q", s.auths[0])
	}
}

func TestPrivateKeyJWT(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newAuthServer(t, tokenAnswer("PLACEHOLDER-at", 60))
	c := newClient(t, s.URL, &clock{t: time.Now()}, func(cfg *Config) {
		cfg.AuthMethod, cfg.PrivateKeyFile, cfg.KeyID, cfg.ClientSecretEnv = AuthPrivateKeyJWT, path, "k1", ""
	})
	if _, fail := c.Token(context.Background()); fail != nil {
		t.Fatal(fail.Detail)
	}
	form := s.forms[0]
	i := strings.Index(form, "client_assertion=")
	if i < 0 || !strings.Contains(form, "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer") {
		t.Fatalf("form %q: want an RFC 7523 client assertion", form)
	}
	jwt := strings.SplitN(form[i+len("client_assertion="):], "&", 2)[0]
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("assertion has %d parts", len(parts))
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		t.Errorf("assertion signature: %v", err)
	}
	var claims map[string]interface{}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(payload, &claims)
	if claims["iss"] != "gateway" || claims["sub"] != "gateway" || claims["aud"] != s.URL+"/oauth2/token" || claims["jti"] == "" {
		t.Errorf("claims %v: want iss=sub=client, aud=token URL, a jti", claims)
	}
}

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	other := newAuthServer(t, tokenAnswer("PLACEHOLDER-stolen", 60))
	s := newAuthServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/token", http.StatusTemporaryRedirect)
	})
	c := newClient(t, s.URL, &clock{t: time.Now()})
	if _, fail := c.Token(context.Background()); fail == nil || !strings.Contains(fail.Detail, "redirect") {
		t.Fatalf("got %+v, want a refused redirect", fail)
	}
	if other.hits.Load() != 0 {
		t.Error("the token request followed the redirect to another host")
	}
}

func TestConfigErrors(t *testing.T) {
	good := Config{TokenURL: "https://as.example/token", ClientID: "gw", ClientSecretEnv: "X"}
	cases := []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.TokenURL = "" }, "up.token_url: is required"},
		{func(c *Config) { c.TokenURL = "http://as.example/token" }, "up.token_url: must be an https URL"},
		{func(c *Config) { c.TokenURL, c.InsecureAllowHTTP = "ftp://as.example/token", true }, "up.token_url: must be an https URL"},
		{func(c *Config) { c.ClientID = "" }, "up.client_id: is required"},
		{func(c *Config) { c.ClientSecretEnv = "" }, "up.client_secret: set exactly one"},
		{func(c *Config) { c.ClientSecretFile = "/x" }, "up.client_secret: set exactly one"},
		{func(c *Config) { c.AuthMethod = "tls_client_auth" }, "up.auth_method: must be"},
		{func(c *Config) { c.AuthMethod = AuthPrivateKeyJWT }, "up.private_key_file: is required"},
		{func(c *Config) { c.Format = "Bearer" }, "up.format: must contain {token}"},
		{func(c *Config) { c.TimeoutSeconds = 90 }, "up.timeout_seconds: must be between 1 and 60"},
		{func(c *Config) { c.Params = map[string]string{"grant_type": "password"} }, `up.params: "grant_type" is set by the plugin`},
	}
	if err := good.Validate("up"); err != nil {
		t.Fatalf("good config: %v", err)
	}
	demo := good
	demo.TokenURL, demo.InsecureAllowHTTP = "http://keycloak:8080/token", true
	if err := demo.Validate("up"); err != nil {
		t.Errorf("plain http with insecure_allow_http: %v", err)
	}
	for _, tc := range cases {
		c := good
		tc.mutate(&c)
		err := c.Validate("up")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
}

func TestSecretSources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(file, []byte(testSecret+"\n"), 0o600)
	env := func(string) string { return "" }
	for _, tc := range []struct {
		cfg  Config
		want string
		err  string
	}{
		{Config{ClientSecretFile: file}, testSecret, ""},
		{Config{ClientSecret: "resolved-by-tyk"}, "resolved-by-tyk", ""},
		{Config{ClientSecret: "env://GW_SECRET"}, "", "was not resolved"},
		{Config{ClientSecretEnv: "UNSET"}, "", "UNSET is empty or unset"},
	} {
		got, err := tc.cfg.secret(env)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: got %v, want error %q", tc.cfg, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%+v: got %q, %v; want %q", tc.cfg, got, err, tc.want)
		}
	}
}

func BenchmarkCachedToken(b *testing.B) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tokenAnswer("PLACEHOLDER-at", 3600)(w, r, 0) }))
	defer s.Close()
	c, err := New(Config{TokenURL: s.URL + "/token", ClientID: "gw", ClientSecretEnv: "S"}, Options{Getenv: func(string) string { return "x" }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, fail := c.Token(ctx); fail != nil {
		b.Fatal(fail.Detail)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, fail := c.Token(ctx); fail != nil {
			b.Fatal(fail.Detail)
		}
	}
}

func TestSlowAndResetAnswers(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	slow := newAuthServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	reset := newAuthServer(t, func(w http.ResponseWriter, _ *http.Request, _ int64) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close() // no answer at all: the connection drops
		}
	})
	for name, url := range map[string]string{"slow": slow.URL, "reset": reset.URL} {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, url, &clock{t: time.Unix(1_800_000_000, 0)}, func(cfg *Config) { cfg.TimeoutSeconds = 1 })
			_, fail := c.Token(context.Background())
			if fail == nil {
				t.Fatal("got a token")
			}
			if fail.Result.Root() != classify.TemporarilyUnavailable || !fail.Result.Has(classify.UpstreamAuthFailed) || fail.Status != 0 {
				t.Errorf("causes %v status %d: want temporarily_unavailable, upstream_auth_failed and no status", fail.Result.Causes(), fail.Status)
			}
			if strings.Contains(fail.Detail, testSecret) {
				t.Error("detail holds the secret")
			}
		})
	}
}
