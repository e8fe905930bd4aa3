package upstream

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

// ReplayPrefix is where the fixture replay answers: ReplayPrefix+<fixture
// name> (e.g. /replay/keycloak/incorrect_redirect_uri) serves exactly that
// fixture's captured response, whatever the request.
const ReplayPrefix = "/replay/"

// FixturesEnv names the fixtures folder for the replay; the default,
// DefaultFixtures, is relative to test/ (the working directory locally and
// in docker-compose).
const (
	FixturesEnv     = "UPSTREAM_FIXTURES"
	DefaultFixtures = "../plugin/classify/testdata"
)

// hopByHop are fixture response headers the replay does not copy:
// net/http frames the body itself, and a stale Content-Length or a
// Transfer-Encoding without chunked bytes would corrupt the stream.
var hopByHop = []string{
	"Connection", "Content-Length", "Keep-Alive", "Proxy-Connection",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// Replay serves captured provider responses (plugin/classify/testdata).
type Replay struct {
	Dir    string
	Cases  []rawhttp.Case
	byName map[string]*rawhttp.Case
}

// LoadReplay reads the fixtures in dir (cases.json and the .req/.resp files).
func LoadReplay(dir string) (*Replay, error) {
	cases, err := rawhttp.LoadCases(dir)
	if err != nil {
		return nil, err
	}
	rp := &Replay{Dir: dir, Cases: cases, byName: make(map[string]*rawhttp.Case, len(cases))}
	for i := range cases {
		rp.byName[cases[i].Name] = &cases[i]
	}
	return rp, nil
}

// FindFixtures looks for plugin/classify/testdata from the working
// directory upwards, so it works from test/, test/<package>/ and the
// repository root alike.
func FindFixtures() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, "plugin", "classify", "testdata")
		if _, err := os.Stat(filepath.Join(candidate, rawhttp.ManifestFile)); err == nil {
			return candidate, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no plugin/classify/testdata/%s in %s or above", rawhttp.ManifestFile, wd)
		}
	}
}

// Lookup returns the fixture called name.
func (rp *Replay) Lookup(name string) (*rawhttp.Case, bool) {
	c, ok := rp.byName[name]
	return c, ok
}

// ServeHTTP answers ReplayPrefix+<name> with the fixture's status, headers
// and body bytes, and GET ReplayPrefix with the list of names (JSON).
func (rp *Replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	name := strings.TrimPrefix(r.URL.Path, ReplayPrefix)
	if name == "" && r.Method == http.MethodGet {
		rp.list(w)
		return
	}
	c, ok := rp.Lookup(name)
	if !ok {
		http.Error(w, fmt.Sprintf("no fixture %q in %s", name, rp.Dir), http.StatusNotFound)
		return
	}
	WriteFixture(w, r, c.Response)
}

// WriteFixture writes resp as captured. Content-Type and Date are written
// only when the fixture has them: net/http would otherwise sniff a type
// and stamp a date the provider never sent.
func WriteFixture(w http.ResponseWriter, r *http.Request, resp *rawhttp.Response) {
	h := w.Header()
	h["Content-Type"] = nil
	h["Date"] = nil
	for k, vv := range resp.Header {
		k = http.CanonicalHeaderKey(k)
		h[k] = append(h[k], vv...)
	}
	for _, k := range hopByHop {
		delete(h, k)
	}
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.Body)
	}
}

func (rp *Replay) list(w http.ResponseWriter) {
	names := make([]string, 0, len(rp.Cases))
	for _, c := range rp.Cases {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(names)
}
