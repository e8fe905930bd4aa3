package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Format is one kind of pump output.
type Format string

// Input formats.
const (
	FormatJSON    Format = "json"    // stdout pump, format "json", one record a line
	FormatCSV     Format = "csv"     // CSV pump file
	FormatMsgpack Format = "msgpack" // records as Tyk appends them to its Redis list
)

// maxLine caps one JSON line; longer lines (huge raw payloads) are skipped
// rather than held in memory.
const maxLine = 8 << 20

// Records calls fn with each record read from r, detecting the format
// (and gzip) from the first bytes. Lines and values that hold no record
// are counted in skipped. It stops at the first error fn returns.
func Records(r io.Reader, fn func(PumpRecord) error) (format Format, skipped int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", 0, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		zr.Multistream(true)
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	format, err = Detect(br)
	if err != nil {
		return "", 0, err
	}
	switch format {
	case FormatMsgpack:
		skipped, err = msgpackRecords(br, fn)
	case FormatCSV:
		skipped, err = csvRecords(br, fn)
	default:
		skipped, err = jsonRecords(br, fn)
	}
	return format, skipped, err
}

// Detect peeks at the first bytes: a msgpack map header, a CSV pump header
// line, or else JSON lines (with or without a docker compose log prefix).
func Detect(br *bufio.Reader) (Format, error) {
	b, err := br.Peek(1)
	if len(b) == 0 {
		if err == io.EOF {
			return FormatJSON, nil
		}
		return "", err
	}
	if c := b[0]; c&0xf0 == 0x80 || c == 0xde || c == 0xdf {
		return FormatMsgpack, nil
	}
	head, _ := br.Peek(len(csvHeaderStart))
	if string(head) == csvHeaderStart {
		return FormatCSV, nil
	}
	return FormatJSON, nil
}

// The CSV pump's header row starts with these fields
// (analytics.AnalyticsRecord.GetFieldNames).
const csvHeaderStart = "Method,Host,Path"

func msgpackRecords(br *bufio.Reader, fn func(PumpRecord) error) (int, error) {
	d := msgpackDecoder{r: br}
	skipped := 0
	for {
		h, err := d.head()
		if err == io.EOF {
			return skipped, nil
		}
		if err != nil {
			return skipped, err
		}
		if h.kind != kindMap {
			// Separators a dump may put between records (newlines decode
			// as small ints) and stray values are not records.
			if err := d.skip(h, 0); err != nil {
				return skipped, err
			}
			if h.kind != kindUint || (h.n != '\n' && h.n != '\r') {
				skipped++
			}
			continue
		}
		rec, err := d.record(h.n)
		if err != nil {
			return skipped, err
		}
		if err := fn(rec); err != nil {
			return skipped, err
		}
	}
}

// record reads the n entries of a record map keyed by Go field names, as
// msgpack.v2 encodes analytics.AnalyticsRecord (no msgpack tags).
func (d *msgpackDecoder) record(n uint64) (PumpRecord, error) {
	var rec PumpRecord
	for ; n > 0; n-- {
		kh, err := d.head()
		if err != nil {
			return rec, unexpected(err)
		}
		var key string
		if kh.kind == kindStr && kh.n <= 32 {
			b, err := d.bytes(kh.n)
			if err != nil {
				return rec, err
			}
			key = string(b)
		} else if err := d.skip(kh, 1); err != nil {
			return rec, err
		}
		vh, err := d.head()
		if err != nil {
			return rec, unexpected(err)
		}
		switch key {
		case "APIID", "OauthID", "ResponseCode", "TimeStamp", "Tags":
			v, err := d.value(vh, 1)
			if err != nil {
				return rec, err
			}
			setField(&rec, key, v)
		default:
			if err := d.skip(vh, 1); err != nil {
				return rec, err
			}
		}
	}
	return rec, nil
}

func setField(rec *PumpRecord, key string, v any) {
	switch key {
	case "APIID":
		rec.APIID, _ = v.(string)
	case "OauthID":
		rec.OauthID, _ = v.(string)
	case "ResponseCode":
		switch n := v.(type) {
		case int64:
			rec.ResponseCode = int(n)
		case uint64:
			rec.ResponseCode = int(min(n, 1<<31-1))
		}
	case "TimeStamp":
		rec.TimeStamp = msgpackTime(v)
	case "Tags":
		items, _ := v.([]any)
		for _, it := range items {
			if s, ok := it.(string); ok {
				rec.Tags = append(rec.Tags, s)
			}
		}
	}
}

