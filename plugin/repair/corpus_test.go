package repair_test

import (
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

var shapeCauses = repair.ShapeCauses

func classifyCase(k *rawhttp.Case) (classify.Request, classify.Result) {
	req := classify.Request{Method: "GET", Path: "/", Header: map[string][]string{}}
	if k.Request != nil {
		req = *k.Request
	}
	return req, classify.Classify(&req, k.Response, nil)
}

// The public corpus: at least 90% of broken-shape token, device,
// introspection and revocation answers come out standard, and no valid
// one is touched. docs/repair.md records the figures.
func TestCorpusRepair(t *testing.T) {
	cases, err := rawhttp.LoadCorpus("../classify/testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	m := repair.MeasureCorpus(cases)
	share := float64(m.Repaired) / float64(m.Broken)
	t.Logf("broken shape, content intact: %d, standard after repair: %d (%.1f%%)", m.Broken, m.Repaired, 100*share)
	t.Logf("every case with a shape cause: %d, standard after repair: %d (%.1f%%)", m.BrokenAll, m.RepairedAll, 100*float64(m.RepairedAll)/float64(m.BrokenAll))
	t.Logf("valid: %d, changed: %d", m.Valid, m.ValidChanged)
	for _, miss := range m.Misses {
		t.Logf("miss: %s", miss)
	}
	if m.Broken < 100 || m.Valid < 100 {
		t.Errorf("only %d broken-shape and %d valid cases: the corpus did not load as expected", m.Broken, m.Valid)
	}
	if share < 0.90 {
		t.Errorf("repaired %.1f%% of broken-shape cases, want at least 90%%", 100*share)
	}
	if m.ValidChanged != 0 {
		t.Errorf("%d valid answers changed", m.ValidChanged)
	}
}
