package redact

import (
	"bytes"
	"compress/zlib"
	"io"
	"net/url"
)

// secretFields are the field names whose values are secrets, normalised
// (lowercase, without "_" and "-"), with where they come from. A JSON key
// or form parameter of one of these names has its value redacted.
var secretFields = map[string]string{
	"clientsecret":     "RFC 6749 §2.3.1",
	"code":             "RFC 6749 §4.1.3 (requests and redirects only)",
	"codeverifier":     "RFC 7636 §4.5",
	"refreshtoken":     "RFC 6749 §6",
	"accesstoken":      "RFC 6749 §5.1, RFC 6750 §2.3",
	"idtoken":          "OpenID Connect Core §3.1.3.3",
	"idtokenhint":      "OpenID Connect Core §3.1.2.1",
	"logouttoken":      "OpenID Connect Back-Channel Logout §2.4",
	"password":         "RFC 6749 §4.3.2",
	"assertion":        "RFC 7521 §4.1",
	"clientassertion":  "RFC 7521 §4.2",
	"subjecttoken":     "RFC 8693 §2.1",
	"actortoken":       "RFC 8693 §2.1",
	"issuedtoken":      "RFC 8693 §2.2.1",
	"devicecode":       "RFC 8628 §3.4",
	"token":            "RFC 7662 §2.1, RFC 7009 §2.1",
	"oauthtoken":       "OAuth 1.0a, Trello",
	"oauthtokensecret": "OAuth 1.0a",
	"sessiontoken":     "vendor session tokens",
	"apikey":           "vendor API keys",
	"secret":           "vendor secrets (WeChat, Stripe)",
	"appsecret":        "vendor secrets (Facebook, DingTalk)",
	"loginhinttoken":   "OpenID CIBA §7.1",
	"authreqid":        "OpenID CIBA §7.3",
	"requesttoken":     "vendor request tokens",
	"wstoken":          "Moodle web-service tokens",
	"privatekey":       "vendor key material",
}

// secretName reports a field name of the table. "code" counts only in
// requests and redirects: in a response body it is an error code.
func secretName(name []byte, isRequest bool) bool {
	if len(name) == 0 || len(name) > 40 {
		return false
	}
	var buf [40]byte
	n := 0
	for _, c := range name {
		switch {
		case c == '_' || c == '-':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	key := string(buf[:n])
	if _, ok := secretFields[key]; !ok {
		return false
	}
	return key != "code" || isRequest
}

// json redacts string values of secret keys in a JSON text, at any depth.
// It is a scanner, not a parser: a malformed text is still redacted
// wherever a key of a secret name is followed by a string.
func (p *pass) json(b []byte, isRequest bool) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		end := stringEnd(b, i)
		if end < 0 {
			break
		}
		key := b[i+1 : end]
		j := skipSpace(b[end+1:]) + end + 1
		if j < len(b) && b[j] == ':' {
			k := skipSpace(b[j+1:]) + j + 1
			if secretName(key, isRequest) && k < len(b) && b[k] == '"' {
				vend := stringEnd(b, k)
				if vend < 0 {
					// An unterminated secret: nothing after it is kept.
					out = append(append(out, b[last:k+1]...), p.marker(b[k+1:])...)
					return append(out, '"')
				}
				out = append(append(out, b[last:k+1]...), p.marker(unescapeJSON(b[k+1:vend]))...)
				last = vend
				i = vend
				continue
			}
			if secretName(key, isRequest) && k < len(b) && (b[k] >= '0' && b[k] <= '9' || b[k] == '-') {
				// A numeric secret (a PIN, a numeric code): quoted, so
				// the marker stays valid JSON.
				vend := k
				for vend < len(b) && (b[vend] >= '0' && b[vend] <= '9' || b[vend] == '-' || b[vend] == '.' || b[vend] == 'e' || b[vend] == 'E' || b[vend] == '+') {
					vend++
				}
				out = append(append(append(append(out, b[last:k]...), '"'), p.marker(b[k:vend])...), '"')
				last = vend
				i = vend - 1
				continue
			}
		}
		i = end
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// stringEnd returns the index of the quote closing the string opening at
// start, or -1.
func stringEnd(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unescapeJSON undoes the escapes a token may carry ("\/" in PHP's JSON),
// so a fingerprint matches the same value sent form-encoded.
func unescapeJSON(s []byte) []byte {
	if bytes.IndexByte(s, '\\') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		out = append(out, s[i])
	}
	return out
}

// form redacts name=value pairs of secret names in a form body, a query
// or a fragment, then JWT-shaped values anywhere in it.
func (p *pass) form(b []byte, isRequest bool) []byte {
	var out []byte
	for len(b) > 0 {
		i := bytes.IndexAny(b, "&;\n#?")
		pair, sep := b, byte(0)
		if i >= 0 {
			pair, sep = b[:i], b[i]
			b = b[i+1:]
		} else {
			b = nil
		}
		if name, value, ok := bytes.Cut(pair, []byte("=")); ok && secretName(formName(name), isRequest) {
			p.seen.add(value) // as sent, too: an echo may keep the encoding
			out = append(append(append(out, name...), '='), p.marker(formValue(value))...)
		} else {
			out = append(out, pair...)
		}
		if sep != 0 {
			out = append(out, sep)
		}
	}
	return p.jwts(out)
}

func formName(name []byte) []byte {
	name = bytes.TrimSpace(name)
	if bytes.IndexByte(name, '%') >= 0 || bytes.IndexByte(name, '+') >= 0 {
		if n, err := url.QueryUnescape(string(name)); err == nil {
			return []byte(n)
		}
	}
	return name
}

func formValue(v []byte) []byte {
	if bytes.IndexByte(v, '%') >= 0 || bytes.IndexByte(v, '+') >= 0 {
		if d, err := url.QueryUnescape(string(v)); err == nil {
			return []byte(d)
		}
	}
	return v
}

// jwts replaces every JWT-shaped string (header.payload.signature, each
// base64url, the header starting "eyJ") with a marker.
func (p *pass) jwts(b []byte) []byte {
	i := bytes.Index(b, []byte("eyJ"))
	if i < 0 {
		return b
	}
	var out []byte
	last := 0
	for i >= 0 {
		start := last + i
		end, ok := jwtEnd(b, start)
		if ok && (start == 0 || !base64URL(b[start-1])) {
			out = append(append(out, b[last:start]...), p.marker(b[start:end])...)
			last = end
		} else {
			out = append(out, b[last:start+3]...)
			last = start + 3
		}
		i = bytes.Index(b[last:], []byte("eyJ"))
	}
	return append(out, b[last:]...)
}

// jwtEnd returns where a JWT starting at start ends: two dots, the first
// two segments at least 4 characters each.
func jwtEnd(b []byte, start int) (int, bool) {
	i, dots, seg := start, 0, 0
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case base64URL(c):
			seg++
		case c == '.' && dots < 2 && seg >= 4:
			dots++
			seg = 0
		case c == '.' && dots < 2:
			return 0, false
		default:
			return i, dots == 2
		}
	}
	return i, dots == 2
}

func base64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func newZlib(body []byte) (io.Reader, error) {
	return zlib.NewReader(bytes.NewReader(body))
}
