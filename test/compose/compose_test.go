// Package compose checks the demo stack's files without Docker: the
// compose file, the gateway and pump configs, the API definitions in apps/
// and the README, so that a broken stack fails here rather than at
// docker compose up.
package compose

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/oauthcheck/oauthcheck/test/upstream"
)

const root = "../.."

// What the stack promises; apps/ and docker-compose.yml must agree.
const (
	pluginPath = "/opt/tyk-gateway/middleware/oauthcheck.so"
	// analyticsSymbol is the analytics plugin function the apps name.
	analyticsSymbol = "OAuthCheckAnalytics"
	pluginVolume    = "oauthcheck-plugin"
	tykVersionVar   = "${TYK_VERSION:-v5.8.15}" // 5.8 LTS by default
	causeTag        = "x-oauth-cause"
)

var hooks = map[string]string{ // hook kind → exported symbol
	"pre":           "OAuthCheckPre",
	"post_key_auth": "OAuthCheckAuth",
	"response":      "OAuthCheckResponse",
}

type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string               `yaml:"image"`
	Build       any                  `yaml:"build"`
	Command     any                  `yaml:"command"`
	Entrypoint  any                  `yaml:"entrypoint"`
	Environment map[string]string    `yaml:"environment"`
	WorkingDir  string               `yaml:"working_dir"`
	Volumes     []string             `yaml:"volumes"`
	Ports       []string             `yaml:"ports"`
	Healthcheck *healthcheck         `yaml:"healthcheck"`
	DependsOn   map[string]dependsOn `yaml:"depends_on"`
	Profiles    []string             `yaml:"profiles"`
}

type healthcheck struct {
	Test []string `yaml:"test"`
}

