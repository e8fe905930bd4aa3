// Package harness loads the oauthcheck plugin the way Tyk does and drives
// its hooks in Tyk's order around a real reverse proxy, so integration tests
// can check tags, analytics records, logs and the bytes clients receive.
package harness

import (
	"github.com/oauthcheck/oauthcheck/plugin/standin"

	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"plugin"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// RaceEnabled reports a test binary built with -race (and so a plugin
// built with -race too).
const RaceEnabled = raceEnabled

// PluginPackage is the import path of the plugin's main package.
const PluginPackage = "github.com/oauthcheck/oauthcheck/plugin"

// Hook symbols, as an API definition names them.
const (
	SymbolPre      = "OAuthCheckPre"
	SymbolAuth     = "OAuthCheckAuth"
	SymbolResponse = "OAuthCheckResponse"
	// SymbolPost is the post hook (custom_middleware.post), which Tyk runs
	// on keyless APIs too.
	SymbolPost = "OAuthCheckPost"
	// SymbolAnalytics is the analytics plugin function
	// (analytics_plugin.func_name).
	SymbolAnalytics = "OAuthCheckAnalytics"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

// BuildPlugin builds the plugin .so once per process and returns its path.
// It builds from the test module, so the plugin links the test module's
// build list (as Tyk's plugin compiler links the gateway's workspace), and
// with the test binary's flags: -race when the binary has it, and no
// -trimpath, because go test does not use it. Any mismatch makes
// plugin.Open fail with "plugin was built with a different version of
// package ...".
func BuildPlugin(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() { buildPath, buildErr = build() })
	if buildErr != nil {
		t.Fatalf("build plugin: %v", buildErr)
	}
	return buildPath
}

// Main runs the tests and removes the built plugin afterwards. Use it from
// TestMain: os.Exit(harness.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	return code
}

// Builds of other plugin packages (BuildPluginPackage), by import path.
var (
	othersMu sync.Mutex
	others   = map[string]string{}
)

// BuildPluginPackage builds another plugin main package of the test
// module (for example a no-op plugin to compare against) the same way as
// BuildPlugin, once per process, and returns its .so path.
func BuildPluginPackage(t testing.TB, pkg string) string {
	t.Helper()
	othersMu.Lock()
	defer othersMu.Unlock()
	if so, ok := others[pkg]; ok {
		return so
	}
	so, err := buildPackage(pkg, fmt.Sprintf("plugin-%d.so", len(others)))
	if err != nil {
		t.Fatalf("build plugin %s: %v", pkg, err)
	}
	others[pkg] = so
	return so
}

func build() (string, error) { return buildPackage(PluginPackage, "oauthcheck.so") }

func buildPackage(pkg, name string) (string, error) {
	goBin, err := goBinary()
	if err != nil {
		return "", err
	}
	modDir, err := testModuleDir()
	if err != nil {
		return "", err
	}
	env := append(os.Environ(), "CGO_ENABLED=1", "GOTOOLCHAIN=local")

	out, err := run(modDir, env, goBin, "env", "GOVERSION")
	if err != nil {
		return "", err
	}
	if v := strings.TrimSpace(out); v != runtime.Version() {
		return "", fmt.Errorf("%s is %s but the test binary was built by %s; plugin.Open would refuse the mix", goBin, v, runtime.Version())
	}

	if err := makeBuildDir(); err != nil {
		return "", err
	}
	so := filepath.Join(buildDir, name)
	args := []string{"build", "-buildmode=plugin"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "-o", so, pkg)
	if _, err := run(modDir, env, goBin, args...); err != nil {
		return "", err
	}
	return so, nil
}

var buildDirMu sync.Mutex

func makeBuildDir() error {
	buildDirMu.Lock()
	defer buildDirMu.Unlock()
	if buildDir != "" {
		return nil
	}
	dir, err := os.MkdirTemp("", "oauthcheck-harness-")
	if err != nil {
		return err
	}
	buildDir = dir
	return nil
}

