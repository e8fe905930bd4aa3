package audit

import "sort"

// Finding is one rule that fired on one subject.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Subject  string   `json:"subject"` // file, URL or api id
	Detail   string   `json:"detail"`
	Fix      string   `json:"fix"`
	Ref      string   `json:"ref"`
}

// finding builds a Finding from the registry; an unknown id is a bug, and
// the registry test catches it through the rule tests.
func finding(id, subject, detail string) Finding {
	r, _ := LookupRule(id)
	return Finding{Rule: id, Severity: r.Severity, Subject: subject, Detail: detail, Fix: r.Fix, Ref: r.Ref}
}

// Sort orders findings by subject, then most severe first, then rule id.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Detail < b.Detail
	})
}

// AtOrAbove reports whether any finding is at least min.
func AtOrAbove(fs []Finding, min Severity) bool {
	for _, f := range fs {
		if f.Severity >= min {
			return true
		}
	}
	return false
}
