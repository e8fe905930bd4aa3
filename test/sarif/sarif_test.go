// Package sarif checks oauthcheck audit's SARIF output against the
// official SARIF 2.1.0 JSON schema (testdata/sarif-schema-2.1.0.json, from
// github.com/oasis-tcs/sarif-spec sarif-2.1/schema, commit a560296).
package sarif

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oauthcheck/oauthcheck/plugin/audit"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return s
}

func sarifOf(t *testing.T, fs []audit.Finding) interface{} {
	t.Helper()
	var b bytes.Buffer
	if err := audit.WriteSARIF(&b, fs); err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(&b)
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	return v
}

func findings(t *testing.T, files ...string) []audit.Finding {
	t.Helper()
	var all []audit.Finding
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var fs []audit.Finding
		if filepath.Base(name) == "weak-metadata.json" {
			fs, _, err = audit.CheckMetadata(name, b, "")
		} else {
			fs, err = audit.CheckAPIDefinitions(name, b, nil)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		all = append(all, fs...)
	}
	return all
}

func TestSARIFValidatesAgainstTheSchema(t *testing.T) {
	schema := compileSchema(t)
	weak := findings(t, "../../plugin/audit/testdata/weak-api.json", "../../plugin/audit/testdata/weak-api-oas.json",
		"../../plugin/audit/testdata/weak-metadata.json")
	if len(weak) < 5 {
		t.Fatalf("got %d findings on the weak testdata, want several to validate", len(weak))
	}
	apps, _ := filepath.Glob("../../apps/*.json")
	if len(apps) == 0 {
		t.Fatal("no apps/*.json")
	}
	for name, fs := range map[string][]audit.Finding{"weak testdata": weak, "apps": findings(t, apps...), "no findings": nil} {
		t.Run(name, func(t *testing.T) {
			if err := schema.Validate(sarifOf(t, fs)); err != nil {
				t.Errorf("SARIF for %s does not validate: %v", name, err)
			}
		})
	}
}

// The validator is not a rubber stamp: a level SARIF does not define fails.
func TestSchemaRejectsABadLevel(t *testing.T) {
	schema := compileSchema(t)
	var b bytes.Buffer
	if err := audit.WriteSARIF(&b, []audit.Finding{{Rule: audit.Rules[0].ID, Severity: audit.Rules[0].Severity, Subject: "x.json", Detail: "d", Fix: "f"}}); err != nil {
		t.Fatal(err)
	}
	var log map[string]interface{}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	log["runs"].([]interface{})[0].(map[string]interface{})["results"].([]interface{})[0].(map[string]interface{})["level"] = "fatal"
	mutated, _ := json.Marshal(log)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(mutated))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err == nil {
		t.Error("a result with level \"fatal\" validated; want the schema to reject it")
	}
}
