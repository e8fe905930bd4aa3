// Package redact removes OAuth secrets from raw HTTP messages, as Tyk keeps
// them in analytics records with detailed recording on (raw_request and
// raw_response). It keeps the message's shape: a secret field stays, its
// value replaced by a marker with the value's length and a keyed
// fingerprint, so two records about one token can still be matched.
//
// It never lets a secret through on input it cannot read: a message it
// cannot parse is an error (the caller drops it), and a body in an
// encoding it cannot decode is dropped with a marker header.
package redact

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"
	"sync"
)

// MarkerHeader says what the redactor did to a body it had to change
// beyond field values: decoded it, or dropped it.
const MarkerHeader = "X-Oauthcheck-Redacted"

// MaxDecoded caps a decompressed body; a larger one is dropped, not cut,
// since a cut JSON or form body could hide where a secret ends.
const MaxDecoded = 1 << 20

// Errors of messages the redactor cannot read; the caller drops them.
var (
	ErrNoHead      = errors.New("redact: no blank line after the header block")
	ErrStartLine   = errors.New("redact: first line is neither a request line nor a status line")
	ErrHeaderLine  = errors.New("redact: header line without a colon")
	ErrBadChunking = errors.New("redact: malformed chunked body")
)

// Redactor redacts messages with one fingerprint key. Its methods are
// safe for concurrent use.
type Redactor struct {
	key  []byte
	macs sync.Pool // of hash.Hash: hmac.New costs two SHA-256 setups
}

// New returns a Redactor whose fingerprints are keyed with key; with an
// empty key it draws a random one, so fingerprints match within one
// process only.
func New(key []byte) *Redactor {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			// No randomness: a fixed key still hides values, only the
			// fingerprints become guessable for short secrets.
			key = []byte("oauthcheck-redact")
		}
	}
	return &Redactor{key: append([]byte(nil), key...)}
}

// Message returns raw with every secret replaced. raw is one HTTP/1.x
// request or response in wire format, as Tyk's r.Write and
// response.Write produce it.
func (r *Redactor) Message(raw []byte) ([]byte, error) {
	var seen secrets
	out, err := r.message(raw, &seen)
	if err != nil {
		return nil, err
	}
	return seen.echoes(r, out), nil
}

// Exchange redacts a request and its response together: a secret the
// request sent is also removed wherever the response echoes it (error
// descriptions that quote the refused refresh token or code). Each result
// is nil when its message could not be read; the caller drops that field.
func (r *Redactor) Exchange(rawReq, rawResp []byte) (req, resp []byte, reqErr, respErr error) {
	var seen secrets
	if len(rawReq) > 0 {
		req, reqErr = r.message(rawReq, &seen)
	}
	if len(rawResp) > 0 {
		resp, respErr = r.message(rawResp, &seen)
	}
	if req != nil {
		req = seen.echoes(r, req)
	}
	if resp != nil {
		resp = seen.echoes(r, resp)
	}
	return req, resp, reqErr, respErr
}

// secrets are the values one exchange's redaction replaced.
type secrets struct{ values [][]byte }

// minEcho keeps short values ("true", a 4-digit code) from being
// replaced all over the message.
const minEcho = 8

func (s *secrets) add(v []byte) {
	if len(v) >= minEcho && len(s.values) < 64 {
		s.values = append(s.values, append([]byte(nil), v...))
	}
}

// echoes replaces every remaining copy of a replaced secret in out.
func (s *secrets) echoes(r *Redactor, out []byte) []byte {
	for _, v := range s.values {
		if containsLong(out, v) {
			out = bytes.ReplaceAll(out, v, []byte(r.Marker(v)))
		}
	}
	return out
}

// containsLong is bytes.Contains that keeps to the fast short-pattern
// search for long values (JWTs): find a prefix, then compare.
func containsLong(b, v []byte) bool {
	const prefix = 32
	if len(v) <= prefix {
		return bytes.Contains(b, v)
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], v[:prefix])
		if j < 0 {
			return false
		}
		if bytes.HasPrefix(b[i+j:], v) {
			return true
		}
		i += j + 1
	}
}

