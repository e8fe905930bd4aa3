package report

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"
)

// millionRecords streams one million generated msgpack records without
// holding them: 50 APIs, 5000 clients, a month of timestamps.
type millionRecords struct {
	i   int
	buf bytes.Reader
}

func (m *millionRecords) Read(p []byte) (int, error) {
	for m.buf.Len() == 0 {
		if m.i == 1_000_000 {
			return 0, io.EOF
		}
		codes := []string{"invalid_client", "invalid_grant", "ok"}
		rec := PumpRecord{APIID: fmt.Sprintf("api-%d", m.i%50), ResponseCode: 401,
			TimeStamp: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(m.i) * 2600 * time.Millisecond),
			Tags:      []string{"x-oauth-cause-" + codes[m.i%3], fmt.Sprintf("x-oauth-client-app-%d", m.i%5000)}}
		m.buf.Reset(msgpackV2Record(rec, "GET / HTTP/1.1\r\n\r\n"))
		m.i++
	}
	return m.buf.Read(p)
}

// BenchmarkMillionRecords reports the heap in use after aggregating one
// million records; it must stay under a fixed bound.
func BenchmarkMillionRecords(b *testing.B) {
	const heapBound = 64 << 20
	for n := 0; n < b.N; n++ {
		agg := New(Filter{})
		if _, _, err := Records(&millionRecords{}, func(r PumpRecord) error { agg.Add(r); return nil }); err != nil {
			b.Fatal(err)
		}
		rep := agg.Report()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heapMiB")
		if rep.Records != 1_000_000 {
			b.Fatalf("records %d", rep.Records)
		}
		if ms.HeapInuse > heapBound {
			b.Fatalf("heap in use %d MiB over the %d MiB bound", ms.HeapInuse>>20, heapBound>>20)
		}
	}
}
