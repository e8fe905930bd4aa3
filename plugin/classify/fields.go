package classify

// Body formats, as the classifier sees them.
const (
	formatEmpty   = iota
	formatJSON    // a JSON object
	formatForm    // application/x-www-form-urlencoded (GitHub)
	formatHTML    // an HTML page
	formatBadJSON // starts like JSON but is not a well-formed object
	formatText    // anything else
	// formatJSONArray: a JSON array of error objects (Salesforce).
	formatJSONArray
)

// value is one scanned field: its raw bytes and JSON kind (kindString for
// form values).
type value struct {
	raw  []byte
	kind byte
}

func (v value) present() bool { return v.kind != kindNone && v.kind != kindNull }

// nonEmptyString reports a string field with content.
func (v value) nonEmptyString() bool { return v.kind == kindString && len(v.raw) > 0 }

// oauthFields are the fields of a token, error, device, or introspection
// body that the checks read. Raw slices point into the body.
type oauthFields struct {
	format int
	// jsonp: a JSON object wrapped in a JavaScript callback (QQ's
	// "callback( {...} );"), read as JSON but not JSON on the wire.
	jsonp bool
	// partial: the body was cut at the cap mid-object; the fields seen
	// before the cut are kept, absent ones prove nothing.
	partial bool

	// RFC 6749 §5.2 error response.
	err         value // "error": a string per the RFC; an object in nested shapes
	description value // "error_description"
	errorCodes  value // "error_codes": Microsoft Entra's AADSTS numbers
	message     value // "message" / "error_message": message-only shapes

	// Vendor dialects (dialects.go): every code-like string and number
	// found in the usual places, most specific first, so the dialect
	// tables can read them without knowing each shape.
	vendor vendorFields
	// okFalse: a Slack-style {"ok":false,…} envelope.
	okFalse bool
	// requestFailed: GraphQL's {"errors":[…]} with no data (the GraphQL
	// spec's Response section: data is absent when the request failed
	// before execution, null when execution failed at its root).
	requestFailed bool
	// errorsListed: a non-empty GraphQL-style "errors" array.
	errorsListed bool
	// dataFilled: a non-empty "data" beside whatever else (GraphQL's
	// partial result beside its errors).
	dataFilled bool

	// RFC 6749 §5.1 success response.
	accessToken  value
	altToken     value // accessToken, token, tenant_access_token: not RFC 6749's name
	altAccess    bool  // altToken is named an access token (accessToken, AccessToken)
	tokenType    value
	expiresIn    value
	refreshToken value
	scope        value
	idToken      value // OpenID Connect Core §3.1.3.3

	// RFC 8693 §2.2.1 token exchange.
	issuedTokenType value

	// RFC 8628 §3.2 device authorization.
	deviceCode, userCode, verificationURI value

	// RFC 7662 §2.2 introspection.
	active value
}

// parseFields reads a decoded body. mediaType is the response's lowercased
// media type without parameters; truncated says the body was cut at the cap.
func parseFields(body []byte, mediaType string, truncated bool) oauthFields {
	var f oauthFields
	start := skipSpace(body, 0)
	switch {
	case start == len(body):
		f.format = formatEmpty
	case body[start] == '{':
		f.format = formatJSON
		f.scanJSON(body, truncated)
	case xmlDocument(body[start:]):
		f.format = formatText // XML (SOAP faults, Moodle, Walmart): not JSON, and no page either
	case jsonpObject(body[start:]) != nil:
		f.format, f.jsonp = formatJSON, true
		f.scanJSON(jsonpObject(body[start:]), truncated)
	case body[start] == '<' || (mediaType == "text/html" || mediaType == "application/xhtml+xml") && !looksLikeForm(body[start:]):
		f.format = formatHTML
	case body[start] == '[':
		f.format = formatBadJSON
		if truncated {
			break // a cut array proves nothing; error arrays are short
		}
		if kind, next, ok := skipValue(body, start, 0); ok && kind == kindArray && skipSpace(body, next) == len(body) {
			f.format = formatJSONArray
			f.vendor.scanArray(body[start:next], 0)
			f.message = f.vendor.msg
		}
	case mediaType == "application/x-www-form-urlencoded" || looksLikeForm(body[start:]):
		f.format = formatForm
		form := body[start:]
		for len(form) > 0 && (form[len(form)-1] == '\n' || form[len(form)-1] == '\r') {
			form = form[:len(form)-1] // a form written with a line end after its last value
		}
		f.scanForm(form)
	default:
		f.format = formatText
	}
	return f
}