func (r *Redactor) message(raw []byte, seen *secrets) ([]byte, error) {
	p := &pass{r: r, seen: seen}
	headEnd, bodyStart := splitHead(raw)
	if headEnd < 0 {
		return nil, ErrNoHead
	}
	lines := splitLines(raw[:headEnd])
	if len(lines) == 0 {
		return nil, ErrStartLine
	}
	isRequest, ok := startLine(lines[0])
	if !ok {
		return nil, ErrStartLine
	}
	var out bytes.Buffer
	out.Grow(len(raw) + 64)
	if isRequest {
		out.Write(p.requestLine(lines[0]))
	} else {
		out.Write(p.jwts(lines[0]))
	}
	out.WriteString("\r\n")

	var encoding string
	chunked, hasLength := false, false
	kept := make([][]byte, 0, len(lines)-1)
	for _, line := range lines[1:] {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(bytes.TrimSpace(name)) == 0 {
			return nil, ErrHeaderLine
		}
		n := string(bytes.TrimSpace(name))
		switch {
		case strings.EqualFold(n, "Content-Encoding"):
			encoding = strings.ToLower(string(bytes.TrimSpace(value)))
			continue // written below, if the body keeps it
		case strings.EqualFold(n, "Transfer-Encoding"):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
			continue // the body is written whole
		case strings.EqualFold(n, "Content-Length"):
			hasLength = true
			continue // rewritten for the redacted body
		}
		kept = append(kept, p.header(n, bytes.TrimSpace(value), isRequest))
	}

	body := raw[bodyStart:]
	if chunked {
		var err error
		if body, err = dechunk(body); err != nil {
			return nil, err
		}
	}
	marker := ""
	switch encoding {
	case "", "identity":
	case "gzip", "x-gzip", "deflate":
		decoded, err := decode(encoding, body)
		if err != nil {
			body, marker = nil, "body dropped: "+encoding+" body could not be decoded"
		} else {
			body, marker = decoded, "body decoded from "+encoding
		}
	default:
		body, marker = nil, "body dropped: unknown content encoding"
	}
	body = p.body(body, isRequest)

	for _, h := range kept {
		out.Write(h)
		out.WriteString("\r\n")
	}
	if marker != "" {
		out.WriteString(MarkerHeader + ": " + marker + "\r\n")
	}
	if hasLength || chunked || marker != "" || len(body) > 0 {
		out.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	out.WriteString("\r\n")
	out.Write(body)
	return out.Bytes(), nil
}

// splitHead finds the end of the header block and the body's start.
func splitHead(raw []byte) (headEnd, bodyStart int) {
	for i := 0; ; {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		switch {
		case i < len(raw) && raw[i] == '\n':
			return trimCR(raw, i-1), i + 1
		case i+1 < len(raw) && raw[i] == '\r' && raw[i+1] == '\n':
			return trimCR(raw, i-1), i + 2
		}
	}
	if len(raw) > 0 {
		// No blank line: a message with headers only (every line must
		// still be a header line, so no body can hide there).
		return len(raw), len(raw)
	}
	return -1, -1
}

// trimCR returns where the line ending at the '\n' at i starts its ending.
func trimCR(raw []byte, i int) int {
	if i > 0 && raw[i-1] == '\r' {
		return i - 1
	}
	return i
}

func splitLines(head []byte) [][]byte {
	var lines [][]byte
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 {
			lines = append(lines, line)
		}
		head = rest
	}
	return lines
}

// startLine tells a request line ("POST /token HTTP/1.1") from a status
// line ("HTTP/1.1 200 OK").
func startLine(line []byte) (isRequest, ok bool) {
	if bytes.HasPrefix(line, []byte("HTTP/")) {
		return false, bytes.IndexByte(line, ' ') > 0
	}
	parts := bytes.Fields(line)
	if len(parts) != 3 || !bytes.HasPrefix(parts[2], []byte("HTTP/")) {
		return false, false
	}
	for _, c := range parts[0] {
		if c < 'A' || c > 'Z' {
			return false, false
		}
	}
	return true, true
}

// requestLine redacts the query of the request target.
func (p *pass) requestLine(line []byte) []byte {
	parts := bytes.Fields(line)
	target := p.url(parts[1])
	return bytes.Join([][]byte{parts[0], target, parts[2]}, []byte(" "))
}

