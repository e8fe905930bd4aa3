package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
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

// logResult writes one line per OAuth response: invalid at warn, warning at
// info, ok at debug. Only registered codes and public identifiers appear.
// repaired names the repairs applied to what the client received.
func logResult(apiID string, result *classify.Result, status int, who caller, repaired string) {
	log := gatewayLogger()
	level := logrus.DebugLevel
	switch result.Verdict {
	case classify.VerdictInvalid:
		level = logrus.WarnLevel
	case classify.VerdictWarning:
		level = logrus.InfoLevel
	}
	if !log.IsLevelEnabled(level) {
		return
	}
	fields := logrus.Fields{
		"prefix":          logPrefix,
		"api_id":          apiID,
		"endpoint":        string(result.Endpoint),
		"verdict":         string(result.Verdict),
		"causes":          joinCauses(result.Causes()),
		"upstream_status": status,
		"detected":        result.Why.DetectedText(),
	}
	if repaired != "" {
		fields["repaired"] = repaired
	}
	if rule := result.Why.RuleText(); rule != "" {
		fields["rule"] = rule
	}
	if who.OAuthClientID != "" && classify.LabelSafe(who.OAuthClientID) {
		fields["client_id"] = who.OAuthClientID
	}
	if who.Alias != "" {
		fields["key_alias"] = who.Alias
	} else if who.KeyFingerprint != "" {
		fields["key_hash"] = who.KeyFingerprint
	}
	msg := "oauthcheck: OAuth response ok"
	if root, ok := classify.Lookup(result.Root()); ok && result.Verdict != classify.VerdictOK {
		msg = fmt.Sprintf("oauthcheck: %s OAuth response: %s", result.Verdict, root.Summary)
		fields["hint"] = root.Hint
	}
	log.WithFields(fields).Log(level, msg)
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
