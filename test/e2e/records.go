// Package e2e checks oauthcheck inside a real Tyk gateway: it sends the
// traffic of package traffic through the gateway, then reads the analytics
// records Tyk wrote to Redis and checks their tags, their lack of secrets,
// and the bytes the client got.
//
// Gated: without OAUTHCHECK_E2E_GATEWAY every test skips. tyk-pump drains
// the same Redis list, so stop it first (docker compose stop pump).
package e2e

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"
)

// AnalyticsList is the Redis list Tyk appends analytics records to:
// storage key prefix "analytics-" plus "tyk-system-analytics"
// (gateway/analytics.go, gateway/server.go), with the default msgpack
// serializer, which adds no suffix.
const AnalyticsList = "analytics-tyk-system-analytics"

// Record holds the fields of tyk-pump's analytics.AnalyticsRecord this
// suite reads. Tyk encodes records with msgpack keyed by Go field names
// (no msgpack tags); other fields are skipped when decoding.
type Record struct {
	Method       string
	Host         string
	Path         string
	RawPath      string
	UserAgent    string
	ResponseCode int
	APIKey       string
	APIID        string
	OrgID        string
	OauthID      string
	Alias        string
	RawRequest   string // base64 wire request; empty unless detailed recording
	RawResponse  string // base64 wire response; empty unless detailed recording
	Tags         []string

	Raw []byte `msgpack:"-"` // the encoded record, for secret scans
}

// readRecords returns every record in the list whose User-Agent starts
// with uaPrefix, without removing anything (LRANGE).
func readRecords(ctx context.Context, rdb *redis.Client, uaPrefix string) ([]Record, error) {
	raw, err := rdb.LRange(ctx, AnalyticsList, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("LRANGE %s: %w", AnalyticsList, err)
	}
	var out []Record
	for i, item := range raw {
		var rec Record
		if err := msgpack.Unmarshal([]byte(item), &rec); err != nil {
			return nil, fmt.Errorf("record %d of %s: %w", i, AnalyticsList, err)
		}
		if strings.HasPrefix(rec.UserAgent, uaPrefix) {
			rec.Raw = []byte(item)
			out = append(out, rec)
		}
	}
	return out, nil
}
