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

// logrus v1.9.3's own requirements (its go.mod): go-spew, testify, x/sys.
var logrusDeps = map[string]bool{
	"github.com/davecgh/go-spew":    true,
	"github.com/stretchr/testify":   true,
	"golang.org/x/sys":              true,
	"github.com/pmezard/go-difflib": true, // testify's, pulled in by the same graph
}

var policy = Policy{
	Module:     rootModule,
	MaxGo:      "1.22",
	Logrus:     "github.com/sirupsen/logrus",
	MaxLogrus:  "v1.9.3",
	LogrusDeps: logrusDeps,
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
	found := false
	for _, r := range m.Require {
		found = found || r.Path == policy.Logrus
	}
	if !found {
		t.Errorf("%s/go.mod does not require %s; the plugin logs through it", root, policy.Logrus)
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

func TestLogrusDepsMatchItsGoMod(t *testing.T) {
	// When the module cache holds logrus's go.mod, check the allow-list
	// against it, so a logrus bump cannot sneak in new indirect modules.
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			t.Skipf("no go env: %v", err)
		}
		cache = strings.TrimSpace(string(out))
	}
	b, err := os.ReadFile(filepath.Join(cache, "cache", "download", "github.com", "sirupsen", "logrus", "@v", policy.MaxLogrus+".mod"))
	if err != nil {
		t.Skipf("logrus %s go.mod not in the module cache: %v", policy.MaxLogrus, err)
	}
	m, err := ParseGoMod(string(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range m.Require {
		if !logrusDeps[r.Path] {
			t.Errorf("logrus %s requires %s, missing from the allow-list", policy.MaxLogrus, r.Path)
		}
	}
}

// The guard itself: what it accepts and what it rejects.
func TestCheck(t *testing.T) {
	cases := []struct {
		name, gomod string
		wantBad     []string // substrings, one per expected problem
	}{
		{"current", "module github.com/oauthcheck/oauthcheck\n\ngo 1.22\n\nrequire github.com/sirupsen/logrus v1.9.3\n\nrequire golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect\n", nil},
		{"older logrus, patch go", "module github.com/oauthcheck/oauthcheck\ngo 1.22.5\nrequire (\n\tgithub.com/sirupsen/logrus v1.9.0\n\tgithub.com/davecgh/go-spew v1.1.1 // indirect\n)\n", nil},
		{"logrus too new", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.9.4\n", []string{"newer than v1.9.3"}},
		{"logrus 1.10", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.10.0\n", []string{"newer than v1.9.3"}},
		{"go too new", "module github.com/oauthcheck/oauthcheck\ngo 1.23\nrequire github.com/sirupsen/logrus v1.9.3\n", []string{"go line is 1.23"}},
		{"extra direct", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire (\n\tgithub.com/sirupsen/logrus v1.9.3\n\t\"github.com/pkg/errors\" v0.9.1\n)\n", []string{"requires github.com/pkg/errors"}},
		{"foreign indirect", "module github.com/oauthcheck/oauthcheck\ngo 1.22\nrequire github.com/sirupsen/logrus v1.9.3\nrequire github.com/TykTechnologies/tyk v1.9.2-0.20250101 // indirect\n", []string{"indirect github.com/TykTechnologies/tyk"}},
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
