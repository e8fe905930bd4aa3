package audit

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestSARIFShape checks the SARIF 2.1.0 schema's required properties and
// enums for every object written (sarif-schema-2.1.0.json: sarifLog needs
// version and runs, run needs tool, tool needs driver, toolComponent needs
// name, reportingDescriptor needs id, result needs message, message needs
// text; level is none, note, warning or error).
func TestSARIFShape(t *testing.T) {
	fs := []Finding{
		finding(APIResponseWithoutPre, "apps/a.json", "x"),
		finding(MetadataNoSenderConstraint, "https://as.example/.well-known/openid-configuration", "y"),
		finding(APIUpstreamPlainHTTP, "http://gw:8080/tyk/apis[3]", "z"),
	}
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, fs); err != nil {
		t.Fatal(err)
	}
	var log map[string]interface{}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	obj := func(v interface{}, where string) map[string]interface{} {
		m, ok := v.(map[string]interface{})
		if !ok {
			t.Fatalf("%s: not an object: %v", where, v)
		}
		return m
	}
	arr := func(v interface{}, where string) []interface{} {
		a, ok := v.([]interface{})
		if !ok {
			t.Fatalf("%s: not an array: %v", where, v)
		}
		return a
	}
	str := func(m map[string]interface{}, k, where string) string {
		s, ok := m[k].(string)
		if !ok || s == "" {
			t.Fatalf("%s.%s: missing or not a string", where, k)
		}
		return s
	}
	if str(log, "version", "log") != "2.1.0" {
		t.Errorf("version %v", log["version"])
	}
	str(log, "$schema", "log")
	runs := arr(log["runs"], "runs")
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	run := obj(runs[0], "run")
	driver := obj(obj(run["tool"], "tool")["driver"], "driver")
	str(driver, "name", "driver")
	rules := arr(driver["rules"], "rules")
	if len(rules) != len(Rules) {
		t.Errorf("%d rules written, %d registered", len(rules), len(Rules))
	}
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	for i, r := range rules {
		rm := obj(r, "rule")
		str(rm, "id", "rule")
		str(obj(rm["shortDescription"], "shortDescription"), "text", "shortDescription")
		if !levels[str(obj(rm["defaultConfiguration"], "defaultConfiguration"), "level", "defaultConfiguration")] {
			t.Errorf("rule %d: bad level", i)
		}
	}
	results := arr(run["results"], "results")
	if len(results) != len(fs) {
		t.Fatalf("%d results for %d findings", len(results), len(fs))
	}
	uris := map[string]bool{}
	for _, r := range results {
		rm := obj(r, "result")
		id := str(rm, "ruleId", "result")
		idx := int(rm["ruleIndex"].(float64))
		if got := obj(rules[idx], "rule")["id"]; got != id {
			t.Errorf("ruleIndex %d names %v, ruleId %s", idx, got, id)
		}
		if !levels[str(rm, "level", "result")] {
			t.Errorf("result level %v", rm["level"])
		}
		str(obj(rm["message"], "message"), "text", "message")
		for _, l := range arr(rm["locations"], "locations") {
			uris[str(obj(obj(obj(l, "location")["physicalLocation"], "physicalLocation")["artifactLocation"], "artifactLocation"), "uri", "artifactLocation")] = true
		}
	}
	for _, want := range []string{"apps/a.json", "https://as.example/.well-known/openid-configuration", "http://gw:8080/tyk/apis"} {
		if !uris[want] {
			t.Errorf("no result located on %s (have %v)", want, uris)
		}
	}
	if SARIFLevel(SeverityHigh) != "error" || SARIFLevel(SeverityMedium) != "warning" || SARIFLevel(SeverityInfo) != "note" {
		t.Error("severity to level mapping changed")
	}
}
