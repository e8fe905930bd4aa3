package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// The README's config reference documents every option, and no other.
func TestREADMEDocumentsEveryOption(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	typ := reflect.TypeOf(Config{})
	for i := 0; i < typ.NumField(); i++ {
		name := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
		if !strings.Contains(string(readme), "| `"+name+"` |") {
			t.Errorf("README.md: option %q has no row in the configuration table", name)
		}
	}
}
