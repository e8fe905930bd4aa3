// Command oauthcheck explains why an OAuth 2.0 / OIDC response is or is not
// usable, with the same engine the Tyk plugin runs.
//
//	oauthcheck explain [--request REQ_FILE] [--json] [--issuer URL] [--max-body-bytes N] [--endpoint KIND] RESP_FILE
//	oauthcheck causes [--markdown]
//	oauthcheck score [--json] [--endpoint-given] [--misses PART] DIR
//	oauthcheck audit [--metadata FILE|URL] [--apis PATH] [--gateway URL] [--json|--sarif] [--fail-on SEVERITY]
//	oauthcheck report [--json] [--html FILE] [--since D|T] [--api ID] [--client ID] [FILE...]
//	oauthcheck repair [--request REQ_FILE] [--endpoint KIND] [--kinds K,…] RESP_FILE | --corpus DIR
//
// Files hold raw HTTP as `curl -i` prints it; "-" reads stdin (for one of
// them). Exit status: 0 ok or warning, 1 invalid, 2 usage or unreadable input.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
)

// Exit statuses.
const (
	exitOK      = 0 // ok or warning
	exitInvalid = 1
	exitUsage   = 2 // usage error or unreadable input
)

const usage = `usage:
  oauthcheck explain [--request REQ_FILE] [--json] [--issuer URL] [--max-body-bytes N] [--endpoint KIND] [--redact=false] RESP_FILE
  oauthcheck causes [--markdown]
  oauthcheck score [--json] [--endpoint-given] [--misses tuning|heldout|all] DIR
  oauthcheck audit [--metadata FILE|URL] [--apis PATH] [--gateway URL] [--json|--sarif] [--fail-on SEVERITY]
  oauthcheck report [--json] [--html FILE] [--since 24h|TIME] [--api ID] [--client ID] [PUMP_FILE...]
  oauthcheck repair [--request REQ_FILE] [--endpoint KIND] [--kinds K,...] RESP_FILE | --corpus DIR

RESP_FILE and REQ_FILE hold raw HTTP as "curl -i" prints it; "-" reads stdin.
Endpoint kinds: token, authorize, resource, introspect, revoke, device_authorization, none.
Exit status: 0 ok or warning, 1 invalid, 2 usage error or unreadable input.
audit: 1 when a finding is at or above --fail-on (default high); the gateway
secret comes from OAUTHCHECK_GATEWAY_SECRET.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errHelp asks for the usage text on stdout and exit 0.
var errHelp = errors.New("help requested")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "oauthcheck: missing command (explain, causes, score, audit, report or repair); run 'oauthcheck help'")
		return exitUsage
	}
	var err error
	code := exitOK
	switch args[0] {
	case "explain":
		code, err = explain(args[1:], stdin, stdout)
	case "causes":
		err = causes(args[1:], stdout)
	case "score":
		err = scoreCmd(args[1:], stdout)
	case "audit":
		code, err = auditCmd(args[1:], stdout)
	case "report":
		err = reportCmd(args[1:], stdin, stdout, stderr)
	case "repair":
		code, err = repairCmd(args[1:], stdin, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = fmt.Errorf("unknown command %q (want explain, causes, score, audit, report or repair)", args[0])
	}
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, usage)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "oauthcheck: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	return code
}

// parseInterspersed lets flags follow positional arguments
// ("explain resp.txt --json"), which the flag package alone does not.
// exchangeArgs checks the arguments explain and repair share: one
// response file, at most one stdin, a sane cap and a known endpoint kind.
func exchangeArgs(cmd string, positional []string, request string, maxBodyBytes int, endpoint string) error {
	switch {
	case len(positional) == 0:
		return fmt.Errorf("%s: missing RESP_FILE", cmd)
	case len(positional) > 1:
		return fmt.Errorf("%s: want one RESP_FILE, got %d arguments", cmd, len(positional))
	case positional[0] == "-" && request == "-":
		return fmt.Errorf("%s: only one of RESP_FILE and --request can be - (stdin)", cmd)
	case maxBodyBytes < 0:
		return fmt.Errorf("%s: --max-body-bytes must not be negative, got %d", cmd, maxBodyBytes)
	case endpoint != "" && !slices.Contains(classify.Endpoints, classify.Endpoint(endpoint)):
		return fmt.Errorf("%s: unknown --endpoint %q", cmd, endpoint)
	}
	return nil
}

func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

type explainFlags struct {
	request      string
	json         bool
	issuer       string
	maxBodyBytes int
	endpoint     string
	redact       bool
}

func explain(args []string, stdin io.Reader, stdout io.Writer) (int, error) {
	var f explainFlags
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.request, "request", "", "raw HTTP request the client sent (- for stdin)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.StringVar(&f.issuer, "issuer", "", "expected issuer of authorization responses (RFC 9207)")
	fs.IntVar(&f.maxBodyBytes, "max-body-bytes", 0, "decoded bytes to inspect (default 65536)")
	fs.StringVar(&f.endpoint, "endpoint", "", "force the endpoint kind")
	fs.BoolVar(&f.redact, "redact", true, "keep input text out of error messages (they may quote a secret)")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage, fmt.Errorf("explain: %w", err)
	}
	if err := exchangeArgs("explain", positional, f.request, f.maxBodyBytes, f.endpoint); err != nil {
		return exitUsage, err
	}

	resp, err := readInput(positional[0], stdin, rawhttp.ParseResponse)
	if err != nil {
		return exitUsage, redactInput(err, f.redact)
	}
	var req *rawhttp.Request
	if f.request != "" {
		if req, err = readInput(f.request, stdin, rawhttp.ParseRequest); err != nil {
			return exitUsage, redactInput(err, f.redact)
		}
	}

	result := classifyInput(req, resp, &f)
	if f.json {
		err = printJSON(stdout, &result)
	} else {
		err = printText(stdout, &result)
	}
	if err != nil {
		return exitUsage, fmt.Errorf("write: %w", err)
	}
	if result.Verdict == classify.VerdictInvalid {
		return exitInvalid, nil
	}
	return exitOK, nil
}

// quotedInput is a Go-quoted string, as the parser quotes input lines.
var quotedInput = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// redactInput keeps the line number and the reason of a parse error but
// not the input it quotes, which may be a secret (a body line that was
// taken for a header, a target with ?code=).
func redactInput(err error, redact bool) error {
	if !redact {
		return err
	}
	return errors.New(quotedInput.ReplaceAllString(err.Error(), `"[input redacted; --redact=false shows it]"`))
}

func readInput[T any](name string, stdin io.Reader, parse func(io.Reader) (T, error)) (T, error) {
	if name == "-" {
		return parse(stdin)
	}
	file, err := os.Open(name)
	if err != nil {
		var zero T
		return zero, err
	}
	defer file.Close()
	v, err := parse(file)
	if err != nil {
		return v, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

func classifyInput(raw *rawhttp.Request, rawResp *rawhttp.Response, f *explainFlags) classify.Result {
	opts := classify.Options{Issuer: f.issuer, MaxBodyBytes: f.maxBodyBytes}
	resp := *rawResp
	kind := classify.Endpoint(f.endpoint)
	if raw == nil {
		// Without a request only the response can say what this is.
		req := classify.Request{Method: "GET", Path: "/", Header: map[string][]string{}}
		if kind != "" {
			return classify.ClassifyAs(kind, &req, &resp, &opts)
		}
		return classify.Classify(&req, &resp, &opts)
	}
	req := *raw
	if kind != "" {
		opts.Routes = []classify.Route{{Path: req.Path, Endpoint: kind}}
	}
	return classify.Classify(&req, &resp, &opts)
}

type jsonCause struct {
	Code     classify.Code     `json:"code"`
	Family   classify.Family   `json:"family"`
	Severity classify.Severity `json:"severity"`
	Fault    classify.Fault    `json:"fault"`
	Summary  string            `json:"summary"`
	Hint     string            `json:"hint"`
	RFC      string            `json:"rfc,omitempty"`
}

type jsonResult struct {
	Endpoint classify.Endpoint   `json:"endpoint"`
	Detected []classify.Evidence `json:"detected"`
	Verdict  classify.Verdict    `json:"verdict"`
	Causes   []jsonCause         `json:"causes"`
	Rule     *jsonRule           `json:"rule,omitempty"`
}

// jsonRule is the rule that chose the root cause.
type jsonRule struct {
	Name string `json:"name"`
	From string `json:"from,omitempty"`
	Term string `json:"term,omitempty"`
}

func lookup(code classify.Code) classify.Cause {
	if c, ok := classify.Lookup(code); ok {
		return c
	}
	// The engine only emits registered codes; be explicit if that breaks.
	return classify.Cause{Code: code, Severity: classify.SeverityOf(code), Summary: "Unregistered cause code."}
}

func printJSON(w io.Writer, r *classify.Result) error {
	out := jsonResult{Endpoint: r.Endpoint, Detected: append([]classify.Evidence{}, r.Why.Detected()...), Verdict: r.Verdict, Causes: []jsonCause{}}
	if r.Why.Rule != "" {
		out.Rule = &jsonRule{r.Why.Rule, r.Why.From, r.Why.Term}
	}
	for _, code := range r.Causes() {
		c := lookup(code)
		out.Causes = append(out.Causes, jsonCause{c.Code, c.Family, c.Severity, c.Fault, c.Summary, c.Hint, c.RFC})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printText(w io.Writer, r *classify.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "endpoint: %s", r.Endpoint)
	if d := r.Why.DetectedText(); d != "" {
		fmt.Fprintf(&b, " (%s)", d)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "verdict:  %s\n", r.Verdict)
	causes := r.Causes()
	switch {
	case len(causes) == 0 && r.Endpoint == classify.EndpointNone:
		b.WriteString("causes:   none (not an OAuth exchange; pass --request or --endpoint)\n")
	case len(causes) == 0:
		b.WriteString("causes:   none (a usable answer)\n")
	default:
		b.WriteString("causes:\n")
	}
	for i, code := range causes {
		c := lookup(code)
		label := "root cause"
		if i > 0 {
			label = "also"
		}
		fmt.Fprintf(&b, "  %d. %s (%s)\n", i+1, c.Code, label)
		if i == 0 && r.Why.Rule != "" {
			fmt.Fprintf(&b, "     chosen by: %s\n", r.Why.RuleText())
		}
		fmt.Fprintf(&b, "     severity: %s, fault: %s\n", c.Severity, faultWords(c.Fault))
		fmt.Fprintf(&b, "     %s\n", c.Summary)
		fmt.Fprintf(&b, "     fix: %s\n", c.Hint)
		if c.RFC != "" {
			fmt.Fprintf(&b, "     see: %s\n", c.RFC)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func faultWords(f classify.Fault) string {
	switch f {
	case classify.FaultGatewayConfig:
		return "gateway config"
	case "":
		return "unknown"
	}
	return string(f)
}

func causes(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("causes", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	markdown := fs.Bool("markdown", false, "print the README's Markdown table")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return fmt.Errorf("causes: %w", err)
	}
	if len(positional) > 0 {
		return fmt.Errorf("causes: unexpected argument %q", positional[0])
	}
	var out string
	if *markdown {
		out = markdownTable(classify.Registry)
	} else {
		out = plainTable(classify.Registry)
	}
	_, err = io.WriteString(stdout, out)
	return err
}

// markdownTable is the README's cause table, generated so it cannot drift
// from the registry (a test compares the two).
func markdownTable(reg []classify.Cause) string {
	var b strings.Builder
	b.WriteString("| Code | Family | Severity | Fault | RFC | Meaning | Fix hint |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, c := range reg {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n",
			c.Code, c.Family, c.Severity, c.Fault, cell(c.RFC), cell(c.Summary), cell(c.Hint))
	}
	return b.String()
}

// cell escapes what would break a Markdown table row.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	s = strings.ReplaceAll(s, `|`, `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func plainTable(reg []classify.Cause) string {
	var b strings.Builder
	for _, c := range reg {
		fmt.Fprintf(&b, "%-26s %-8s %-15s %s\n", c.Code, c.Severity, c.Fault, c.Summary)
	}
	return b.String()
}

// oneLine keeps the stderr message to a single line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
