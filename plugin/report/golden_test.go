package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the report goldens in testdata/harness")

// TestHarnessGoldens reads the pump files that the plugin harness really
// produced (test/integration TestPumpFilesFromHarness writes them) in each
// format and checks that all three give the same report, equal to the
// goldens.
func TestHarnessGoldens(t *testing.T) {
	inputs := map[string]Format{"pump-stdout.log": FormatJSON, "pump.csv": FormatCSV, "redis-records.msgpack": FormatMsgpack}
	var first []byte
	for name, want := range inputs {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "harness", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			agg := New(Filter{})
			format, skipped, err := Records(f, func(r PumpRecord) error { agg.Add(r); return nil })
			if err != nil || format != want || skipped != 0 {
				t.Fatalf("read: format %v (want %v), skipped %d, err %v", format, want, skipped, err)
			}
			agg.AddSkipped(skipped)
			rep := agg.Report()
			js, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if err := WriteText(&text, rep); err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = js
			} else if !bytes.Equal(js, first) {
				t.Errorf("%s gives a different report from the other formats:\n%s\nvs\n%s", name, js, first)
			}
			check := func(golden string, got []byte) {
				path := filepath.Join("testdata", "harness", golden)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s:\n got:\n%s\nwant:\n%s", name, path, got, want)
				}
			}
			check("report.json", append(js, '\n'))
			check("report.txt", text.Bytes())
		})
	}
}
