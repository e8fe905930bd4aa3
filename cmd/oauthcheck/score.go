package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/score"
)

// score: root-cause accuracy of the classifier over a corpus, overall,
// per part (tuning, held-out) and per family.
func scoreCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print JSON")
	given := fs.Bool("endpoint-given", false, "classify each case as its expected endpoint kind")
	misses := fs.String("misses", "", "list the misses of this part (tuning, heldout or all)")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	if len(positional) != 1 {
		return errors.New("score: want one DIR (for example plugin/classify/testdata)")
	}
	switch *misses {
	case "", "all", score.PartTuning, score.PartHeldout:
	default:
		return fmt.Errorf("score: --misses must be tuning, heldout or all, got %q", *misses)
	}
	corpus, err := score.Load(positional[0])
	if err != nil {
		return err
	}
	report := score.Run(corpus, *given)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	_, err = io.WriteString(stdout, scoreText(report, *misses))
	return err
}

func scoreText(r *score.Report, misses string) string {
	var b strings.Builder
	mode := "zero-config"
	if r.EndpointGiven {
		mode = "endpoint given"
	}
	fmt.Fprintf(&b, "root cause, %s (%d cases, %d providers)\n", mode, r.Cases, r.Providers)
	line := func(name string, f *score.Figures) {
		fmt.Fprintf(&b, "  %-16s %3d/%-3d %5.1f%%  providers %-3d valid flagged invalid %d/%d\n",
			name, f.RootRight, f.Cases, 100*f.Accuracy, f.Providers, f.ValidFlagged, f.Valid)
	}
	b.WriteString("families:\n")
	names := make([]string, 0, len(r.Families))
	for n := range r.Families {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		line(n, r.Families[n])
	}
	if misses != "" {
		b.WriteString("misses:\n")
		for _, m := range r.Misses {
			if misses == "all" || m.Part == misses {
				flag := ""
				if m.Flagged {
					flag = " (valid flagged invalid)"
				}
				fmt.Fprintf(&b, "  %-60s want %-24s got %-24s endpoint %s→%s%s\n", m.Name, m.WantRoot, m.GotRoot, m.Endpoint, m.Got, flag)
			}
		}
	}
	b.WriteString("parts:\n")
	line("tuning", r.Parts[score.PartTuning])
	line("heldout", r.Parts[score.PartHeldout])
	line("all", &r.Figures)
	return b.String()
}