func run(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return string(out), nil
}

// goBinary is the toolchain that runs the tests: go test puts its own
// GOROOT/bin first on PATH (and BuildPlugin checks the versions match).
func goBinary() (string, error) {
	return exec.LookPath("go")
}

// testModuleDir is the directory of the test module's go.mod: the parent
// of this source file's directory (no -trimpath, so the path is real), or
// the nearest go.mod above the working directory.
func testModuleDir() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(filepath.Dir(file))
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Plugin holds the three hooks, typed exactly as Tyk asserts them.
type Plugin struct {
	Path     string
	Pre      func(http.ResponseWriter, *http.Request)
	Auth     func(http.ResponseWriter, *http.Request)
	Post     func(http.ResponseWriter, *http.Request)
	Response func(http.ResponseWriter, *http.Response, *http.Request)
	// Analytics is the analytics plugin function, typed as the plain-Go
	// build exports it: Tyk's func(*analytics.AnalyticsRecord) with the
	// stand-in record.
	Analytics func(*standin.AnalyticsRecord)
}

// Load opens the .so and looks the hooks up as Tyk's goplugin package does:
// plugin.Open, Lookup, then a type assertion to the exact function types.
func Load(t testing.TB, path string) *Plugin {
	t.Helper()
	p, err := load(path)
	if err != nil {
		t.Fatalf("load plugin %s: %v", path, err)
	}
	CaptureLogs()
	return p
}

// LoadPlugin builds (once) and loads the plugin.
func LoadPlugin(t testing.TB) *Plugin {
	t.Helper()
	return Load(t, BuildPlugin(t))
}

func load(path string) (*Plugin, error) {
	so, err := plugin.Open(path)
	if err != nil {
		return nil, err
	}
	p := &Plugin{Path: path}
	if p.Pre, err = handlerSymbol(so, SymbolPre); err != nil {
		return nil, err
	}
	if p.Auth, err = handlerSymbol(so, SymbolAuth); err != nil {
		return nil, err
	}
	if p.Post, err = handlerSymbol(so, SymbolPost); err != nil {
		return nil, err
	}
	if p.Response, err = responseSymbol(so, SymbolResponse); err != nil {
		return nil, err
	}
	if p.Analytics, err = analyticsSymbol(so, SymbolAnalytics); err != nil {
		return nil, err
	}
	return p, nil
}

// handlerSymbol mirrors goplugin.GetHandler.
func handlerSymbol(so *plugin.Plugin, name string) (func(http.ResponseWriter, *http.Request), error) {
	sym, err := so.Lookup(name)
	if err != nil {
		return nil, err
	}
	h, ok := sym.(func(http.ResponseWriter, *http.Request))
	if !ok {
		return nil, fmt.Errorf("%s: could not cast function symbol to http.HandlerFunc (it is %T)", name, sym)
	}
	return h, nil
}

// analyticsSymbol mirrors goplugin.GetAnalyticsHandler.
func analyticsSymbol(so *plugin.Plugin, name string) (func(*standin.AnalyticsRecord), error) {
	sym, err := so.Lookup(name)
	if err != nil {
		return nil, err
	}
	h, ok := sym.(func(record *standin.AnalyticsRecord))
	if !ok {
		return nil, fmt.Errorf("%s: could not cast function symbol to AnalyticsPlugin function (it is %T)", name, sym)
	}
	return h, nil
}

// responseSymbol mirrors goplugin.GetResponseHandler.
func responseSymbol(so *plugin.Plugin, name string) (func(http.ResponseWriter, *http.Response, *http.Request), error) {
	sym, err := so.Lookup(name)
	if err != nil {
		return nil, err
	}
	h, ok := sym.(func(rw http.ResponseWriter, res *http.Response, req *http.Request))
	if !ok {
		return nil, fmt.Errorf("%s: could not cast function symbol to TykResponseHandler (it is %T)", name, sym)
	}
	return h, nil
}
