package repair_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

// The README's repair table is the registry, row for row.
func TestREADMERepairTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- repair-kinds:begin -->\n")
	table, _, ok2 := strings.Cut(rest, "<!-- repair-kinds:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md: repair-kinds markers not found")
	}
	var want strings.Builder
	want.WriteString("| Kind | RFC | What the client receives instead |\n|---|---|---|\n")
	for _, r := range repair.Registry {
		fmt.Fprintf(&want, "| `%s` | %s | %s |\n", r.Kind, r.RFC, strings.ReplaceAll(r.Doc, "|", `\|`))
	}
	if table != want.String() {
		t.Errorf("README.md repair table differs from the registry; want:\n%s", want.String())
	}
}
