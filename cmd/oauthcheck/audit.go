package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/audit"
)

// GatewaySecretEnv names the variable that holds the Tyk gateway secret;
// a flag would leave it in shell history and process listings.
const GatewaySecretEnv = "OAUTHCHECK_GATEWAY_SECRET"

// Fetch limits. Discovery documents are a few KiB; a gateway's API list can
// be large.
var (
	fetchTimeout     = 10 * time.Second
	maxMetadataBytes = int64(1 << 20)
	maxGatewayBytes  = int64(32 << 20)
)

type auditFlags struct {
	metadata, apis, gateway, failOn string
	json, sarif                     bool
}

// auditCmd runs `oauthcheck audit`. It returns exit 1 when a finding is at
// or above --fail-on; an error means unreadable input (exit 2).
func auditCmd(args []string, stdout io.Writer) (int, error) {
	var f auditFlags
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.metadata, "metadata", "", "discovery document: file or http(s) URL")
	fs.StringVar(&f.apis, "apis", "", "Tyk API definition file or folder")
	fs.StringVar(&f.gateway, "gateway", "", "Tyk gateway base URL; secret from "+GatewaySecretEnv)
	fs.BoolVar(&f.json, "json", false, "JSON output")
	fs.BoolVar(&f.sarif, "sarif", false, "SARIF 2.1.0 output")
	fs.StringVar(&f.failOn, "fail-on", "high", "exit 1 at or above: high, medium, low, info")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(rest) > 0 {
		return exitUsage, fmt.Errorf("audit: unexpected argument %q", rest[0])
	}
	failOn, ok := audit.ParseSeverity(f.failOn)
	if !ok {
		return exitUsage, fmt.Errorf("audit: --fail-on %q: want high, medium, low or info", f.failOn)
	}
	if f.json && f.sarif {
		return exitUsage, errors.New("audit: --json and --sarif exclude each other")
	}
	if f.metadata == "" && f.apis == "" && f.gateway == "" {
		return exitUsage, errors.New("audit: give --metadata, --apis or --gateway")
	}

	var findings []audit.Finding
	var md *audit.Metadata
	if f.metadata != "" {
		b, from, err := readMetadata(f.metadata)
		if err != nil {
			return exitUsage, err
		}
		var got []audit.Finding
		got, md, err = audit.CheckMetadata(f.metadata, b, from)
		if err != nil {
			return exitUsage, fmt.Errorf("%s: %v", f.metadata, err)
		}
		findings = append(findings, got...)
	}
	if f.apis != "" {
		files, err := definitionFiles(f.apis)
		if err != nil {
			return exitUsage, err
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				return exitUsage, err
			}
			got, err := audit.CheckAPIDefinitions(file, b, md)
			if err != nil {
				return exitUsage, err
			}
			findings = append(findings, got...)
		}
	}
	if f.gateway != "" {
		b, err := fetchGatewayAPIs(f.gateway)
		if err != nil {
			return exitUsage, err
		}
		got, err := audit.CheckAPIDefinitions(strings.TrimSuffix(f.gateway, "/")+"/tyk/apis", b, md)
		if err != nil {
			return exitUsage, err
		}
		findings = append(findings, got...)
	}

	switch {
	case f.json:
		err = audit.WriteJSON(stdout, findings)
	case f.sarif:
		err = audit.WriteSARIF(stdout, findings)
	default:
		err = audit.WriteText(stdout, findings)
	}
	if err != nil {
		return exitUsage, err
	}
	if audit.AtOrAbove(findings, failOn) {
		return exitInvalid, nil
	}
	return exitOK, nil
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

// readMetadata reads a file, or fetches a URL and returns it as the origin
// for the issuer-match rule.
func readMetadata(src string) ([]byte, string, error) {
	if !isURL(src) {
		b, err := os.ReadFile(src)
		return b, "", err
	}
	b, err := fetch(src, nil, maxMetadataBytes)
	return b, src, err
}

func fetchGatewayAPIs(base string) ([]byte, error) {
	if !isURL(base) {
		return nil, fmt.Errorf("--gateway %q: want an http(s) URL", base)
	}
	secret := os.Getenv(GatewaySecretEnv)
	if secret == "" {
		return nil, fmt.Errorf("--gateway: set %s to the gateway secret", GatewaySecretEnv)
	}
	return fetch(strings.TrimSuffix(base, "/")+"/tyk/apis", http.Header{"X-Tyk-Authorization": {secret}}, maxGatewayBytes)
}

// fetch GETs a URL with a timeout and a size cap. Errors never carry the
// request headers, which may hold the gateway secret.
func fetch(u string, header http.Header, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", u, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	client := http.DefaultClient
	if header != nil {
		// Go forwards custom headers on redirects, even to other hosts; the
		// gateway secret must reach only the URL given.
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s: no answer within %s", u, fetchTimeout)
		}
		return nil, fmt.Errorf("%s: %v", u, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP status %d", u, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return nil, fmt.Errorf("%s: no complete answer within %s", u, fetchTimeout)
		}
		return nil, fmt.Errorf("%s: %v", u, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: answer larger than %d bytes", u, limit)
	}
	return b, nil
}

// definitionFiles is the file itself, or every *.json in the folder, sorted.
func definitionFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	files, err := filepath.Glob(filepath.Join(p, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .json API definitions", p)
	}
	sort.Strings(files)
	return files, nil
}
