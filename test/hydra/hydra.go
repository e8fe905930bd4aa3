// Package hydra runs Ory Hydra (built by test/hydra/build.sh) on loopback
// with an in-memory database and registers the demo clients through its
// admin API, so the IdP cases of the end-to-end suite have a real
// authorization server without Docker. cmd/hydra-demo and the e2e suite's
// harness run both start it through here.
package hydra

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Version is the pinned Hydra release (test/hydra/tool/go.mod).
const Version = "v2.3.0"

// BinEnv names a Hydra binary to use instead of the build cache.
const BinEnv = "OAUTHCHECK_HYDRA_BIN"

// Demo values shared with the Keycloak realm
// (deploy/keycloak/oauthcheck-demo-realm.json), so traffic.Config's
// defaults fit both IdPs.
const (
	ConfidentialClientID     = "demo-backend"
	ConfidentialClientSecret = "demo-backend-secret"
	PublicClientID           = "demo-web"
	NarrowClientID           = "demo-narrow"
	NarrowClientSecret       = "demo-narrow-secret"
	NarrowScope              = "demo.read"
	RegisteredRedirect       = "http://127.0.0.1:8085/callback"
)

// Client is a client registration as Hydra's admin API takes it
// (POST /admin/clients).
type Client struct {
	ID                      string   `json:"client_id"`
	Secret                  string   `json:"client_secret,omitempty"`
	Name                    string   `json:"client_name"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	RedirectURIs            []string `json:"redirect_uris,omitempty"`
	Scope                   string   `json:"scope"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
}

// DemoClients are the clients the suite needs. Hydra v2.3.0 has no
// device flow, so there is no device client.
var DemoClients = []Client{
	{
		// Confidential; may not ask for "phone" (invalid_scope).
		ID: ConfidentialClientID, Secret: ConfidentialClientSecret, Name: "demo confidential client",
		GrantTypes: []string{"client_credentials", "refresh_token"},
		Scope:      "openid profile email offline_access", TokenEndpointAuthMethod: "client_secret_basic",
	},
	{
		// Public, PKCE, exactly one redirect URI.
		ID: PublicClientID, Name: "demo public client",
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		RedirectURIs: []string{RegisteredRedirect},
		Scope:        "openid offline_access", TokenEndpointAuthMethod: "none",
	},
	{
		// Confidential with one narrow scope.
		ID: NarrowClientID, Secret: NarrowClientSecret, Name: "demo narrow-scope client",
		GrantTypes: []string{"client_credentials"},
		Scope:      NarrowScope, TokenEndpointAuthMethod: "client_secret_basic",
	},
}

// Binary returns the Hydra binary: $OAUTHCHECK_HYDRA_BIN, else the one
// test/hydra/build.sh caches. It never builds; the error says how to.
func Binary() (string, error) {
	if p := os.Getenv(BinEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinEnv, p, err)
		}
		return p, nil
	}
	p := filepath.Join(CacheDir(), "hydra")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: no Ory Hydra %s at %s: build it with make hydra (test/hydra/build.sh; needs the Go module proxy) or set %s", ErrNoBinary, Version, p, BinEnv)
	}
	return p, nil
}

// CacheDir is where build.sh puts the binary: $OAUTHCHECK_HYDRA_CACHE, or
// hydra-<version> under the user cache directory's oauthcheck folder.
func CacheDir() string {
	if d := os.Getenv("OAUTHCHECK_HYDRA_CACHE"); d != "" {
		return d
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "oauthcheck", "hydra-"+Version)
}

// Options say where Hydra listens. Zero ports: free ones are picked.
type Options struct {
	Binary     string
	PublicPort int
	AdminPort  int
	LogFile    string // Hydra's stdout and stderr; "" discards them
	// Detach starts Hydra in its own session, so it outlives the caller
	// (make hydra-up); Stop ends it by pid.
	Detach bool
}

// Server is a running Hydra.
type Server struct {
	PublicURL string // the issuer: token, auth, userinfo, revoke
	AdminURL  string // clients, introspection; never proxied
	Pid       int

	cmd    *exec.Cmd
	exited chan error // Wait's result, once
}

// Start runs `hydra serve all --dev` on loopback with DSN=memory and a
// fresh system secret, and waits until its admin API is ready.
func Start(ctx context.Context, opt Options) (*Server, error) {
	var err error
	if opt.Binary == "" {
		if opt.Binary, err = Binary(); err != nil {
			return nil, err
		}
	}
	for _, port := range []*int{&opt.PublicPort, &opt.AdminPort} {
		if *port == 0 {
			if *port, err = freePort(); err != nil {
				return nil, err
			}
		}
	}
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	s := &Server{
		PublicURL: "http://127.0.0.1:" + strconv.Itoa(opt.PublicPort),
		AdminURL:  "http://127.0.0.1:" + strconv.Itoa(opt.AdminPort),
	}
	cmd := exec.Command(opt.Binary, "serve", "all", "--dev")
	cmd.Env = append(os.Environ(),
		"DSN=memory",
		"SECRETS_SYSTEM="+hex.EncodeToString(secret),
		"URLS_SELF_ISSUER="+s.PublicURL,
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+strconv.Itoa(opt.PublicPort),
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+strconv.Itoa(opt.AdminPort),
		"LOG_LEVEL=warn",
		"SQA_OPT_OUT=true", // no usage telemetry from test runs
	)
	if opt.LogFile != "" {
		f, err := os.OpenFile(opt.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, err
		}
		defer f.Close() // the child keeps its own descriptor
		cmd.Stdout, cmd.Stderr = f, f
	}
	if opt.Detach {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", opt.Binary, err)
	}
	s.cmd, s.Pid = cmd, cmd.Process.Pid
	s.exited = make(chan error, 1)
	go func() { s.exited <- cmd.Wait() }()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	if opt.Detach {
		_ = cmd.Process.Release()
		s.cmd = nil
	}
	return s, nil
}

// waitReady polls /health/ready on both ports; a deadline for a start-up,
// not a timing assertion.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var last error
	for {
		last = nil
		for _, base := range []string{s.AdminURL, s.PublicURL} {
			if err := get(ctx, base+"/health/ready"); err != nil {
				last = err
			}
		}
		if last == nil {
			return nil
		}
		select {
		case err := <-s.exited:
			s.exited <- err // for Stop
			return fmt.Errorf("hydra exited before it was ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("hydra not ready after 60s: %v", last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop ends Hydra (its memory database goes with it).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		return
	}
	if s.Pid > 0 {
		_ = syscall.Kill(s.Pid, syscall.SIGTERM)
	}
}

// CreateClients registers clients through the admin API.
func (s *Server) CreateClients(ctx context.Context, clients []Client) error {
	for _, c := range clients {
		body, _ := json.Marshal(c)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.AdminURL+"/admin/clients", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("creating client %s: %w", c.ID, err)
		}
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("creating client %s: status %d: %s", c.ID, res.StatusCode, bytes.TrimSpace(msg))
		}
		var got Client
		if err := json.Unmarshal(msg, &got); err != nil || got.ID != c.ID {
			return fmt.Errorf("creating client %s: Hydra registered it as %q (%v)", c.ID, got.ID, err)
		}
	}
	return nil
}

func get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ErrNoBinary: Binary found nothing to run (as opposed to a broken one).
var ErrNoBinary = errors.New("hydra not built")
