package simulate

import (
	"testing"
	"time"
)

// The short simulation (make test): every attack detected within 60 s of
// simulated time, no false quarantine, the rotation labelled but not
// quarantined. make simulate runs the full day (see docs/attack-protection.md).
func TestSimulatedDayShort(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 200_000
	}
	rep, err := Run(Config{BenignRequests: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.Markdown())
	for _, a := range rep.Attacks {
		if !a.Detected {
			t.Errorf("%s: not detected", a.Name)
		} else if a.TimeToDetect > 60*time.Second {
			t.Errorf("%s: detected after %s, want within 60s", a.Name, a.TimeToDetect)
		}
	}
	if rep.FalseQuarantines > 0 || rep.BenignBlocked > 0 {
		t.Errorf("false quarantines %d, benign requests blocked %d: %v", rep.FalseQuarantines, rep.BenignBlocked, rep.FalseSubjects)
	}
	if !rep.RotationLabelled || rep.RotationQuarantined {
		t.Errorf("rotation: labelled %v quarantined %v, want labelled and not quarantined", rep.RotationLabelled, rep.RotationQuarantined)
	}
}
