// Package report reads the analytics records Tyk Pump writes (stdout pump
// JSON lines, CSV pump files, msgpack records from Tyk's Redis list) and
// counts oauthcheck's labels per cause, API and client, in bounded memory.
package report

import (
	"strings"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// PumpRecord holds the only fields of tyk-pump's analytics.AnalyticsRecord
// the report reads; raw request and response fields are never decoded.
type PumpRecord struct {
	APIID        string    `json:"api_id"`
	OauthID      string    `json:"oauth_id"`
	ResponseCode int       `json:"response_code"`
	TimeStamp    time.Time `json:"timestamp"`
	Tags         []string  `json:"tags"`
}

// Tag prefixes Tyk's tag_headers makes of oauthcheck's label headers: the
// lower-cased header name, a dash, the value (gateway/handler_success.go).
const (
	TagCause   = "x-oauth-cause-"
	TagVerdict = "x-oauth-verdict-"
	TagClient  = "x-oauth-client-"
)

// CauseOK is the cause value of a usable OAuth response.
const CauseOK = "ok"

// Labels are oauthcheck's labels of one record.
type Labels struct {
	Causes  []string // registered codes, each once, plus "ok"
	Verdict string
	Client  string
	Unknown int // x-oauth-cause tags with an unregistered code
}

// Labelled reports whether the record carries any oauthcheck label.
func (l Labels) Labelled() bool {
	return len(l.Causes) > 0 || l.Verdict != "" || l.Client != "" || l.Unknown > 0
}

// ParseLabels reads oauthcheck's labels from a record's tags. Tyk does not
// keep tag order, so causes come out as a set in tag order; only registered
// codes are kept, which bounds the report's memory and keeps stray tags out.
func ParseLabels(tags []string) Labels {
	var l Labels
	for _, t := range tags {
		switch {
		case strings.HasPrefix(t, TagCause):
			code := t[len(TagCause):]
			if code != CauseOK && !classify.Registered(classify.Code(code)) {
				l.Unknown++
				continue
			}
			seen := false
			for _, c := range l.Causes {
				if c == code {
					seen = true
					break
				}
			}
			if !seen {
				l.Causes = append(l.Causes, code)
			}
		case strings.HasPrefix(t, TagVerdict):
			l.Verdict = t[len(TagVerdict):]
		case strings.HasPrefix(t, TagClient):
			if id := t[len(TagClient):]; classify.LabelSafe(id) {
				l.Client = id
			}
		}
	}
	return l
}
