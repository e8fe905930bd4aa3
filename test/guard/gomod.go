// Package guard checks the root module stays loadable into Tyk: its only
// dependency is logrus at a version every supported gateway already has,
// its go line is old enough, and no go.work is committed.
package guard

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// Requirement is one require line of a go.mod.
type Requirement struct {
	Path, Version string
	Indirect      bool
	Line          int
}

// GoMod is the part of a go.mod the guard reads.
type GoMod struct {
	Module     string
	Go         string
	Toolchain  string
	Require    []Requirement
	Directives map[string]int // other directives (replace, exclude, ...) → count
}

// ParseGoMod reads go.mod syntax: single-line and block directives,
// // comments, quoted paths and the // indirect marker.
func ParseGoMod(text string) (*GoMod, error) {
	m := &GoMod{Directives: map[string]int{}}
	block := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line, comment := splitComment(sc.Text())
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if block != "" {
			if fields[0] == ")" {
				block = ""
				continue
			}
			if err := m.directive(block, fields, comment, n); err != nil {
				return nil, err
			}
			continue
		}
		if len(fields) == 2 && fields[1] == "(" {
			block = fields[0]
			continue
		}
		if err := m.directive(fields[0], fields[1:], comment, n); err != nil {
			return nil, err
		}
	}
	if block != "" {
		return nil, fmt.Errorf("unterminated %s block", block)
	}
	return m, sc.Err()
}

func (m *GoMod) directive(verb string, args []string, comment string, line int) error {
	switch verb {
	case "module":
		if len(args) != 1 {
			return fmt.Errorf("line %d: module wants one path", line)
		}
		m.Module = unquote(args[0])
	case "go":
		if len(args) != 1 {
			return fmt.Errorf("line %d: go wants one version", line)
		}
		m.Go = args[0]
	case "toolchain":
		if len(args) == 1 {
			m.Toolchain = args[0]
		}
	case "require":
		if len(args) != 2 {
			return fmt.Errorf("line %d: require wants a path and a version", line)
		}
		m.Require = append(m.Require, Requirement{Path: unquote(args[0]), Version: args[1], Line: line,
			Indirect: strings.TrimSpace(comment) == "indirect" || strings.HasPrefix(strings.TrimSpace(comment), "indirect;")})
	default:
		m.Directives[verb]++
	}
	return nil
}

func splitComment(line string) (code, comment string) {
	if i := strings.Index(line, "//"); i >= 0 {
		return line[:i], line[i+2:]
	}
	return line, ""
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// CompareVersions compares dotted numeric versions (a leading v and any
// pre-release or +build suffix are ignored): -1, 0 or 1.
func CompareVersions(a, b string) (int, error) {
	pa, err := numericParts(a)
	if err != nil {
		return 0, err
	}
	pb, err := numericParts(b)
	if err != nil {
		return 0, err
	}
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		}
	}
	return 0, nil
}

func numericParts(v string) ([]int, error) {
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("version %q: %q is not a number", v, p)
		}
		out = append(out, n)
	}
	return out, nil
}

// Policy is what the root go.mod may contain.
type Policy struct {
	Module     string
	MaxGo      string          // language version (major.minor); patch releases of it are fine
	Logrus     string          // module path of the one allowed direct dependency
	MaxLogrus  string          // highest allowed version of it
	LogrusDeps map[string]bool // modules allowed as indirect requirements
}

// Check returns every way m breaks p.
func Check(m *GoMod, p Policy) []string {
	var bad []string
	if m.Module != p.Module {
		bad = append(bad, fmt.Sprintf("module is %q, want %q", m.Module, p.Module))
	}
	if m.Go == "" {
		bad = append(bad, "no go line")
	} else if c, err := compareLanguage(m.Go, p.MaxGo); err != nil {
		bad = append(bad, "go line: "+err.Error())
	} else if c > 0 {
		bad = append(bad, fmt.Sprintf("go line is %s, newer than %s: Tyk 5.8's plugin compiler must be able to build it", m.Go, p.MaxGo))
	}
	for verb, n := range m.Directives {
		bad = append(bad, fmt.Sprintf("%d %s directive(s): the plugin is built in Tyk's workspace, where they would change shared packages", n, verb))
	}
	for _, r := range m.Require {
		switch {
		case r.Path == p.Logrus && !r.Indirect:
			if c, err := CompareVersions(r.Version, p.MaxLogrus); err != nil {
				bad = append(bad, fmt.Sprintf("line %d: %s %s: %v", r.Line, r.Path, r.Version, err))
			} else if c > 0 {
				bad = append(bad, fmt.Sprintf("line %d: %s %s is newer than %s: the plugin would not load into Tyk 5.8", r.Line, r.Path, r.Version, p.MaxLogrus))
			}
		case r.Indirect && p.LogrusDeps[r.Path]:
		case r.Indirect:
			bad = append(bad, fmt.Sprintf("line %d: indirect %s %s is not one of logrus's own dependencies", r.Line, r.Path, r.Version))
		default:
			bad = append(bad, fmt.Sprintf("line %d: requires %s %s; only %s is allowed", r.Line, r.Path, r.Version, p.Logrus))
		}
	}
	return bad
}

// compareLanguage compares the major.minor of a go line with max.
func compareLanguage(v, max string) (int, error) {
	parts, err := numericParts(v)
	if err != nil {
		return 0, err
	}
	if len(parts) > 2 {
		parts = parts[:2]
	}
	lang := make([]string, len(parts))
	for i, p := range parts {
		lang[i] = strconv.Itoa(p)
	}
	return CompareVersions(strings.Join(lang, "."), max)
}
