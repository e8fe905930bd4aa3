package compose

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Dimension sources and metadata keys Tyk's API metrics accept, from
// internal/otel/apimetrics/dimension.go (buildExtractor and
// metadataExtractors) at v5.14.0. A name outside these fails the
// gateway's config validation at start-up.
var (
	tykDimensionSources = []string{"metadata", "session", "header", "context", "response_header", "config_data"}
	tykMetadataKeys     = []string{"method", "response_code", "listen_path", "endpoint", "api_id", "api_name", "org_id",
		"response_flag", "ip_address", "api_version", "host", "scheme"}
)

var metricsServices = []string{"plugin-build-metrics", "gateway-metrics", "otel-collector", "prometheus", "grafana"}

type apiMetric struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Dimensions []struct {
		Source, Key, Label, Default string
	} `json:"dimensions"`
}

// metricsConf is deploy/tyk-metrics.conf's opentelemetry.metrics block.
func metricsConf(t *testing.T) (conf map[string]any, metrics []apiMetric) {
	t.Helper()
	conf = readJSON(t, filepath.Join(root, "deploy", "tyk-metrics.conf"))
	b, _ := json.Marshal(get(conf, "opentelemetry", "metrics", "api_metrics"))
	if err := json.Unmarshal(b, &metrics); err != nil || len(metrics) == 0 {
		t.Fatalf("tyk-metrics.conf opentelemetry.metrics.api_metrics: %v (%d metrics)", err, len(metrics))
	}
	return conf, metrics
}

// TestMetricsProfile: the optional profile runs a 5.13+ gateway with a
// plugin built for exactly its version, and never starts by default.
func TestMetricsProfile(t *testing.T) {
	c := loadCompose(t)
	for _, name := range metricsServices {
		if s := svc(t, c, name); !slices.Equal(s.Profiles, []string{"metrics"}) {
			t.Errorf("service %s: profiles %q, want [metrics] (off unless asked for)", name, s.Profiles)
		}
	}
	for _, name := range []string{"redis", "plugin-build", "gateway", "keycloak", "upstream", "pump"} {
		if s := svc(t, c, name); len(s.Profiles) != 0 {
			t.Errorf("service %s has profiles %q; the default stack must start without any", name, s.Profiles)
		}
	}
	build, gw := svc(t, c, "plugin-build-metrics"), svc(t, c, "gateway-metrics")
	version := strings.TrimPrefix(gw.Image, "tykio/tyk-gateway:")
	if build.Image != "tykio/tyk-plugin-compiler:"+version || build.Environment["TYK_VERSION"] != version {
		t.Errorf("plugin-build-metrics image %q TYK_VERSION %q, want the compiler and the .so name for gateway %s",
			build.Image, build.Environment["TYK_VERSION"], version)
	}
	var major, minor int
	if parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3); len(parts) >= 2 {
		major, _ = strconv.Atoi(parts[0])
		minor, _ = strconv.Atoi(parts[1])
	}
	if major < 5 || major == 5 && minor < 13 {
		t.Errorf("gateway-metrics runs %s; OpenTelemetry API metrics need Tyk 5.13 or later", version)
	}
	if flat(build.Command) != flat(svc(t, c, "plugin-build").Command) {
		t.Error("plugin-build-metrics must run the same build script as plugin-build")
	}
	if !slices.Contains(gw.Volumes, "./deploy/tyk-metrics.conf:/opt/tyk-gateway/tyk.conf:ro") {
		t.Errorf("gateway-metrics volumes %q: want deploy/tyk-metrics.conf as its tyk.conf", gw.Volumes)
	}
	if !slices.Contains(build.Volumes, "oauthcheck-plugin-metrics:/out") ||
		!slices.Contains(gw.Volumes, "oauthcheck-plugin-metrics:/opt/tyk-gateway/middleware:ro") {
		t.Errorf("the metrics gateway must load the .so its own compiler wrote (volumes %q and %q)", build.Volumes, gw.Volumes)
	}
}