type dependsOn struct {
	Condition string `yaml:"condition"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatalf("reading docker-compose.yml: %v", err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("parsing docker-compose.yml: %v", err)
	}
	return c
}

func svc(t *testing.T, c composeFile, name string) service {
	t.Helper()
	s, ok := c.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q", name)
	}
	return s
}

func flat(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = flat(p)
		}
		return strings.Join(parts, " ")
	}
	return ""
}

func TestServicesExist(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"redis", "plugin-build", "gateway", "keycloak", "upstream", "pump"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("docker-compose.yml has no service %q", name)
		}
	}
}

var pinnedTag = regexp.MustCompile(`^[^:@\s]+(:[^:\s]+|@sha256:[0-9a-f]{64})$`)

func TestImagesPinned(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		if s.Image == "" {
			t.Errorf("service %s: no image (builds must not bake the stack's secrets in; use a pinned image)", name)
			continue
		}
		img := strings.ReplaceAll(s.Image, tykVersionVar, "v5.8.15")
		if !pinnedTag.MatchString(img) || strings.HasSuffix(img, ":latest") || strings.Contains(img, "${") {
			t.Errorf("service %s: image %q is not pinned to a version (no :latest, variables need a default)", name, s.Image)
		}
	}
}

// TestCompilerMatchesGateway: a Go plugin loads only into the gateway
// version it was compiled against, so both images take one variable.
func TestCompilerMatchesGateway(t *testing.T) {
	c := loadCompose(t)
	build, gw := svc(t, c, "plugin-build"), svc(t, c, "gateway")
	if want := "tykio/tyk-plugin-compiler:" + tykVersionVar; build.Image != want {
		t.Errorf("plugin-build image %q, want %q", build.Image, want)
	}
	if want := "tykio/tyk-gateway:" + tykVersionVar; gw.Image != want {
		t.Errorf("gateway image %q, want %q", gw.Image, want)
	}
	if got := build.Environment["TYK_VERSION"]; got != tykVersionVar {
		t.Errorf("plugin-build TYK_VERSION %q, want %q (it names the .so)", got, tykVersionVar)
	}
}

// TestPluginBuildWritesWhatAppsLoad: the compiler writes the versioned
// .so Tyk looks for first (goplugin/plugin_name_builder.go) into the
// volume the gateway mounts where apps/ point.
func TestPluginBuildWritesWhatAppsLoad(t *testing.T) {
	c := loadCompose(t)
	build, gw := svc(t, c, "plugin-build"), svc(t, c, "gateway")
	if _, ok := c.Volumes[pluginVolume]; !ok {
		t.Errorf("no named volume %q", pluginVolume)
	}
	if !slices.Contains(build.Volumes, pluginVolume+":/out") {
		t.Errorf("plugin-build volumes %q: want %s:/out", build.Volumes, pluginVolume)
	}
	if want := pluginVolume + ":" + path.Dir(pluginPath) + ":ro"; !slices.Contains(gw.Volumes, want) {
		t.Errorf("gateway volumes %q: want %q", gw.Volumes, want)
	}
	script := flat(build.Command)
	versioned := "/out/" + strings.TrimSuffix(path.Base(pluginPath), ".so") + "_$${TYK_VERSION}_linux_amd64.so"
	// The analytics plugin opens the exact path an API names: the build
	// links the unversioned name to the versioned file.
	link := `ln -sf "oauthcheck_$${TYK_VERSION}_linux_amd64.so" /out/` + path.Base(pluginPath)
	for _, want := range []string{versioned, link, "go work init ./tyk", "go work use", "CGO_ENABLED=1 go build -buildmode=plugin -trimpath -tags=goplugin", "./plugin", "plugin load"} {
		if !strings.Contains(script, want) {
			t.Errorf("plugin-build command lacks %q", want)
		}
	}
	if dep := gw.DependsOn["plugin-build"]; dep.Condition != "service_completed_successfully" {
		t.Errorf("gateway depends_on plugin-build condition %q, want service_completed_successfully", dep.Condition)
	}
}

func TestGatewayMounts(t *testing.T) {
	gw := svc(t, loadCompose(t), "gateway")
	for _, want := range []string{"./apps:/opt/tyk-gateway/apps:ro", "./deploy/tyk.conf:/opt/tyk-gateway/tyk.conf:ro"} {
		if !slices.Contains(gw.Volumes, want) {
			t.Errorf("gateway volumes %q: want %q", gw.Volumes, want)
		}
	}
	if s := gw.Environment["TYK_GW_SECRET"]; !strings.Contains(s, "demo") {
		t.Errorf("gateway TYK_GW_SECRET %q: want an env variable with a demo default", s)
	}
}

func TestPortsBindLoopback(t *testing.T) {
	for name, s := range loadCompose(t).Services {
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("service %s publishes %q: bind it to 127.0.0.1", name, p)
			}
		}
	}
}

func TestHealthChecksOrderStartUp(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"redis", "gateway", "keycloak", "upstream"} {
		if s := svc(t, c, name); s.Healthcheck == nil || len(s.Healthcheck.Test) == 0 {
			t.Errorf("service %s has no health check", name)
		}
	}
	want := map[string]map[string]string{
		"gateway": {"plugin-build": "service_completed_successfully", "redis": "service_healthy", "keycloak": "service_healthy", "upstream": "service_healthy"},
		"pump":    {"redis": "service_healthy", "gateway": "service_healthy"},
	}
	for name, deps := range want {
		s := svc(t, c, name)
		for dep, cond := range deps {
			if got := s.DependsOn[dep].Condition; got != cond {
				t.Errorf("%s depends_on %s: condition %q, want %q", name, dep, got, cond)
			}
		}
	}
	for name, s := range c.Services {
		for dep, d := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
			if d.Condition == "" {
				t.Errorf("%s depends_on %s without a condition", name, dep)
			}
		}
	}
}

// pluginSymbols returns the exported functions of the plugin's main
// package, with their parameter counts.
func pluginSymbols(t *testing.T) map[string]int {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(root, "plugin", "*.go"))
	syms := map[string]int{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parsing %s: %v", f, err)
		}
		if file.Name.Name != "main" {
			continue
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.IsExported() {
				syms[fn.Name.Name] = fn.Type.Params.NumFields()
			}
		}
	}
	return syms
}

func TestHooksExportedByPlugin(t *testing.T) {
	syms := pluginSymbols(t)
	params := map[string]int{"OAuthCheckPre": 2, "OAuthCheckAuth": 2, "OAuthCheckResponse": 3}
	for _, name := range hooks {
		if got, ok := syms[name]; !ok || got != params[name] {
			t.Errorf("plugin/ exports %s with %d parameters (found %v), want %d", name, got, ok, params[name])
		}
	}
}

func readJSON(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: invalid JSON: %v", file, err)
	}
	return m
}

// get walks nested objects: get(m, "a", "b") is m["a"]["b"].
func get(m any, keys ...string) any {
	for _, k := range keys {
		obj, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = obj[k]
	}
	return m
}

func strs(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func appFiles(t *testing.T) (classic, oas []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "apps", "*.json"))
	for _, f := range files {
		if strings.HasSuffix(f, "-oas.json") {
			oas = append(oas, f)
		} else {
			classic = append(classic, f)
		}
	}
	if len(classic) == 0 || len(oas) == 0 {
		t.Fatalf("apps/ holds %d classic and %d OAS definitions, want both kinds", len(classic), len(oas))
	}
	return classic, oas
}

// TestClassicApps: every classic definition (including the companions Tyk
// loads OAS APIs through) names the three hooks in the compose-built .so,
// tags the label headers, keeps detailed recording off and configures
// oauthcheck.
func TestClassicApps(t *testing.T) {
	classic, _ := appFiles(t)
	for _, f := range classic {
		t.Run(filepath.Base(f), func(t *testing.T) {
			d := readJSON(t, f)
			for _, k := range []string{"api_id", "name", "proxy", "org_id"} {
				if d[k] == nil {
					t.Errorf("missing %s", k)
				}
			}
			if got := get(d, "custom_middleware", "driver"); got != "goplugin" {
				t.Errorf("custom_middleware.driver %v, want goplugin", got)
			}
			for kind, symbol := range hooks {
				list, _ := get(d, "custom_middleware", kind).([]any)
				found := false
				for _, h := range list {
					if get(h, "name") == symbol && get(h, "path") == pluginPath && get(h, "disabled") != true {
						found = true
					}
				}
				if !found {
					t.Errorf("custom_middleware.%s lacks {name: %s, path: %s}", kind, symbol, pluginPath)
				}
			}
			if tags := strs(d["tag_headers"]); !slices.Contains(tags, causeTag) {
				t.Errorf("tag_headers %q lack %s", tags, causeTag)
			}
			// Detailed recording is safe only with the analytics plugin that
			// redacts the raw request and response.
			ap := get(d, "analytics_plugin")
			if get(ap, "enable") != true || get(ap, "func_name") != analyticsSymbol || get(ap, "plugin_path") != pluginPath {
				t.Errorf("analytics_plugin %v: want {enable: true, func_name: %s, plugin_path: %s}", ap, analyticsSymbol, pluginPath)
			}
			if _, ok := get(d, "config_data", "oauthcheck").(map[string]any); !ok {
				t.Error("config_data.oauthcheck is not an object")
			}
			// Shared guard counters go to the stack's own Redis, which
			// both gateways (the metrics profile's too) reach by that name.
			if addr, ok := get(d, "config_data", "oauthcheck", "guard", "redis_addr").(string); ok {
				host, port, _ := strings.Cut(addr, ":")
				c := loadCompose(t)
				svc(t, c, host)
				if port != "6379" {
					t.Errorf("guard.redis_addr %q: want the redis service's port 6379", addr)
				}
			}
		})
	}
}

// TestOASApps: every OAS definition carries the plugin config, the three
// hooks and the tag headers, and has the classic companion (same name
// without -oas) that file-based Tyk loads it through
// (gateway/api_definition.go loadDefFromFilePath).
func TestOASApps(t *testing.T) {
	_, oas := appFiles(t)
	for _, f := range oas {
		t.Run(filepath.Base(f), func(t *testing.T) {
			d := readJSON(t, f)
			if v, _ := d["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
				t.Errorf("openapi %q, want 3.0.x", v)
			}
			x := d["x-tyk-api-gateway"]
			for _, p := range [][]string{{"info", "name"}, {"info", "id"}, {"info", "state", "active"}, {"upstream", "url"}, {"server", "listenPath", "value"}} {
				if get(x, p...) == nil {
					t.Errorf("x-tyk-api-gateway.%s is missing", strings.Join(p, "."))
				}
			}
			global := get(x, "middleware", "global")
			if got := get(global, "pluginConfig", "driver"); got != "goplugin" {
				t.Errorf("pluginConfig.driver %v, want goplugin", got)
			}
			if get(global, "pluginConfig", "data", "enabled") != true {
				t.Error("pluginConfig.data.enabled is not true")
			}
			if _, ok := get(global, "pluginConfig", "data", "value", "oauthcheck").(map[string]any); !ok {
				t.Error("pluginConfig.data.value.oauthcheck is not an object")
			}
			oasHooks := map[string]string{"prePlugins": hooks["pre"], "postAuthenticationPlugins": hooks["post_key_auth"], "responsePlugins": hooks["response"]}
			for field, symbol := range oasHooks {
				list, _ := get(global, field).([]any)
				if len(list) != 1 || get(list[0], "functionName") != symbol || get(list[0], "path") != pluginPath || get(list[0], "enabled") != true {
					t.Errorf("%s: want one enabled {functionName: %s, path: %s}, got %v", field, symbol, pluginPath, list)
				}
			}
			if tags := strs(get(global, "trafficLogs", "tagHeaders")); !slices.Contains(tags, causeTag) || get(global, "trafficLogs", "enabled") != true {
				t.Errorf("trafficLogs: want enabled with tagHeaders including %s, got %v", causeTag, get(global, "trafficLogs"))
			}
			if list, _ := get(global, "trafficLogs", "plugins").([]any); len(list) != 1 || get(list[0], "functionName") != analyticsSymbol ||
				get(list[0], "path") != pluginPath || get(list[0], "enabled") != true {
				t.Errorf("trafficLogs.plugins: want one enabled {functionName: %s, path: %s}, got %v", analyticsSymbol, pluginPath, list)
			}

			companion := strings.TrimSuffix(f, "-oas.json") + ".json"
			c := readJSON(t, companion)
			if c["is_oas"] != true || c["api_id"] != get(x, "info", "id") {
				t.Errorf("%s: want is_oas true and api_id %v, got %v and %v", filepath.Base(companion), get(x, "info", "id"), c["is_oas"], c["api_id"])
			}
		})
	}
}

func TestTykConf(t *testing.T) {
	conf := readJSON(t, filepath.Join(root, "deploy", "tyk.conf"))
	checks := []struct {
		path []string
		want any
	}{
		{[]string{"app_path"}, "/opt/tyk-gateway/apps"},
		{[]string{"enable_analytics"}, true},
		{[]string{"analytics_config", "enable_detailed_recording"}, false},
		{[]string{"hash_keys"}, true}, // otherwise raw Tyk keys become key-<key> tags
		{[]string{"storage", "host"}, "redis"},
	}
	for _, c := range checks {
		if got := get(conf, c.path...); got != c.want {
			t.Errorf("tyk.conf %s = %v, want %v", strings.Join(c.path, "."), got, c.want)
		}
	}
	if s, _ := conf["secret"].(string); !strings.Contains(s, "demo") {
		t.Errorf("tyk.conf secret %q: want a value marked demo", s)
	}
}

func TestPumpConf(t *testing.T) {
	conf := readJSON(t, filepath.Join(root, "deploy", "pump.conf"))
	if got := get(conf, "pumps", "stdout", "type"); got != "stdout" {
		t.Errorf("pump.conf pumps.stdout.type %v, want stdout", got)
	}
	if got := get(conf, "analytics_storage_config", "host"); got != "redis" {
		t.Errorf("pump.conf analytics_storage_config.host %v, want redis", got)
	}
}

func TestKeycloakRealmIsDemo(t *testing.T) {
	realm := readJSON(t, filepath.Join(root, "deploy", "keycloak", "oauthcheck-demo-realm.json"))
	clients, _ := realm["clients"].([]any)
	if len(clients) == 0 {
		t.Fatal("realm has no clients")
	}
	for _, c := range clients {
		id, _ := get(c, "clientId").(string)
		if !strings.Contains(id, "demo") {
			t.Errorf("client %q: demo clients are named demo-*", id)
		}
		if s, ok := get(c, "secret").(string); ok && !strings.Contains(s, "demo") {
			t.Errorf("client %s secret is not marked demo", id)
		}
	}
	users, _ := realm["users"].([]any)
	for _, u := range users {
		creds, _ := get(u, "credentials").([]any)
		for _, cr := range creds {
			if v, _ := get(cr, "value").(string); !strings.Contains(v, "demo") {
				t.Errorf("user %v password is not marked demo", get(u, "username"))
			}
		}
	}
}

// TestReadmeDocumentsStack: the README (the lead's) must tell how to start
// the stack and send traffic.
func TestReadmeDocumentsStack(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatalf("README.md is missing at the repository root (%v): it must document `docker compose up` and `go run ./cmd/traffic` (text in notes/readme-stack.md)", err)
	}
	for _, want := range []string{"docker compose up", "go run ./cmd/traffic"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("README.md does not mention %q", want)
		}
	}
}

// TestUpstreamFindsFixtures: the upstream service's fixtures folder
// (UPSTREAM_FIXTURES, or the default relative to its working_dir) is the
// repository's plugin/classify/testdata through its source volume, so
// /replay/<fixture> answers in the stack.
func TestUpstreamFindsFixtures(t *testing.T) {
	s := svc(t, loadCompose(t), "upstream")
	dir := s.Environment[upstream.FixturesEnv]
	if dir == "" {
		dir = upstream.DefaultFixtures
	}
	if !path.IsAbs(dir) {
		dir = path.Join(s.WorkingDir, dir)
	}
	var host string
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || !strings.HasPrefix(parts[0], ".") {
			continue
		}
		if rel, ok := strings.CutPrefix(dir, strings.TrimSuffix(parts[1], "/")+"/"); ok {
			host = filepath.Join(root, parts[0], filepath.FromSlash(rel))
		}
	}
	if host == "" {
		t.Fatalf("upstream: fixtures folder %q is on no source volume (%q)", dir, s.Volumes)
	}
	want, _ := filepath.Abs(filepath.Join(root, "plugin", "classify", "testdata"))
	if got, _ := filepath.Abs(host); got != want {
		t.Errorf("upstream: fixtures folder %q is %s on the host, want %s", dir, got, want)
	}
	if _, err := os.Stat(filepath.Join(host, "cases.json")); err != nil {
		t.Errorf("upstream: fixtures folder %q: %v", dir, err)
	}
}
