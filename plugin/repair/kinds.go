package repair

// Kind names one repair. Kinds are a public contract: the per-API config
// lists them and analytics carry them as x-oauth-repaired-<kind> tags, so a
// kind is never renamed or removed, only added.
type Kind string

// Repair kinds.
const (
	ErrorStatus     Kind = "error_status"
	ErrorShape      Kind = "error_shape"
	SuccessJSON     Kind = "success_json"
	ExpiresInNumber Kind = "expires_in_number"
	TokenTypeCase   Kind = "token_type_case"
	EdgeError       Kind = "edge_error"
	NoStore         Kind = "no_store"
	ContentType     Kind = "content_type"
)

// Repair is one row of the registry.
type Repair struct {
	Kind Kind
	RFC  string // the section the client-side form comes from
	Doc  string // one line: what the client receives instead
}

// Registry is every repair, in documentation order. The README's repair
// table is tested against it.
var Registry = []Repair{
	{ErrorStatus, "RFC 6749 §5.2",
		"An OAuth error sent with a 2xx status gets 400, or 401 with WWW-Authenticate: Basic for invalid_client when the client authenticated with HTTP Basic."},
	{ErrorShape, "RFC 6749 §5.2",
		"An error in a vendor dialect (nested object, ok:false, vendor code, form or text body) becomes {\"error\":…} with the mapped registered code; a safe, capped description is kept."},
	{SuccessJSON, "RFC 6749 §5.1",
		"A form-encoded or XML success body becomes a JSON object with the same fields."},
	{ExpiresInNumber, "RFC 6749 §5.1",
		"expires_in sent as a numeric string becomes a JSON number."},
	{TokenTypeCase, "RFC 6750 §4",
		"token_type in another case (bearer, dpop) becomes Bearer or DPoP, in a response that is repaired anyway."},
	{EdgeError, "RFC 6749 §5.2",
		"An HTML, text or empty 5xx, 403 or 429 from an edge becomes 503 temporarily_unavailable (500 server_error when the server failed), Retry-After kept or set, naming what answered."},
	{NoStore, "RFC 6749 §5.1",
		"A token response without Cache-Control: no-store gets the header."},
	{ContentType, "RFC 6749 §5.1",
		"A JSON body labelled text/html or text/plain gets Content-Type: application/json."},
}

// Known reports whether k is a registered kind.
func Known(k Kind) bool {
	for _, r := range Registry {
		if r.Kind == k {
			return true
		}
	}
	return false
}
