package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A stdout pump line as `docker compose logs pump` prints it, plus a pump
// log line that holds no record.
const pumpLines = `pump-1  | {"level":"info","msg":"","time":"2026-03-01T10:00:01Z","tyk-analytics-record":{"api_id":"billing","oauth_id":"","response_code":401,"timestamp":"2026-03-01T10:00:00Z","tags":["x-oauth-cause-invalid_client","x-oauth-verdict-invalid","x-oauth-client-billing-app"],"raw_request":"Authorization: Bearer s3cr3t"}}
pump-1  | time="2026-03-01T10:00:02Z" level=info msg="Purged 1 records..." prefix=stdout-pump
pump-1  | {"level":"info","msg":"","time":"2026-03-01T10:05:01Z","tyk-analytics-record":{"api_id":"orders","response_code":200,"timestamp":"2026-03-01T10:05:00Z","tags":["api-orders"]}}
`

func TestReportJSON(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var out, errOut bytes.Buffer
	code := run([]string{"report", "--json", "--html", page}, strings.NewReader(pumpLines), &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var got struct {
		Records  int
		Labelled int
		Causes   []struct {
			Code  string
			Count int
			APIs  []struct {
				APIID string `json:"api_id"`
				Count int
			}
			Clients []struct {
				ClientID string `json:"client_id"`
				Count    int
			}
			FirstSeen string `json:"first_seen"`
			LastSeen  string `json:"last_seen"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Records != 2 || got.Labelled != 1 || len(got.Causes) != 1 {
		t.Fatalf("%+v", got)
	}
	c := got.Causes[0]
	if c.Code != "invalid_client" || c.Count != 1 || c.APIs[0].APIID != "billing" || c.Clients[0].ClientID != "billing-app" ||
		c.FirstSeen != "2026-03-01T10:00:00Z" || c.LastSeen != "2026-03-01T10:00:00Z" {
		t.Errorf("%+v", c)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String()+string(html), "s3cr3t") || !strings.Contains(string(html), `data-api="billing"`) {
		t.Error("page holds a secret or lacks the billing chart")
	}
}

func TestReportFilterAndText(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"report", "--api", "orders"}, strings.NewReader(pumpLines), &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "1 records, 0 with oauthcheck labels") || !strings.Contains(out.String(), "no causes") {
		t.Errorf("got %q", out.String())
	}
	if code := run([]string{"report", "--since", "yesterday"}, strings.NewReader(""), &out, &errOut); code != exitUsage {
		t.Errorf("bad --since: exit %d", code)
	}
}
