package classify

import "bytes"

// Allocation-free scanners for the bodies the classifier reads: a JSON
// object's top-level fields, form-encoded pairs and query strings. They
// validate as they go and never index past the input.

// maxJSONDepth bounds nesting; no OAuth body comes near it, and it keeps
// hostile bodies from costing more than a linear scan.
const maxJSONDepth = 32

// JSON value kinds, as scanned.
const (
	kindNone   byte = 0
	kindString byte = 's'
	kindNumber byte = 'n'
	kindBool   byte = 'b'
	kindNull   byte = 'z'
	kindObject byte = 'o'
	kindArray  byte = 'a'
)

// jsonObject iterates the top-level fields of one JSON object.
type jsonObject struct {
	b   []byte
	i   int
	err bool // the body is not a well-formed JSON object
	end bool
}

func newJSONObject(b []byte) jsonObject {
	s := jsonObject{b: b}
	s.skipSpace()
	if s.i >= len(b) || b[s.i] != '{' {
		s.err = true
		return s
	}
	s.i++
	s.skipSpace()
	if s.i < len(b) && b[s.i] == '}' {
		s.i++
		s.end = true
		s.checkTrailing()
	}
	return s
}

// next returns the next field: the raw key (without quotes, escapes kept),
// the raw value (strings without quotes) and its kind.
func (s *jsonObject) next() (key, val []byte, kind byte, ok bool) {
	if s.err || s.end {
		return nil, nil, kindNone, false
	}
	s.skipSpace()
	start, stop, good := scanString(s.b, s.i)
	if !good {
		s.err = true
		return nil, nil, kindNone, false
	}
	key = s.b[start:stop]
	s.i = stop + 1
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		s.err = true
		return nil, nil, kindNone, false
	}
	s.i++
	s.skipSpace()
	vstart := s.i
	kind, s.i, good = skipValue(s.b, s.i, 1)
	if !good {
		s.err = true
		return nil, nil, kindNone, false
	}
	val = s.b[vstart:s.i]
	if kind == kindString {
		val = val[1 : len(val)-1]
	}
	s.skipSpace()
	switch {
	case s.i < len(s.b) && s.b[s.i] == ',':
		s.i++
	case s.i < len(s.b) && s.b[s.i] == '}':
		s.i++
		s.end = true
		s.checkTrailing()
	default:
		s.err = true
		return nil, nil, kindNone, false
	}
	return key, val, kind, true
}

func (s *jsonObject) checkTrailing() {
	s.skipSpace()
	if s.i != len(s.b) {
		s.err = true
	}
}

func (s *jsonObject) skipSpace() { s.i = skipSpace(s.b, s.i) }

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainStringByte marks bytes that need no attention inside a JSON string:
// not a quote, not a backslash, not a control character.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString expects a quote at b[i]; it returns the content bounds.
func scanString(b []byte, i int) (start, stop int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, false
	}
	start = i + 1
	j := start
	for {
		// Eight bytes a step first: tokens and JWTs are long runs of
		// plain bytes, and the single-byte loop below pays a branch each.
		for j+8 <= len(b) && plainStringByte[b[j]] && plainStringByte[b[j+1]] && plainStringByte[b[j+2]] && plainStringByte[b[j+3]] &&
			plainStringByte[b[j+4]] && plainStringByte[b[j+5]] && plainStringByte[b[j+6]] && plainStringByte[b[j+7]] {
			j += 8
		}
		for j < len(b) && plainStringByte[b[j]] {
			j++
		}
		if j >= len(b) {
			return 0, 0, false
		}
		switch b[j] {
		case '"':
			return start, j, true
		case '\\':
			j++
			if j >= len(b) {
				return 0, 0, false
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if j+4 >= len(b) || !isHex(b[j+1]) || !isHex(b[j+2]) || !isHex(b[j+3]) || !isHex(b[j+4]) {
					return 0, 0, false
				}
				j += 5
			default:
				return 0, 0, false
			}
		default: // a control character
			return 0, 0, false
		}
	}
}

// skipValue skips one JSON value starting at b[i] and returns its kind and
// the index just past it.
func skipValue(b []byte, i, depth int) (kind byte, next int, ok bool) {
	if i >= len(b) {
		return kindNone, i, false
	}
	switch c := b[i]; {
	case c == '"':
		_, stop, good := scanString(b, i)
		return kindString, stop + 1, good
	case c == '{' || c == '[':
		if depth >= maxJSONDepth {
			return kindNone, i, false
		}
		return skipContainer(b, i, depth+1)
	case c == 't':
		return kindBool, i + 4, hasLiteral(b, i, "true")
	case c == 'f':
		return kindBool, i + 5, hasLiteral(b, i, "false")
	case c == 'n':
		return kindNull, i + 4, hasLiteral(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		next, ok = skipNumber(b, i)
		return kindNumber, next, ok
	}
	return kindNone, i, false
}

func skipContainer(b []byte, i, depth int) (kind byte, next int, ok bool) {
	object := b[i] == '{'
	closer := byte(']')
	kind = kindArray
	if object {
		closer, kind = '}', kindObject
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == closer {
		return kind, i + 1, true
	}
	for {
		if object {
			_, stop, good := scanString(b, i)
			if !good {
				return kind, i, false
			}
			i = skipSpace(b, stop+1)
			if i >= len(b) || b[i] != ':' {
				return kind, i, false
			}
			i = skipSpace(b, i+1)
		}
		var good bool
		if _, i, good = skipValue(b, i, depth); !good {
			return kind, i, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return kind, i, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case closer:
			return kind, i + 1, true
		default:
			return kind, i, false
		}
	}
}

func skipNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return i, false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return i, false
	}
	var ok bool
	if i < len(b) && b[i] == '.' {
		if i, ok = skipDigits(b, i+1); !ok {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i, ok = skipDigits(b, i); !ok {
			return i, false
		}
	}
	return i, true
}

// skipDigits skips one or more digits.
func skipDigits(b []byte, i int) (int, bool) {
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i, i > start
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// unescapeJSON decodes a raw JSON string's content. Content without
// escapes is returned as is, so the common case does not allocate.
func unescapeJSON(raw []byte) []byte {
	if indexByte(raw, '\\') < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 < len(raw) {
				r := rune(hexVal(raw[i+1])<<12 | hexVal(raw[i+2])<<8 | hexVal(raw[i+3])<<4 | hexVal(raw[i+4]))
				out = appendRune(out, r)
				i += 4
			}
		default:
			out = append(out, raw[i])
		}
	}
	return out
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 0
}

