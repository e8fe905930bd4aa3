package repair

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// repairSuccess fixes the shape of a 2xx answer: its format, the type of
// expires_in, the case of token_type, its Content-Type and no-store.
func (w *work) repairSuccess(p *Plan) {
	var buf [8]member
	obj, isObject := splitObject(w.body, buf[:0])
	tokenTypeFixed := false
	switch {
	case isObject:
		tokenTypeFixed = w.rewriteObject(p, obj)
		if w.has(classify.WrongContentType) && w.opts.allows(ContentType) {
			w.setHeader("Content-Type", "application/json")
			p.add(ContentType)
		}
	case w.opts.allows(SuccessJSON) && (w.has(classify.FormEncodedResponse) || w.has(classify.NotJSON) || w.has(classify.WrongContentType)):
		var buf [16]field
		fields, ok := parseForm(w.body, buf[:0])
		if !ok {
			fields, ok = parseXML(w.body, w.resp)
		}
		if ok && w.isSuccess(fields) {
			var conv Plan
			fixed := w.writeFields(&conv, fields)
			if w.plainTokenSuccess(fields) || w.compliant(w.out) {
				tokenTypeFixed = fixed
				for _, k := range conv.Kinds() {
					p.add(k)
				}
				p.add(SuccessJSON)
			} else {
				w.out, w.newOut = nil, false
			}
		}
	}
	// A body converted to a token success carries tokens now, whatever
	// the classifier could say of the original.
	converted := p.Has(SuccessJSON) && w.result.Endpoint == classify.EndpointToken &&
		!strings.Contains(strings.ToLower(w.resp.Header.Get("Cache-Control")), "no-store")
	if (w.has(classify.MissingNoStore) || converted) && w.opts.allows(NoStore) {
		w.setHeader("Cache-Control", "no-store")
		p.add(NoStore)
	}
	// A case change alone is no reason to touch a response the classifier
	// accepts: only strict clients care, and RFC 6749 §5.1 says the type
	// is case-insensitive.
	if tokenTypeFixed && p.Changed() {
		p.add(TokenTypeCase)
	}
	if tokenTypeFixed && !p.Changed() {
		w.newOut, w.out = false, nil
	}
}

// isSuccess: the fields carry what this endpoint's success must carry,
// so the JSON form is a usable answer and not a mislabelled page.
func (w *work) isSuccess(fields []field) bool {
	want := "access_token"
	switch w.result.Endpoint {
	case classify.EndpointDeviceAuthorization:
		want = "device_code"
	case classify.EndpointIntrospect:
		want = "active"
	case classify.EndpointRevoke:
		return false // any 200 body is fine there (RFC 7009 §2.2)
	}
	if hasField(fields, "error") || len(fieldValue(fields, want)) == 0 {
		return false
	}
	// A token answer that would still lack its type is no compliant
	// success: leave the upstream's own shape (RFC 6749 §5.1).
	return want != "access_token" || len(fieldValue(fields, "token_type")) != 0
}

// fieldValue returns a field's value without surrounding space.
func fieldValue(fs []field, k string) []byte {
	for _, f := range fs {
		if string(f.key) == k {
			return bytes.TrimSpace(f.value)
		}
	}
	return nil
}

// plainTokenSuccess is the classifier's verdict on a converted token
// success, read from the fields written: the body is a JSON object
// (writeFields), with no-store (compliant's header), and the token checks
// of RFC 6749 §5.1 (classify's checkTokenSuccess) pass. It answers false
// when unsure, and compliant asks the classifier then, so it only saves
// time: TestPlainTokenSuccessAgrees and FuzzPlainTokenSuccess prove that
// whatever it accepts, the classifier accepts too.
func (w *work) plainTokenSuccess(fields []field) bool {
	if w.result.Endpoint != classify.EndpointToken || len(w.out) > classify.DefaultMaxBodyBytes {
		return false
	}
	if w.req != nil && (containsFoldDecoded(w.req.Body, "scope") || containsFoldDecoded(w.req.Body, "exchange")) {
		return false // scope comparisons, the id_token rule and token exchange: the classifier's call
	}
	access, typ, expires := false, false, true
	for _, f := range fields {
		switch string(f.key) {
		case "access_token":
			access = len(f.value) > 0
		case "token_type":
			t := f.value
			if c, ok := canonicalTokenType(t); ok && w.opts.allows(TokenTypeCase) {
				t = []byte(c)
			}
			typ = defaultTokenType(t)
		case "expires_in":
			expires = digitsOnly(f.value) && string(f.value) != "0" && w.opts.allows(ExpiresInNumber)
		case "scope":
			if containsFoldDecoded(f.value, "openid") {
				return false
			}
		}
	}
	return access && typ && expires
}

