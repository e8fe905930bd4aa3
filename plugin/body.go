package main

import (
	"bytes"
	"io"
	"net/http"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// peekResponseBody reads at most limit bytes of res.Body and puts back a
// body that yields exactly the bytes the upstream sent: the part read, then
// the untouched rest (or the read error the client would have seen).
func peekResponseBody(res *http.Response, limit int) (peeked []byte, truncated bool) {
	if res.Body == nil || res.Body == http.NoBody {
		return nil, false
	}
	peeked, truncated, res.Body = peek(res.Body, limit)
	return peeked, truncated
}

// peekRequestBody does the same for the client's request body, which Tyk
// keeps in memory after proxying (gateway/reverse_proxy.go deepCopyBody).
func peekRequestBody(r *http.Request, limit int) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	peeked, _, body := peek(r.Body, limit)
	r.Body = body
	return peeked
}

func peek(body io.ReadCloser, limit int) ([]byte, bool, io.ReadCloser) {
	buf := make([]byte, 0, minInt(limit+1, 4096))
	w := bytes.NewBuffer(buf)
	n, err := w.ReadFrom(io.LimitReader(body, int64(limit)+1))
	peeked := w.Bytes()
	truncated := n > int64(limit)
	rest := &replayBody{head: bytes.NewReader(peeked), tail: body}
	if err != nil {
		rest.err = err
	}
	if truncated {
		peeked = peeked[:limit]
	}
	return peeked, truncated, rest
}

// replayBody replays the peeked head, then the original body. If reading
// the head hit an error, that error is replayed instead of the tail.
type replayBody struct {
	head *bytes.Reader
	tail io.ReadCloser
	err  error
}

func (b *replayBody) Read(p []byte) (int, error) {
	if b.head.Len() > 0 {
		return b.head.Read(p)
	}
	if b.err != nil {
		return 0, b.err
	}
	return b.tail.Read(p)
}

func (b *replayBody) Close() error { return b.tail.Close() }

type bodyDecision int

const (
	bodyRead   bodyDecision = iota
	bodyAbsent              // 204, 304: there is no body by definition
	bodyUnread              // HEAD, 1xx, event streams: never buffered
)

// bodyPolicy keeps the hook off bodies it must not buffer.
func bodyPolicy(r *http.Request, res *http.Response) bodyDecision {
	switch {
	case res.StatusCode == http.StatusNoContent, res.StatusCode == http.StatusNotModified:
		return bodyAbsent
	case r.Method == http.MethodHead, res.StatusCode < 200:
		return bodyUnread
	case classify.MediaType(res.Header) == "text/event-stream":
		return bodyUnread
	}
	return bodyRead
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}
