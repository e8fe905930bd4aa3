package classify

// Observed risks: practices RFC 9700 (OAuth 2.0 Security Best Current
// Practice) advises against, seen in live traffic. They are info causes,
// off by default (Options.ObserveRisks), and never change the verdict or
// the root cause: they only let dashboards find the clients that use them.

// observeRisks adds the risk causes of one exchange. It reads the request
// and, for a refresh at a token endpoint, the success body.
func observeRisks(r *Result, req *Request, resp *Response, opts *Options) {
	if r.Endpoint == EndpointNone || r.Endpoint == "" {
		return
	}
	// The risks come after the root, never in its place: a resource
	// answer with no cause gets ok first, and only if a risk shows.
	bare := r.n == 0
	if bare {
		r.add(OK)
	}
	switch r.Endpoint {
	case EndpointAuthorize:
		// RFC 9700 §2.1.1: clients use PKCE for the authorization code flow.
		if rt, ok := queryValue(req.RawQuery, "response_type"); ok && containsField([]byte(unescapeQuery(rt)), []byte("code")) {
			if _, pkce := queryValue(req.RawQuery, "code_challenge"); !pkce {
				r.add(PKCEMissing)
			}
		}
	case EndpointToken:
		params := newRequestParams(req)
		grant := requestGrant(req)
		switch {
		case grant == "password":
			r.add(PasswordGrant) // RFC 9700 §2.4: must not be used
		case grant == grantAuthorizationCode || grant == "" && params.has(pCode) && !params.has(pDeviceCode):
			if !params.has(pCodeVerifier) {
				r.add(PKCEMissing)
			}
		case grant == grantRefreshToken && !clientAuthenticated(req, params) && resp.Status >= 200 && resp.Status < 300:
			if !refreshRotated(req, resp, opts) {
				r.add(RefreshNotRotated)
			}
		}
	case EndpointResource:
		// RFC 6750 §2.3 and RFC 9700 §4.3.2: tokens in URLs leak to logs.
		if _, ok := queryValue(req.RawQuery, "access_token"); ok {
			r.add(TokenInQuery)
		}
	}
	if bare && r.n == 1 {
		r.n = 0
	}
}

// requestGrant is the grant_type of a form body or, for broken clients, the query.
func requestGrant(req *Request) string {
	if v, ok := formValue(req.Body, "grant_type"); ok {
		return string(unescapeForm(v))
	}
	if v, ok := queryValue(req.RawQuery, "grant_type"); ok {
		return unescapeQuery(v)
	}
	if jsonBody(req.Body) {
		if v, ok := memberString(req.Body, "grant_type"); ok {
			return string(unescapeJSON(v.raw)) // MTN MoMo's JSON token request
		}
	}
	return ""
}

// grantIs reports whether the request's grant_type is grant (form body,
// query or JSON body), without allocating: grant needs no escaping.
func grantIs(req *Request, grant string) bool {
	if v, ok := formValue(req.Body, "grant_type"); ok {
		return string(v) == grant
	}
	if v, ok := queryValue(req.RawQuery, "grant_type"); ok {
		return v == grant
	}
	if jsonBody(req.Body) {
		if v, ok := memberString(req.Body, "grant_type"); ok {
			return string(v.raw) == grant
		}
	}
	return false
}

// clientAuthenticated reports a confidential client: a secret, an
// assertion or HTTP Basic. A public client sends its client_id alone.
func clientAuthenticated(req *Request, params requestParams) bool {
	return params.has(pClientSecret|pClientAssertion|pSecret) ||
		hasPrefixFold(trimSpace(headerValue(req.Header, "Authorization")), "basic ") ||
		headerValue(req.Header, "Dpop") != "" // a DPoP-bound refresh token cannot be replayed alone (RFC 9449 §5)
}

// refreshRotated reports whether a refresh success issued a new refresh
// token (RFC 9700 §4.14.2: public clients' refresh tokens are rotated or
// sender-constrained). No refresh_token in the answer, or the same one
// back, is no rotation. A body it cannot read counts as rotated.
func refreshRotated(req *Request, resp *Response, opts *Options) bool {
	body := decodeBody(resp, opts.maxBody())
	if body.corrupt || body.opaque || body.truncated {
		return true
	}
	f := parseFields(body.b, MediaType(resp.Header), false)
	if !f.accessToken.present() {
		return true // not a success the client can use: the verdict says so
	}
	if !f.refreshToken.nonEmptyString() {
		return false
	}
	sent, ok := formValue(req.Body, "refresh_token")
	if !ok {
		return true
	}
	issued := f.refreshToken.raw
	if f.format == formatForm {
		issued = unescapeForm(issued)
	} else {
		issued = unescapeJSON(issued)
	}
	return string(unescapeForm(sent)) != string(issued)
}

func unescapeQuery(s string) string { return string(unescapeForm([]byte(s))) }
