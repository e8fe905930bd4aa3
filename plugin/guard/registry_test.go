package guard

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

func TestRegistryCompleteAndUnique(t *testing.T) {
	names := map[string]bool{}
	nameRE := regexp.MustCompile(`^[a-z][a-z_]*[a-z]$`)
	for i, s := range Registry {
		if s.Detector != Detector(i) {
			t.Errorf("row %d holds detector %d", i, s.Detector)
		}
		if !nameRE.MatchString(s.Name) || names[s.Name] {
			t.Errorf("row %d: name %q is malformed or repeated", i, s.Name)
		}
		names[s.Name] = true
		if s.Doc == "" || strings.Contains(s.Doc, "\n") || !strings.HasSuffix(s.Doc, ".") {
			t.Errorf("%s: doc must be one sentence line", s.Name)
		}
		if s.Counts == 0 {
			t.Errorf("%s counts no subject kind", s.Name)
		}
		if s.Enforces&^s.Counts != 0 {
			t.Errorf("%s enforces a kind it does not count", s.Name)
		}
		if d := s.Defaults; d.Floor <= 0 || d.Factor <= 1 || d.Window <= 0 {
			t.Errorf("%s: bad defaults %+v", s.Name, d)
		}
		if got, ok := ByName(s.Name); !ok || got != s.Detector {
			t.Errorf("ByName(%q) = %v %v", s.Name, got, ok)
		}
	}
	if Registry[UpstreamIncident].Enforces != 0 {
		t.Error("upstream_incident must never enforce")
	}
	for _, s := range Registry {
		if s.Enforces.Has(KindClient) {
			t.Errorf("%s quarantines client_ids by default: anyone can send a victim's client_id", s.Name)
		}
		if s.ClientOptIn && !s.Counts.Has(KindClient) {
			t.Errorf("%s opts client_ids in without counting them", s.Name)
		}
	}
	if Registry[CredentialStuffing].ClientOptIn {
		t.Error("credential_stuffing must never quarantine client_ids: a wrong secret is all it takes")
	}
}

// Every detector is fed by at least one registered cause, and every cause
// a detector counts is registered.
func TestEveryDetectorHasACause(t *testing.T) {
	fed := map[Detector]bool{}
	for _, c := range classify.Registry {
		for _, pw := range []bool{false, true} {
			if d, ok := detectorFor(c.Code, c.Family, pw); ok {
				fed[d] = true
			}
		}
	}
	for d := Detector(0); d < NumDetectors; d++ {
		if !fed[d] {
			t.Errorf("no registered cause feeds %s", d)
		}
	}
	if _, ok := detectorFor(classify.RateLimited, classify.FamilyServer, false); ok {
		t.Error("rate_limited is the client's doing, not an upstream incident")
	}
}

// ReadmeRow is the README's detector table row for s.
func readmeRow(s Spec) string {
	var counts, enforces []string
	for k := Kind(0); k < numKinds; k++ {
		if s.Counts.Has(k) {
			counts = append(counts, k.String())
		}
		if s.Enforces.Has(k) {
			enforces = append(enforces, k.String())
		}
	}
	enf := strings.Join(enforces, ", ")
	if enf == "" {
		enf = "never"
	}
	if s.ClientOptIn {
		enf += " (client_id with `guard.quarantine_clients`)"
	}
	return fmt.Sprintf("| `%s` | %s | %s | %d | %g | %s | %s |", s.Name, strings.Join(counts, ", "), enf,
		s.Defaults.Floor, s.Defaults.Factor, s.Defaults.Window, s.Doc)
}

// The README's detector table, between its markers, is exactly the
// registry: no row missing, none stale.
func TestREADMEDetectorTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	const begin, end = "<!-- guard-detectors -->\n", "<!-- /guard-detectors -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", begin, end)
	}
	var want strings.Builder
	want.WriteString(readmeHeader)
	for _, s := range Registry {
		want.WriteString(readmeRow(s) + "\n")
	}
	if got := readme[i+len(begin) : j]; got != want.String() {
		t.Errorf("README.md detector table differs from the registry; want:\n%s\ngot:\n%s", want.String(), got)
	}
}

const readmeHeader = "| Detector | Counts per | Quarantines | Floor | Factor | Window | Meaning |\n|---|---|---|---:|---:|---:|---|\n"
