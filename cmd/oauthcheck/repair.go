package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/config"
	"github.com/oauthcheck/oauthcheck/plugin/rawhttp"
	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

// repairCmd prints, as raw HTTP, the response a client would receive with
// repair on: the plugin's engine on a captured response. The input comes
// out byte for byte when nothing applies. With --corpus it measures a
// corpus instead.
func repairCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	var f explainFlags
	var kinds, corpus string
	fs := flag.NewFlagSet("repair", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.request, "request", "", "raw HTTP request the client sent (- for stdin)")
	fs.StringVar(&f.endpoint, "endpoint", "", "force the endpoint kind")
	fs.IntVar(&f.maxBodyBytes, "max-body-bytes", 0, "decoded bytes to inspect (default 65536)")
	fs.StringVar(&kinds, "kinds", "", "comma-separated repair kinds (default all)")
	fs.StringVar(&corpus, "corpus", "", "measure repair on every case under DIR instead")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage, fmt.Errorf("repair: %w", err)
	}
	opts, err := repairOptions(kinds)
	if err != nil {
		return exitUsage, fmt.Errorf("repair: %w", err)
	}
	if corpus != "" {
		if len(positional) > 0 || f.request != "" {
			return exitUsage, errors.New("repair: --corpus takes no RESP_FILE or --request")
		}
		return exitOK, repairCorpus(corpus, stdout)
	}
	if err := exchangeArgs("repair", positional, f.request, f.maxBodyBytes, f.endpoint); err != nil {
		return exitUsage, err
	}

	raw, err := readRaw(positional[0], stdin)
	if err != nil {
		return exitUsage, err
	}
	resp, err := rawhttp.ParseResponse(bytes.NewReader(raw))
	if err != nil {
		return exitUsage, redactInput(fmt.Errorf("%s: %w", positional[0], err), true)
	}
	var req *rawhttp.Request
	if f.request != "" {
		if req, err = readInput(f.request, stdin, rawhttp.ParseRequest); err != nil {
			return exitUsage, redactInput(err, true)
		}
	}
	// As the plugin reads it: at most the cap, the rest unseen.
	limit := f.maxBodyBytes
	if limit == 0 {
		limit = classify.DefaultMaxBodyBytes
	}
	if len(resp.Body) > limit {
		resp.Body, resp.Truncated = resp.Body[:limit], true
	}
	result := classifyInput(req, resp, &f)
	classReq := classify.Request{Method: "GET", Path: "/", Header: http.Header{}}
	if req != nil {
		classReq = *req
	}
	if opts == nil {
		opts = &repair.Options{}
	}
	opts.MaxBodyBytes = limit
	plan := repair.Apply(&classReq, resp, &result, opts)
	switch {
	case plan.Skipped:
		fmt.Fprintln(stderr, "oauthcheck: repair skipped: the body is larger than --max-body-bytes or in an encoding repair cannot undo")
	case !plan.Changed():
		fmt.Fprintln(stderr, "oauthcheck: nothing to repair")
	default:
		var names []string
		for _, k := range plan.Kinds() {
			names = append(names, string(k))
		}
		fmt.Fprintf(stderr, "oauthcheck: repaired: %s (causes: %s)\n", strings.Join(names, ","), joinCodes(result.Causes()))
	}
	if !plan.Changed() {
		_, err = stdout.Write(raw)
		return exitOK, err
	}
	return exitOK, writeResponse(stdout, &plan, resp)
}

func repairOptions(kinds string) (*repair.Options, error) {
	if kinds == "" {
		return nil, nil
	}
	list := `["` + strings.Join(strings.Split(kinds, ","), `","`) + `"]`
	var s config.RepairSetting
	if err := s.UnmarshalJSON([]byte(list)); err != nil {
		return nil, errors.New(strings.Replace(err.Error(), config.Key+".repair", "--kinds", 1))
	}
	return s.Options(), nil
}

func readRaw(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer file.Close()
		r = file
	}
	b, err := io.ReadAll(io.LimitReader(r, rawhttp.MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > rawhttp.MaxInputBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, rawhttp.MaxInputBytes)
	}
	return b, nil
}

// writeResponse prints the repaired response as raw HTTP/1.1, headers in
// sorted order.
func writeResponse(w io.Writer, plan *repair.Plan, resp *classify.Response) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", plan.Status, http.StatusText(plan.Status))
	keys := make([]string, 0, len(plan.Header))
	for k := range plan.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range plan.Header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	if plan.BodyChanged {
		b.Write(plan.Body)
	} else {
		b.Write(resp.Body)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func joinCodes(codes []classify.Code) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

func repairCorpus(dir string, stdout io.Writer) error {
	cases, err := rawhttp.LoadCorpus(dir)
	if err != nil {
		return err
	}
	m := repair.MeasureCorpus(cases)
	fmt.Fprintf(stdout, "cases: %d\n", len(cases))
	fmt.Fprintf(stdout, "broken shape (content intact): %d, standard after repair: %d (%s)\n", m.Broken, m.Repaired, percent(m.Repaired, m.Broken))
	fmt.Fprintf(stdout, "any shape cause: %d, standard after repair: %d (%s)\n", m.BrokenAll, m.RepairedAll, percent(m.RepairedAll, m.BrokenAll))
	fmt.Fprintf(stdout, "valid: %d, changed: %d\n", m.Valid, m.ValidChanged)
	for _, miss := range m.Misses {
		fmt.Fprintf(stdout, "  not repaired: %s\n", miss)
	}
	return nil
}

func percent(n, d int) string {
	if d == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
}
