package classify

// WWW-Authenticate parsing (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9449 §7.1),
// tolerant of the many ways servers write it, and allocation-free.

// challenge is one Bearer or DPoP challenge of a WWW-Authenticate header.
type challenge struct {
	found bool
	// errorCode is the raw error auth-param, empty if absent.
	errorCode string
	// description is the error_description auth-param beside it.
	description string
}

// oauthChallenge returns the first Bearer or DPoP challenge across the
// header's values, preferring one that carries an error.
func oauthChallenge(values []string) challenge {
	var first challenge
	for _, v := range values {
		p := challengeParser{s: v}
		for {
			scheme, ok := p.nextScheme()
			if !ok {
				break
			}
			isOAuth := equalFold(scheme, "Bearer") || equalFold(scheme, "DPoP")
			var errCode, desc string
			for {
				name, val, ok := p.nextParam()
				if !ok {
					break
				}
				if isOAuth && equalFold(name, "error") {
					errCode = val
				}
				if isOAuth && equalFold(name, "error_description") {
					desc = val
				}
			}
			if !isOAuth {
				continue
			}
			if errCode != "" {
				return challenge{found: true, errorCode: errCode, description: desc}
			}
			if !first.found {
				first = challenge{found: true}
			}
		}
	}
	return first
}

// hasOAuthChallenge reports a Bearer or DPoP challenge (detection).
func hasOAuthChallenge(values []string) bool { return oauthChallenge(values).found }

type challengeParser struct {
	s string
	i int
}

func (p *challengeParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

func (p *challengeParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// nextScheme reads an auth-scheme, stepping over stray bytes.
func (p *challengeParser) nextScheme() (string, bool) {
	for {
		p.skip()
		if p.i >= len(p.s) {
			return "", false
		}
		if t := p.token(); t != "" {
			return t, true
		}
		p.i++
	}
}

// nextParam reads name=value or name="quoted value" within the current
// challenge. At anything else (the next scheme, a token68) it leaves the
// position unchanged and reports false.
func (p *challengeParser) nextParam() (name, val string, ok bool) {
	save := p.i
	p.skip()
	name = p.token()
	j := p.i
	for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
		j++
	}
	if name == "" || j >= len(p.s) || p.s[j] != '=' {
		p.i = save
		return "", "", false
	}
	p.i = j + 1
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == '"' {
		p.i++
		vstart := p.i
		for p.i < len(p.s) && p.s[p.i] != '"' {
			if p.s[p.i] == '\\' && p.i+1 < len(p.s) {
				p.i++
			}
			p.i++
		}
		val = p.s[vstart:p.i]
		if p.i < len(p.s) {
			p.i++
		}
		return name, val, true
	}
	vstart := p.i
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ' ' && p.s[p.i] != '\t' {
		p.i++
	}
	val = p.s[vstart:p.i]
	if len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'' {
		val = val[1 : len(val)-1] // IBM DataPower's error='invalid_token': RFC 7235 has no such quotes, but the code is clear
	}
	return name, val, true
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
