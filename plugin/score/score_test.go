package score_test

import (
	"encoding/json"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/score"
)

// A four-case corpus whose answers are known: three right, one labelled
// wrongly on purpose, one provider held out.
func TestRunCountsByPartAndFamily(t *testing.T) {
	c, err := score.Load("testdata/mini")
	if err != nil {
		t.Fatal(err)
	}
	r := score.Run(c, false)
	check := func(name string, f *score.Figures, cases, providers, right, valid, flagged int) {
		t.Helper()
		if f == nil {
			t.Fatalf("%s: no figures", name)
		}
		if f.Cases != cases || f.Providers != providers || f.RootRight != right || f.Valid != valid || f.ValidFlagged != flagged {
			t.Errorf("%s: got cases %d providers %d right %d valid %d flagged %d, want %d %d %d %d %d",
				name, f.Cases, f.Providers, f.RootRight, f.Valid, f.ValidFlagged, cases, providers, right, valid, flagged)
		}
	}
	check("all", &r.Figures, 4, 2, 3, 1, 0)
	check("tuning", r.Parts[score.PartTuning], 2, 1, 2, 1, 0)
	check("heldout", r.Parts[score.PartHeldout], 2, 1, 1, 0, 0)
	check("credentials", r.Families["credentials"], 1, 1, 1, 0, 0)
	check("valid", r.Families[score.FamilyValid], 1, 1, 1, 1, 0)
	check("grant", r.Families["grant"], 1, 1, 0, 0, 0)
	if len(r.Misses) != 1 || r.Misses[0].Name != "globex/token_deliberate_miss" || r.Misses[0].GotRoot != "ok" || r.Misses[0].Part != score.PartHeldout {
		t.Errorf("misses: got %+v, want the one deliberate held-out miss", r.Misses)
	}
}

// The JSON form carries the fields the issue names.
func TestReportJSONFields(t *testing.T) {
	c, err := score.Load("testdata/mini")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(score.Run(c, true))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"cases", "providers", "root_right", "valid_flagged", "parts", "families", "endpoint_given"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, raw)
		}
	}
	var parts map[string]map[string]any
	if err := json.Unmarshal(m["parts"], &parts); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{score.PartTuning, score.PartHeldout} {
		for _, k := range []string{"cases", "providers", "root_right", "valid_flagged"} {
			if _, ok := parts[p][k]; !ok {
				t.Errorf("parts.%s lacks %q", p, k)
			}
		}
	}
}

func TestCheckRejectsMalformedCases(t *testing.T) {
	c, err := score.Load("testdata/mini")
	if err != nil {
		t.Fatal(err)
	}
	k := c.Cases[0]
	k.Causes = []string{"no_such_cause"}
	if score.Check(&k) == nil {
		t.Error("an unregistered cause passed Check")
	}
	k = c.Cases[0]
	k.Verdict = "fine"
	if score.Check(&k) == nil {
		t.Error("an unknown verdict passed Check")
	}
	k = c.Cases[0]
	k.Request = nil
	if score.Check(&k) == nil {
		t.Error("a case without its request passed Check")
	}
	if err := score.Check(&c.Cases[0]); err != nil {
		t.Errorf("a good case failed Check: %v", err)
	}
}
