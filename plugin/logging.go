package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/logagg"
)

const logPrefix = "oauthcheck"

// caller is who sent the request, as far as the plugin may say: never a
// raw key, never a secret.
type caller struct {
	Alias          string
	KeyFingerprint string // sha256 prefix of Tyk's key hash
	OAuthClientID  string // public client identifier
}

type callerKey struct{}

func callerFrom(r *http.Request) caller {
	if c, ok := r.Context().Value(callerKey{}).(caller); ok {
		return c
	}
	if c, ok := sessionOf(r); ok {
		return c
	}
	return caller{}
}

// fingerprint identifies a key without revealing it: with hash_keys off,
// Tyk's "key hash" is the key itself.
func fingerprint(keyHash string) string {
	sum := sha256.Sum256([]byte(keyHash))
	return hex.EncodeToString(sum[:6])
}

// logKey is what makes two results the same log line: API, verdict,
// cause set and client. Small (map keys over 128 bytes are stored
// indirectly) and, for a single cause, built without allocating.
type logKey struct {
	api     string
	verdict classify.Verdict
	causes  string // comma-joined, root first
	client  string // public client_id
	keyID   string // key alias, or key fingerprint
	alias   bool   // keyID is an alias
}

// logPayload is the rest of a first line, kept for its summaries.
type logPayload struct {
	level    logrus.Level
	endpoint classify.Endpoint
	status   int
	why      classify.Why
	root     classify.Code
	repaired string // the repairs applied to what the client received
}

type logLine = logagg.Line[logKey, logPayload]

var (
	logAgg       atomic.Pointer[logagg.Aggregator[logKey, logPayload]]
	logFlushOnce sync.Once
	// logTickerOff stops the ticker's flushes: tests drive Flush with
	// their own clock.
	logTickerOff atomic.Bool
)

func init() { logAgg.Store(logagg.New[logKey, logPayload](logagg.Config{})) }

// aggregator returns the process's aggregator and starts, once, the one
// ticker that writes summaries when traffic stops.
func aggregator() *logagg.Aggregator[logKey, logPayload] {
	logFlushOnce.Do(func() { go flushLogs(time.Second) })
	return logAgg.Load()
}

func flushLogs(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var buf [16]logLine
	for range t.C {
		if logTickerOff.Load() {
			continue
		}
		func() {
			defer func() { _ = recover() }() // a formatting bug must not end the ticker
			writeLines(gatewayLogger(), logAgg.Load().Flush(buf[:0]))
		}()
	}
}

// logResult logs an OAuth response if its API logs that verdict: the
// first of a (API, verdict, causes, client) key at once, its repeats in
// one summary line per window (plugin/logagg). Only registered codes and
// public identifiers appear. repaired names the repairs applied to what
// the client received.
func logResult(api *apiState, result *classify.Result, status int, who caller, repaired string) {
	level, on := api.logLevel(result.Verdict)
	if !on {
		return
	}
	log := gatewayLogger()
	if !log.IsLevelEnabled(level) {
		return
	}
	k := logKey{api: api.id, verdict: result.Verdict}
	if causes := result.Causes(); len(causes) == 1 {
		k.causes = string(causes[0])
	} else {
		k.causes = joinCauses(causes)
	}
	if who.OAuthClientID != "" && classify.LabelSafe(who.OAuthClientID) {
		k.client = who.OAuthClientID
	}
	if who.Alias != "" {
		k.keyID, k.alias = who.Alias, true
	} else {
		k.keyID = who.KeyFingerprint
	}
	p := logPayload{level: level, endpoint: result.Endpoint, status: status, why: result.Why, root: result.Root(), repaired: repaired}
	var buf [4]logLine
	writeLines(log, aggregator().Observe(k, p, buf[:0]))
}

func writeLines(log *logrus.Logger, lines []logLine) {
	for i := range lines {
		writeLine(log, &lines[i])
	}
}

func writeLine(log *logrus.Logger, l *logLine) {
	if l.Kind == logagg.DroppedOnly {
		log.WithFields(logrus.Fields{"prefix": logPrefix, "dropped": l.Dropped}).
			Warn("oauthcheck: log lines dropped by the rate cap")
		return
	}
	k, p := &l.Key, &l.Payload
	if !log.IsLevelEnabled(p.level) {
		return
	}
	fields := logrus.Fields{
		"prefix":          logPrefix,
		"api_id":          k.api,
		"endpoint":        string(p.endpoint),
		"verdict":         string(k.verdict),
		"causes":          k.causes,
		"upstream_status": p.status,
		"detected":        p.why.DetectedText(),
	}
	if p.repaired != "" {
		fields["repaired"] = p.repaired
	}
	if rule := p.why.RuleText(); rule != "" {
		fields["rule"] = rule
	}
	if k.client != "" {
		fields["client_id"] = k.client
	}
	if k.alias {
		fields["key_alias"] = k.keyID
	} else if k.keyID != "" {
		fields["key_hash"] = k.keyID
	}
	if l.Kind == logagg.Summary {
		fields["repeats"] = l.Repeats
		fields["window"] = l.Window.Round(time.Second).String()
	}
	if l.Dropped > 0 {
		fields["dropped"] = l.Dropped
	}
	msg := "oauthcheck: OAuth response ok"
	if root, ok := classify.Lookup(p.root); ok && k.verdict != classify.VerdictOK {
		msg = fmt.Sprintf("oauthcheck: %s OAuth response: %s", k.verdict, root.Summary)
		fields["hint"] = root.Hint
	}
	log.WithFields(fields).Log(p.level, msg)
}

func joinCauses(causes []classify.Code) string {
	var b strings.Builder
	for i, c := range causes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(c))
	}
	return b.String()
}

// recoverHook keeps a plugin bug from becoming a 500: Tyk answers 500 when
// a response hook panics. The response has been left as the upstream sent
// it; the request is labelled plugin_error so the failure is visible.
func recoverHook(hook string, r *http.Request, res *http.Response) {
	e := recover()
	if e == nil {
		return
	}
	fields := logrus.Fields{"prefix": logPrefix, "hook": hook}
	if res != nil {
		fields["upstream_status"] = res.StatusCode
	}
	gatewayLogger().WithFields(fields).Errorf("oauthcheck: recovered from panic, response passed through unchanged: %v\n%s", e, debug.Stack())
	if r != nil && r.Header != nil && hook == "response" {
		func() {
			defer func() { _ = recover() }()
			stripLabels(r.Header)
			r.Header[HeaderCause] = []string{string(classify.PluginError)}
		}()
	}
}
