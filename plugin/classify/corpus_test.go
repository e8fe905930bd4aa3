package classify_test

import (
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/score"
)

// The public corpus of real provider exchanges (testdata/corpus): each
// case is well formed, names where its shape comes from, and the corpus
// is as broad as the accuracy figures claim.
func TestCorpusWellFormed(t *testing.T) {
	c, err := score.Load("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Cases {
		k := &c.Cases[i]
		if err := score.Check(k); err != nil {
			t.Errorf("%s: %v", k.Name, err)
		}
		if !strings.HasPrefix(k.Source, "https://") {
			t.Errorf("%s: source %q is not a URL", k.Name, k.Source)
		}
	}
}

// Accuracy floors on the public corpus, zero-config as the plugin runs by
// default. docs/accuracy.md records the measured figures; these floors
// keep them from sliding back. The held-out floor is the honest one: no
// rule was written from those providers' cases.
const (
	minCorpusCases     = 400
	minCorpusProviders = 80
	minHeldoutShare    = 0.25 // of the providers
	minTuningAccuracy  = 0.94
	minHeldoutAccuracy = heldoutFloor
)

func TestCorpusAccuracy(t *testing.T) {
	c, err := score.Load("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	r := score.Run(c, false)
	if r.Cases < minCorpusCases || r.Providers < minCorpusProviders {
		t.Errorf("corpus: %d cases from %d providers, want at least %d from %d", r.Cases, r.Providers, minCorpusCases, minCorpusProviders)
	}
	held := r.Parts[score.PartHeldout]
	if share := float64(held.Providers) / float64(r.Providers); share < minHeldoutShare {
		t.Errorf("held-out providers: %d of %d (%.0f%%), want at least %.0f%%", held.Providers, r.Providers, 100*share, 100*minHeldoutShare)
	}
	for name := range c.Heldout {
		found := false
		for i := range c.Cases {
			found = found || c.Cases[i].Provider == name
		}
		if !found {
			t.Errorf("held-out provider %q has no cases: the share above would be inflated", name)
		}
	}
	tuning := r.Parts[score.PartTuning]
	if tuning.Accuracy < minTuningAccuracy {
		t.Errorf("tuning root-cause accuracy %.3f (%d/%d), want at least %.2f", tuning.Accuracy, tuning.RootRight, tuning.Cases, minTuningAccuracy)
	}
	if held.Accuracy < minHeldoutAccuracy {
		t.Errorf("held-out root-cause accuracy %.3f (%d/%d), want at least %.3f", held.Accuracy, held.RootRight, held.Cases, minHeldoutAccuracy)
	}
	for _, m := range r.Misses {
		if m.Flagged && !knownFlagged[m.Name] {
			t.Errorf("valid response flagged invalid: %s (got %s)", m.Name, m.GotRoot)
		}
	}
}

// knownFlagged are the valid responses the engine is known to call
// invalid: none since the device-poll rule (docs/accuracy.md). A name
// added here needs its reason next to it.
var knownFlagged = map[string]bool{}
