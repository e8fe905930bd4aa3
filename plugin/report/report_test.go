package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// msgpackV2Record encodes a record the way gopkg.in/vmihailenco/msgpack.v2
// encodes analytics.AnalyticsRecord: a map keyed by Go field names, time as
// [unix seconds, nanoseconds], plus a raw field the report must skip.
func msgpackV2Record(rec PumpRecord, raw string) []byte {
	var b bytes.Buffer
	str := func(s string) {
		switch {
		case len(s) < 32:
			b.WriteByte(0xa0 | byte(len(s)))
		case len(s) < 256:
			b.WriteByte(0xd9)
			b.WriteByte(byte(len(s)))
		default:
			b.WriteByte(0xdb)
			binary.Write(&b, binary.BigEndian, uint32(len(s)))
		}
		b.WriteString(s)
	}
	i64 := func(n int64) {
		b.WriteByte(0xd3)
		binary.Write(&b, binary.BigEndian, n)
	}
	b.WriteByte(0x80 | 7)
	str("APIID")
	str(rec.APIID)
	str("RawRequest")
	str(raw)
	str("ResponseCode")
	i64(int64(rec.ResponseCode))
	str("OauthID")
	str(rec.OauthID)
	str("TimeStamp")
	b.WriteByte(0x92)
	i64(rec.TimeStamp.Unix())
	i64(int64(rec.TimeStamp.Nanosecond()))
	str("Geo")
	b.Write([]byte{0x81, 0xa1, 'x', 0xc0})
	str("Tags")
	b.WriteByte(0xdc)
	binary.Write(&b, binary.BigEndian, uint16(len(rec.Tags)))
	for _, t := range rec.Tags {
		str(t)
	}
	return b.Bytes()
}

var sampleRecords = []PumpRecord{
	{APIID: "billing", ResponseCode: 401, TimeStamp: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		Tags: []string{"x-oauth-cause-invalid_client", "x-oauth-verdict-invalid", "x-oauth-client-billing-app", "api-billing"}},
	{APIID: "billing", ResponseCode: 200, TimeStamp: time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC),
		Tags: []string{"x-oauth-cause-ok", "x-oauth-verdict-ok", "x-oauth-client-billing-app"}},
	{APIID: "orders", OauthID: "orders-ui", ResponseCode: 401, TimeStamp: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC),
		Tags: []string{"x-oauth-cause-invalid_client", "x-oauth-cause-invalid_client", "x-oauth-verdict-invalid"}},
	{APIID: "orders", ResponseCode: 200, TimeStamp: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Tags: []string{"api-orders"}},
}

const secret = "Bearer s3cr3t-access-token"

func encodeAll(t *testing.T, format Format, recs []PumpRecord) []byte {
	t.Helper()
	var b bytes.Buffer
	for i, r := range recs {
		switch format {
		case FormatMsgpack:
			b.Write(msgpackV2Record(r, "GET / HTTP/1.1\r\nAuthorization: "+secret+"\r\n\r\n"))
		case FormatJSON:
			entry := map[string]any{"level": "info", "msg": "", "time": "2026-03-01T10:00:00Z",
				"tyk-analytics-record": map[string]any{"api_id": r.APIID, "oauth_id": r.OauthID, "response_code": r.ResponseCode,
					"timestamp": r.TimeStamp, "tags": r.Tags, "raw_request": secret}}
			line, _ := json.Marshal(entry)
			b.WriteString("pump-1  | ")
			b.Write(line)
			b.WriteByte('\n')
		case FormatCSV:
			if i == 0 {
				b.WriteString("Method,Host,Path,RawPath,APIID,OauthID,ResponseCode,TimeStamp,RawRequest,Tags\n")
			}
			b.WriteString("GET,h,/,/," + r.APIID + "," + r.OauthID + "," + strconv.Itoa(r.ResponseCode) + "," +
				r.TimeStamp.String() + ",\"" + secret + "\"," + strings.Join(r.Tags, ";") + "\n")
		}
	}
	return b.Bytes()
}

func TestFormatsAgree(t *testing.T) {
	for _, format := range []Format{FormatMsgpack, FormatJSON, FormatCSV} {
		for _, zipped := range []bool{false, true} {
			data := encodeAll(t, format, sampleRecords)
			if zipped {
				var z bytes.Buffer
				zw := gzip.NewWriter(&z)
				zw.Write(data)
				zw.Close()
				data = z.Bytes()
			}
			agg := New(Filter{})
			got, skipped, err := Records(bytes.NewReader(data), func(r PumpRecord) error { agg.Add(r); return nil })
			if err != nil || got != format || skipped != 0 {
				t.Fatalf("%s gzip=%v: format %s skipped %d err %v", format, zipped, got, skipped, err)
			}
			rep := agg.Report()
			if rep.Records != 4 || rep.Labelled != 3 || rep.OK != 1 || len(rep.Causes) != 1 {
				t.Fatalf("%s: %+v", format, rep)
			}
			c := rep.Causes[0]
			if c.Code != "invalid_client" || c.Count != 2 {
				t.Errorf("%s: cause %+v", format, c)
			}
			wantAPIs := []APICount{{"billing", 1, 0.5}, {"orders", 1, 1}}
			if len(c.APIs) != 2 || c.APIs[0] != wantAPIs[0] || c.APIs[1] != wantAPIs[1] {
				t.Errorf("%s: apis %+v", format, c.APIs)
			}
			if len(c.Clients) != 2 || c.Clients[0].ClientID != "billing-app" || c.Clients[1].ClientID != "orders-ui" {
				t.Errorf("%s: clients %+v", format, c.Clients)
			}
			if !c.FirstSeen.Equal(sampleRecords[0].TimeStamp) || !c.LastSeen.Equal(sampleRecords[2].TimeStamp) {
				t.Errorf("%s: seen %v..%v", format, c.FirstSeen, c.LastSeen)
			}
			var out bytes.Buffer
			WriteText(&out, rep)
			js, _ := json.Marshal(rep)
			if strings.Contains(out.String()+string(js), "s3cr3t") {
				t.Errorf("%s: secret in output", format)
			}
		}
	}
}