// jsonpObject returns the object of a JSONP body, callback( {...} );, or nil.
func jsonpObject(b []byte) []byte {
	i := 0
	for i < len(b) && i < 64 && (isWordByte(b[i]) || b[i] == '$' || b[i] == '.') {
		i++
	}
	if i == 0 || i == len(b) {
		return nil
	}
	j := skipSpace(b, i)
	if j >= len(b) || b[j] != '(' {
		return nil
	}
	j = skipSpace(b, j+1)
	if j >= len(b) || b[j] != '{' {
		return nil
	}
	kind, next, ok := skipValue(b, j, 0)
	if !ok || kind != kindObject {
		return nil
	}
	k := skipSpace(b, next)
	if k >= len(b) || b[k] != ')' {
		return nil
	}
	return b[j:next]
}

// xmlDocument reports an XML document that is not an XHTML page.
func xmlDocument(b []byte) bool {
	if !hasPrefixFold(string(b[:min(len(b), 5)]), "<?xml") {
		return false
	}
	head := b[:min(len(b), 1024)]
	return !containsFold(head, "<html") && !containsFold(head, "<!doctype html")
}

func (f *oauthFields) scanJSON(body []byte, truncated bool) {
	obj := newJSONObject(body)
	var code value
	dataFilled, errorsListed := false, false
	var text, result value
	for {
		key, val, kind, ok := obj.next()
		if !ok {
			break
		}
		switch string(key) {
		case "code", "ret_code", "retCode", "err-code": // Bybit's retCode, Huobi's err-code
			code = value{raw: val, kind: kind}
		case "data", "result":
			dataFilled = kind != kindNull && !emptyContainer(val) // Bybit's "result":{} beside its error
			if kind == kindString && string(key) == "result" {
				result = value{raw: val, kind: kind}
			}
		case "text":
			text = value{raw: val, kind: kind} // Splunk HEC's {"text":"Invalid token","code":4}
		case "errors":
			if kind == kindArray {
				i := skipSpace(val, 1)
				errorsListed = i < len(val) && val[i] != ']' // not "[]"
			}
		}
		f.set(key, value{raw: val, kind: kind})
	}
	f.requestFailed = errorsListed && !dataFilled
	f.errorsListed = errorsListed
	f.dataFilled = dataFilled
	if text.kind == kindString && !f.message.present() && failureCode(code) && !dataFilled {
		f.message = text // a nonzero code beside a text is its message
	}
	if result.kind == kindString && f.message.kind == kindString && equalFoldBytes(f.message.raw, "NOTOK") && !f.vendor.msg.present() {
		// Etherscan's API and its clones: {"status":"0","message":"NOTOK",
		// "result":"Invalid API Key"}, sent with 200; the result says why.
		f.vendor.errorish = true
		f.vendor.msg = result
	}
	if (f.okFalse || f.vendor.errorish) && code.kind == kindNumber && f.vendor.httpStatus == 0 {
		// {"code":401,"message":…,"status":"error"} in a 200: the code is
		// the HTTP status the answer should have had.
		if n := firstNumber(code.raw); n >= 400 && n < 600 {
			f.vendor.httpStatus = n
		}
	}
	if failureCode(code) && !dataFilled && f.message.present() && !f.accessToken.present() {
		// {"code":2031,"msg":"need two step validate","data":null}
		// (Roborock, many vendor APIs): a nonzero code beside a message and
		// no data is the envelope of an error.
		f.vendor.errorish = true
	}
	if obj.err {
		if truncated {
			f.partial = true
		} else {
			*f = oauthFields{format: formatBadJSON}
		}
	}
}

