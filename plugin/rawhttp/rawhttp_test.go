package rawhttp

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		status int
		header http.Header
		body   string
	}{
		{
			name:   "http/1.1 crlf",
			in:     "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n\r\n{\"error\":\"invalid_grant\"}",
			status: 400,
			header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
			body:   `{"error":"invalid_grant"}`,
		},
		{
			name:   "lf line endings",
			in:     "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{}\n",
			status: 200,
			header: http.Header{"Content-Type": {"application/json"}},
			body:   "{}\n",
		},
		{
			name:   "http/1.0",
			in:     "HTTP/1.0 502 Bad Gateway\r\n\r\n",
			status: 502,
			header: http.Header{},
			body:   "",
		},
		{
			name:   "http/2 without reason, lowercase names",
			in:     "HTTP/2 200 \r\ncontent-type: application/json\r\nx-request-id: abc\r\n\r\n{\"a\":1}",
			status: 200,
			header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"abc"}},
			body:   `{"a":1}`,
		},
		{
			name:   "http/3",
			in:     "HTTP/3 401\r\nwww-authenticate: Bearer realm=\"example\"\r\n\r\n",
			status: 401,
			header: http.Header{"Www-Authenticate": {`Bearer realm="example"`}},
			body:   "",
		},
		{
			name:   "100 continue then final block",
			in:     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n{\"error\":\"invalid_client\"}",
			status: 401,
			header: http.Header{"Content-Type": {"application/json"}},
			body:   `{"error":"invalid_client"}`,
		},
		{
			name:   "redirects followed with -L keep the last block",
			in:     "HTTP/1.1 301 Moved Permanently\r\nLocation: /token/\r\n\r\nHTTP/2 302\r\nlocation: /b\r\n\r\nHTTP/2 200\r\ncontent-type: text/html\r\n\r\n<html></html>",
			status: 200,
			header: http.Header{"Content-Type": {"text/html"}},
			body:   "<html></html>",
		},
		{
			name:   "repeated headers keep every value",
			in:     "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nPragma:no-cache\r\n\r\n",
			status: 200,
			header: http.Header{"Set-Cookie": {"a=1", "b=2"}, "Pragma": {"no-cache"}},
			body:   "",
		},
		{
			name:   "headers without final blank line",
			in:     "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0",
			status: 500,
			header: http.Header{"Content-Length": {"0"}},
			body:   "",
		},
		{
			name:   "leading blank lines",
			in:     "\r\n\nHTTP/1.1 204 No Content\r\n\r\n",
			status: 204,
			header: http.Header{},
			body:   "",
		},
		{
			name:   "body kept verbatim, blank lines and CRs included",
			in:     "HTTP/1.1 200 OK\n\n\r\nline1\r\n\r\nHTTP/1.1 200 not a block\n",
			status: 200,
			header: http.Header{},
			body:   "\r\nline1\r\n\r\nHTTP/1.1 200 not a block\n",
		},
		{
			name:   "binary body",
			in:     "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00\x00\n\r\x00\xff",
			status: 200,
			header: http.Header{"Content-Encoding": {"gzip"}},
			body:   "\x1f\x8b\x08\x00\x00\n\r\x00\xff",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResponse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseResponse: got error %v, want none", err)
			}
			if got.Status != tt.status {
				t.Errorf("Status: got %d, want %d", got.Status, tt.status)
			}
			if !reflect.DeepEqual(got.Header, tt.header) {
				t.Errorf("Header: got %v, want %v", got.Header, tt.header)
			}
			if string(got.Body) != tt.body {
				t.Errorf("Body: got %q, want %q", got.Body, tt.body)
			}
			if got.Body == nil {
				t.Errorf("Body: got nil, want non-nil (empty) slice")
			}
		})
	}
}

func TestParseResponseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "rawhttp: empty input"},
		{"only blank lines", "\r\n\n", "rawhttp: empty input"},
		{"json instead of http", `{"error":"x"}`, `rawhttp: line 1: not an HTTP status line: "{\"error\":\"x\"}"`},
		{"request line", "GET / HTTP/1.1\r\n\r\n", `rawhttp: line 1: not an HTTP status line: "GET / HTTP/1.1"`},
		{"unknown version", "HTTP/4 200 OK\r\n", `rawhttp: line 1: not an HTTP status line: "HTTP/4 200 OK"`},
		{"status not numeric", "HTTP/1.1 abc OK\r\n", `rawhttp: line 1: bad status code in "HTTP/1.1 abc OK"`},
		{"status too short", "HTTP/1.1 20 OK\r\n", `rawhttp: line 1: bad status code in "HTTP/1.1 20 OK"`},
		{"status below 100", "HTTP/1.1 099 X\r\n", `rawhttp: line 1: bad status code in "HTTP/1.1 099 X"`},
		{"missing status", "HTTP/1.1\r\n", `rawhttp: line 1: bad status code in "HTTP/1.1"`},
		{"header without colon", "HTTP/1.1 200 OK\r\nContent-Type application/json\r\n\r\n", `rawhttp: line 2: not a header line: "Content-Type application/json"`},
		{"header with empty name", "HTTP/1.1 200 OK\r\n: x\r\n\r\n", `rawhttp: line 2: not a header line: ": x"`},
		{"header name with space", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", `rawhttp: line 2: invalid header name: "Bad Name"`},
		{"folded header", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\n\r\n", `rawhttp: line 3: folded header lines are not supported: "  continued"`},
		{"error in second block", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nnope\r\n\r\n", `rawhttp: line 4: not a header line: "nope"`},
		{"line number after leading blanks", "\n\nnot http\n", `rawhttp: line 3: not an HTTP status line: "not http"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResponse(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("ParseResponse: got %+v, want error %q", got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error: got %q, want %q", err, tt.want)
			}
		})
	}
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		method   string
		path     string
		rawQuery string
		header   http.Header
		body     string
	}{
		{
			name:   "token request",
			in:     "POST /token HTTP/1.1\r\nHost: server.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA-demo",
			method: "POST",
			path:   "/token",
			header: http.Header{"Host": {"server.example.com"}, "Content-Type": {"application/x-www-form-urlencoded"}},
			body:   "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA-demo",
		},
		{
			name:     "query string",
			in:       "POST /token?x=y HTTP/1.1\n\n",
			method:   "POST",
			path:     "/token",
			rawQuery: "x=y",
			header:   http.Header{},
		},
		{
			name:     "absolute url",
			in:       "GET https://idp.example.com/authorize?response_type=code&state=xyz HTTP/1.1\r\n\r\n",
			method:   "GET",
			path:     "/authorize",
			rawQuery: "response_type=code&state=xyz",
			header:   http.Header{},
		},
		{
			name:   "absolute url without path",
			in:     "GET http://idp.example.com HTTP/1.1\r\n\r\n",
			method: "GET",
			path:   "/",
			header: http.Header{},
		},
		{
			name:   "no version",
			in:     "GET /userinfo\nAuthorization: Bearer mF_9.B5f-4.1JqM-demo\n",
			method: "GET",
			path:   "/userinfo",
			header: http.Header{"Authorization": {"Bearer mF_9.B5f-4.1JqM-demo"}},
		},
		{
			name:   "http/2 request line",
			in:     "POST /oauth2/token HTTP/2\r\n\r\na=b",
			method: "POST",
			path:   "/oauth2/token",
			header: http.Header{},
			body:   "a=b",
		},
		{
			name:   "escaped path is decoded",
			in:     "GET /a%20b HTTP/1.1\r\n\r\n",
			method: "GET",
			path:   "/a b",
			header: http.Header{},
		},
		{
			name:   "options asterisk",
			in:     "OPTIONS * HTTP/1.1\r\n\r\n",
			method: "OPTIONS",
			path:   "*",
			header: http.Header{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseRequest: got error %v, want none", err)
			}
			if got.Method != tt.method {
				t.Errorf("Method: got %q, want %q", got.Method, tt.method)
			}
			if got.Path != tt.path {
				t.Errorf("Path: got %q, want %q", got.Path, tt.path)
			}
			if got.RawQuery != tt.rawQuery {
				t.Errorf("RawQuery: got %q, want %q", got.RawQuery, tt.rawQuery)
			}
			if !reflect.DeepEqual(got.Header, tt.header) {
				t.Errorf("Header: got %v, want %v", got.Header, tt.header)
			}
			if string(got.Body) != tt.body {
				t.Errorf("Body: got %q, want %q", got.Body, tt.body)
			}
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "rawhttp: empty input"},
		{"status line", "HTTP/1.1 200 OK\r\n\r\n", `rawhttp: line 1: invalid method in "HTTP/1.1 200 OK"`},
		{"one word", "POST\r\n\r\n", `rawhttp: line 1: not an HTTP request line: "POST"`},
		{"four words", "POST /a HTTP/1.1 x\r\n", `rawhttp: line 1: not an HTTP request line: "POST /a HTTP/1.1 x"`},
		{"bad version", "POST /a HTTP/9\r\n", `rawhttp: line 1: bad HTTP version in "POST /a HTTP/9"`},
		{"bad method", "PO(ST /a HTTP/1.1\r\n", `rawhttp: line 1: invalid method in "PO(ST /a HTTP/1.1"`},
		{"relative target", "GET token HTTP/1.1\r\n", `rawhttp: line 1: bad request target "token"`},
		{"other scheme", "GET ftp://x/y HTTP/1.1\r\n", `rawhttp: line 1: bad request target "ftp://x/y": scheme must be http or https`},
		{"bad header", "POST /t HTTP/1.1\r\nHost example\r\n\r\n", `rawhttp: line 2: not a header line: "Host example"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("ParseRequest: got %+v, want error %q", got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error: got %q, want %q", err, tt.want)
			}
		})
	}
}

