package repair

import (
	"net/http"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// repairSuccess fixes the shape of a 2xx answer: its format, the type of
// expires_in, the case of token_type, its Content-Type and no-store.
func (w *work) repairSuccess(p *Plan) {
	obj, isObject := splitObject(w.body)
	tokenTypeFixed := false
	switch {
	case isObject:
		tokenTypeFixed = w.rewriteObject(p, obj)
		if w.has(classify.WrongContentType) && w.opts.allows(ContentType) {
			w.setHeader("Content-Type", "application/json")
			p.add(ContentType)
		}
	case w.opts.allows(SuccessJSON) && (w.has(classify.FormEncodedResponse) || w.has(classify.NotJSON) || w.has(classify.WrongContentType)):
		fields, ok := parseForm(w.body, w.resp)
		if !ok {
			fields, ok = parseXML(w.body, w.resp)
		}
		if ok && w.isSuccess(fields) {
			var conv Plan
			fixed := w.writeFields(&conv, fields)
			if w.compliant(w.out) {
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
	if hasField(fields, "error") || fieldValue(fields, want) == "" {
		return false
	}
	// A token answer that would still lack its type is no compliant
	// success: leave the upstream's own shape (RFC 6749 §5.1).
	return want != "access_token" || strings.TrimSpace(fieldValue(fields, "token_type")) != ""
}

func fieldValue(fs []field, k string) string {
	for _, f := range fs {
		if f.key == k {
			return strings.TrimSpace(f.value)
		}
	}
	return ""
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
func numericMember(k string) bool {
	return k == "expires_in" || k == "interval"
}

// canonicalTokenType returns Bearer or DPoP for another case of either.
func canonicalTokenType(s string) (string, bool) {
	for _, t := range [...]string{"Bearer", "DPoP"} {
		if s != t && strings.EqualFold(s, t) {
			return t, true
		}
	}
	return "", false
}

func digitsOnly(s string) bool {
	if s == "" || len(s) > 12 || (len(s) > 1 && s[0] == '0') {
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
		case numericMember(key) && len(raw) > 2 && raw[0] == '"' && digitsOnly(string(raw[1:len(raw)-1])) && w.opts.allows(ExpiresInNumber):
			raw = raw[1 : len(raw)-1]
			changed = true
			p.add(ExpiresInNumber)
		case key == "token_type" && w.opts.allows(TokenTypeCase):
			if s, ok := obj.str(key); ok {
				if t, ok := canonicalTokenType(s); ok {
					raw = []byte(`"` + t + `"`)
					changed, tokenType = true, true
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
	out := make([]byte, 0, 2*len(w.body)+16)
	out = append(out, '{')
	for i, f := range fields {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, f.key)
		out = append(out, ':')
		v := f.value
		switch {
		case numericMember(f.key) && digitsOnly(v) && w.opts.allows(ExpiresInNumber):
			out = append(out, v...)
			p.add(ExpiresInNumber)
			continue
		case f.key == "token_type" && w.opts.allows(TokenTypeCase):
			if t, ok := canonicalTokenType(v); ok {
				v, tokenType = t, true
			}
		}
		out = appendString(out, v)
	}
	w.out, w.newOut = append(out, '}'), true
	return tokenType
}
