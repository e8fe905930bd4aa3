package upstreamauth

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// The README's Upstream OAuth table documents every field, and no other.
func TestREADMEDocumentsEveryField(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(Config{})
	for i := 0; i < typ.NumField(); i++ {
		name := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
		if !strings.Contains(string(readme), "| `upstream_auth."+name+"` |") {
			t.Errorf("README.md: upstream_auth field %q has no row", name)
		}
	}
}
