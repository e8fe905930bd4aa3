package integration

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	msgpackv2 "gopkg.in/vmihailenco/msgpack.v2"

	"github.com/oauthcheck/oauthcheck/test/harness"
)

// updatePumpFiles rewrites plugin/report/testdata/harness from this run.
var updatePumpFiles = flag.Bool("update-pump-files", false, "rewrite plugin/report/testdata/harness")

const pumpFilesDir = "../../plugin/report/testdata/harness"

// analyticsRecord mirrors tyk-pump's analytics.AnalyticsRecord
// (analytics/analytics.go, v1.14): the same field names (msgpack.v2 keys
// by them, as the gateway's serializer/msgp.go encodes records into Redis)
// and the same json tags (the stdout pump prints them).
type analyticsRecord struct {
	Method        string      `json:"method"`
	Host          string      `json:"host"`
	Path          string      `json:"path"`
	RawPath       string      `json:"raw_path"`
	ContentLength int64       `json:"content_length"`
	UserAgent     string      `json:"user_agent"`
	Day           int         `json:"day"`
	Month         time.Month  `json:"month"`
	Year          int         `json:"year"`
	Hour          int         `json:"hour"`
	ResponseCode  int         `json:"response_code"`
	APIKey        string      `json:"api_key"`
	TimeStamp     time.Time   `json:"timestamp"`
	APIVersion    string      `json:"api_version"`
	APIName       string      `json:"api_name"`
	APIID         string      `json:"api_id"`
	OrgID         string      `json:"org_id"`
	OauthID       string      `json:"oauth_id"`
	RequestTime   int64       `json:"request_time"`
	RawRequest    string      `json:"raw_request"`
	RawResponse   string      `json:"raw_response"`
	IPAddress     string      `json:"ip_address"`
	Geo           pumpGeo     `json:"geo"`
	Network       pumpNetwork `json:"network"`
	Latency       pumpLatency `json:"latency"`
	Tags          []string    `json:"tags"`
	Alias         string      `json:"alias"`
	TrackPath     bool        `json:"track_path"`
	ExpireAt      time.Time   `json:"expireAt"`
	ApiSchema     string      `json:"api_schema"` //nolint
}

type pumpGeo struct {
	Country struct {
		ISOCode string `json:"iso_code"`
	} `json:"country"`
	City struct {
		GeoNameID uint              `json:"geoname_id"`
		Names     map[string]string `json:"names"`
	} `json:"city"`
	Location struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		TimeZone  string  `json:"time_zone"`
	} `json:"location"`
}

type pumpNetwork struct {
	OpenConnections  int64 `json:"open_connections"`
	ClosedConnection int64 `json:"closed_connections"`
	BytesIn          int64 `json:"bytes_in"`
	BytesOut         int64 `json:"bytes_out"`
}

type pumpLatency struct {
	Total    int64 `json:"total"`
	Upstream int64 `json:"upstream"`
	Gateway  int64 `json:"gateway"`
}

// csvHeader and csvLine follow AnalyticsRecord.GetFieldNames and
// GetLineValues, which the CSV pump (pumps/csv.go) writes.
var csvHeader = []string{"Method", "Host", "Path", "RawPath", "ContentLength", "UserAgent", "Day", "Month", "Year", "Hour",
	"ResponseCode", "APIKey", "TimeStamp", "APIVersion", "APIName", "APIID", "OrgID", "OauthID", "RequestTime", "RawRequest",
	"RawResponse", "IPAddress", "GeoData.Country.ISOCode", "GeoData.City.GeoNameID", "GeoData.City.Names",
	"GeoData.Location.Latitude", "GeoData.Location.Longitude", "GeoData.Location.TimeZone",
	"NetworkStats.OpenConnections", "NetworkStats.ClosedConnection", "NetworkStats.BytesIn", "NetworkStats.BytesOut",
	"Latency.Total", "Latency.Upstream", "Latency.Gateway", "Tags", "Alias", "TrackPath", "ExpireAt", "ApiSchema"}

func (a analyticsRecord) csvLine() []string {
	u := func(n int64) string { return strconv.FormatUint(uint64(n), 10) }
	return []string{a.Method, a.Host, a.Path, a.RawPath, u(a.ContentLength), a.UserAgent, u(int64(a.Day)), a.Month.String(),
		u(int64(a.Year)), u(int64(a.Hour)), u(int64(a.ResponseCode)), a.APIKey, a.TimeStamp.String(), a.APIVersion, a.APIName,
		a.APIID, a.OrgID, a.OauthID, u(a.RequestTime), a.RawRequest, a.RawResponse, a.IPAddress,
		a.Geo.Country.ISOCode, "0", "", "0", "0", a.Geo.Location.TimeZone,
		u(a.Network.OpenConnections), u(a.Network.ClosedConnection), u(a.Network.BytesIn), u(a.Network.BytesOut),
		strconv.FormatInt(a.Latency.Total, 10), strconv.FormatInt(a.Latency.Upstream, 10), strconv.FormatInt(a.Latency.Gateway, 10),
		strings.Join(a.Tags, ";"), a.Alias, strconv.FormatBool(a.TrackPath), a.ExpireAt.String(), a.ApiSchema}
}

