package integration

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauthcheck/oauthcheck/test/harness"
)

// TestDetailedRecordingCarriesNoSecret turns detailed recording on for a
// token API in front of a real OAuth server (fosite), runs a real client
// (x/oauth2) through a code exchange with PKCE, a refresh and a failed
// exchange, and checks that the raw request and response each record
// stores hold none of the secrets that crossed the gateway. The control
// API, without the analytics plugin, shows those secrets are really in
// the raw fields otherwise.
func TestDetailedRecordingCarriesNoSecret(t *testing.T) {
	p := loadPlugin(t)
	d := newIDP(t)
	run := func(t *testing.T, analyticsPlugin bool) []harness.Record {
		api := fositeAPI(d, uniqueAPIID("recorded-token-api"))
		api.DetailedRecording, api.AnalyticsPlugin = true, analyticsPlugin
		g := harness.NewGateway(t, p, api)
		f := &flow{t: t, d: d, g: g, client: rawClient()}
		conf := f.webConfig(d.secrets[webClientID], webRedirect)
		code, verifier := f.authorize(conf, "/oauth2/auth")
		d.remember(code)
		tok, err := conf.Exchange(f.ctx(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		idToken, _ := tok.Extra("id_token").(string)
		d.remember(tok.AccessToken, tok.RefreshToken, idToken)
		tok.Expiry = tok.Expiry.Add(-24 * 3600 * 1e9)
		refreshed, err := conf.TokenSource(f.ctx(), tok).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		refreshedID, _ := refreshed.Extra("id_token").(string)
		d.remember(refreshed.AccessToken, refreshed.RefreshToken, refreshedID)
		// The code again: refused, and the request still carries it.
		if _, err := conf.Exchange(f.ctx(), code, oauth2.VerifierOption(verifier)); err == nil {
			t.Fatal("a reused code was accepted")
		}
		return g.Records(t)
	}

	t.Run("with the analytics plugin", func(t *testing.T) {
		recs := run(t, true)
		secrets := d.secretValues()
		for i, rec := range recs {
			if rec.RawRequest == "" || rec.RawResponse == "" {
				t.Fatalf("record %d (%s): raw fields empty, want them redacted, not dropped", i, rec.Path)
			}
			if !rec.HasTag("oauthcheck-raw-redacted") {
				t.Errorf("record %d: tags %q lack oauthcheck-raw-redacted", i, rec.Tags)
			}
			raw := decodeRaw(t, rec)
			for _, s := range secrets {
				for _, form := range encodings(s) {
					if strings.Contains(raw, form) {
						t.Errorf("record %d (%s %s): raw fields hold a secret (%d chars, starts %q)", i, rec.Method, rec.Path, len(s), s[:min(6, len(s))])
					}
				}
			}
			if !strings.Contains(raw, "[redacted:len=") {
				t.Errorf("record %d: no redaction marker in %q", i, raw)
			}
		}
		if len(recs) < 4 {
			t.Fatalf("got %d records, want the authorize, exchange, refresh and reuse", len(recs))
		}
	})

	t.Run("control: without it the secrets are there", func(t *testing.T) {
		recs := run(t, false)
		var all strings.Builder
		for _, rec := range recs {
			all.WriteString(decodeRaw(t, rec))
		}
		found := 0
		for _, s := range d.secretValues() {
			for _, form := range encodings(s) {
				if strings.Contains(all.String(), form) {
					found++
					break
				}
			}
		}
		if found < 4 {
			t.Fatalf("only %d secrets in unredacted raw records: the test above would prove nothing", found)
		}
	})
}

func decodeRaw(t *testing.T, rec harness.Record) string {
	t.Helper()
	req, err1 := base64.StdEncoding.DecodeString(rec.RawRequest)
	resp, err2 := base64.StdEncoding.DecodeString(rec.RawResponse)
	if err1 != nil || err2 != nil {
		t.Fatalf("raw fields are not base64: %v %v", err1, err2)
	}
	return string(req) + "\n" + string(resp)
}

// encodings are the forms a secret takes in raw HTTP.
func encodings(s string) []string {
	if len(s) < 8 {
		return nil
	}
	return []string{s, url.QueryEscape(s), base64.StdEncoding.EncodeToString([]byte(webClientID + ":" + url.QueryEscape(s)))}
}
