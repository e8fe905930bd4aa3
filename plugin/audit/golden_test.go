package audit

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the provider goldens")

// TestProviderGoldens audits real discovery documents (testdata/providers,
// sources in SOURCES.md) as if fetched from their own URLs.
func TestProviderGoldens(t *testing.T) {
	src, err := os.ReadFile("testdata/providers/SOURCES.md")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^- (\S+)\.json: (\S+)$`)
	matches := line.FindAllStringSubmatch(string(src), -1)
	if len(matches) < 10 {
		t.Fatalf("only %d providers", len(matches))
	}
	for _, m := range matches {
		name, from := m[1], m[2]
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata/providers", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			fs, _, err := CheckMetadata(name, b, from)
			if err != nil {
				t.Fatal(err)
			}
			Sort(fs)
			var got strings.Builder
			for _, f := range fs {
				got.WriteString(f.Severity.String() + " " + f.Rule + ": " + f.Detail + "\n")
			}
			golden := filepath.Join("testdata/providers", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("findings differ from %s:\n got:\n%s\nwant:\n%s", golden, got.String(), want)
			}
		})
	}
}
