package repair

import (
	"encoding/binary"
	"unicode/utf8"
)

// A strict JSON syntax check that also splits an object into members in
// one pass. encoding/json's Valid costs more than the whole 5 µs budget
// of a 1 KB rewrite; FuzzApply checks this against encoding/json.

// maxDepth bounds nesting, as a guard against stack exhaustion.
const maxDepth = 256

// scanValue returns the index after the valid JSON value at i, or -1.
func scanValue(b []byte, i, depth int) int {
	i = skipWS(b, i)
	if i >= len(b) || depth > maxDepth {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '{':
		end, _ := scanObject(b, i, depth, nil, false)
		return end
	case c == '[':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1
		}
		for {
			if i = scanValue(b, i, depth+1); i < 0 {
				return -1
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return -1
			}
			if b[i] == ']' {
				return i + 1
			}
			if b[i] != ',' {
				return -1
			}
			i++
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return scanNumber(b, i)
	}
	return -1
}

// scanObject checks the object at i (b[i] == '{') and, when collect is
// set, appends its members to obj: one pass for the check and the split.
// A nested object is split later, if read (object.object).
func scanObject(b []byte, i, depth int, obj object, collect bool) (int, object) {
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, obj
	}
	for {
		i = skipWS(b, i)
		if i >= len(b) || b[i] != '"' {
			return -1, obj
		}
		kStart := i
		if i = scanString(b, i); i < 0 {
			return -1, obj
		}
		key := b[kStart+1 : i-1]
		i = skipWS(b, i)
		if i >= len(b) || b[i] != ':' {
			return -1, obj
		}
		vStart := skipWS(b, i+1)
		if i = scanValue(b, vStart, depth+1); i < 0 {
			return -1, obj
		}
		if collect {
			obj = append(obj, member{key: key, raw: b[vStart:i]})
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return -1, obj
		}
		if b[i] == '}' {
			return i + 1, obj
		}
		if b[i] != ',' {
			return -1, obj
		}
		i++
	}
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

// plainByte marks the bytes a JSON string holds as they are.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Word-at-a-time tests (the bit tricks of "Bit Twiddling Hacks"): each is
// non-zero exactly when some byte of x matches. FuzzObjectScan checks the
// scanner and appendString, which rely on them, against encoding/json.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

func hasByte(x uint64, c byte) uint64 { v := x ^ ones*uint64(c); return (v - ones) & ^v & highs }

func hasLess(x uint64, n byte) uint64 { return (x - ones*uint64(n)) & ^x & highs }

// plainEnd returns the index of the first byte at or after i that a JSON
// string cannot hold as it is, 8 bytes a step: a 1 KB token or padding
// costs a tenth of a byte-wise loop.
func plainEnd(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if hasLess(x, 0x20)|hasByte(x, '"')|hasByte(x, '\\') != 0 {
			break
		}
	}
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	return i
}

// safeEnd is plainEnd for appendString: it also stops at DEL and at any
// non-ASCII byte, which appendString checks as UTF-8.
func safeEnd(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		if hasLess(x, 0x20)|hasByte(x, '"')|hasByte(x, '\\')|hasByte(x, 0x7f)|x&highs != 0 {
			break
		}
	}
	for i < len(s) && jsonSafe[s[i]] {
		i++
	}
	return i
}

// scanString checks the string at i (b[i] == '"').
func scanString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		j = plainEnd(b, j)
		if j >= len(b) {
			return -1
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		case c == '\\':
			j++
			if j >= len(b) {
				return -1
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-j < 5 {
					return -1
				}
				for k := j + 1; k <= j+4; k++ {
					if !isHex(b[k]) {
						return -1
					}
				}
				j += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// scanNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func scanNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\' && c != 0x7f
	}
	return t
}()

// appendString appends s as a JSON string: runs of safe ASCII are copied
// whole, invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		i = safeEnd(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= 0x80 {
			if r, size := utf8.DecodeRune(s[i:]); r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				start = i + 1
			} else {
				i += size - 1
			}
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
