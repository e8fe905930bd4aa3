package harness

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

// LogBuffer collects the JSON log lines the plugin writes to the shared
// standin.Logger. It is safe for concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes is a copy of everything logged so far.
func (b *LogBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// LogLine is one decoded line; Fields holds every field, msg and level included.
type LogLine struct {
	Level   string
	Message string
	Fields  map[string]interface{}
	Raw     string
}

// Field returns a field as a string ("" when absent).
func (l LogLine) Field(name string) string {
	v, ok := l.Fields[name]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Lines decodes every line; lines that are not JSON are kept raw.
func (b *LogBuffer) Lines() []LogLine {
	var lines []LogLine
	for _, raw := range strings.Split(string(b.Bytes()), "\n") {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		l := LogLine{Raw: raw, Fields: map[string]interface{}{}}
		if json.Unmarshal([]byte(raw), &l.Fields) == nil {
			l.Level, _ = l.Fields["level"].(string)
			l.Message, _ = l.Fields["msg"].(string)
		}
		lines = append(lines, l)
	}
	return lines
}

// ForAPI returns the lines whose api_id field is apiID. Tests give each API
// a unique id, so they can share the process-wide logger.
func (b *LogBuffer) ForAPI(apiID string) []LogLine {
	var out []LogLine
	for _, l := range b.Lines() {
		if l.Field("api_id") == apiID {
			out = append(out, l)
		}
	}
	return out
}

var (
	logsOnce sync.Once
	logs     = &LogBuffer{}
)

// CaptureLogs points the logger the plugin shares with the host (as Tyk's
// log.Get() is shared) at a process-wide buffer, JSON, debug level, and
// returns that buffer.
func CaptureLogs() *LogBuffer {
	logsOnce.Do(func() {
		standin.Logger.SetOutput(logs)
		standin.Logger.SetFormatter(&logrus.JSONFormatter{})
		standin.Logger.SetLevel(logrus.DebugLevel)
	})
	return logs
}
