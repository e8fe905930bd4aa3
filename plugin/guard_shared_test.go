package main

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauthcheck/oauthcheck/plugin/guard/redisstore/redistest"
	"github.com/oauthcheck/oauthcheck/plugin/standin"
)

func sharedGuardAPI(id, addr string, extra map[string]interface{}) *standin.APIDefinition {
	// Unique per process too: runs share .ci/run's Redis.
	def := guardAPI(id+"-"+strconv.FormatInt(time.Now().UnixNano(), 36), "observe")
	g := def.ConfigData["oauthcheck"].(map[string]interface{})["guard"].(map[string]interface{})
	g["redis_addr"] = addr
	for k, v := range extra {
		g[k] = v
	}
	return def
}

// With guard.redis_addr, the failures the response hook counts reach Redis
// under hashed subjects, within a sync or two, off the request path.
func TestGuardSharesCountsThroughRedis(t *testing.T) {
	addr := redistest.Addr(t)
	now := fakeClock(t)
	def := sharedGuardAPI("guard-shared", addr, nil)
	for i := 0; i < 5; i++ {
		*now = now.Add(100 * time.Millisecond)
		failToken(def, "203.0.113.80", guardReplayBody, `{"error":"invalid_grant"}`, 400)
	}
	sy := syncerFor(apiFor(tokenRequest(def, "")).guard.src)
	if err := sy.Sync(context.Background()); err != nil { // the ticker may have sent them already
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	keys, err := rdb.Keys(context.Background(), "oauthcheck:guard:"+def.APIID+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int64{}
	for _, k := range keys {
		if strings.Contains(k, "203.0.113.80") || strings.Contains(k, "demo-app") {
			t.Errorf("key %q names the subject; want its hash", k)
		}
		n, err := rdb.Get(context.Background(), k).Int64()
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(k, ":")
		if parts[len(parts)-4] != "grant_replay" {
			t.Errorf("key %q: want the grant_replay detector", k)
		}
		kinds[parts[len(parts)-3]] += n
	}
	if kinds["ip"] != 5 || kinds["client_id"] != 5 {
		t.Errorf("shared counts by kind: got %v, want ip 5 and client_id 5", kinds)
	}
}

// A Redis that does not answer: one warn line per outage, traffic and
// labels unaffected, and no password in the logs.
func TestGuardRedisDownLogsOnceAndCountsLocally(t *testing.T) {
	logs := captureLogs(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv("OAUTHCHECK_TEST_REDIS_PASSWORD", "PLACEHOLDER-redis-password")
	now := fakeClock(t)
	def := sharedGuardAPI("guard-shared-down", addr, map[string]interface{}{"redis_password_env": "OAUTHCHECK_TEST_REDIS_PASSWORD"})
	var last string
	for i := 0; i < 40; i++ {
		*now = now.Add(100 * time.Millisecond)
		r := failToken(def, "203.0.113.81", guardReplayBody, `{"error":"invalid_grant"}`, 400)
		last = strings.Join(r.Header.Values(HeaderAnomaly), ",")
		if i == 0 {
			sy := syncerFor(apiFor(r).guard.src)
			for j := 0; j < 3; j++ {
				if err := sy.Sync(context.Background()); err == nil {
					t.Fatal("sync to a closed port succeeded")
				}
			}
		}
	}
	if !strings.Contains(last, "grant_replay") {
		t.Errorf("anomaly labels of the 40th replay: %q; want grant_replay from the local count", last)
	}
	sy := syncerFor(apiFor(tokenRequest(def, "")).guard.src)
	_ = sy.Sync(context.Background()) // orders any ticker round's line before the read
	out := logs.String()
	if n := strings.Count(out, "shared counters unavailable"); n != 1 {
		t.Errorf("got %d outage lines, want 1:\n%s", n, out)
	}
	if strings.Contains(out, "PLACEHOLDER-redis-password") {
		t.Error("the Redis password reached the logs")
	}
	if !strings.Contains(out, `"redis_addr":"`+addr+`"`) {
		t.Errorf("outage line does not name the Redis address %s:\n%s", addr, out)
	}
}
