package redact

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeFieldsAreRedacted: every field the README's "Detailed
// recording without leaking secrets" section names is one the table
// redacts, so the docs cannot promise more than the code does.
func TestReadmeFieldsAreRedacted(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "### Detailed recording without leaking secrets")
	if start < 0 {
		t.Fatal("README lacks the section")
	}
	section := text[start:]
	if end := strings.Index(section[4:], "\n## "); end >= 0 {
		section = section[:end+4]
	}
	names := regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(section, -1)
	checked := 0
	for _, m := range names {
		name := m[1]
		if !strings.Contains(name, "_") && !strings.Contains("code password assertion token", name) {
			continue // prose words in backticks, not field names
		}
		if name == "raw_request" || name == "raw_response" || name == "enable_detailed_recording" || name == "hash_keys" {
			continue
		}
		checked++
		if !secretName([]byte(name), true) {
			t.Errorf("README names %q as redacted, but the table does not redact it", name)
		}
	}
	if checked < 12 {
		t.Fatalf("only %d field names found in the README section", checked)
	}
}