func (f *oauthFields) scanForm(body []byte) {
	pairs := formPairs{b: body}
	for {
		key, raw, ok := pairs.next()
		if !ok {
			return
		}
		f.set(key, value{raw: raw, kind: kindString})
	}
}

// set stores a field the checks read; other fields are ignored.
func (f *oauthFields) set(key []byte, v value) {
	if v.kind == kindString && (string(key) == "stat" || string(key) == "status") &&
		(string(v.raw) == "fail" || string(v.raw) == "error") {
		// Flickr's {"stat":"fail",…} and JSend's {"status":"fail"|"error"}:
		// an error envelope, like Slack's "ok":false.
		f.okFalse = true
	}
	if string(key) == "Error Message" && v.kind == kindString {
		f.vendor.errorish = true
	}
	switch string(key) {
	case "error":
		f.err = v
		if v.kind == kindObject {
			f.scanNested(v.raw)
		}
		if v.kind == kindArray {
			f.vendor.scanArray(v.raw, 1) // Kraken's {"error":["EAPI:Invalid key"]}
		}
		if v.kind == kindString {
			f.vendor.addCode(v)
		}
	case "title", "Title":
		// RFC 9457's title, read after detail (Easee's detail is "[Empty in
		// production]", its title "Username or password is invalid").
		if v.kind == kindString && f.vendor.msg2.kind == kindNone && !bareStatusWord(v.raw) {
			f.vendor.msg2 = v
		}
	case "oauth_problem": // OAuth 1.0a Problem Reporting, form-encoded
		if !f.err.present() && v.kind == kindString {
			f.err = v
		}
	case "error_description", "errorDescription", "ErrorDescription", "error_desc":
		f.description = v
	case "error_codes":
		f.errorCodes = v
	case "message", "error_message", "errorMessage", "Message", "errorSummary", "error_summary", "detail", "faultstring", "error_msg",
		"Detail", "hint", "errmsg", "err", "msg", "developerMessage", "developer_message", "description",
		// Kotak's {"stCode":…,"errMsg":…}, Digi-Key's ErrorMessage, TMDB's status_message.
		"errMsg", "errorMsg", "ErrMsg", "ErrorMsg", "ErrorMessage", "status_message", "statusMessage", "messageDescription",
		"error_detail",    // Untappd's meta.error_detail
		"moreInformation", // IBM API Connect's {"httpCode","httpMessage","moreInformation"}
		"Error Message":   // Alpha Vantage's 200 {"Error Message":"Invalid API call. …"}
		if !f.message.present() || f.message.kind != kindString {
			f.message = v
		}
		if v.kind == kindObject {
			f.vendor.scan(v.raw, 1)
		} else if v.kind == kindArray {
			f.vendor.scanArray(v.raw, 1) // FastAPI's {"detail":[{"type":"missing","loc":[…],"msg":…}]}
		}
	case "ok", "success", "Success":
		// Slack's {"ok":false,…}; Tuya's and many APIs' {"success":false,…}.
		f.okFalse = f.okFalse || v.kind == kindBool && string(v.raw) == "false"
	case "status_code", "statusCode", "StatusCode", "httpCode", "http_code", "httpStatus", "http_status", "jsonCode":
		// Bitly v3's {"status_code":403,"status_txt":"RATE_LIMIT_EXCEEDED"}
		// and Expensify's {"jsonCode":407,…} in a 200.
		f.vendor.httpStatusField(v)
	default:
		if f.accessToken.nonEmptyString() && f.err.kind == kindNone {
			// A token success's extra fields (session_state,
			// refresh_expires_in): no vendor envelope is read past a token,
			// and skipping them keeps the common answer cheap.
			return
		}
		if v.kind == kindString && !f.message.present() && messageLikeKey(key) && !bareStatusWord(v.raw) {
			// A vendor's own message key (errorText, userMessage); IBM API
			// Connect's httpMessage only restates the status.
			f.message = v
		}
		f.vendor.field(key, v, 0)
	case "access_token":
		f.accessToken = v
	case "accessToken", "AccessToken", "token", "tenant_access_token", "app_access_token", "user_access_token",
		"jwt", "access", "authToken", "auth_token", "sessionId", "session_id", "sessionToken", "session_token",
		"sessionKey", "session_key", "SessionId", "SessionToken", "userToken", "user_token":
		// A token or session under a vendor's name (Bill.com's and Veeva's
		// sessionId, Expensify's authToken), for detection only; Toast's
		// {"token":{"accessToken":…}} nests it.
		if f.altToken.kind == kindNone {
			f.altToken = v
			f.altAccess = string(key) == "accessToken" || string(key) == "AccessToken"
			if v.kind == kindObject {
				f.altToken = nestedToken(v.raw)
			}
		}
	case "data", "result", "response_data", "responseData", "response":
		// A login API's {"data":{"access_token":…}} (Directus, Tuya): the
		// token is there, where no OAuth client looks.
		if v.kind == kindObject && f.altToken.kind == kindNone {
			f.altToken = nestedToken(v.raw)
		}
		f.vendor.field(key, v, 0)
	case "token_type":
		f.tokenType = v
	case "expires_in":
		f.expiresIn = v
	case "refresh_token":
		f.refreshToken = v
	case "scope":
		f.scope = v
	case "id_token":
		f.idToken = v
	case "issued_token_type":
		f.issuedTokenType = v
	case "device_code":
		f.deviceCode = v
	case "user_code":
		f.userCode = v
	case "verification_uri": // RFC 8628 §3.2; Google's and Yandex's verification_url fails strict clients
		f.verificationURI = v
	case "active":
		f.active = v
	}
}