// defaultTokenType: one of classify.DefaultTokenTypes in any ASCII case.
func defaultTokenType(t []byte) bool {
	for _, want := range classify.DefaultTokenTypes {
		if asciiEqualFold(t, want) {
			return true
		}
	}
	return false
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// containsFoldDecoded reports whether b holds word, in any ASCII case and
// also under percent or plus encoding: what the classifier may read out of
// a form once unescaped.
func containsFoldDecoded(b []byte, word string) bool {
	for i := range b {
		if c := b[i]; c|0x20 != word[0]|0x20 && c != '%' && c != '+' {
			continue // the common case: no match can start here
		}
		j, k := i, 0
		for ; k < len(word) && j < len(b); k++ {
			c := b[j]
			j++
			switch {
			case c == '+':
				c = ' '
			case c == '%' && j+1 < len(b) && isHex(b[j]) && isHex(b[j+1]):
				c = unhex(b[j])<<4 | unhex(b[j+1])
				j += 2
			}
			if c|0x20 != word[k]|0x20 {
				break
			}
		}
		if k == len(word) {
			return true
		}
	}
	return false
}

// compliant asks the classifier whether body, as JSON, is a usable
// answer: a converted body must not trade one failure for another.
func (w *work) compliant(body []byte) bool {
	h := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}
	resp := classify.Response{Status: w.resp.Status, Header: h, Body: body}
	req := classify.Request{Method: "POST", Header: http.Header{}}
	if w.req != nil {
		req = *w.req
	}
	r := classify.ClassifyAs(w.result.Endpoint, &req, &resp, nil)
	return r.Verdict != classify.VerdictInvalid
}

// numericMembers are the §5.1 and RFC 8628 §3.2 members that are numbers.
// introspectionBool: active=true or active=false, in any case.
func introspectionBool(k string, v []byte) bool {
	return k == "active" && (asciiEqualFold(v, "true") || asciiEqualFold(v, "false"))
}

func introspectionNumber(k string) bool { return k == "exp" || k == "iat" || k == "nbf" }

func numericMember(k string) bool {
	return k == "expires_in" || k == "interval"
}

// canonicalTokenType returns Bearer or DPoP for another case of either.
func canonicalTokenType(s []byte) (string, bool) {
	for _, t := range [...]string{"Bearer", "DPoP"} {
		if string(s) != t && bytes.EqualFold(s, []byte(t)) {
			return t, true
		}
	}
	return "", false
}

func digitsOnly(s []byte) bool {
	if len(s) == 0 || len(s) > 12 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rewriteObject changes members in place of a JSON success and reports
// whether token_type's case was changed.
func (w *work) rewriteObject(p *Plan, obj object) bool {
	changed, tokenType := false, false
	out := make([]byte, 0, len(w.body)+8)
	out = append(out, '{')
	for i, m := range obj {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, m.key...)
		out = append(out, `":`...)
		raw := m.raw
		key := string(m.key)
		switch {
		case numericMember(key) && len(raw) > 2 && raw[0] == '"' && digitsOnly(raw[1:len(raw)-1]) && w.opts.allows(ExpiresInNumber):
			raw = raw[1 : len(raw)-1]
			changed = true
			p.add(ExpiresInNumber)
		case key == "token_type" && w.opts.allows(TokenTypeCase):
			if s, ok := obj.strBytes(key); ok {
				if t, ok := canonicalTokenType(s); ok {
					out = append(append(append(out, '"'), t...), '"')
					changed, tokenType = true, true
					continue
				}
			}
		}
		out = append(out, raw...)
	}
	out = append(out, '}')
	if changed {
		w.out, w.newOut = out, true
	}
	return tokenType
}

// writeFields writes form or XML fields as a JSON object: strings, except
// numeric members with a numeric value. It reports a token_type case fix.
func (w *work) writeFields(p *Plan, fields []field) bool {
	tokenType := false
	// Sized for the fields as sent: escapes to JSON are rare, and append
	// grows the slice when they occur.
	size := 2
	for _, f := range fields {
		size += len(f.key) + len(f.value) + 6
	}
	out := make([]byte, 0, size)
	out = append(out, '{')
	for i, f := range fields {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, f.key)
		out = append(out, ':')
		v := f.value
		key := string(f.key)
		switch {
		case numericMember(key) && digitsOnly(v) && w.opts.allows(ExpiresInNumber):
			out = append(out, v...)
			p.add(ExpiresInNumber)
			continue
		case w.result.Endpoint == classify.EndpointIntrospect && introspectionBool(key, v):
			// RFC 7662 §2.2: active is a boolean; a form has only strings.
			out = append(out, bytes.ToLower(v)...)
			continue
		case w.result.Endpoint == classify.EndpointIntrospect && introspectionNumber(key) && digitsOnly(v):
			out = append(out, v...) // exp, iat, nbf: NumericDate (RFC 7519 §2)
			continue
		case key == "token_type" && w.opts.allows(TokenTypeCase):
			if t, ok := canonicalTokenType(v); ok {
				out = append(append(append(out, '"'), t...), '"')
				tokenType = true
				continue
			}
		}
		out = appendString(out, v)
	}
	w.out, w.newOut = append(out, '}'), true
	return tokenType
}
