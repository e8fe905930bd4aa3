package classify

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"
)

// decodedBody is the response body as a client would read it after
// Content-Encoding is undone, cut at the cap.
type decodedBody struct {
	b         []byte
	truncated bool
	// opaque: an encoding the classifier cannot undo (br, zstd): the body
	// says nothing either way.
	opaque bool
	// corrupt: the encoding is broken; no client could read the body.
	corrupt bool
}

var gzipReaders sync.Pool

// decodeBody undoes gzip or deflate, reading at most max decoded bytes, so
// a compression bomb costs no more than the cap.
func decodeBody(resp *Response, max int) decodedBody {
	body := resp.Body
	if len(body) > max {
		body = body[:max]
	}
	d := decodedBody{b: body, truncated: resp.Truncated || len(resp.Body) > max}
	enc := headerValue(resp.Header, "Content-Encoding")
	if enc == "" || len(body) == 0 || strings.EqualFold(enc, "identity") {
		return d
	}
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "gzip", "x-gzip":
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(bytes.NewReader(body))
		} else {
			err = zr.Reset(bytes.NewReader(body))
		}
		if err != nil {
			d.b, d.corrupt = nil, !d.truncated
			return d
		}
		defer gzipReaders.Put(zr)
		r = zr
	case "deflate":
		// RFC 9110 deflate is zlib-wrapped; some servers send raw deflate.
		if len(body) >= 2 && body[0]&0x0f == 8 && (uint16(body[0])<<8|uint16(body[1]))%31 == 0 {
			body = body[2:]
		}
		fr := flate.NewReader(bytes.NewReader(body))
		defer fr.Close()
		r = fr
	default:
		d.b, d.opaque = nil, true
		return d
	}
	out := make([]byte, 0, minInt(max, 4*len(body)+512))
	buf := bytes.NewBuffer(out)
	n, err := buf.ReadFrom(io.LimitReader(r, int64(max)+1))
	d.b = buf.Bytes()
	if n > int64(max) {
		d.b, d.truncated = d.b[:max], true
	}
	if err != nil && err != io.EOF && !(err == io.ErrUnexpectedEOF && d.truncated) {
		// A complete body that does not decode: no client can read it.
		d.corrupt = true
	}
	return d
}

// headerValue reads a canonical header without allocating.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}
