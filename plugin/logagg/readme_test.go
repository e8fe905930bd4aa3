package logagg

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// The README's "Log lines" section states the defaults the code has.
func TestREADMEStatesTheDefaults(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	readme := string(b)
	for _, want := range []string{
		fmt.Sprintf("within the next %d seconds", int(DefaultWindow.Seconds())),
		fmt.Sprintf("At most %d lines per second", DefaultLinesPerSecond),
		fmt.Sprintf("The key table holds %d keys", DefaultCapacity),
		"repeats=", "window=", "dropped=N",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
}
