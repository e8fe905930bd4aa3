package audit

import (
	"os"
	"strings"
	"testing"
)

// The README's "Risk assessment" table is MarkdownTable's output, between
// its markers; regenerate with `go test ./plugin/audit -run README -update`.
func TestREADMERuleTable(t *testing.T) {
	const begin, end = "<!-- audit-rules:begin -->\n", "<!-- audit-rules:end -->"
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatal("README.md: no audit-rules markers")
	}
	if *update {
		readme = readme[:i+len(begin)] + MarkdownTable() + readme[j:]
		if err := os.WriteFile("../../README.md", []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := readme[i+len(begin) : j]; got != MarkdownTable() {
		t.Errorf("README.md rule table is stale; run go test ./plugin/audit -run README -update\n got:\n%s\nwant:\n%s", got, MarkdownTable())
	}
}
