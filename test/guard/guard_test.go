package guard

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const rootModule = "github.com/oauthcheck/oauthcheck"

// The oldest supported gateway is Tyk v5.8.0 (the 5.8 LTS line); the
// latest is v5.14.0. Each maximum below is what v5.8.0's go.mod pins, and
// v5.14.0 pins the same or newer, so the plugin compiler only raises them.
const (
	maxLogrus  = "v1.9.3" // v5.8.0 v1.9.3, v5.14.0 v1.9.4
	maxGoRedis = "v9.7.0" // v5.8.0 v9.7.0, v5.8.10+ v9.13.0, v5.14.0 v9.18.0
	goRedis    = "github.com/redis/go-redis/v9"
	logrus     = "github.com/sirupsen/logrus"
)

// logrusDeps: logrus v1.9.3's own requirements (its go.mod): go-spew,
// testify, x/sys; any version (the gateway's are newer).
var logrusDeps = map[string]string{
	"github.com/davecgh/go-spew":    "",
	"github.com/stretchr/testify":   "",
	"golang.org/x/sys":              "",
	"github.com/pmezard/go-difflib": "", // testify's, pulled in by the same graph
}

// goRedisDeps: go-redis v9.7.0's own non-test requirements, at most what
// v5.8.0 and v5.14.0 both pin (xxhash v2.3.0, go-rendezvous 9f7001d12a5f).
var goRedisDeps = map[string]string{
	"github.com/cespare/xxhash/v2":     "v2.3.0",
	"github.com/dgryski/go-rendezvous": "v0.0.0-20200823014737-9f7001d12a5f",
}

// goRedisTestDeps are in go-redis's go.mod for its own tests only; the
// plugin never links them (TestLinkedModules).
var goRedisTestDeps = map[string]bool{"github.com/bsm/ginkgo/v2": true, "github.com/bsm/gomega": true}

var policy = Policy{
	Module:   rootModule,
	MaxGo:    "1.22",
	Direct:   map[string]string{logrus: maxLogrus, goRedis: maxGoRedis},
	Indirect: merge(logrusDeps, goRedisDeps),
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// repoRoot walks up from the working directory to the go.mod of the root
// module (the test module's go.mod is skipped on the way).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if m, err := ParseGoMod(string(b)); err == nil && m.Module == rootModule {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod of module %s above the working directory", rootModule)
		}
		dir = parent
	}
}

func TestRootGoModStaysLoadableIntoTyk(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseGoMod(string(b))
	if err != nil {
		t.Fatalf("parse %s/go.mod: %v", root, err)
	}
	for _, problem := range Check(m, policy) {
		t.Errorf("%s/go.mod: %s", root, problem)
	}
	found := map[string]bool{}
	for _, r := range m.Require {
		found[r.Path] = !r.Indirect
	}
	if !found[logrus] {
		t.Errorf("%s/go.mod does not require %s directly; the plugin logs through it", root, logrus)
	}
}

func TestNoGoWorkCommitted(t *testing.T) {
	root := repoRoot(t)
	for _, name := range []string{"go.work", "go.work.sum"} {
		tracked, how := trackedOrPresent(t, root, name)
		if tracked {
			t.Errorf("%s/%s is %s: Tyk's plugin compiler makes its own workspace, and a committed one breaks local builds against the wrong modules", root, name, how)
		}
	}
}

// trackedOrPresent asks git whether name is tracked (index included); with
// no git or no repository, it falls back to whether the file exists.
func trackedOrPresent(t *testing.T, root, name string) (bool, string) {
	t.Helper()
	if git, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command(git, "-C", root, "ls-files", "--error-unmatch", "--", name)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err == nil {
			return true, "tracked by git"
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) && !strings.Contains(stderr.String(), "fatal:") {
			return false, ""
		}
	}
	_, err := os.Stat(filepath.Join(root, name))
	return err == nil, "present (no git repository to ask)"
}

// TestDependencyAllowListsMatchTheirGoMods checks the allow-lists against
// logrus's and go-redis's own go.mod files, when the module cache holds
// them, so a bump cannot sneak in new indirect modules.
func TestDependencyAllowListsMatchTheirGoMods(t *testing.T) {
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			t.Skipf("no go env: %v", err)
		}
		cache = strings.TrimSpace(string(out))
	}
	for _, dep := range []struct {
		path, version string
		allowed       map[string]string
		testOnly      map[string]bool
	}{
		{logrus, maxLogrus, logrusDeps, nil},
		{goRedis, maxGoRedis, goRedisDeps, goRedisTestDeps},
	} {
		t.Run(dep.path, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(append([]string{cache, "cache", "download"}, append(strings.Split(dep.path, "/"), "@v", dep.version+".mod")...)...))
			if err != nil {
				t.Skipf("%s %s go.mod not in the module cache: %v", dep.path, dep.version, err)
			}
			m, err := ParseGoMod(string(b))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range m.Require {
				max, ok := dep.allowed[r.Path]
				switch {
				case dep.testOnly[r.Path]:
				case !ok:
					t.Errorf("%s %s requires %s, missing from the allow-list", dep.path, dep.version, r.Path)
				case max != "":
					if c, err := CompareModuleVersions(r.Version, max); err != nil || c > 0 {
						t.Errorf("%s %s requires %s %s, newer than the allowed %s", dep.path, dep.version, r.Path, r.Version, max)
					}
				}
			}
		})
	}
}

