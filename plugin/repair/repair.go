// Package repair rewrites a non-compliant OAuth response into the one
// standard form a client expects, when there is exactly one. It decides
// from the classifier's result (its public API only) and returns a plan:
// the new status, headers and body, and the repairs applied.
//
// It is a pure engine: no Tyk import, no I/O. The plugin applies the plan
// to the upstream response; the repair command prints it.
package repair

import (
	"net/http"
	"strconv"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// DefaultRetryAfter is the Retry-After, in seconds, set on a repaired 503
// when the upstream sent none.
const DefaultRetryAfter = 5

// MaxDescription caps a kept error_description, in bytes.
const MaxDescription = 200

// Options tune the repairs. The zero value applies every kind.
type Options struct {
	// Kinds limits the repairs to these; nil or empty means all.
	Kinds []Kind
	// RetryAfter is set on a repaired 503 without one; 0 means the default.
	RetryAfter int
	// MaxBodyBytes caps the decoded body, as the classifier's cap does;
	// 0 means classify.DefaultMaxBodyBytes.
	MaxBodyBytes int
}

func (o *Options) maxBody() int {
	if o == nil || o.MaxBodyBytes <= 0 {
		return classify.DefaultMaxBodyBytes
	}
	return o.MaxBodyBytes
}

func (o *Options) allows(k Kind) bool {
	if o == nil || len(o.Kinds) == 0 {
		return true
	}
	for _, x := range o.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (o *Options) retryAfter() string {
	if o == nil || o.RetryAfter <= 0 {
		return strconv.Itoa(DefaultRetryAfter)
	}
	return strconv.Itoa(o.RetryAfter)
}

// MaxKinds bounds the repairs of one plan.
const MaxKinds = 8

// Plan is what the client should receive instead. A plan that applies
// nothing leaves Status, Header and Body unset.
type Plan struct {
	kinds [MaxKinds]Kind
	n     int
	// Skipped: the response might have needed a repair but was not
	// inspectable (larger than the cap, or an encoding this cannot undo),
	// so it passes through unchanged.
	Skipped bool
	// Status is the status to send.
	Status int
	// Header is the complete header set to send.
	Header http.Header
	// Body is the body to send, already identity-encoded, when BodyChanged.
	Body        []byte
	BodyChanged bool
}

// Kinds returns the repairs applied, in the order they were made.
func (p *Plan) Kinds() []Kind { return p.kinds[:p.n] }

// Changed reports whether the plan alters the response.
func (p *Plan) Changed() bool { return p.n > 0 }

// Has reports whether kind was applied.
func (p *Plan) Has(k Kind) bool {
	for _, x := range p.kinds[:p.n] {
		if x == k {
			return true
		}
	}
	return false
}

func (p *Plan) add(k Kind) {
	if !p.Has(k) && p.n < MaxKinds {
		p.kinds[p.n] = k
		p.n++
	}
}

// eligible: the endpoints whose answers RFCs fix to JSON. Authorization
// responses travel in a redirect and resource answers are the API's own.
func eligible(e classify.Endpoint) bool {
	switch e {
	case classify.EndpointToken, classify.EndpointDeviceAuthorization,
		classify.EndpointIntrospect, classify.EndpointRevoke:
		return true
	}
	return false
}

// repairable lists the causes some repair can act on. A result without
// any of them is left alone before the body is looked at, which keeps the
// path of a compliant response free of work.
func repairable(r *classify.Result) bool {
	for _, c := range r.Causes() {
		switch c {
		case classify.ErrorInSuccessStatus, classify.NonstandardErrorShape, classify.UnrecognizedError,
			classify.FormEncodedResponse, classify.NotJSON, classify.HTMLErrorPage, classify.EmptyBody,
			classify.WrongContentType, classify.ExpiresInString, classify.MissingNoStore:
			return true
		}
	}
	return false
}

// Apply decides the repair of one exchange. req, resp and result are what
// the classifier was given and answered; nothing is modified.
func Apply(req *classify.Request, resp *classify.Response, result *classify.Result, opts *Options) Plan {
	var p Plan
	if resp == nil || result == nil || !eligible(result.Endpoint) {
		return p
	}
	if resp.Truncated || result.Has(classify.BodyTruncated) {
		// Only the start was seen: what follows may change the answer.
		p.Skipped = true
		return p
	}
	if resp.Unread || (req != nil && req.Method == http.MethodHead) || !repairable(result) {
		return p // HEAD and event streams have no body to read or rewrite
	}
	body, ok := decode(resp, opts.maxBody())
	if !ok {
		p.Skipped = true
		return p
	}
	w := work{req: req, resp: resp, result: result, opts: opts, body: body, status: resp.Status}
	if wire, isError := wireCode(result.Root()); isError {
		w.repairError(&p, wire)
	} else if resp.Status >= 200 && resp.Status < 300 {
		w.repairSuccess(&p)
	}
	if !p.Changed() {
		return Plan{}
	}
	w.finish(&p)
	return p
}

// work carries one repair in progress.
type work struct {
	req    *classify.Request
	resp   *classify.Response
	result *classify.Result
	opts   *Options
	body   []byte // decoded
	status int
	header http.Header // copy on first change
	spare  []string    // room for new values, from the copy's allocation
	out    []byte      // new body, when rewritten
	newOut bool
}

// headerRoom is how many values a repair may set: Content-Type (twice at
// most), Content-Length, Cache-Control, Retry-After, WWW-Authenticate.
const headerRoom = 6

// copyHeader copies the upstream's header once, as http.Header.Clone
// does, with room for the values a repair adds: two allocations for the
// whole set.
func (w *work) copyHeader() {
	if w.header != nil {
		return
	}
	h := w.resp.Header
	n := 0
	for _, vv := range h {
		n += len(vv)
	}
	values := make([]string, n+headerRoom)
	w.header = make(http.Header, len(h)+headerRoom)
	for k, vv := range h {
		if vv == nil {
			w.header[k] = nil
			continue
		}
		m := copy(values, vv)
		w.header[k] = values[:m:m]
		values = values[m:]
	}
	w.spare = values
}

func (w *work) setHeader(k, v string) {
	w.copyHeader()
	if len(w.spare) == 0 {
		w.header[k] = []string{v} // k is canonical
		return
	}
	w.spare[0] = v
	w.header[k], w.spare = w.spare[:1:1], w.spare[1:]
}

func (w *work) has(c classify.Code) bool { return w.result.Has(c) }

// finish completes the headers: a new body is sent as identity with its
// exact length, and validators of the old body go (RFC 9110 §8.8).
func (w *work) finish(p *Plan) {
	w.copyHeader()
	if w.newOut {
		for _, k := range [...]string{"Content-Encoding", "Etag", "Content-Md5", "Digest", "Content-Digest", "Repr-Digest", "Transfer-Encoding", "Content-Range"} {
			delete(w.header, k)
		}
		w.setHeader("Content-Type", "application/json")
		w.setHeader("Content-Length", strconv.Itoa(len(w.out)))
		p.Body, p.BodyChanged = w.out, true
	}
	p.Status = w.status
	p.Header = w.header
}
