// Package guard checks the root module stays loadable into Tyk: its only
// dependencies are logrus and go-redis (for the attack-protection shared
// counters), each with its own dependencies, at versions every supported
// gateway already has; its go line is old enough; no go.work is committed.
package guard

import (
	"bufio"
	"fmt"
	"sort"
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
	Module string
	MaxGo  string // language version (major.minor); patch releases of it are fine
	// Direct are the modules allowed as direct requirements, each with
	// the highest version allowed: what the oldest supported gateway has.
	Direct map[string]string
	// Indirect are the modules allowed as indirect requirements (the
	// direct ones' own), each with its highest version, or "" for any.
	Indirect map[string]string
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
	verbs := make([]string, 0, len(m.Directives))
	for verb := range m.Directives {
		verbs = append(verbs, verb)
	}
	sort.Strings(verbs)
	for _, verb := range verbs {
		bad = append(bad, fmt.Sprintf("%d %s directive(s): the plugin is built in Tyk's workspace, where they would change shared packages", m.Directives[verb], verb))
	}
	for _, r := range m.Require {
		allowed, max, ok := p.Direct, "", false
		if r.Indirect {
			allowed = p.Indirect
		}
		max, ok = allowed[r.Path]
		switch {
		case !ok && r.Indirect:
			bad = append(bad, fmt.Sprintf("line %d: indirect %s %s is not a dependency of an allowed module", r.Line, r.Path, r.Version))
		case !ok:
			bad = append(bad, fmt.Sprintf("line %d: requires %s %s; only %s are allowed", r.Line, r.Path, r.Version, strings.Join(sortedKeys(p.Direct), " and ")))
		case max == "":
		default:
			if c, err := CompareModuleVersions(r.Version, max); err != nil {
				bad = append(bad, fmt.Sprintf("line %d: %s %s: %v", r.Line, r.Path, r.Version, err))
			} else if c > 0 {
				bad = append(bad, fmt.Sprintf("line %d: %s %s is newer than %s: the plugin would not load into Tyk 5.8", r.Line, r.Path, r.Version, max))
			}
		}
	}
	return bad
}

// CompareModuleVersions is CompareVersions, and for two pseudo-versions
// of the same base (v0.0.0-20200823014737-9f7001d12a5f) it compares their
// timestamps.
func CompareModuleVersions(a, b string) (int, error) {
	c, err := CompareVersions(a, b)
	if err != nil || c != 0 {
		return c, err
	}
	ta, tb := pseudoTime(a), pseudoTime(b)
	switch {
	case ta < tb:
		return -1, nil
	case ta > tb:
		return 1, nil
	}
	return 0, nil
}

// pseudoTime is the yyyymmddhhmmss of a pseudo-version, or "".
func pseudoTime(v string) string {
	parts := strings.Split(v, "-")
	if len(parts) < 3 {
		return ""
	}
	t := parts[len(parts)-2]
	if i := strings.LastIndex(t, "."); i >= 0 {
		t = t[i+1:] // v1.2.4-0.20200101…: the time follows "0."
	}
	return t
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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