// url redacts secret parameters in a URL's query and fragment (an
// authorization response's code, an implicit grant's access_token).
func (p *pass) url(u []byte) []byte {
	i := bytes.IndexAny(u, "?#")
	if i < 0 {
		return p.jwts(p.botToken(u))
	}
	out := append([]byte(nil), p.jwts(p.botToken(u[:i+1]))...)
	if subsonicQuery(u[:i], u[i+1:]) {
		return append(out, p.subsonic(u[i+1:])...)
	}
	return append(out, p.form(u[i+1:], true)...)
}

// botToken redacts the Telegram Bot API's token, the path's first
// segment after "/bot" and its id: /bot<id>:<secret>/getMe.
func (p *pass) botToken(path []byte) []byte {
	if !bytes.HasPrefix(path, []byte("/bot")) {
		return path
	}
	end := bytes.IndexByte(path[1:], '/') + 1
	if end <= 0 {
		end = len(path)
		if q := bytes.IndexAny(path, "?#"); q >= 0 {
			end = q
		}
	}
	colon := bytes.IndexByte(path[:end], ':')
	if colon < 0 || end-colon < 2 {
		return path
	}
	out := append([]byte(nil), path[:colon+1]...)
	out = append(out, p.marker(formValue(path[colon+1:end]))...)
	return append(out, path[end:]...)
}

// subsonicQuery reports a Subsonic API call (a /rest/ path with the c
// and v every call carries), whose p, t and s parameters are the user's
// password, its salted hash and the salt.
// Source: https://www.subsonic.org/pages/api.jsp
func subsonicQuery(path, query []byte) bool {
	return bytes.Contains(path, []byte("/rest/")) && hasParam(query, "c") && hasParam(query, "v")
}

func hasParam(query []byte, name string) bool {
	for _, pair := range bytes.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
		if n, _, _ := bytes.Cut(pair, []byte("=")); string(n) == name {
			return true
		}
	}
	return false
}

// subsonic redacts a Subsonic query's credentials, then the usual names.
func (p *pass) subsonic(query []byte) []byte {
	var out []byte
	for len(query) > 0 {
		pair, rest, more := bytes.Cut(query, []byte("&"))
		if name, value, ok := bytes.Cut(pair, []byte("=")); ok && (string(name) == "p" || string(name) == "t" || string(name) == "s") {
			p.seen.add(value)
			pair = append(append(append([]byte(nil), name...), '='), p.marker(formValue(value))...)
		}
		out = append(out, pair...)
		if more {
			out = append(out, '&')
		}
		query = rest
	}
	return p.form(out, true)
}

// header redacts one header's value.
func (p *pass) header(name string, value []byte, isRequest bool) []byte {
	var v []byte
	switch {
	case strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization"):
		// Keep the scheme: "Bearer", "Basic" and "DPoP" tell what was sent.
		if scheme, cred, ok := bytes.Cut(value, []byte(" ")); ok && len(scheme) <= 32 {
			v = append(append(append([]byte(nil), scheme...), ' '), p.marker(bytes.TrimSpace(cred))...)
		} else {
			v = p.marker(value)
		}
	case strings.EqualFold(name, "Cookie"):
		v = p.cookies(value, ';')
	case strings.EqualFold(name, "Set-Cookie"):
		// name=value; Path=/; HttpOnly: only the first pair is the cookie.
		first, attrs, _ := bytes.Cut(value, []byte(";"))
		v = p.cookies(first, 0)
		for _, a := range bytes.Split(attrs, []byte(";")) {
			if len(attrs) == 0 {
				break
			}
			v = append(v, ';')
			if cookieAttribute(a) {
				v = append(v, a...)
			} else {
				v = append(append(v, ' '), p.marker(bytes.TrimSpace(a))...) // not an attribute: part of a value
			}
		}
	case strings.EqualFold(name, "Location") || strings.EqualFold(name, "Referer") || strings.EqualFold(name, "Content-Location"):
		v = p.url(value)
	case secretHeader(name):
		v = p.marker(value)
	default:
		v = p.jwts(value)
	}
	out := make([]byte, 0, len(name)+2+len(v))
	out = append(out, name...)
	out = append(out, ": "...)
	return append(out, v...)
}

