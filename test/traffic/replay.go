package traffic

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// FixturesEnv overrides where the traffic reads the fixtures it replays;
// by default plugin/classify/testdata is found from the working directory.
const FixturesEnv = "OAUTHCHECK_FIXTURES"

// ReplayPrefix is the gateway path of the fixture replay: the keyless
// upstream API strips /upstream and the misbehaving upstream answers
// /replay/<name> with that fixture's captured response.
const ReplayPrefix = UpstreamPrefix + upstream.ReplayPrefix

// LoadFixtures reads the captured provider fixtures the replay serves.
func LoadFixtures() ([]rawhttp.Case, error) {
	dir := strings.TrimSpace(os.Getenv(FixturesEnv))
	if dir == "" {
		var err error
		if dir, err = upstream.FindFixtures(); err != nil {
			return nil, err
		}
	}
	return rawhttp.LoadCases(dir)
}

// ReplayCases sends each fixture's own request (method, headers with
// Authorization, query, body) through the gateway to the replay of that
// fixture, expecting the fixture's causes and verdict in full, the public
// client_id as x-oauth-client, and the fixture's exact status and bytes.
// The replay path holds the fixture name, so the path hints detection uses
// ("introspect", "revoke", "device") survive the move. When the fixtures
// cannot be read, one case reports why.
func ReplayCases() []*Case {
	fixtures, err := LoadFixtures()
	if err != nil {
		return []*Case{{
			Name: "replay/(fixtures)", Target: TargetReplay, APIID: UpstreamAPIID,
			send: func(context.Context, *http.Client, *Runner) error { return err },
		}}
	}
	cases := make([]*Case, 0, len(fixtures))
	for i := range fixtures {
		cases = append(cases, replayCase(&fixtures[i]))
	}
	return cases
}

func replayCase(fx *rawhttp.Case) *Case {
	c := &Case{
		Name: "replay/" + fx.Name, Target: TargetReplay, APIID: UpstreamAPIID,
		WantStatus: fx.Response.Status,
		WantBody:   append([]byte{}, fx.Response.Body...), // never nil: empty is an expectation too
	}
	// A resource server's own success is not labelled (plugin hooks.go
	// worthClassifying); every other fixture is.
	labelled := len(fx.Causes) > 0 && !(fx.Endpoint == string(classify.EndpointResource) && fx.Response.Status < 400)
	if labelled {
		c.WantCauses = append([]string(nil), fx.Causes...)
		c.WantVerdict = fx.Verdict
		c.WantDebugHeader = true // the upstream API has debug_header on
		if root, ok := classify.Lookup(classify.Code(fx.Causes[0])); ok {
			c.Family = root.Family
		}
		c.WantClient = ReplayClientID(fx)
		c.NoClient = c.WantClient == ""
	}
	c.send = func(ctx context.Context, hc *http.Client, r *Runner) error {
		r.addSecret(fx.Secrets()...)
		req, err := ReplayRequest(ctx, r.gw(""), fx)
		if err != nil {
			return err
		}
		return do(hc, req)
	}
	return c
}

// requestSkip are fixture request headers not replayed: the gateway's
// host, framing the client computes, and the case's own User-Agent.
var requestSkip = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true, "Upgrade": true,
	"User-Agent": true,
}

// ReplayRequest builds fx's request against gatewayURL: the fixture's
// method, headers, query and body, to ReplayPrefix+<name>.
func ReplayRequest(ctx context.Context, gatewayURL string, fx *rawhttp.Case) (*http.Request, error) {
	method, query := http.MethodGet, ""
	var header http.Header
	var body []byte
	if fx.Request != nil {
		method, query, header, body = fx.Request.Method, fx.Request.RawQuery, fx.Request.Header, fx.Request.Body
	}
	u := strings.TrimSuffix(gatewayURL, "/") + ReplayPrefix + fx.Name
	if query != "" {
		u += "?" + query
	}
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	for k, vv := range header {
		if !requestSkip[http.CanonicalHeaderKey(k)] {
			req.Header[k] = append([]string(nil), vv...)
		}
	}
	return req, nil
}

// ReplayClientID is the x-oauth-client value the plugin sets for fx: the
// request's public client_id (classify.PublicClientID), when the plugin
// deems it safe as a tag (classify.LabelSafe); "" for none.
func ReplayClientID(fx *rawhttp.Case) string {
	if fx.Request == nil {
		return ""
	}
	req := *fx.Request
	id := classify.PublicClientID(&req)
	if !classify.LabelSafe(id) {
		return ""
	}
	return id
}