func TestInputBounded(t *testing.T) {
	head := "HTTP/1.1 200 OK\r\n\r\n"
	r := io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, MaxInputBytes))
	_, err := ParseResponse(r)
	want := "rawhttp: input larger than 16777216 bytes"
	if err == nil || err.Error() != want {
		t.Fatalf("oversized response: got error %v, want %q", err, want)
	}

	// Exactly at the limit is accepted.
	body := MaxInputBytes - len(head)
	got, err := ParseResponse(io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, int64(body))))
	if err != nil {
		t.Fatalf("response at the limit: got error %v, want none", err)
	}
	if len(got.Body) != body {
		t.Errorf("body length: got %d, want %d", len(got.Body), body)
	}

	_, err = ParseRequest(io.MultiReader(strings.NewReader("POST / HTTP/1.1\r\n\r\n"), zeros{}))
	if err == nil || err.Error() != want {
		t.Fatalf("oversized request: got error %v, want %q", err, want)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestReadErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := ParseResponse(iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Errorf("ParseResponse: got %v, want it to wrap %v", err, boom)
	}
	_, err = ParseRequest(iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Errorf("ParseRequest: got %v, want it to wrap %v", err, boom)
	}
	if _, err := ParseResponse(nil); err == nil {
		t.Errorf("ParseResponse(nil): got no error, want one")
	}
	// One byte at a time must give the same result as a single read.
	in := "HTTP/2 200\r\ncontent-type: application/json\r\n\r\n{}"
	got, err := ParseResponse(iotest.OneByteReader(strings.NewReader(in)))
	if err != nil || got.Status != 200 || string(got.Body) != "{}" {
		t.Errorf("one-byte reader: got %+v, %v; want status 200 body {}", got, err)
	}
}

// The body must not alias the caller's buffer contents after return.
func TestBodyIsACopy(t *testing.T) {
	in := []byte("HTTP/1.1 200 OK\r\n\r\nabc")
	got, err := ParseResponse(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got.Body[0] = 'X'
	again, _ := ParseResponse(bytes.NewReader(in))
	if string(again.Body) != "abc" {
		t.Errorf("body: got %q, want %q", again.Body, "abc")
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"access_token\":\"x\"}",
		"HTTP/2 401\nwww-authenticate: Bearer error=\"invalid_token\"\n\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n{}",
		"HTTP/1.0 502 Bad Gateway\r\n\r\n<html>",
		"HTTP/3 200\r\n",
		"\n\nHTTP/1.1 204 \r\nA:\r\n\r\n",
		"HTTP/1.1 200 OK\r\n X: folded\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	addFixtureSeeds(f, "*.resp")
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ParseResponse(bytes.NewReader(in))
		if err != nil {
			if got != nil {
				t.Fatalf("got both a response and error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "rawhttp: ") {
				t.Fatalf("error %q lacks the rawhttp: prefix", err)
			}
			return
		}
		if got.Status < 100 || got.Status > 999 {
			t.Fatalf("status %d out of range", got.Status)
		}
		if got.Header == nil || got.Body == nil {
			t.Fatalf("nil header or body: %+v", got)
		}
		if len(got.Body) > len(in) || !bytes.HasSuffix(in, got.Body) {
			t.Fatalf("body %q is not a suffix of the input", got.Body)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"POST /token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=client_credentials",
		"GET https://idp.example.com/authorize?response_type=code HTTP/1.1\r\n\r\n",
		"GET /userinfo\nAuthorization: Bearer x\n",
		"OPTIONS * HTTP/2\r\n\r\n",
		"GET /%zz HTTP/1.1\r\n\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	addFixtureSeeds(f, "*.req")
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ParseRequest(bytes.NewReader(in))
		if err != nil {
			if got != nil {
				t.Fatalf("got both a request and error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "rawhttp: ") {
				t.Fatalf("error %q lacks the rawhttp: prefix", err)
			}
			return
		}
		if got.Method == "" || got.Path == "" || got.Header == nil {
			t.Fatalf("incomplete request: %+v", got)
		}
		if !bytes.HasSuffix(in, got.Body) {
			t.Fatalf("body %q is not a suffix of the input", got.Body)
		}
	})
}

// addFixtureSeeds seeds a fuzz target with the classifier's fixtures.
func addFixtureSeeds(f *testing.F, pattern string) {
	paths, err := filepath.Glob(filepath.Join("..", "classify", "testdata", "*", pattern))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}
