// Package rawhttp parses HTTP messages written out as text: responses as
// `curl -i` prints them, and requests as they go over the wire. The
// fixtures, the explain CLI and the tests use it to feed the classifier.
//
// It parses straight into the classifier's types. classify's own fixture
// tests live in the external classify_test package, so this import makes
// no cycle.
package rawhttp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// MaxInputBytes bounds how much input one message may take.
const MaxInputBytes = 16 << 20

// Request is a client request, as the classifier takes it.
type Request = classify.Request

// Response is a server response, as the classifier takes it. The parser
// reads bodies whole, so Truncated and Unread are never set.
type Response = classify.Response

// ParseResponse reads one response as `curl -i` prints it. When the input
// holds several header blocks (redirects followed with -L, a 100 Continue,
// a proxy's "Connection established"), the last block wins. The body is
// the rest of the input, byte for byte.
func ParseResponse(r io.Reader) (*Response, error) {
	s, err := newScanner(r)
	if err != nil {
		return nil, err
	}
	for {
		lineNo := s.line + 1
		line, _ := s.next()
		status, err := parseStatusLine(line)
		if err != nil {
			return nil, fmt.Errorf("rawhttp: line %d: %w", lineNo, err)
		}
		header, err := s.headers()
		if err != nil {
			return nil, err
		}
		// Another status line right after the blank line means this block
		// was an interim or redirect response; curl prints the next one.
		if s.atStatusLine() {
			continue
		}
		return &Response{Status: status, Header: header, Body: s.rest()}, nil
	}
}

// ParseRequest reads one request: request line ("POST /token HTTP/1.1",
// or with an absolute URL), headers, a blank line and the body verbatim.
func ParseRequest(r io.Reader) (*Request, error) {
	s, err := newScanner(r)
	if err != nil {
		return nil, err
	}
	lineNo := s.line + 1
	line, _ := s.next()
	req, err := parseRequestLine(line)
	if err != nil {
		return nil, fmt.Errorf("rawhttp: line %d: %w", lineNo, err)
	}
	if req.Header, err = s.headers(); err != nil {
		return nil, err
	}
	req.Body = s.rest()
	return req, nil
}

// newScanner reads the whole (bounded) input and steps over leading blank
// lines; empty input is an error.
func newScanner(r io.Reader) (*scanner, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	s := &scanner{data: data}
	s.skipBlankLines()
	if s.done() {
		return nil, errors.New("rawhttp: empty input")
	}
	return s, nil
}

func readAll(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, errors.New("rawhttp: nil reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("rawhttp: read: %w", err)
	}
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("rawhttp: input larger than %d bytes", MaxInputBytes)
	}
	return data, nil
}

// scanner walks lines ending in LF or CRLF and counts them for errors.
type scanner struct {
	data []byte
	pos  int
	line int // lines consumed so far
}

func (s *scanner) done() bool { return s.pos >= len(s.data) }

// next returns the next line without its line ending; ok is false at EOF.
func (s *scanner) next() (line string, ok bool) {
	if s.done() {
		return "", false
	}
	rest := s.data[s.pos:]
	i := bytes.IndexByte(rest, '\n')
	var b []byte
	if i < 0 {
		b = rest
		s.pos = len(s.data)
	} else {
		b = rest[:i]
		s.pos += i + 1
	}
	s.line++
	return string(bytes.TrimSuffix(b, []byte("\r"))), true
}

func (s *scanner) skipBlankLines() {
	for !s.done() {
		save, saveLine := s.pos, s.line
		line, _ := s.next()
		if strings.TrimSpace(line) != "" {
			s.pos, s.line = save, saveLine
			return
		}
	}
}

// rest is the unread input, copied so callers may keep it.
func (s *scanner) rest() []byte {
	b := make([]byte, len(s.data)-s.pos)
	copy(b, s.data[s.pos:])
	return b
}

func (s *scanner) atStatusLine() bool {
	if !bytes.HasPrefix(s.data[s.pos:], []byte("HTTP/")) {
		return false
	}
	save, saveLine := s.pos, s.line
	line, _ := s.next()
	s.pos, s.line = save, saveLine
	_, err := parseStatusLine(line)
	return err == nil
}

// headers reads header lines up to and including the blank line (or EOF).
func (s *scanner) headers() (http.Header, error) {
	h := http.Header{}
	for {
		lineNo := s.line + 1
		line, ok := s.next()
		if !ok || line == "" {
			return h, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			return nil, fmt.Errorf("rawhttp: line %d: folded header lines are not supported: %q", lineNo, clip(line))
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			return nil, fmt.Errorf("rawhttp: line %d: not a header line: %q", lineNo, clip(line))
		}
		name := line[:colon]
		if !isToken(name) {
			return nil, fmt.Errorf("rawhttp: line %d: invalid header name: %q", lineNo, clip(name))
		}
		value := strings.Trim(line[colon+1:], " \t")
		h.Add(textproto.CanonicalMIMEHeaderKey(name), value)
	}
}

// parseStatusLine accepts "HTTP/1.1 200 OK", "HTTP/2 200", "HTTP/3 404".
func parseStatusLine(line string) (int, error) {
	proto, rest, _ := strings.Cut(line, " ")
	if !validVersion(proto) {
		return 0, fmt.Errorf("not an HTTP status line: %q", clip(line))
	}
	code, _, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
	if len(code) != 3 {
		return 0, fmt.Errorf("bad status code in %q", clip(line))
	}
	status, err := strconv.Atoi(code)
	if err != nil || status < 100 {
		return 0, fmt.Errorf("bad status code in %q", clip(line))
	}
	return status, nil
}

func validVersion(proto string) bool {
	switch proto {
	case "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0", "HTTP/3", "HTTP/3.0":
		return true
	}
	return false
}

// parseRequestLine accepts "METHOD target [HTTP/x]".
func parseRequestLine(line string) (*Request, error) {
	fields := strings.Fields(line)
	if len(fields) < 2 || len(fields) > 3 {
		return nil, fmt.Errorf("not an HTTP request line: %q", clip(line))
	}
	method, target := fields[0], fields[1]
	if !isToken(method) {
		return nil, fmt.Errorf("invalid method in %q", clip(line))
	}
	if len(fields) == 3 && !validVersion(fields[2]) {
		return nil, fmt.Errorf("bad HTTP version in %q", clip(line))
	}
	req := &Request{Method: method}
	if target == "*" {
		req.Path = "*"
		return req, nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("bad request target %q", clip(target))
	}
	if u.IsAbs() && u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bad request target %q: scheme must be http or https", clip(target))
	}
	req.Path, req.RawQuery = u.Path, u.RawQuery
	if req.Path == "" {
		req.Path = "/"
	}
	return req, nil
}

// isToken reports whether s is an RFC 9110 token (method, header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// clip keeps error messages one short line.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