// TestMetricsConf: tyk-metrics.conf is tyk.conf plus the README's
// opentelemetry block, and every dimension is one Tyk accepts.
func TestMetricsConf(t *testing.T) {
	conf, metrics := metricsConf(t)
	base := readJSON(t, filepath.Join(root, "deploy", "tyk.conf"))
	otel := conf["opentelemetry"]
	delete(conf, "opentelemetry")
	if !reflect.DeepEqual(conf, base) {
		t.Error("tyk-metrics.conf differs from tyk.conf beyond its opentelemetry block")
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```json\n(\"opentelemetry\": \\{.*?\n\\})\n```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README has no ```json block starting with \"opentelemetry\"")
	}
	var documented map[string]any
	if err := json.Unmarshal(append(append([]byte("{"), block[1]...), '}'), &documented); err != nil {
		t.Fatalf("README opentelemetry block: %v", err)
	}
	if !reflect.DeepEqual(documented["opentelemetry"], otel) {
		t.Error("the README's opentelemetry block and deploy/tyk-metrics.conf differ; keep them one config")
	}
	for _, m := range metrics {
		if m.Type != "counter" && m.Type != "histogram" {
			t.Errorf("metric %s: type %q, want counter or histogram", m.Name, m.Type)
		}
		for _, d := range m.Dimensions {
			if !slices.Contains(tykDimensionSources, d.Source) {
				t.Errorf("metric %s: dimension source %q is not one Tyk accepts", m.Name, d.Source)
			}
			if d.Source == "metadata" && !slices.Contains(tykMetadataKeys, d.Key) {
				t.Errorf("metric %s: metadata key %q is not one Tyk extracts", m.Name, d.Key)
			}
		}
	}
}

// promName is the series name the collector's Prometheus exporter gives
// an OTel instrument: dots become underscores, counters end in _total.
func promName(m apiMetric) string {
	n := strings.NewReplacer(".", "_", "-", "_").Replace(m.Name)
	if m.Type == "counter" {
		n += "_total"
	}
	return n
}

var (
	seriesName = regexp.MustCompile(`\b(oauthcheck_[a-z0-9_]+)\b`)
	matcher    = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"`)
	grouping   = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)|label_values\([^,]+,\s*([a-zA-Z_][a-zA-Z0-9_]*)\)`)
	legendVar  = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)
)

// TestGrafanaDashboard: the dashboard parses, and every query names the
// series and labels that the metric config produces.
func TestGrafanaDashboard(t *testing.T) {
	_, metrics := metricsConf(t)
	series, labels := map[string]bool{}, map[string]bool{}
	for _, m := range metrics {
		series[promName(m)] = true
		for _, d := range m.Dimensions {
			if d.Label != "" {
				labels[d.Label] = true
			} else {
				labels[d.Key] = true
			}
		}
	}
	dash := readJSON(t, filepath.Join(root, "deploy", "metrics", "grafana", "dashboards", "oauthcheck.json"))
	var exprs, legends []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "definition") {
					exprs = append(exprs, s)
				}
				if s, ok := x.(string); ok && k == "legendFormat" {
					legends = append(legends, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(dash)
	if len(exprs) < 4 {
		t.Fatalf("dashboard has %d queries, want its panels' queries", len(exprs))
	}
	for _, e := range exprs {
		names := seriesName.FindAllString(e, -1)
		if len(names) == 0 {
			t.Errorf("query %q names no oauthcheck series", e)
		}
		for _, n := range names {
			if !series[n] {
				t.Errorf("query %q: series %s is not produced by the metric config (have %v)", e, n, series)
			}
		}
		var used []string
		for _, m := range matcher.FindAllStringSubmatch(e, -1) {
			used = append(used, m[1])
		}
		for _, m := range grouping.FindAllStringSubmatch(e, -1) {
			for _, l := range strings.Split(m[1]+","+m[2], ",") {
				if l = strings.TrimSpace(l); l != "" {
					used = append(used, l)
				}
			}
		}
		for _, l := range used {
			if !labels[l] {
				t.Errorf("query %q: label %s is not a dimension of the metric config (have %v)", e, l, labels)
			}
		}
	}
	for _, lf := range legends {
		for _, m := range legendVar.FindAllStringSubmatch(lf, -1) {
			if !labels[m[1]] {
				t.Errorf("legend %q: label %s is not a dimension of the metric config", lf, m[1])
			}
		}
	}
}

// TestMetricsPipeline: the collector, Prometheus and Grafana point at each
// other on the ports they listen on.
func TestMetricsPipeline(t *testing.T) {
	readYAML := func(name string) map[string]any {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, "deploy", "metrics", name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	conf, _ := metricsConf(t)
	endpoint, _ := get(conf, "opentelemetry", "metrics", "endpoint").(string)
	collector := readYAML("otel-collector.yml")
	if grpc, _ := get(collector, "receivers", "otlp", "protocols", "grpc", "endpoint").(string); !strings.HasSuffix(endpoint, portOf(grpc)) ||
		!strings.HasPrefix(endpoint, "otel-collector:") {
		t.Errorf("gateway exports to %q, collector receives gRPC on %q", endpoint, grpc)
	}
	exporter, _ := get(collector, "exporters", "prometheus", "endpoint").(string)
	prom := readYAML("prometheus.yml")
	b, _ := json.Marshal(prom["scrape_configs"])
	if !strings.Contains(string(b), "otel-collector"+portOf(exporter)) {
		t.Errorf("prometheus scrapes %s, collector exports on %q", b, exporter)
	}
	ds := readYAML(filepath.Join("grafana", "provisioning", "datasources", "prometheus.yml"))
	b, _ = json.Marshal(ds["datasources"])
	if !strings.Contains(string(b), `"uid":"prometheus"`) || !strings.Contains(string(b), "http://prometheus:9090") {
		t.Errorf("grafana datasource %s: want uid prometheus at http://prometheus:9090 (the dashboard's datasource)", b)
	}
}

func portOf(hostPort string) string {
	if i := strings.LastIndex(hostPort, ":"); i >= 0 {
		return hostPort[i:]
	}
	return ""
}