func appendRune(out []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(out, byte(r))
	case r < 0x800:
		return append(out, byte(0xC0|r>>6), byte(0x80|r&0x3F))
	default:
		return append(out, byte(0xE0|r>>12), byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// formPairs iterates k=v pairs of a form body or query string. Keys and
// values are raw (still percent-encoded).
type formPairs struct {
	b []byte
	i int
}

func (f *formPairs) next() (key, val []byte, ok bool) {
	for f.i < len(f.b) {
		end := f.i
		for end < len(f.b) && f.b[end] != '&' {
			end++
		}
		pair := f.b[f.i:end]
		f.i = end + 1
		if len(pair) == 0 {
			continue
		}
		if eq := indexByte(pair, '='); eq >= 0 {
			return pair[:eq], pair[eq+1:], true
		}
		return pair, nil, true
	}
	return nil, nil, false
}

// formValue returns the raw value of the first key in a form or query.
func formValue(b []byte, key string) (val []byte, found bool) {
	f := formPairs{b: b}
	for {
		k, v, ok := f.next()
		if !ok {
			return nil, false
		}
		if string(k) == key {
			return v, true
		}
	}
}

// queryValue is formValue over a string without converting it.
func queryValue(q string, key string) (string, bool) {
	for len(q) > 0 {
		var pair string
		if amp := indexString(q, '&'); amp >= 0 {
			pair, q = q[:amp], q[amp+1:]
		} else {
			pair, q = q, ""
		}
		if len(pair) < len(key) || pair[:len(key)] != key {
			continue
		}
		if len(pair) == len(key) {
			return "", true
		}
		if pair[len(key)] == '=' {
			return pair[len(key)+1:], true
		}
	}
	return "", false
}

func indexString(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// unescapeForm percent-decodes a form value ('+' is a space). Values with
// nothing to decode are returned as is.
func unescapeForm(raw []byte) []byte {
	needs := false
	for _, c := range raw {
		if c == '%' || c == '+' {
			needs = true
			break
		}
	}
	if !needs {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]):
			out = append(out, byte(hexVal(raw[i+1])<<4|hexVal(raw[i+2])))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// containsFold reports whether s contains the ASCII-lowercase needle,
// ignoring ASCII case in s.
func containsFold[T string | []byte](s T, needle string) bool {
	if b, ok := any(s).([]byte); ok && len(b) > 64 {
		return indexFold(b, needle) >= 0
	}
	n := len(needle)
	if n == 0 {
		return true
	}
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

// indexFold is containsFold's search for long bodies: it jumps between
// occurrences of the needle's first byte (either case) with IndexByte.
func indexFold(s []byte, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	lo, up := needle[0], needle[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	nextLo, nextUp := -2, -2
	for i := 0; i+n <= len(s); {
		if nextLo < i && nextLo != -1 {
			if k := bytes.IndexByte(s[i:], lo); k >= 0 {
				nextLo = i + k
			} else {
				nextLo = -1
			}
		}
		if up != lo && nextUp < i && nextUp != -1 {
			if k := bytes.IndexByte(s[i:], up); k >= 0 {
				nextUp = i + k
			} else {
				nextUp = -1
			}
		}
		at := nextLo
		if up != lo && nextUp >= 0 && (at < 0 || nextUp < at) {
			at = nextUp
		}
		if at < 0 || at+n > len(s) {
			return -1
		}
		j := 1
		for j < n && lower(s[at+j]) == needle[j] {
			j++
		}
		if j == n {
			return at
		}
		i = at + 1
	}
	return -1
}

// hasPrefixFold reports whether s starts with the ASCII prefix, any case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != lower(prefix[i]) {
			return false
		}
	}
	return true
}

// hasSuffixFold reports whether s ends with the ASCII suffix, any case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && hasPrefixFold(s[len(s)-len(suffix):], suffix)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// nextField returns the next space-separated token of a scope list
// (RFC 6749 §3.3). Form values may still use '+' for spaces; scope tokens
// never contain a space, and '+' in them is too rare to honour there.
func nextField(s []byte) (field, rest []byte) {
	i := 0
	for i < len(s) && fieldSeparator(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !fieldSeparator(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

// fieldSeparator: space or form-encoded '+', and the tab and line ends a
// body written by hand (curl --data-binary @file) carries at its end.
func fieldSeparator(c byte) bool {
	return c == ' ' || c == '+' || c == '\t' || c == '\r' || c == '\n'
}

// containsField reports whether the space-separated list has tok.
func containsField(list, tok []byte) bool {
	for {
		var f []byte
		f, list = nextField(list)
		if len(f) == 0 {
			return false
		}
		if string(f) == string(tok) {
			return true
		}
	}
}

// subsetFields reports whether every token of a is in b.
func subsetFields(a, b []byte) bool {
	for {
		var f []byte
		f, a = nextField(a)
		if len(f) == 0 {
			return true
		}
		if !containsField(b, f) {
			return false
		}
	}
}
