package e2e

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/test/harness"
	"github.com/oauthcheck/oauthcheck/test/hydra"
	"github.com/oauthcheck/oauthcheck/test/traffic"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// RequireHydraEnv set to 1 (as .ci/run does) turns a missing Hydra binary
// from a skip into a failure.
const RequireHydraEnv = "OAUTHCHECK_REQUIRE_HYDRA"

// hydraAppsDir holds the API definitions the harness run loads: the
// Hydra variant of apps/, on loopback.
const hydraAppsDir = "apps/hydra"

// Loopback addresses in apps/hydra, replaced by the run's own.
const (
	appsHydraURL    = "http://127.0.0.1:4444"
	appsUpstreamURL = "http://127.0.0.1:8090"
)

var hydraServer *hydra.Server // stopped by TestMain

func TestMain(m *testing.M) {
	code := harness.Main(m)
	if hydraServer != nil {
		hydraServer.Stop()
	}
	os.Exit(code)
}

// runOnHarness is the run without a gateway: Ory Hydra on loopback with
// the demo clients, the misbehaving upstream in-process, and one harness
// gateway per definition of apps/hydra (the built .so loaded as Tyk loads
// it) behind one listener that routes by listen path. Records come from
// the harness, keyed by User-Agent as the gateway run reads them from
// Redis.
func runOnHarness(t *testing.T, r *run) {
	r.where = "plugin harness with Ory Hydra"
	bin, err := hydra.Binary()
	if err != nil {
		if errors.Is(err, hydra.ErrNoBinary) && os.Getenv(RequireHydraEnv) != "1" {
			r.skip = fmt.Sprintf("%s unset and %v (set %s=1 to fail instead)", GateEnv, err, RequireHydraEnv)
			return
		}
		r.err = err
		return
	}
	ctx := context.Background()
	logFile := filepath.Join(t.TempDir(), "hydra.log")
	hydraServer, err = hydra.Start(ctx, hydra.Options{Binary: bin, LogFile: logFile})
	if err != nil {
		r.err = fmt.Errorf("starting Hydra (log %s): %w", logFile, err)
		return
	}
	if err := hydraServer.CreateClients(ctx, hydra.DemoClients); err != nil {
		r.err = err
		return
	}
	// The misbehaving upstream as cmd/misbehaving-upstream serves it.
	fixtures, err := upstream.FindFixtures()
	if err != nil {
		r.err = err
		return
	}
	replay, err := upstream.LoadReplay(fixtures)
	if err != nil {
		r.err = err
		return
	}
	upMux := http.NewServeMux()
	upMux.Handle("/", upstream.Handler())
	upMux.Handle(upstream.ReplayPrefix, replay)
	upMux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	up := httptest.NewServer(upMux)
	t.Cleanup(up.Close)

	cfg := traffic.FromEnv()
	cfg.IdP, cfg.IdPURL, cfg.UpstreamURL = traffic.Hydra, hydraServer.PublicURL, up.URL
	tykKey := "demo-harness-tyk-key-" + cfg.RunID

	root, err := repoRoot()
	if err != nil {
		r.err = err
		return
	}
	defs, err := loadApps(filepath.Join(root, hydraAppsDir))
	if err != nil {
		r.err = err
		return
	}
	plugin := harness.LoadPlugin(t)
	mux := http.NewServeMux()
	var gateways []*harness.Gateway
	for _, d := range defs {
		api := d.API
		api.Upstream = strings.Replace(strings.Replace(api.Upstream, appsHydraURL, hydraServer.PublicURL, 1), appsUpstreamURL, up.URL, 1)
		if iss, ok := oauthcheckSection(api.ConfigData)["issuer"].(string); ok && iss == appsHydraURL {
			oauthcheckSection(api.ConfigData)["issuer"] = hydraServer.PublicURL
		}
		if !api.Keyless {
			api.Keys = map[string]harness.Session{tykKey: {Alias: "demo-traffic-" + cfg.RunID}}
		}
		api.Transport = stripListenPath{prefix: strings.TrimSuffix(d.ListenPath, "/"), base: &http.Transport{}}
		g := harness.NewGateway(t, plugin, api)
		gateways = append(gateways, g)
		mux.Handle(d.ListenPath, g)
	}
	mux.HandleFunc("/tyk/keys/create", func(w http.ResponseWriter, req *http.Request) {
		// The Gateway API's key creation, as far as the runner uses it.
		if subtle.ConstantTimeCompare([]byte(req.Header.Get("X-Tyk-Authorization")), []byte(cfg.GatewaySecret)) != 1 {
			http.Error(w, `{"status":"error","message":"Attempted administrative access with invalid or missing key!"}`, http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"key": tykKey, "status": "ok", "action": "added"})
	})
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	cfg.GatewayURL = front.URL

	r.runner = traffic.NewRunner(cfg)
	r.exchanges = r.runner.Run(ctx, r.runner.Cases())
	var recs []Record
	for _, g := range gateways {
		for _, hr := range g.Records(t) {
			rec := Record{
				Method: hr.Method, Path: hr.Path, UserAgent: hr.UserAgent, ResponseCode: hr.ResponseCode,
				APIID: hr.APIID, Alias: hr.Alias, OauthID: hr.OauthClientID,
				RawRequest: hr.RawRequest, RawResponse: hr.RawResponse, Tags: hr.Tags,
			}
			rec.Raw, _ = json.Marshal(rec) // what a store would hold, for the secret scan
			recs = append(recs, rec)
		}
	}
	r.collect(recs)
}

