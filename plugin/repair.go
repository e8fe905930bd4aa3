package main

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

// HeaderRepaired carries one value per repair applied; Tyk's tag_headers
// turns it into x-oauth-repaired-<kind> tags beside the cause tags.
const HeaderRepaired = "X-Oauth-Repaired"

// repairResponse applies the repair engine's plan to the response Tyk
// will write. Tyk copies res.Header, then writes res.StatusCode and
// copies res.Body (gateway/reverse_proxy.go HandleResponse); it does not
// recompute Content-Length, so the plan's exact one goes with the body.
func repairResponse(api *apiState, res *http.Response, req *classify.Request, resp *classify.Response, result *classify.Result) repair.Plan {
	plan := repair.Apply(req, resp, result, api.cfg.Repair.Options())
	if !plan.Changed() {
		return plan
	}
	if res.StatusCode != plan.Status {
		res.StatusCode = plan.Status
		res.Status = strconv.Itoa(plan.Status) + " " + http.StatusText(plan.Status)
	}
	// In place: whoever holds the header map sees the same headers.
	for k := range res.Header {
		if _, keep := plan.Header[k]; !keep {
			delete(res.Header, k)
		}
	}
	if res.Header == nil {
		res.Header = http.Header{}
	}
	for k, v := range plan.Header {
		res.Header[k] = v
	}
	if plan.BodyChanged {
		if res.Body != nil {
			res.Body.Close()
		}
		res.Body = io.NopCloser(bytes.NewReader(plan.Body))
		res.ContentLength = int64(len(plan.Body))
		res.TransferEncoding = nil
		res.Uncompressed = false
	}
	return plan
}

// setRepairLabels names the repairs for analytics, next to the causes.
func setRepairLabels(r *http.Request, plan *repair.Plan) {
	kinds := plan.Kinds()
	if len(kinds) == 0 {
		return
	}
	values := make([]string, len(kinds))
	for i, k := range kinds {
		values[i] = string(k)
	}
	r.Header[HeaderRepaired] = values
}

func repairedField(plan *repair.Plan) string {
	var b strings.Builder
	for i, k := range plan.Kinds() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(k))
	}
	return b.String()
}
