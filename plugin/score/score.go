// Package score measures the classifier on a corpus of captured exchanges:
// how often its root cause is the expected one, and how many usable
// responses it calls invalid, for the tuning and held-out providers apart.
package score

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

// SplitFile names the held-out providers; it sits anywhere under the
// corpus root (plugin/classify/testdata/corpus/split.json).
const SplitFile = "split.json"

// Parts of a corpus.
const (
	PartTuning  = "tuning"
	PartHeldout = "heldout"
)

// FamilyValid groups the cases whose expected answer is a usable response.
const FamilyValid = "valid"

// Corpus is a loaded corpus with its split.
type Corpus struct {
	Cases   []rawhttp.Case
	Heldout map[string]bool // provider → held out
}

// Part says which part a case belongs to.
func (c *Corpus) Part(k *rawhttp.Case) string {
	if c.Heldout[k.Provider] {
		return PartHeldout
	}
	return PartTuning
}

// Load reads every manifest under root and the split file, if any.
func Load(root string) (*Corpus, error) {
	cases, err := rawhttp.LoadCorpus(root)
	if err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("score: no %s under %s", rawhttp.ManifestFile, root)
	}
	c := &Corpus{Cases: cases, Heldout: map[string]bool{}}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != SplitFile {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var split struct {
			Note    string   `json:"note"`
			Heldout []string `json:"heldout"`
		}
		if err := json.Unmarshal(raw, &split); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, p := range split.Heldout {
			c.Heldout[p] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	return c, nil
}

// Figures are the counts for one slice of the corpus.
type Figures struct {
	Cases     int `json:"cases"`
	Providers int `json:"providers"`
	RootRight int `json:"root_right"`
	// Valid counts the cases whose expected verdict is ok or warning;
	// ValidFlagged those of them the classifier called invalid.
	Valid        int     `json:"valid"`
	ValidFlagged int     `json:"valid_flagged"`
	Accuracy     float64 `json:"accuracy"` // RootRight / Cases
	providers    map[string]bool
}

func (f *Figures) add(c *rawhttp.Case, o Outcome) {
	if f.providers == nil {
		f.providers = map[string]bool{}
	}
	f.Cases++
	f.providers[c.Provider] = true
	f.Providers = len(f.providers)
	if o.RootRight {
		f.RootRight++
	}
	if c.Verdict != string(classify.VerdictInvalid) {
		f.Valid++
		if o.Got.Verdict == classify.VerdictInvalid {
			f.ValidFlagged++
		}
	}
	f.Accuracy = float64(f.RootRight) / float64(f.Cases)
}

// Report is the scorer's answer. Its JSON form is what `oauthcheck score
// --json` prints.
type Report struct {
	Figures
	EndpointGiven bool                `json:"endpoint_given"`
	Parts         map[string]*Figures `json:"parts"`
	Families      map[string]*Figures `json:"families"`
	// Misses lists every case whose root cause or validity was wrong.
	Misses []Miss `json:"misses"`
}

// Miss is one wrong answer.
type Miss struct {
	Name     string            `json:"name"`
	Provider string            `json:"provider"`
	Part     string            `json:"part"`
	WantRoot string            `json:"want_root"`
	GotRoot  string            `json:"got_root"`
	Endpoint string            `json:"endpoint"`
	Got      classify.Endpoint `json:"got_endpoint"`
	Flagged  bool              `json:"valid_flagged,omitempty"`
}

// Outcome is the classifier's answer for one case.
type Outcome struct {
	Got       classify.Result
	RootRight bool
}

// Family is the scoring family of a case: its expected root cause's
// registry family, or valid for a usable response.
func Family(c *rawhttp.Case) string {
	if len(c.Causes) == 0 {
		return ""
	}
	root := classify.Code(c.Causes[0])
	if root == classify.OK || classify.SeverityOf(root) == classify.SeverityInfo && c.Verdict == string(classify.VerdictOK) {
		return FamilyValid
	}
	if cause, ok := classify.Lookup(root); ok {
		return string(cause.Family)
	}
	return ""
}

// Judge classifies one case the way the plugin does with no
// configuration, or as the expected endpoint when endpointGiven.
func Judge(c *rawhttp.Case, endpointGiven bool) Outcome {
	req := classify.Request{Method: "GET", Path: "/"}
	if c.Request != nil {
		req = *c.Request
	}
	resp := *c.Response
	if len(resp.Body) > classify.DefaultMaxBodyBytes {
		resp.Body, resp.Truncated = resp.Body[:classify.DefaultMaxBodyBytes], true
	}
	var got classify.Result
	if endpointGiven {
		got = classify.ClassifyAs(classify.Endpoint(c.Endpoint), &req, &resp, nil)
	} else {
		got = classify.Classify(&req, &resp, nil)
	}
	return Outcome{Got: got, RootRight: rootRight(c, &got)}
}

// rootRight compares the root causes. A usable response expected with root
// ok is right when the classifier also finds it usable with no cause worse
// than a warning: whether Cache-Control or the scope was also worth a
// warning is not a root cause.
func rootRight(c *rawhttp.Case, got *classify.Result) bool {
	if len(c.Causes) == 0 {
		return false
	}
	if c.Causes[0] == string(classify.OK) && c.Verdict != string(classify.VerdictInvalid) {
		return got.Verdict != classify.VerdictInvalid && got.Endpoint != classify.EndpointNone ||
			got.Endpoint == classify.EndpointNone && c.Endpoint == string(classify.EndpointNone)
	}
	return string(got.Root()) == c.Causes[0]
}

// Run scores every case of the corpus.
func Run(c *Corpus, endpointGiven bool) *Report {
	r := &Report{EndpointGiven: endpointGiven, Parts: map[string]*Figures{
		PartTuning: {}, PartHeldout: {},
	}, Families: map[string]*Figures{}, Misses: []Miss{}}
	for i := range c.Cases {
		k := &c.Cases[i]
		o := Judge(k, endpointGiven)
		part := c.Part(k)
		r.add(k, o)
		r.Parts[part].add(k, o)
		fam := Family(k)
		if r.Families[fam] == nil {
			r.Families[fam] = &Figures{}
		}
		r.Families[fam].add(k, o)
		flagged := k.Verdict != string(classify.VerdictInvalid) && o.Got.Verdict == classify.VerdictInvalid
		if !o.RootRight || flagged {
			want := ""
			if len(k.Causes) > 0 {
				want = k.Causes[0]
			}
			r.Misses = append(r.Misses, Miss{Name: k.Name, Provider: k.Provider, Part: part,
				WantRoot: want, GotRoot: string(o.Got.Root()), Endpoint: k.Endpoint,
				Got: o.Got.Endpoint, Flagged: flagged})
		}
	}
	sort.Slice(r.Misses, func(i, j int) bool { return r.Misses[i].Name < r.Misses[j].Name })
	return r
}

// Check says what is wrong with a corpus case's manifest entry, so that a
// malformed case fails loudly instead of scoring as a miss.
func Check(c *rawhttp.Case) error {
	switch {
	case c.Response == nil:
		return errors.New("no .resp")
	case c.Request == nil:
		return errors.New("no .req: corpus cases carry the client's request")
	case len(c.Causes) == 0:
		return errors.New("no causes: the root cause comes first")
	case c.Source == "":
		return errors.New("no source")
	case c.Provider == "":
		return errors.New("no provider")
	}
	for _, code := range c.Causes {
		if !classify.Registered(classify.Code(code)) {
			return fmt.Errorf("cause %q is not registered", code)
		}
	}
	switch classify.Verdict(c.Verdict) {
	case classify.VerdictOK, classify.VerdictWarning, classify.VerdictInvalid:
	default:
		return fmt.Errorf("verdict %q is not ok, warning or invalid", c.Verdict)
	}
	known := false
	for _, e := range classify.Endpoints {
		known = known || string(e) == c.Endpoint
	}
	if !known {
		return fmt.Errorf("endpoint %q is not a known kind", c.Endpoint)
	}
	return nil
}
