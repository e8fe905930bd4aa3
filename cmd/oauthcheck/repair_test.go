package main

import (
	"os"
	"strings"
	"testing"
)

const corpusDir = fixtures + "/corpus"

// The preview prints what a client would receive, and explain finds that
// standard: the same engine as the hook, end to end.
func TestRepairPreviewThenExplain(t *testing.T) {
	req := fixture("corpus/github/token_incorrect_client_credentials.req")
	resp := fixture("corpus/github/token_incorrect_client_credentials.resp")
	got := runCLI(t, "", "repair", "--request", req, resp)
	if got.code != exitOK || !strings.HasPrefix(got.stdout, "HTTP/1.1 400 Bad Request\r\n") {
		t.Fatalf("repair: exit %d, stdout %q, stderr %q", got.code, got.stdout, got.stderr)
	}
	if !strings.Contains(got.stdout, `{"error":"invalid_client"`) || !strings.Contains(got.stderr, "repaired: error_shape,error_status") {
		t.Errorf("repair output %q, stderr %q", got.stdout, got.stderr)
	}
	if strings.Contains(got.stdout, "Content-Encoding") {
		t.Error("repaired output carries Content-Encoding")
	}
	explained := runCLI(t, got.stdout, "explain", "--json", "--request", req, "-")
	out := decodeStrict(t, explained.stdout)
	for _, c := range out.Causes {
		if c.Family == "response_format" {
			t.Errorf("explain still finds %s in the repaired answer", c.Code)
		}
	}
	if len(out.Causes) == 0 || out.Causes[0].Code != "invalid_client" {
		t.Errorf("explain root cause %v, want invalid_client", out.Causes)
	}
}

func TestRepairPreviewLeavesValidInputByteForByte(t *testing.T) {
	for _, name := range []string{"corpus/github/device_poll_authorization_pending", "rfc/token_success"} {
		resp := fixture(name + ".resp")
		args := []string{"repair", resp}
		if _, err := os.Stat(fixture(name + ".req")); err == nil {
			args = []string{"repair", "--request", fixture(name + ".req"), resp}
		}
		got := runCLI(t, "", args...)
		want, err := os.ReadFile(resp)
		if err != nil {
			t.Fatal(err)
		}
		if got.code != exitOK || got.stdout != string(want) || !strings.Contains(got.stderr, "nothing to repair") {
			t.Errorf("%s: exit %d, stderr %q, output changed: %v", name, got.code, got.stderr, got.stdout != string(want))
		}
	}
}

func TestRepairKindsAndUsage(t *testing.T) {
	resp := fixture("corpus/github/token_incorrect_client_credentials.resp")
	req := fixture("corpus/github/token_incorrect_client_credentials.req")
	got := runCLI(t, "", "repair", "--kinds", "error_status", "--request", req, resp)
	if !strings.Contains(got.stderr, "repaired: error_status ") || !strings.Contains(got.stdout, "incorrect_client_credentials") {
		t.Errorf("--kinds error_status: stderr %q, body rewritten anyway: %v", got.stderr, !strings.Contains(got.stdout, "incorrect_client_credentials"))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"repair"}, "repair: missing RESP_FILE"},
		{[]string{"repair", "--kinds", "nope", resp}, `repair: --kinds[0]: unknown repair kind "nope"`},
		{[]string{"repair", "--corpus", corpusDir, resp}, "repair: --corpus takes no RESP_FILE"},
		{[]string{"repair", "--endpoint", "tokn", resp}, `repair: unknown --endpoint "tokn"`},
	} {
		got := runCLI(t, "", tc.args...)
		if got.code != exitUsage || !strings.Contains(got.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, got.code, got.stderr, tc.want)
		}
	}
}

func TestRepairCorpusFigure(t *testing.T) {
	got := runCLI(t, "", "repair", "--corpus", corpusDir)
	if got.code != exitOK || !strings.Contains(got.stdout, "broken shape (content intact): ") || !strings.Contains(got.stdout, "valid: ") {
		t.Fatalf("repair --corpus: exit %d, stdout %q, stderr %q", got.code, got.stdout, got.stderr)
	}
	if !strings.Contains(got.stdout, ", changed: 0\n") {
		t.Errorf("a valid answer was changed:\n%s", got.stdout)
	}
}
