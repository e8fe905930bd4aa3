package rawhttp

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ManifestFile is the manifest's name inside a fixtures folder.
const ManifestFile = "cases.json"

// Case is one fixture: a captured response, the request that produced it
// when it matters, and what the classifier is expected to say.
type Case struct {
	Name     string   `json:"name"`   // path under the folder, without extension
	Source   string   `json:"source"` // where the shape comes from: URL or RFC section
	Endpoint string   `json:"endpoint"`
	Verdict  string   `json:"verdict"`
	Causes   []string `json:"causes"` // root cause first
	Note     string   `json:"note,omitempty"`
	// Provider is who produced the response: the folder holding the
	// manifest, or the name's first segment for a top-level manifest.
	Provider string `json:"provider,omitempty"`

	Request  *Request  `json:"-"` // nil when there is no .req file
	Response *Response `json:"-"`
}

// LoadCases reads dir/cases.json and each case's <name>.resp and optional
// <name>.req.
func LoadCases(dir string) ([]Case, error) {
	manifest, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("rawhttp: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields()
	var cases []Case
	if err := dec.Decode(&cases); err != nil {
		return nil, fmt.Errorf("rawhttp: %s: %w", ManifestFile, err)
	}
	seen := make(map[string]bool, len(cases))
	for i := range cases {
		c := &cases[i]
		if err := checkName(c.Name); err != nil {
			return nil, fmt.Errorf("rawhttp: %s: case %d: %w", ManifestFile, i, err)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("rawhttp: %s: duplicate case %q", ManifestFile, c.Name)
		}
		seen[c.Name] = true

		base := filepath.Join(dir, filepath.FromSlash(c.Name))
		if c.Response, err = parseFile(base+".resp", ParseResponse); err != nil {
			return nil, err
		}
		req, err := parseFile(base+".req", ParseRequest)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			c.Request = req
		}
	}
	return cases, nil
}

// LoadCorpus loads every cases.json under root, with names made relative
// to root and Provider filled in.
func LoadCorpus(root string) ([]Case, error) {
	var all []Case
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != ManifestFile {
			return nil
		}
		dir := filepath.Dir(path)
		cases, err := LoadCases(dir)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for i := range cases {
			c := &cases[i]
			if c.Provider == "" {
				if rel == "." {
					c.Provider, _, _ = strings.Cut(c.Name, "/")
				} else {
					c.Provider = filepath.Base(dir)
				}
			}
			if rel != "." {
				c.Name = rel + "/" + c.Name
			}
		}
		all = append(all, cases...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rawhttp: %w", err)
	}
	return all, nil
}

// FixtureNames lists every <name> that has a .resp file under dir, so a
// test can check the manifest covers them all.
func FixtureNames(dir string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".resp") {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(strings.TrimSuffix(rel, ".resp")))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rawhttp: %w", err)
	}
	return names, nil
}

func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case strings.Contains(name, "\\"), strings.HasPrefix(name, "/"),
		strings.Contains(name, ".."), strings.HasSuffix(name, ".resp"), strings.HasSuffix(name, ".req"):
		return fmt.Errorf("name %q must be a relative path without extension", name)
	}
	return nil
}

func parseFile[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("rawhttp: %w", err)
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return zero, fmt.Errorf("rawhttp: %s: %s", path, strings.TrimPrefix(err.Error(), "rawhttp: "))
	}
	return v, nil
}

// Parameters and fields whose values are secrets: they must never show up
// in labels, logs or CLI output.
var (
	secretParams = []string{"client_secret", "code", "code_verifier", "refresh_token", "password",
		"device_code", "subject_token", "actor_token", "assertion", "client_assertion", "token", "access_token"}
	secretFields = []string{"access_token", "refresh_token", "id_token", "device_code"}
)

// minSecretLen keeps short example values ("xyz") from matching ordinary text.
const minSecretLen = 8

// Secrets lists the secret values the case's request and response carry
// (client secrets, codes, passwords, tokens), for tests that check no
// output leaks them.
func (c *Case) Secrets() []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if len(v) >= minSecretLen && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if r := c.Request; r != nil {
		for _, vals := range []url.Values{parseQuery(r.RawQuery), parseQuery(string(r.Body))} {
			for _, k := range secretParams {
				for _, v := range vals[k] {
					add(v)
				}
			}
		}
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		switch strings.ToLower(scheme) {
		case "bearer", "dpop":
			add(strings.TrimSpace(cred))
		case "basic":
			add(strings.TrimSpace(cred))
			if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
				if _, pass, ok := strings.Cut(string(raw), ":"); ok {
					add(pass)
				}
			}
		}
	}
	if r := c.Response; r != nil {
		body := r.Body
		if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
			if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
				if b, err := io.ReadAll(io.LimitReader(zr, MaxInputBytes)); err == nil {
					body = b
				}
			}
		}
		var obj map[string]any
		if json.Unmarshal(body, &obj) == nil {
			for _, k := range secretFields {
				if s, ok := obj[k].(string); ok {
					add(s)
				}
			}
		} else {
			vals := parseQuery(string(body))
			for _, k := range secretFields {
				add(vals.Get(k))
			}
		}
		if u, err := url.Parse(r.Header.Get("Location")); err == nil {
			add(u.Query().Get("code"))
		}
	}
	return out
}

func parseQuery(s string) url.Values {
	v, _ := url.ParseQuery(s)
	return v
}
