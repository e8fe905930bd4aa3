package main

import (
	"encoding/base64"
	"os"

	"github.com/oauthcheck/oauthcheck/plugin/redact"
)

// Tags the analytics hook adds to a record it changed, so an operator can
// tell a redacted raw record from one recorded without the plugin.
const (
	TagRawRedacted = "oauthcheck-raw-redacted"
	TagRawDropped  = "oauthcheck-raw-dropped"
)

// RedactKeyEnv names the environment variable with the fingerprint key.
// Set the same value on every gateway to match fingerprints across them;
// unset, each gateway process draws its own key.
const RedactKeyEnv = "OAUTHCHECK_REDACT_KEY"

var redactor = redact.New([]byte(os.Getenv(RedactKeyEnv)))

// redactRecord redacts an analytics record's raw fields in place: base64
// of the raw HTTP request and response, as Tyk stores them with detailed
// recording on. Anything it cannot read, it drops: both raw fields go,
// since a secret of one can be echoed in the other, and the record is
// tagged. It never panics: it runs in Tyk's analytics path.
func redactRecord(rawRequest, rawResponse *string, tags *[]string) {
	defer func() {
		if recover() != nil {
			*rawRequest, *rawResponse = "", ""
			*tags = append(*tags, TagRawDropped)
			gatewayLogger().WithField("prefix", "oauthcheck").Error("oauthcheck: analytics redaction failed; raw request and response dropped")
		}
	}()
	if *rawRequest == "" && *rawResponse == "" {
		return // detailed recording off: nothing to do
	}
	req, err1 := base64.StdEncoding.DecodeString(*rawRequest)
	resp, err2 := base64.StdEncoding.DecodeString(*rawResponse)
	var err3, err4 error
	if err1 == nil && err2 == nil {
		req, resp, err3, err4 = redactor.Exchange(req, resp)
	}
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		*rawRequest, *rawResponse = "", ""
		*tags = append(*tags, TagRawDropped)
		return
	}
	*rawRequest = base64.StdEncoding.EncodeToString(req)
	*rawResponse = base64.StdEncoding.EncodeToString(resp)
	*tags = append(*tags, TagRawRedacted)
}
