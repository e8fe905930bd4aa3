package classify

import "strings"

// DefaultMaxBodyBytes is how much of a body is inspected by default.
const DefaultMaxBodyBytes = 64 << 10

// DefaultTokenTypes are the token_type values accepted when none are configured
// (RFC 6750 Bearer, RFC 9449 DPoP, RFC 8693 §2.2.1 N_A).
var DefaultTokenTypes = []string{"Bearer", "DPoP", "N_A"}

// Route maps a request path to an endpoint kind, overriding detection.
type Route struct {
	Path     string // exact path, or a prefix when Prefix is set
	Prefix   bool
	Endpoint Endpoint
}

// Options tune the classifier. The zero value is ready to use.
type Options struct {
	// Routes are checked before detection; the longest matching path wins.
	Routes []Route
	// Issuer is the expected iss of authorization responses (RFC 9207).
	Issuer string
	// TokenTypes are the accepted token_type values, compared case-insensitively.
	TokenTypes []string
	// MaxBodyBytes caps how many decoded bytes are inspected.
	MaxBodyBytes int
	// Suppress lists warning or info causes not to report.
	Suppress map[Code]bool
	// ObserveRisks adds the info causes of the risk family (risks.go):
	// practices RFC 9700 advises against, seen in the exchange.
	ObserveRisks bool
}

func (o *Options) maxBody() int {
	if o == nil || o.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return o.MaxBodyBytes
}

func (o *Options) acceptsTokenType(t []byte) bool {
	types := DefaultTokenTypes
	if o != nil && len(o.TokenTypes) > 0 {
		types = o.TokenTypes
	}
	for _, want := range types {
		if equalFoldBytes(t, want) {
			return true
		}
	}
	return false
}

// route returns the configured endpoint for path, if any.
func (o *Options) route(path string) (Endpoint, bool) {
	if o == nil {
		return "", false
	}
	best := -1
	var kind Endpoint
	for _, r := range o.Routes {
		match := path == r.Path || (r.Prefix && strings.HasPrefix(path, r.Path))
		if match && len(r.Path) > best {
			best, kind = len(r.Path), r.Endpoint
		}
	}
	return kind, best >= 0
}

func equalFoldBytes(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
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
