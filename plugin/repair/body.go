package repair

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// decode undoes gzip or deflate, to at most max decoded bytes. ok is
// false for an encoding it cannot undo, a body that does not decode
// completely, or one that decodes past max (a compression bomb): such a
// body is passed through.
func decode(resp *classify.Response, max int) ([]byte, bool) {
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	if enc == "" || enc == "identity" || len(resp.Body) == 0 {
		return resp.Body, len(resp.Body) <= max
	}
	var r io.Reader
	switch enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(resp.Body))
		if err != nil {
			return nil, false
		}
		r = zr
	case "deflate":
		body := resp.Body
		// RFC 9110 deflate is zlib-wrapped; some servers send raw deflate.
		if len(body) >= 2 && body[0]&0x0f == 8 && (uint16(body[0])<<8|uint16(body[1]))%31 == 0 {
			body = body[2:]
		}
		r = flate.NewReader(bytes.NewReader(body))
	default:
		return nil, false
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil || len(out) > max {
		return nil, false
	}
	return out, true
}

// member is one top-level member of a JSON object: its key as sent and
// its raw value.
type member struct {
	key []byte // raw, without quotes
	raw []byte
}

// object is a JSON object's members in order.
type object []member

// splitObject splits a JSON object into its members without decoding
// values, so a rewrite keeps every other byte as sent. Anything but one
// valid object (trailing bytes included) gives ok false.
// Members are appended to buf.
func splitObject(b []byte, buf object) (object, bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	end, obj := scanObject(b, i, 0, buf[:0], true)
	if end < 0 || skipWS(b, end) != len(b) {
		return nil, false
	}
	return obj, true
}

// members splits an object already known to be valid, appending to buf.
func members(b []byte, buf object) object {
	obj := buf[:0]
	i := skipWS(b, 1)
	for i < len(b) && b[i] != '}' {
		kEnd := stringEnd(b, i)
		key := b[i+1 : kEnd-1]
		i = skipWS(b, kEnd)
		i = skipWS(b, i+1) // ':'
		vEnd := valueEnd(b, i)
		obj = append(obj, member{key: key, raw: b[i:vEnd]})
		i = skipWS(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
		}
	}
	return obj
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string at i.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		j = plainEnd(b, j)
		if j >= len(b) {
			break
		}
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index after the value at i (input already valid).
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
		j++
	}
	return j
}

func (o object) get(key string) ([]byte, bool) {
	for _, m := range o {
		if string(m.key) == key {
			return m.raw, true
		}
	}
	return nil, false
}

// str returns a member's value when it is a JSON string.
func (o object) str(key string) (string, bool) {
	raw, ok := o.get(key)
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// strBytes is str without a copy when the string has no escapes.
func (o object) strBytes(key string) ([]byte, bool) {
	raw, ok := o.get(key)
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return nil, false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], true
	}
	s, ok := o.str(key)
	return []byte(s), ok
}

// object returns a member's value when it is a JSON object, its members
// appended to buf.
func (o object) object(key string, buf object) (object, bool) {
	raw, ok := o.get(key)
	if !ok || len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	return members(raw, buf), true // part of an object already checked
}

// field is one name and string value of a form or XML body. The slices
// point into the body, or into one buffer of unescaped text.
type field struct{ key, value []byte }

// parseForm reads an application/x-www-form-urlencoded body, also when a
// server labels it text/plain or text/html (GitHub, Apereo CAS, Deezer).
// It reads the body in place; fields are appended to buf.
func parseForm(body []byte, buf []field) ([]field, bool) {
	s := bytes.TrimSpace(body)
	if bytes.IndexByte(s, '=') < 0 {
		return nil, false
	}
	for _, c := range [...]byte{'<', '>', '{', '}', '\n'} {
		if bytes.IndexByte(s, c) >= 0 {
			return nil, false // markup or JSON, not a form
		}
	}
	out := buf[:0]
	var unescaped []byte // one buffer for every escaped name and value
	for rest := s; len(rest) > 0; {
		var pair []byte
		pair, rest, _ = bytes.Cut(rest, ampersand)
		if len(pair) == 0 {
			continue
		}
		k, v, ok := bytes.Cut(pair, equals)
		if !ok {
			return nil, false
		}
		if needsUnescape(k) || needsUnescape(v) {
			if unescaped == nil {
				unescaped = make([]byte, 0, len(s)) // unescaped text is never longer
			}
			if k, ok = unescapeInto(&unescaped, k); !ok {
				return nil, false
			}
			if v, ok = unescapeInto(&unescaped, v); !ok {
				return nil, false
			}
		}
		if len(k) == 0 || bytes.IndexByte(k, ' ') >= 0 || bytes.IndexByte(k, '\t') >= 0 {
			return nil, false
		}
		if !hasKey(out, k) {
			out = append(out, field{k, v})
		}
	}
	return out, len(out) > 0
}

var ampersand, equals = []byte("&"), []byte("=")

func needsUnescape(s []byte) bool {
	return bytes.IndexByte(s, '%') >= 0 || bytes.IndexByte(s, '+') >= 0
}

// unescapeInto undoes form encoding as url.QueryUnescape does, appending
// to *buf, and returns the unescaped part.
func unescapeInto(buf *[]byte, s []byte) ([]byte, bool) {
	if !needsUnescape(s) {
		return s, true
	}
	from := len(*buf)
	b := *buf
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, false
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	*buf = b
	return b[from:len(b):len(b)], true
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func hasKey(fs []field, k []byte) bool {
	for _, f := range fs {
		if bytes.Equal(f.key, k) {
			return true
		}
	}
	return false
}

func hasField(fs []field, k string) bool {
	for _, f := range fs {
		if string(f.key) == k {
			return true
		}
	}
	return false
}

// xmlNames maps the camelCase element names XML token services use to the
// RFC 6749 §5.1 member names; other elements keep their names.
var xmlNames = map[string]string{
	"accessToken": "access_token", "tokenType": "token_type", "expiresIn": "expires_in",
	"refreshToken": "refresh_token", "idToken": "id_token", "scope": "scope",
}

// parseXML reads a flat XML success body: one root element whose child
// elements hold text.
func parseXML(body []byte, resp *classify.Response) ([]field, bool) {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/xml" && mt != "text/xml" && !strings.HasSuffix(mt, "+xml") {
		return nil, false
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	depth := 0
	var out []field
	var name string
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > 2 {
				return nil, false // nested structure: no single JSON form
			}
			name = t.Name.Local
			text.Reset()
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				k := name
				if n, ok := xmlNames[k]; ok {
					k = n
				}
				if !hasField(out, k) {
					out = append(out, field{[]byte(k), []byte(strings.TrimSpace(text.String()))})
				}
			}
			depth--
		}
	}
	return out, len(out) > 0
}
