package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/test/harness"
	"github.com/oauthcheck/oauthcheck/test/traffic"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// The e2e suite's repair cases (traffic.RepairCases) through the harness,
// with the config_data and tag_headers of apps/oauthcheck-upstream-repair.json
// and its listen path stripped as Tyk does: what the live gateway run
// checks, checked here without one.
func TestRepairTrafficCasesThroughHarness(t *testing.T) {
	raw, err := os.ReadFile("../../apps/oauthcheck-upstream-repair.json")
	if err != nil {
		t.Fatal(err)
	}
	var def struct {
		APIID string `json:"api_id"`
		Proxy struct {
			ListenPath string `json:"listen_path"`
		} `json:"proxy"`
		ConfigData map[string]interface{} `json:"config_data"`
		TagHeaders []string               `json:"tag_headers"`
	}
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	if def.APIID != traffic.RepairAPIID || strings.TrimSuffix(def.Proxy.ListenPath, "/") != traffic.RepairPrefix {
		t.Fatalf("apps file: api_id %q listen_path %q, want %q and %q/", def.APIID, def.Proxy.ListenPath, traffic.RepairAPIID, traffic.RepairPrefix)
	}
	p := loadPlugin(t)
	mux := http.NewServeMux()
	mux.Handle("/", upstream.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	up := httptest.NewServer(mux)
	defer up.Close()
	g := harness.NewGateway(t, p, harness.API{ID: def.APIID, Upstream: up.URL, Keyless: true, ConfigData: def.ConfigData, TagHeaders: def.TagHeaders})
	front := httptest.NewServer(http.StripPrefix(traffic.RepairPrefix, g))
	defer front.Close()

	r := traffic.NewRunner(traffic.Config{GatewayURL: front.URL, UpstreamURL: up.URL, IdPURL: "http://127.0.0.1:1", RunID: "repair-test"})
	cases := r.RepairCases()
	if len(cases) != len(upstream.RepairedRoutes) {
		t.Fatalf("%d repair cases for %d repaired routes", len(cases), len(upstream.RepairedRoutes))
	}
	exchanges := r.Run(context.Background(), cases)
	recs := g.Records(t)
	if len(recs) != len(exchanges) {
		t.Fatalf("%d records for %d exchanges", len(recs), len(exchanges))
	}
	for i, ex := range exchanges {
		if ex.Skipped != "" || ex.Err != nil {
			t.Errorf("%s: skipped %q, client side: %v", ex.Case.Name, ex.Skipped, ex.Err)
			continue
		}
		rec := recs[i]
		var repaired []string
		for _, tag := range rec.TagsWithPrefix("x-oauth-repaired-") {
			repaired = append(repaired, strings.TrimPrefix(tag, "x-oauth-repaired-"))
		}
		if !slices.Equal(repaired, ex.Case.WantRepaired) {
			t.Errorf("%s: repair tags %q, want %q", ex.Case.Name, repaired, ex.Case.WantRepaired)
		}
		if causes := causeTags(rec); len(causes) == 0 || causes[0] != ex.Case.WantCauses[0] {
			t.Errorf("%s: causes %q, want the upstream's root %q first", ex.Case.Name, causes, ex.Case.WantCauses[0])
		}
		if rec.ResponseCode != ex.Status {
			t.Errorf("%s: record %d, client %d", ex.Case.Name, rec.ResponseCode, ex.Status)
		}
	}
}
