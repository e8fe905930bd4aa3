package repair_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

// The cost that repair adds to a response it leaves alone: a compliant
// token answer and a resource answer. Compare with BenchmarkClassify in
// plugin/classify (docs/benchmarks.md).
func BenchmarkApplyNoRewrite(b *testing.B) {
	for _, i := range []int{0, 1, 15} {
		c := &repairCases[i]
		b.Run(c.name, func(b *testing.B) {
			req, resp := parseCase(b, c)
			result := classify.Classify(&req, &resp, nil)
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				plan := repair.Apply(&req, &resp, &result, nil)
				if plan.Changed() {
					b.Fatal("changed")
				}
			}
		})
	}
}

// kilobyte pads a body to about 1 KB with a member a rewrite must carry.
func kilobyte(prefix, suffix string) string {
	pad := 1024 - len(prefix) - len(suffix) - len(`,"pad":""`)
	return prefix + `,"pad":"` + strings.Repeat("x", pad) + `"` + suffix
}

// Rewrites of 1 KB bodies, one per kind of body work.
func BenchmarkApplyRewrite1KB(b *testing.B) {
	form := "access_token=2YotnFZFEjr1zCsicMWpAA&token_type=bearer&expires_in=3600&pad=" + strings.Repeat("x", 1024-72)
	cases := []struct {
		name, contentType, body string
		status                  int
	}{
		{"expires_in_string", "application/json", kilobyte(`{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":"3600"`, `}`), 200},
		{"vendor_error", "application/json", kilobyte(`{"error":{"message":"Error validating client secret.","type":"OAuthException","code":1`, `}}`), 400},
		{"form_success", "text/plain", form, 200},
		{"html_503", "text/html", "<html><body><center><h1>503 Service Temporarily Unavailable</h1></center>" + strings.Repeat("<!-- padding -->", 56) + "<hr><center>nginx</center></body></html>", 503},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := classify.Request{Method: "POST", Path: "/oauth/token", Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
				Body: []byte("grant_type=client_credentials&client_id=app")}
			resp := classify.Response{Status: c.status, Header: http.Header{"Content-Type": {c.contentType}, "Server": {"nginx"}}, Body: []byte(c.body)}
			result := classify.Classify(&req, &resp, nil)
			if p := repair.Apply(&req, &resp, &result, nil); !p.Changed() || len(c.body) < 1000 {
				b.Fatalf("not a 1 KB rewrite: %d bytes, causes %v", len(c.body), result.Causes())
			}
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				repair.Apply(&req, &resp, &result, nil)
			}
		})
	}
}