// cookieAttribute matches a Set-Cookie attribute (RFC 6265 §5.2, and
// SameSite, Partitioned, Priority).
func cookieAttribute(a []byte) bool {
	name, _, _ := bytes.Cut(bytes.TrimSpace(a), []byte("="))
	switch strings.ToLower(string(bytes.TrimSpace(name))) {
	case "path", "domain", "expires", "max-age", "secure", "httponly", "samesite", "partitioned", "priority":
		return true
	}
	return false
}

// secretHeader matches headers that carry credentials under vendor names:
// DPoP proofs, X-Api-Key, X-Auth-Token, CF-Access-Client-Secret.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	if strings.Contains(n, "csrf") || strings.Contains(n, "xsrf") {
		return false
	}
	if n == "dpop" {
		return true
	}
	for _, w := range [...]string{"authorization", "token", "secret", "password", "api-key", "apikey", "api_key", "auth-key", "access-key", "session", "signature", "assertion"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	// A vendor's auth or session header by its ending (Tableau's
	// X-Tableau-Auth, Rivian's U-Sess), as the classifier reads them.
	return strings.HasSuffix(n, "-auth") || strings.HasSuffix(n, "-sess")
}

// cookies redacts every cookie's value, keeping its name.
func (p *pass) cookies(value []byte, sep byte) []byte {
	var out []byte
	for len(value) > 0 {
		var pair []byte
		if sep != 0 {
			var rest []byte
			pair, rest, _ = bytes.Cut(value, []byte{sep})
			value = rest
		} else {
			pair, value = value, nil
		}
		if len(out) > 0 {
			out = append(out, sep, ' ')
		}
		pair = bytes.TrimSpace(pair)
		if name, val, ok := bytes.Cut(pair, []byte("=")); ok {
			out = append(append(append(out, name...), '='), p.marker(val)...)
		} else {
			out = append(out, p.marker(pair)...)
		}
	}
	return out
}

// body redacts a decoded body: field values of secret names in JSON or in
// form encoding, and JWT-shaped strings anywhere.
func (p *pass) body(body []byte, isRequest bool) []byte {
	if len(body) == 0 {
		return body
	}
	if i := skipSpace(body); i < len(body) && (body[i] == '{' || body[i] == '[') {
		return p.jwts(p.json(body, isRequest))
	}
	return p.form(body, isRequest)
}

// pass is one redaction run: the replaced values, for echoes.
type pass struct {
	r    *Redactor
	seen *secrets
}

// marker is what a secret becomes: its length and a fingerprint.
func (p *pass) marker(value []byte) []byte {
	p.seen.add(value)
	return []byte(p.r.Marker(value))
}

// Marker returns the marker for a secret value.
func (r *Redactor) Marker(value []byte) string {
	m, _ := r.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, r.key)
	}
	m.Reset()
	m.Write(value)
	var sum [sha256.Size]byte
	fp := hex.EncodeToString(m.Sum(sum[:0])[:4])
	r.macs.Put(m)
	return "[redacted:len=" + strconv.Itoa(len(value)) + ":fp=" + fp + "]"
}

func decode(encoding string, body []byte) ([]byte, error) {
	var zr io.Reader
	switch encoding {
	case "deflate":
		// RFC 9110 deflate is zlib; some servers send raw deflate.
		if z, err := newZlib(body); err == nil {
			zr = z
		} else {
			zr = flate.NewReader(bytes.NewReader(body))
		}
	default:
		g, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		zr = g
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxDecoded+1))
	if err != nil {
		return nil, err
	}
	if len(out) > MaxDecoded {
		return nil, errors.New("redact: decoded body over the cap")
	}
	return out, nil
}

// dechunk decodes a chunked body (RFC 9112 §7.1), ignoring trailers.
func dechunk(body []byte) ([]byte, error) {
	var out []byte
	for {
		line, rest, ok := bytes.Cut(body, []byte("\n"))
		if !ok {
			return nil, ErrBadChunking
		}
		size := bytes.TrimSpace(line)
		if i := bytes.IndexByte(size, ';'); i >= 0 {
			size = size[:i]
		}
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil || n < 0 || n > int64(len(rest)) {
			return nil, ErrBadChunking
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, rest[:n]...)
		body = bytes.TrimPrefix(bytes.TrimPrefix(rest[n:], []byte("\r")), []byte("\n"))
	}
}

func skipSpace(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
