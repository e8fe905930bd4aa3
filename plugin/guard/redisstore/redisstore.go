// Package redisstore is the guard's shared-counter store in Redis: each
// sync is one pipeline of INCRBY and EXPIRE per window key, so gateways
// behind one load balancer add up an attacker's failures.
//
// It uses github.com/redis/go-redis/v9 at the version Tyk v5.8.0 pins
// (v9.7.0); the plugin compiler links the gateway's newer one.
package redisstore

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauthcheck/oauthcheck/plugin/guard"
)

// Options say how to reach Redis.
type Options struct {
	Addr     string // host:port
	Password string
	DB       int
	TLS      bool
}

// Timeouts: a sync is off the request path, but a stuck Redis must not
// hold a sync round for long.
const (
	dialTimeout = time.Second
	ioTimeout   = 500 * time.Millisecond
	// batch bounds one pipeline.
	batch = 512
)

// Store is a guard.Store on one Redis.
type Store struct{ c *redis.Client }

// New makes a store; it connects lazily, at the first sync.
func New(o Options) *Store {
	opt := &redis.Options{
		Addr: o.Addr, Password: o.Password, DB: o.DB,
		DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
		PoolSize: 2, MinIdleConns: 0, MaxRetries: -1, // the next sync is the retry
		Protocol:         2,    // RESP2: every Redis a Tyk deployment runs speaks it
		DisableIndentity: true, // no CLIENT SETINFO: older or proxied Redis refuse it
	}
	if o.TLS {
		opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: hostOf(o.Addr)}
	}
	return &Store{c: redis.NewClient(opt)}
}

var _ guard.Store = (*Store)(nil)

// Add sends the deltas in pipelines of at most batch keys and returns the
// totals after each INCRBY.
func (s *Store) Add(ctx context.Context, deltas []guard.Delta) ([]int64, error) {
	totals := make([]int64, 0, len(deltas))
	for start := 0; start < len(deltas); start += batch {
		part := deltas[start:min(start+batch, len(deltas))]
		pipe := s.c.Pipeline()
		cmds := make([]*redis.IntCmd, len(part))
		for i, d := range part {
			cmds[i] = pipe.IncrBy(ctx, d.Key, d.N)
			pipe.Expire(ctx, d.Key, d.TTL)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
		for _, c := range cmds {
			totals = append(totals, c.Val())
		}
	}
	return totals, nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.c.Close() }

func hostOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			h := addr[:i]
			if len(h) > 1 && h[0] == '[' && h[len(h)-1] == ']' {
				h = h[1 : len(h)-1]
			}
			return h
		}
	}
	return addr
}