// pumpRecord turns a harness record into what Tyk would store, at a fixed
// time so that the files are the same on every run.
func pumpRecord(r harness.Record, at time.Time) analyticsRecord {
	// Tyk's tag order follows map iteration (the harness keeps that); one
	// order, sorted, keeps the files the same on every run.
	tags := slices.Clone(r.Tags)
	slices.Sort(tags)
	return analyticsRecord{
		Method: r.Method, Host: "gateway.example", Path: r.Path, RawPath: r.Path, Day: at.Day(), Month: at.Month(),
		Year: at.Year(), Hour: at.Hour(), ResponseCode: r.ResponseCode, TimeStamp: at, APIName: r.APIID, APIID: r.APIID,
		OrgID: "demo-org", OauthID: r.OauthClientID, Tags: tags, Alias: r.Alias, IPAddress: "127.0.0.1",
		ExpireAt: at.Add(7 * 24 * time.Hour),
	}
}

// pumpFiles writes the records in the three formats oauthcheck report
// reads: the stdout pump's JSON lines as docker compose logs prints them,
// the CSV pump's file, and msgpack.v2 values as they sit in Redis.
func pumpFiles(t *testing.T, recs []analyticsRecord) map[string][]byte {
	t.Helper()
	var stdout, csvOut, mp bytes.Buffer
	logger := logrus.New()
	formatter := &logrus.JSONFormatter{}
	w := csv.NewWriter(&csvOut)
	if err := w.Write(csvHeader); err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		entry := logger.WithField("tyk-analytics-record", rec) // pumps/stdout.go, log_field_name default
		entry.Level = logrus.InfoLevel
		entry.Time = rec.TimeStamp.Add(time.Second)
		line, err := formatter.Format(entry)
		if err != nil {
			t.Fatal(err)
		}
		stdout.WriteString("pump-1  | ")
		stdout.Write(line)
		if err := w.Write(rec.csvLine()); err != nil {
			t.Fatal(err)
		}
		b, err := msgpackv2.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		mp.Write(b)
	}
	w.Flush()
	return map[string][]byte{"pump-stdout.log": stdout.Bytes(), "pump.csv": csvOut.Bytes(), "redis-records.msgpack": mp.Bytes()}
}

// TestPumpFilesFromHarness runs real exchanges through the loaded .so
// (fosite behind a keyless token API and a key-protected resource API),
// writes the records as the pumps would, and checks that the report's
// golden inputs in plugin/report/testdata/harness are exactly these.
// Regenerate them with: go test ./integration -run PumpFiles -update-pump-files
func TestPumpFilesFromHarness(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	tokenAPI := fositeAPI(d, "idp-token")
	tokenGW := harness.NewGateway(t, p, tokenAPI)
	f := &flow{t: t, d: d, g: tokenGW, client: rawClient()}

	ccWith := func(secret string, scopes ...string) error {
		cc := clientcredentials.Config{ClientID: serviceClientID, ClientSecret: secret, TokenURL: tokenGW.URL + "/oauth2/token",
			Scopes: scopes, AuthStyle: oauth2.AuthStyleInHeader}
		_, err := cc.Token(f.ctx())
		return err
	}
	for i := 0; i < 3; i++ {
		if ccWith("wrong-secret") == nil {
			t.Fatal("a wrong secret got a token")
		}
	}
	if err := ccWith(d.secrets[serviceClientID], "read"); err != nil {
		t.Fatalf("right secret: %v", err)
	}
	if ccWith(d.secrets[serviceClientID], "admin") == nil {
		t.Fatal("a scope the client may not have got a token")
	}
	f.postForm(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"not-used"}}, webClientID, d.secrets[webClientID])
	conf := f.webConfig(d.secrets[webClientID], "http://127.0.0.1:5555/not-registered")
	req, _ := http.NewRequest(http.MethodGet, conf.AuthCodeURL("state-fixed-0001"), nil)
	tokenGW.Do(t, f.client, req)

	good, err := (&clientcredentials.Config{ClientID: serviceClientID, ClientSecret: d.secrets[serviceClientID],
		TokenURL: d.URL + "/oauth2/token", Scopes: []string{"read"}, AuthStyle: oauth2.AuthStyleInHeader}).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	key := "tyk-key-pumpfiles-0001"
	resGW := harness.NewGateway(t, p, resourceAPI(d, "orders-api", false, map[string]harness.Session{
		key: {Alias: "partner-portal", OauthClientID: serviceClientID}}))
	for _, bearer := range []string{"not-a-token", "not-a-token", good.AccessToken} {
		r, _ := http.NewRequest(http.MethodGet, resGW.URL+"/api/resource", nil)
		r.Header.Set("X-Api-Key", key)
		r.Header.Set("Authorization", "Bearer "+bearer)
		resGW.Do(t, nil, r)
	}

	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var recs []analyticsRecord
	for i, r := range append(tokenGW.Records(t), resGW.Records(t)...) {
		recs = append(recs, pumpRecord(r, base.Add(time.Duration(i)*7*time.Minute)))
	}
	if len(recs) != 10 {
		t.Fatalf("got %d records, want 10 (7 token API exchanges, 3 resource calls)", len(recs))
	}
	files := pumpFiles(t, recs)
	for name, b := range files {
		if bytes.Contains(b, []byte(good.AccessToken)) || bytes.Contains(b, []byte(d.secrets[serviceClientID])) {
			t.Errorf("%s holds a secret of the run", name)
		}
		path := filepath.Join(pumpFilesDir, name)
		if *updatePumpFiles {
			if err := os.MkdirAll(pumpFilesDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; generate it with -update-pump-files", err)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("%s: this run's records differ from the committed golden input; if the labels changed on purpose, regenerate with -update-pump-files\n got:\n%s", name, b)
		}
	}
}
