package rawhttp

import "github.com/oauthcheck/oauthcheck/plugin/classify"

// Exchange returns the classifier's view of a parsed request.
func (r *Request) Exchange() classify.Request {
	return classify.Request{Method: r.Method, Path: r.Path, RawQuery: r.RawQuery, Header: r.Header, Body: r.Body}
}

// Exchange returns the classifier's view of a parsed response.
func (r *Response) Exchange() classify.Response {
	return classify.Response{Status: r.Status, Header: r.Header, Body: r.Body}
}
