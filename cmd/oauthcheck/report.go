package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/report"
)

// report: oauthcheck's causes in Tyk Pump output (stdout pump JSON lines,
// CSV pump files, msgpack records from Tyk's Redis list, gzip'd or not).
func reportCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print JSON")
	htmlFile := fs.String("html", "", "write a self-contained HTML page to this file")
	since := fs.String("since", "", "only records since this RFC 3339 time or this long ago (e.g. 24h)")
	api := fs.String("api", "", "only this API id")
	client := fs.String("client", "", "only this OAuth client id")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	filter := report.Filter{API: *api, Client: *client}
	if *since != "" {
		if d, derr := time.ParseDuration(*since); derr == nil {
			filter.Since = time.Now().Add(-d)
		} else if t, terr := time.Parse(time.RFC3339, *since); terr == nil {
			filter.Since = t
		} else {
			return fmt.Errorf("report: --since %q is neither a duration nor an RFC 3339 time", *since)
		}
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	agg := report.New(filter)
	var read atomic.Int64
	stop := progress(stderr, &read)
	for _, name := range files {
		var in io.Reader = stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				stop()
				return fmt.Errorf("report: %w", err)
			}
			defer f.Close()
			in = f
		}
		_, skipped, err := report.Records(in, func(r report.PumpRecord) error {
			agg.Add(r)
			read.Add(1)
			return nil
		})
		agg.AddSkipped(skipped)
		if err != nil {
			stop()
			return fmt.Errorf("report: %s: %w", name, err)
		}
	}
	stop()
	rep := agg.Report()
	if *htmlFile != "" {
		f, err := os.Create(*htmlFile)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if err := report.WriteHTML(f, rep); err != nil {
			f.Close()
			return fmt.Errorf("report: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return report.WriteText(stdout, rep)
}

// progress prints a line on stderr every two seconds while reading takes
// long; the returned func stops it and clears the line.
func progress(stderr io.Writer, read *atomic.Int64) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		printed := false
		for {
			select {
			case <-done:
				if printed {
					fmt.Fprint(stderr, "\n")
				}
				return
			case <-tick.C:
				fmt.Fprintf(stderr, "\roauthcheck report: %d records read", read.Load())
				printed = true
			}
		}
	}()
	var stopped bool
	return func() {
		if !stopped {
			stopped = true
			close(done)
			<-finished
		}
	}
}