func (f *oauthFields) scanNested(obj []byte) { f.vendor.scan(obj, 1) }

// looksLikeForm accepts bodies like "error=x&error_description=y": a
// token key followed by '=' and only form-safe bytes on the first line.
func looksLikeForm(b []byte) bool {
	eq := false
	for i, c := range b {
		switch {
		case c == '=':
			if i == 0 {
				return false
			}
			eq = true
		case c == '\n' || c == '\r':
			return false
		case c == '&' || c == '%' || c == '+' || c == '.' || c == '-' || c == '_' || c == '~' || c == '*':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return eq
}

// hasError reports an RFC 6749 §5.2 error of any shape.
func (f *oauthFields) hasError() bool {
	return f.err.present()
}

// memberString finds a string member of a JSON object by key, one level deep.
func memberString(obj []byte, key string) (value, bool) {
	o := newJSONObject(obj)
	for {
		k, val, kind, ok := o.next()
		if !ok {
			return value{}, false
		}
		if string(k) == key && kind == kindString {
			return value{raw: val, kind: kind}, true
		}
	}
}

// bareStatusWord reports a message that only names an HTTP status
// ("Unauthorized", "Forbidden").
func bareStatusWord(b []byte) bool {
	c, ok := lookupVendor(b)
	return ok && c == statusWord
}

// nestedToken is the token a vendor's wrapper object holds, under the
// names a login API uses (Personio's data.token, Bill.com's
// response_data.sessionId).
func nestedToken(obj []byte) value {
	for _, name := range [...]string{"access_token", "accessToken", "token", "sessionId", "session_id", "sessionToken", "authToken"} {
		if t, ok := memberString(obj, name); ok {
			return t
		}
	}
	return value{}
}

// failureCode: a top-level "code" that is not a success's (0, 200, "OK").
func failureCode(v value) bool {
	switch v.kind {
	case kindNumber:
		return string(v.raw) != "0" && string(v.raw) != "200" && string(v.raw) != "1"
	case kindString:
		for _, ok := range [...]string{"", "0", "00", "000", "0000", "00000", "200", "ok", "success", "1"} {
			if equalFoldBytes(v.raw, ok) {
				return false
			}
		}
		return true
	}
	return false
}

// emptyContainer reports "{}" or "[]", spaces allowed inside.
func emptyContainer(v []byte) bool {
	if len(v) < 2 || v[0] != '{' && v[0] != '[' {
		return false
	}
	i := skipSpace(v, 1)
	return i == len(v)-1 && (v[i] == '}' || v[i] == ']')
}