// TestLinkedModules lists the modules whose packages the plugin links:
// exactly the allowed ones (go-redis's test-only modules never).
func TestLinkedModules(t *testing.T) {
	root := repoRoot(t)
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("go list: %v\n%s", err, exit.Stderr)
		}
		t.Skipf("no go: %v", err)
	}
	seen := map[string]bool{}
	for _, path := range strings.Fields(string(out)) {
		if path == rootModule || seen[path] {
			continue
		}
		seen[path] = true
		if _, ok := policy.Direct[path]; ok {
			continue
		}
		if _, ok := policy.Indirect[path]; !ok {
			t.Errorf("the plugin links %s, which the go.mod policy does not allow", path)
		}
	}
	for _, want := range []string{logrus, goRedis} {
		if !seen[want] {
			t.Errorf("the plugin no longer links %s; drop it from go.mod and the policy", want)
		}
	}
}

// The guard itself: what it accepts and what it rejects.
func TestCheck(t *testing.T) {
	cases := []struct {
		name, gomod string
		wantBad     []string // substrings, one per expected problem
	}{
		{"current", "module github.com/oauthcheck/oauthcheck\n\ngo 1.22\n\nrequire (\n\tgithub.com/redis/go-redis/v9 v9.7.0\n\tgithub.com/sirupsen/logrus v1.9.3\n)\n\nrequire (\n\tgithub.com/cespare/xxhash/v2 v2.2.0 // indirect\n\tgithub.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect\n\tgolang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect\n)\n", nil},
		{"logrus only", "module github.com/oauthcheck/oauthcheck\n\ngo 1.22\n\nrequire github.com/sirupsen/logrus v1.9.3\n\nrequire golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect\n", nil},
		{"older go-redis", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.9.3\nrequire github.com/redis/go-redis/v9 v9.5.1\n", nil},
		{"go-redis too new", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.9.3\nrequire github.com/redis/go-redis/v9 v9.7.1\n", []string{"newer than v9.7.0"}},
		{"go-redis v9.13 (5.8.10)", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/redis/go-redis/v9 v9.13.0\n", []string{"newer than v9.7.0"}},
		{"xxhash too new", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/redis/go-redis/v9 v9.7.0\nrequire github.com/cespare/xxhash/v2 v2.3.1 // indirect\n", []string{"newer than v2.3.0"}},
		{"rendezvous newer pseudo", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/redis/go-redis/v9 v9.7.0\nrequire github.com/dgryski/go-rendezvous v0.0.0-20240101000000-0123456789ab // indirect\n", []string{"newer than v0.0.0-20200823014737-9f7001d12a5f"}},
		{"go-redis indirect only", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/redis/go-redis/v9 v9.7.0 // indirect\n", []string{"indirect github.com/redis/go-redis/v9"}},
		{"go-redis test dep", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/bsm/gomega v1.27.10 // indirect\n", []string{"indirect github.com/bsm/gomega"}},
		{"older logrus, patch go", "module github.com/oauthcheck/oauthcheck\ngo 1.22.5\nrequire (\n\tgithub.com/sirupsen/logrus v1.9.0\n\tgithub.com/davecgh/go-spew v1.1.1 // indirect\n)\n", nil},
		{"logrus too new", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.9.4\n", []string{"newer than v1.9.3"}},
		{"logrus 1.10", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.10.0\n", []string{"newer than v1.9.3"}},
		{"go too new", "module github.com/oauthcheck/oauthcheck\ngo 1.23\nrequire github.com/sirupsen/logrus v1.9.3\n", []string{"go line is 1.23"}},
		{"extra direct", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire (\n\tgithub.com/sirupsen/logrus v1.9.3\n\t\"github.com/pkg/errors\" v0.9.1\n)\n", []string{"requires github.com/pkg/errors v0.9.1; only github.com/redis/go-redis/v9 and github.com/sirupsen/logrus are allowed"}},
		{"foreign indirect", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.9.3\nrequire github.com/TykTechnologies/tyk v1.9.2-0.20250101 // indirect\n", []string{"indirect github.com/TykTechnologies/tyk v1.9.2-0.20250101 is not a dependency of an allowed module"}},
		{"replace", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.9.3\nreplace github.com/sirupsen/logrus => ../logrus\n", []string{"replace directive"}},
		{"wrong module", "module oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.9.3\n", []string{"module is \"oauthcheck\""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseGoMod(tc.gomod)
			if err != nil {
				t.Fatal(err)
			}
			got := Check(m, policy)
			if len(got) != len(tc.wantBad) {
				t.Fatalf("got problems %q, want %d matching %q", got, len(tc.wantBad), tc.wantBad)
			}
			for i, want := range tc.wantBad {
				if !strings.Contains(got[i], want) {
					t.Errorf("problem %d: got %q, want it to mention %q", i, got[i], want)
				}
			}
		})
	}
}