// stripListenPath is Tyk's strip_listen_path on the way to the upstream;
// the hooks still see the client's path, listen path included.
type stripListenPath struct {
	prefix string
	base   http.RoundTripper
}

func (s stripListenPath) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Path = strings.Replace(req.URL.Path, s.prefix, "", 1)
	req.URL.RawPath = ""
	return s.base.RoundTrip(req)
}

// appDef is an API definition of apps/ turned into the harness's API.
type appDef struct {
	API        harness.API
	ListenPath string
}

// loadApps reads every definition in dir: classic ones, and OAS ones from
// the pair <name>.json (Tyk's classic view, is_oas) and <name>-oas.json
// (the OAS document, whose x-tyk-api-gateway Tyk reads for the plugin
// config and the traffic logs).
func loadApps(dir string) ([]appDef, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no API definitions in %s (%v)", dir, err)
	}
	var out []appDef
	for _, f := range files {
		if strings.HasSuffix(f, "-oas.json") {
			continue
		}
		var c struct {
			APIID     string `json:"api_id"`
			Keyless   bool   `json:"use_keyless"`
			IsOAS     bool   `json:"is_oas"`
			Detailed  bool   `json:"enable_detailed_recording"`
			Analytics struct {
				Enable bool `json:"enable"`
			} `json:"analytics_plugin"`
			Proxy struct {
				ListenPath string `json:"listen_path"`
				TargetURL  string `json:"target_url"`
				Strip      bool   `json:"strip_listen_path"`
			} `json:"proxy"`
			Auth struct {
				Header string `json:"auth_header_name"`
			} `json:"auth"`
			AuthConfigs map[string]struct {
				Header string `json:"auth_header_name"`
			} `json:"auth_configs"`
			ConfigData         map[string]interface{} `json:"config_data"`
			ConfigDataDisabled bool                   `json:"config_data_disabled"`
			TagHeaders         []string               `json:"tag_headers"`
			Middleware         struct {
				Post []struct {
					Name string `json:"name"`
				} `json:"post"`
			} `json:"custom_middleware"`
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(replaceEnvSecrets(raw), &c); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if !c.Proxy.Strip {
			return nil, fmt.Errorf("%s: the harness run expects strip_listen_path", f)
		}
		d := appDef{ListenPath: c.Proxy.ListenPath, API: harness.API{
			ID: c.APIID, Upstream: c.Proxy.TargetURL, Keyless: c.Keyless,
			ConfigData: c.ConfigData, ConfigDataDisabled: c.ConfigDataDisabled,
			TagHeaders: c.TagHeaders, DetailedRecording: c.Detailed, AnalyticsPlugin: c.Analytics.Enable,
			AuthHeader: c.Auth.Header,
		}}
		for _, h := range c.Middleware.Post {
			d.API.PostHook = d.API.PostHook || h.Name == harness.SymbolPost
		}
		if d.API.AuthHeader == "" {
			d.API.AuthHeader = c.AuthConfigs["authToken"].Header
		}
		if c.IsOAS {
			if err := fromOAS(strings.TrimSuffix(f, ".json")+"-oas.json", &d.API); err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// envSecret is Tyk's env:// reference (gateway/api_definition.go envRegex).
var envSecret = regexp.MustCompile(`env://([^"]+)`)

// replaceEnvSecrets does what Tyk's replaceSecrets does for env:// before
// it parses a definition file: each reference whose variable is set
// becomes its value, across the whole text.
func replaceEnvSecrets(b []byte) []byte {
	return envSecret.ReplaceAllFunc(b, func(m []byte) []byte {
		if v := os.Getenv(string(m[len("env://"):])); v != "" {
			return []byte(v)
		}
		return m
	})
}

// fromOAS takes what Tyk reads from the OAS document of an OAS API.
func fromOAS(path string, api *harness.API) error {
	var o struct {
		Tyk struct {
			Info struct {
				ID string `json:"id"`
			} `json:"info"`
			Middleware struct {
				Global struct {
					PluginConfig struct {
						Data struct {
							Enabled bool                   `json:"enabled"`
							Value   map[string]interface{} `json:"value"`
						} `json:"data"`
					} `json:"pluginConfig"`
					TrafficLogs struct {
						TagHeaders []string `json:"tagHeaders"`
						Plugins    []struct {
							Enabled bool `json:"enabled"`
						} `json:"plugins"`
					} `json:"trafficLogs"`
				} `json:"global"`
			} `json:"middleware"`
		} `json:"x-tyk-api-gateway"`
		Components struct {
			SecuritySchemes map[string]struct {
				Name string `json:"name"`
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := readJSON(path, &o); err != nil {
		return err
	}
	if o.Tyk.Info.ID != api.ID {
		return fmt.Errorf("%s: x-tyk-api-gateway.info.id %q, but the classic view says %q", path, o.Tyk.Info.ID, api.ID)
	}
	g := o.Tyk.Middleware.Global
	api.OAS = true
	api.ConfigData, api.ConfigDataDisabled = g.PluginConfig.Data.Value, !g.PluginConfig.Data.Enabled
	api.TagHeaders = g.TrafficLogs.TagHeaders
	api.AnalyticsPlugin = len(g.TrafficLogs.Plugins) > 0 && g.TrafficLogs.Plugins[0].Enabled
	for _, s := range o.Components.SecuritySchemes {
		if s.Name != "" {
			api.AuthHeader = s.Name
		}
	}
	return nil
}

func oauthcheckSection(configData map[string]interface{}) map[string]interface{} {
	m, _ := configData["oauthcheck"].(map[string]interface{})
	if m == nil {
		return map[string]interface{}{}
	}
	return m
}

func readJSON(path string, v interface{}) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// repoRoot is two levels above this file (no -trimpath in go test).
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("no caller information to find the repository root")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, hydraAppsDir)); err != nil {
		return "", fmt.Errorf("repository root: %w", err)
	}
	return root, nil
}

// TestHydraAppsMirrorApps: apps/hydra is apps/ pointed at loopback Hydra
// and the loopback upstream, file for file; only names, targets, the
// endpoints map and the issuer may differ, so the hooks, tags, recording
// and auth the Hydra run checks are those of the compose stack.
func TestHydraAppsMirrorApps(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "apps", "*.json"))
	variant, _ := filepath.Glob(filepath.Join(root, hydraAppsDir, "*.json"))
	if len(files) == 0 || len(files) != len(variant) {
		t.Fatalf("apps/ has %d definitions, %s %d", len(files), hydraAppsDir, len(variant))
	}
	mayDiffer := func(path string) bool {
		switch path {
		case ".name", ".info.title", ".x-tyk-api-gateway.info.name", ".proxy.target_url", ".x-tyk-api-gateway.upstream.url":
			return true
		}
		return strings.Contains(path, ".oauthcheck.endpoints") || strings.HasSuffix(path, ".oauthcheck.issuer") ||
			strings.HasSuffix(path, ".oauthcheck.upstream_auth.token_url") ||
			strings.HasSuffix(path, ".oauthcheck.guard.redis_addr") // the compose Redis; the harness has none
	}
	for _, f := range files {
		var a, b interface{}
		if err := readJSON(f, &a); err != nil {
			t.Fatal(err)
		}
		if err := readJSON(filepath.Join(root, hydraAppsDir, filepath.Base(f)), &b); err != nil {
			t.Fatal(err)
		}
		for _, d := range jsonDiff("", a, b) {
			if !mayDiffer(d) {
				t.Errorf("%s: %s differs from apps/", filepath.Base(f), d)
			}
		}
	}
	defs, err := loadApps(filepath.Join(root, hydraAppsDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if !strings.HasPrefix(d.API.Upstream, appsHydraURL+"/") && !strings.HasPrefix(d.API.Upstream, appsUpstreamURL+"/") {
			t.Errorf("%s: target %s is neither loopback Hydra nor the loopback upstream", d.API.ID, d.API.Upstream)
		}
	}
}

// jsonDiff lists the paths where two decoded JSON values differ.
func jsonDiff(path string, a, b interface{}) []string {
	am, aok := a.(map[string]interface{})
	bm, bok := b.(map[string]interface{})
	if aok && bok {
		var out []string
		for k, v := range am {
			out = append(out, jsonDiff(path+"."+k, v, bm[k])...)
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				out = append(out, path+"."+k)
			}
		}
		return out
	}
	al, aok := a.([]interface{})
	bl, bok := b.([]interface{})
	if aok && bok && len(al) == len(bl) {
		var out []string
		for i := range al {
			out = append(out, jsonDiff(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i])...)
		}
		return out
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		return []string{path}
	}
	return nil
}
