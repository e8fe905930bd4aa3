// Command simulate replays a synthetic day of OAuth traffic with injected
// attacks through the attack-protection engine and prints the report as
// Markdown (docs/attack-protection.md). make simulate runs it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/oauthcheck/oauthcheck/test/simulate"
)

func main() {
	n := flag.Int("benign", 10_000_000, "benign requests over the simulated day")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()
	rep, err := simulate.Run(simulate.Config{BenignRequests: *n, Seed: *seed})
	if err != nil {
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
	fmt.Print(rep.Markdown())
	if rep.FalseQuarantines > 0 || rep.RotationQuarantined {
		os.Exit(2)
	}
	for _, a := range rep.Attacks {
		if !a.Detected || a.TimeToDetect.Seconds() > 60 {
			os.Exit(2)
		}
	}
}
