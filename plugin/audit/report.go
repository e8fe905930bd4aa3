package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints findings grouped by subject, most severe first, each
// with its fix.
func WriteText(w io.Writer, fs []Finding) error {
	Sort(fs)
	var b strings.Builder
	if len(fs) == 0 {
		b.WriteString("no findings\n")
	}
	subject := ""
	for i, f := range fs {
		if i == 0 || f.Subject != subject {
			subject = f.Subject
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%s\n", subject)
		}
		fmt.Fprintf(&b, "  %-6s %s: %s\n", f.Severity, f.Rule, f.Detail)
		fmt.Fprintf(&b, "         fix: %s (%s)\n", f.Fix, f.Ref)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints {"findings":[...]}.
func WriteJSON(w io.Writer, fs []Finding) error {
	Sort(fs)
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Findings []Finding `json:"findings"`
	}{fs})
}

// SARIF 2.1.0 shapes, only the parts written.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	Help                 sarifMessage `json:"help"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
	Properties map[string]string `json:"properties"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
}

// SARIFLevel maps a severity to a SARIF result level.
func SARIFLevel(s Severity) string {
	switch s {
	case SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// WriteSARIF prints a SARIF 2.1.0 log with every registered rule and one
// result per finding, located on its subject (file path or URL).
func WriteSARIF(w io.Writer, fs []Finding) error {
	Sort(fs)
	driver := sarifDriver{Name: "oauthcheck", InformationURI: "https://github.com/oauthcheck/oauthcheck"}
	index := map[string]int{}
	for i, r := range Rules {
		sr := sarifRule{ID: r.ID, ShortDescription: sarifMessage{r.Meaning}, Help: sarifMessage{"Fix: " + r.Fix + " (" + r.Ref + ")"},
			Properties: map[string]string{"severity": r.Severity.String(), "kind": string(r.Kind)}}
		sr.DefaultConfiguration.Level = SARIFLevel(r.Severity)
		driver.Rules = append(driver.Rules, sr)
		index[r.ID] = i
	}
	results := []sarifResult{}
	for _, f := range fs {
		var loc sarifLocation
		loc.PhysicalLocation.ArtifactLocation.URI = artifactURI(f.Subject)
		results = append(results, sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: SARIFLevel(f.Severity),
			Message:   sarifMessage{f.Detail + ". Fix: " + f.Fix},
			Locations: []sarifLocation{loc},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{driver}, Results: results}},
	})
}

// artifactURI drops an array index ("apis.json[2]") so the result sits on
// the file, and turns OS paths into relative URI references.
func artifactURI(subject string) string {
	if i := strings.LastIndex(subject, "["); i > 0 && strings.HasSuffix(subject, "]") {
		subject = subject[:i]
	}
	return strings.ReplaceAll(subject, "\\", "/")
}

// MarkdownTable is the README's rule table, generated from Rules.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Rule | Severity | Subject | Meaning | Fix | Reference |\n|---|---|---|---|---|---|\n")
	for _, r := range Rules {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.ID, r.Severity, r.Kind, mdCell(r.Meaning), mdCell(r.Fix), mdCell(r.Ref))
	}
	return b.String()
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