// msgpackTime reads msgpack.v2's time encoding, a two-item array of Unix
// seconds and nanoseconds, or the standard timestamp extension that later
// versions write.
func msgpackTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case []any:
		if len(t) != 2 {
			return time.Time{}
		}
		sec, ok1 := asInt(t[0])
		nsec, ok2 := asInt(t[1])
		if ok1 && ok2 {
			return time.Unix(sec, nsec).UTC()
		}
	}
	return time.Time{}
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case uint64:
		if n <= 1<<63-1 {
			return int64(n), true
		}
	}
	return 0, false
}

func csvRecords(br *bufio.Reader, fn func(PumpRecord) error) (int, error) {
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = true
	col := map[string]int{}
	skipped := 0
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return skipped, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				skipped++
				continue
			}
			return skipped, err
		}
		// A header row, also where hourly files were concatenated.
		if len(row) > 2 && row[0] == "Method" && row[1] == "Host" {
			clear(col)
			for i, name := range row {
				col[name] = i
			}
			continue
		}
		field := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return row[i]
			}
			return ""
		}
		if len(col) == 0 {
			skipped++
			continue
		}
		rec := PumpRecord{APIID: field("APIID"), OauthID: field("OauthID")}
		rec.ResponseCode, _ = strconv.Atoi(field("ResponseCode"))
		rec.TimeStamp = goTimeString(field("TimeStamp"))
		if tags := field("Tags"); tags != "" {
			rec.Tags = strings.Split(tags, ";")
		}
		if err := fn(rec); err != nil {
			return skipped, err
		}
	}
}

// goTimeString parses time.Time.String output, which the CSV pump writes,
// dropping a monotonic clock suffix.
func goTimeString(s string) time.Time {
	if i := strings.Index(s, " m="); i >= 0 {
		s = s[:i]
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func jsonRecords(br *bufio.Reader, fn func(PumpRecord) error) (int, error) {
	skipped := 0
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		tooLong := false
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(line)+len(chunk) <= maxLine {
				line = append(line, chunk...)
			} else {
				tooLong = true
			}
			if tooLong {
				// Drop the rest of this line.
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = br.ReadSlice('\n')
				}
				line = line[:0]
				skipped++
				if err == io.EOF {
					return skipped, nil
				}
				if err != nil {
					return skipped, err
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			return skipped, err
		}
		line = append(line, chunk...)
		if len(bytes.TrimSpace(line)) > 0 {
			rec, ok := jsonRecord(line)
			if !ok {
				skipped++
			} else if ferr := fn(rec); ferr != nil {
				return skipped, ferr
			}
		}
		line = line[:0]
		if err == io.EOF {
			return skipped, nil
		}
	}
}

// jsonRecord finds the record in one stdout pump line: logrus's JSON
// entry with the record under log_field_name (default
// "tyk-analytics-record"), after any "pump-1  | " prefix; a bare record
// object is taken as is.
func jsonRecord(line []byte) (PumpRecord, bool) {
	i := bytes.IndexByte(line, '{')
	if i < 0 {
		return PumpRecord{}, false
	}
	var entry map[string]json.RawMessage
	if json.Unmarshal(line[i:], &entry) != nil {
		return PumpRecord{}, false
	}
	var rec PumpRecord
	if _, ok := entry["api_id"]; ok {
		return rec, json.Unmarshal(line[i:], &rec) == nil
	}
	if raw, ok := entry["tyk-analytics-record"]; ok {
		return rec, json.Unmarshal(raw, &rec) == nil
	}
	for _, raw := range entry {
		if len(raw) > 0 && raw[0] == '{' && bytes.Contains(raw, []byte(`"api_id"`)) {
			var probe map[string]json.RawMessage
			if json.Unmarshal(raw, &probe) == nil {
				if _, ok := probe["api_id"]; ok {
					return rec, json.Unmarshal(raw, &rec) == nil
				}
			}
		}
	}
	return PumpRecord{}, false
}
