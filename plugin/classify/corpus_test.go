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
