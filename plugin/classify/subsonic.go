package classify

// The Subsonic API (Navidrome, Airsonic, Gonic, Nextcloud Music, Ampache's
// Subsonic endpoint): credentials in the query (u with t and s, or p, or
// apiKey), every answer HTTP 200, and a failure named by a numbered error
// inside {"subsonic-response":{"status":"failed","error":{"code":N}}} or
// its XML twin.
// Source: https://www.subsonic.org/pages/api.jsp (Error handling) and
// https://opensubsonic.netlify.app/docs/responses/error/

// subsonicCall reports a Subsonic API request: a /rest/ path with the
// client name and API version every call carries.
func subsonicCall(req *Request) bool {
	return req.RawQuery != "" && containsFold(req.Path, "/rest/") && queryHas(req.RawQuery, "v") && queryHas(req.RawQuery, "c")
}

// subsonicCodes maps Subsonic error numbers to causes; 0 (generic) and 70
// (data not found) name no OAuth cause.
var subsonicCodes = map[int]Code{
	10: InvalidRequest,    // a required parameter is missing (MissingToken when it is the user)
	20: InvalidRequest,    // client must upgrade
	30: InvalidRequest,    // server must upgrade
	40: InvalidToken,      // wrong username or password (the call's credential)
	41: InvalidRequest,    // token authentication not supported for LDAP users
	42: InvalidRequest,    // authentication mechanism not supported (OpenSubsonic)
	43: InvalidRequest,    // multiple conflicting authentication mechanisms
	44: InvalidToken,      // invalid API key
	50: InsufficientScope, // user not authorized for the operation
	60: AccessDenied,      // trial period over
}

// subsonicError reads a failed Subsonic response's error number.
func subsonicError(req *Request, body []byte) (Code, bool) {
	head := body[skipSpace(body, 0):]
	if len(head) > 512 {
		head = head[:512]
	}
	if !containsFold(head, "subsonic-response") || !containsFold(head, "failed") {
		return "", false
	}
	i := indexFold(head, `"code"`)
	if i < 0 {
		i = indexFold(head, `code="`)
	}
	if i < 0 {
		return "", false
	}
	n, digits := 0, 0
	for j := i + len(`"code"`); j < len(head) && digits < 4; j++ {
		c := head[j]
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
			digits++
		case digits > 0:
			j = len(head)
		case c != ':' && c != ' ' && c != '"' && c != '=':
			return "", false
		}
	}
	c, ok := subsonicCodes[n]
	if !ok || digits == 0 {
		return "", false
	}
	if n == 10 && !queryHas(req.RawQuery, "u") && !queryHas(req.RawQuery, "apiKey") {
		c = MissingToken // the user (or key) is the parameter left out
	}
	return c, true
}