func TestFilters(t *testing.T) {
	data := encodeAll(t, FormatMsgpack, sampleRecords)
	tests := []struct {
		name    string
		filter  Filter
		records int
		count   int
	}{
		{"since", Filter{Since: time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)}, 2, 1},
		{"api", Filter{API: "billing"}, 2, 1},
		{"client", Filter{Client: "orders-ui"}, 1, 1},
		{"none", Filter{API: "nope"}, 0, 0},
	}
	for _, tt := range tests {
		agg := New(tt.filter)
		if _, _, err := Records(bytes.NewReader(data), func(r PumpRecord) error { agg.Add(r); return nil }); err != nil {
			t.Fatal(err)
		}
		rep := agg.Report()
		count := 0
		for _, c := range rep.Causes {
			count += c.Count
		}
		if rep.Records != tt.records || count != tt.count {
			t.Errorf("%s: records %d causes %d, want %d %d", tt.name, rep.Records, count, tt.records, tt.count)
		}
	}
}

func TestParseLabels(t *testing.T) {
	tests := []struct {
		tags    []string
		causes  []string
		client  string
		unknown int
	}{
		{[]string{"x-oauth-cause-invalid_client", "x-oauth-cause-invalid_client"}, []string{"invalid_client"}, "", 0},
		{[]string{"x-oauth-cause-not_a_code", "x-oauth-client-a b"}, nil, "", 1},
		{[]string{"x-oauth-client-app-1", "key-abc"}, nil, "app-1", 0},
		{nil, nil, "", 0},
	}
	for _, tt := range tests {
		l := ParseLabels(tt.tags)
		if strings.Join(l.Causes, ",") != strings.Join(tt.causes, ",") || l.Client != tt.client || l.Unknown != tt.unknown {
			t.Errorf("%q: %+v", tt.tags, l)
		}
	}
}

func TestMsgpackValues(t *testing.T) {
	tests := []struct {
		in   []byte
		want any
	}{
		{[]byte{0xc0}, nil},
		{[]byte{0xc3}, true},
		{[]byte{0x05}, uint64(5)},
		{[]byte{0xff}, int64(-1)},
		{[]byte{0xd1, 0xff, 0x00}, int64(-256)},
		{[]byte{0xcd, 0x01, 0x00}, uint64(256)},
		{[]byte{0xca, 0x3f, 0x80, 0, 0}, float64(1)},
		{[]byte{0xa2, 'h', 'i'}, "hi"},
		{[]byte{0xd6, 0xff, 0, 0, 0, 60}, time.Unix(60, 0).UTC()},
	}
	for _, tt := range tests {
		got, err := DecodeMsgpack(bufio.NewReader(bytes.NewReader(tt.in)))
		if err != nil || got != tt.want {
			t.Errorf("% x: %#v %v, want %#v", tt.in, got, err, tt.want)
		}
	}
	if _, err := DecodeMsgpack(bufio.NewReader(bytes.NewReader([]byte{0xc1}))); err == nil {
		t.Error("0xc1 decoded")
	}
	if _, err := DecodeMsgpack(bufio.NewReader(bytes.NewReader([]byte{0xdb, 0xff, 0xff, 0xff, 0xff}))); err == nil {
		t.Error("4 GiB string accepted")
	}
}

func FuzzMsgpack(f *testing.F) {
	for _, r := range sampleRecords {
		f.Add(msgpackV2Record(r, "raw"))
	}
	f.Add([]byte{0xdf, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		DecodeMsgpack(bufio.NewReader(bytes.NewReader(data)))
		agg := New(Filter{})
		Records(bytes.NewReader(data), func(r PumpRecord) error { agg.Add(r); return nil })
		agg.Report()
	})
}

func TestHTMLParsesWithOneChartPerAPI(t *testing.T) {
	agg := New(Filter{})
	if _, _, err := Records(bytes.NewReader(encodeAll(t, FormatJSON, sampleRecords)), func(r PumpRecord) error { agg.Add(r); return nil }); err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, agg.Report()); err != nil {
		t.Fatal(err)
	}
	if s := page.String(); strings.Contains(s, "s3cr3t") || strings.Contains(s, "<script") || strings.Contains(s, "http://") && strings.Count(s, "http://") != strings.Count(s, "http://www.w3.org/") {
		t.Fatal("page holds a secret, a script or a network address")
	}
	dec := xml.NewDecoder(&page)
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	charts := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page does not parse: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "svg" {
			for _, a := range se.Attr {
				if a.Name.Local == "data-api" {
					charts[a.Value]++
				}
			}
		}
	}
	if len(charts) != 2 || charts["billing"] != 1 || charts["orders"] != 1 {
		t.Errorf("charts per API: %v, want billing and orders once", charts)
	}
}
