package main

import (
	"io"
	"net/http"
	"sync"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// peekResponseBody reads at most limit bytes of res.Body and puts back a
// body that yields exactly the bytes the upstream sent: the part read, then
// the untouched rest (or the read error the client would have seen). The
// peeked bytes live in a pooled buffer: they are valid until the hook
// returns, and the replay hands the buffer back once it has been read.
func peekResponseBody(res *http.Response, limit int, bodies **hookBodies) (peeked []byte, truncated bool) {
	if res.Body == nil || res.Body == http.NoBody {
		return nil, false
	}
	into := &bodiesOf(bodies).resp
	peeked, truncated = into.fill(res.Body, limit)
	res.Body = into
	return peeked, truncated
}

// peekRequestBody does the same for the client's request body, which Tyk
// keeps in memory after proxying (gateway/reverse_proxy.go deepCopyBody).
// Tyk's in-memory body (nopCloserBuffer) seeks: then the body is rewound,
// as Tyk's own copyBody rewinds it, and left in place, and the peek buffer
// goes back to the pool when the hook ends (scratch). Other bodies get a
// replay.
func peekRequestBody(r *http.Request, limit int, bodies **hookBodies, scratch *peekScratch) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	if s, ok := r.Body.(io.Seeker); ok {
		buf := peekPool.Get().(*[]byte)
		head, err := readHead(r.Body, (*buf)[:0], limit)
		*buf = head
		if _, serr := s.Seek(0, io.SeekStart); serr == nil {
			scratch.buf = buf
			if len(head) > limit {
				head = head[:limit]
			}
			return head
		}
		// Could not rewind: what was read must be replayed.
		into := &bodiesOf(bodies).req
		into.buf, into.head, into.tail, into.err = buf, head, r.Body, err
		r.Body = into
		if len(head) > limit {
			head = head[:limit]
		}
		return head
	}
	into := &bodiesOf(bodies).req
	peeked, _ := into.fill(r.Body, limit)
	r.Body = into
	return peeked
}

// peekScratch holds a pooled buffer that is only needed while the hook runs.
type peekScratch struct{ buf *[]byte }

func (s *peekScratch) release() {
	if s.buf != nil {
		putPeek(s.buf)
		s.buf = nil
	}
}

// hookBodies holds both replays of one exchange, so that peeking the
// request and the response costs one allocation, not two.
type hookBodies struct {
	req, resp replayBody
}

// bodiesOf allocates the pair on first use.
func bodiesOf(p **hookBodies) *hookBodies {
	if *p == nil {
		*p = &hookBodies{}
	}
	return *p
}

// Peek buffers are pooled. One that grew past maxPooledPeek (a body cap
// raised far above the default) is left to the collector.
const (
	peekStart     = 4096
	maxPooledPeek = 1 << 17
)

var peekPool = sync.Pool{New: func() interface{} { b := make([]byte, 0, peekStart); return &b }}

// replayBody replays the peeked head, then the original body. If reading
// the head hit an error, that error is replayed instead of the tail. Like
// other bodies it is not for concurrent Read and Close.
type replayBody struct {
	buf  *[]byte // pooled; nil once handed back
	head []byte
	tail io.ReadCloser
	err  error
}

// fill reads up to limit+1 bytes of body into a pooled buffer.
func (b *replayBody) fill(body io.ReadCloser, limit int) (peeked []byte, truncated bool) {
	b.tail = body
	b.buf = peekPool.Get().(*[]byte)
	buf, err := readHead(body, (*b.buf)[:0], limit)
	b.err = err
	*b.buf = buf
	b.head = buf
	if len(buf) > limit {
		return buf[:limit], true
	}
	return buf, false
}

// readHead appends up to limit+1 bytes of body to buf. The error is nil
// at EOF.
func readHead(body io.Reader, buf []byte, limit int) ([]byte, error) {
	for empty := 0; len(buf) <= limit; {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow; append picks the size
		}
		end := cap(buf)
		if end > limit+1 {
			end = limit + 1
		}
		n, err := body.Read(buf[len(buf):end])
		buf = buf[:len(buf)+n]
		if n == 0 && err == nil {
			if empty++; empty >= 100 {
				err = io.ErrNoProgress // as bufio gives up on a reader that never advances
			}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func (b *replayBody) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		if len(b.head) == 0 {
			b.release()
		}
		return n, nil
	}
	b.release()
	if b.err != nil {
		return 0, b.err
	}
	return b.tail.Read(p)
}

func (b *replayBody) Close() error {
	b.head = nil
	b.release()
	return b.tail.Close()
}

func (b *replayBody) release() {
	if b.buf != nil {
		putPeek(b.buf)
		b.buf = nil
	}
}

func putPeek(buf *[]byte) {
	if cap(*buf) <= maxPooledPeek {
		*buf = (*buf)[:0]
		peekPool.Put(buf)
	}
}

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
