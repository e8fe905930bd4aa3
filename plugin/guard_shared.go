package main

// Shared counters across gateways (guard.redis_addr): one syncer per Redis,
// sending every second, off the request path.

import (
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/config"
	"github.com/oauthcheck/oauthcheck/plugin/guard"
	"github.com/oauthcheck/oauthcheck/plugin/guard/redisstore"
)

// Sync timing: counts reach the other gateways within about a second; a
// round that cannot finish in its timeout is dropped and its deltas resent.
const (
	sharedSyncEvery   = time.Second
	sharedSyncTimeout = 2 * time.Second
)

var (
	syncersMu sync.Mutex
	syncers   = map[string]*guard.Syncer{} // by Redis address, db, TLS and password variable
)

// syncerFor returns the running syncer of g's Redis, making it on first use.
func syncerFor(g *config.Guard) *guard.Syncer {
	key := g.RedisAddr + "|" + strconv.Itoa(g.RedisDB) + "|" + strconv.FormatBool(g.RedisTLS) + "|" + g.RedisPasswordEnv
	syncersMu.Lock()
	defer syncersMu.Unlock()
	if sy, ok := syncers[key]; ok {
		return sy
	}
	password := ""
	if g.RedisPasswordEnv != "" {
		password = os.Getenv(g.RedisPasswordEnv)
	}
	sy := guard.NewSyncer(redisstore.New(redisstore.Options{Addr: g.RedisAddr, Password: password, DB: g.RedisDB, TLS: g.RedisTLS}))
	fields := logrus.Fields{"prefix": logPrefix, "redis_addr": g.RedisAddr, "redis_db": g.RedisDB}
	sy.OnDown = func(err error) {
		// One line per outage; the error is go-redis's (no password in it).
		gatewayLogger().WithFields(fields).WithError(err).
			Warn("oauthcheck: attack protection: shared counters unavailable, counting on this gateway only until Redis answers")
	}
	sy.OnUp = func() {
		gatewayLogger().WithFields(fields).Info("oauthcheck: attack protection: shared counters back")
	}
	if g.RedisPasswordEnv != "" && password == "" {
		gatewayLogger().WithFields(fields).Warn("oauthcheck: attack protection: " + g.RedisPasswordEnv + " is unset or empty; connecting to Redis without a password")
	}
	sy.Start(sharedSyncEvery, sharedSyncTimeout)
	syncers[key] = sy
	return sy
}
