// Command traffic sends real OAuth traffic through the demo stack's Tyk
// gateway: Keycloak flows (golang.org/x/oauth2), every route of the
// misbehaving upstream, and every captured provider fixture replayed by that
// upstream (which alone cover every cause family). It prints one line per
// request: family, expected cause, status, case. See package traffic.
//
//	docker compose up -d --wait
//	cd test && go run ./cmd/traffic
//
// Environment (compose defaults): TYK_GATEWAY_URL, TYK_GW_SECRET,
// OAUTHCHECK_IDP_URL, OAUTHCHECK_UPSTREAM_URL. Cases whose target is not
// reachable are printed as skipped. Exit status 1 when a request failed or
// the client got something other than expected (status, bytes, debug header).
//
// With -scenario attack it sends instead, through the demo IdP API (guard
// in observe mode), a credential-stuffing, a grant-replay, a
// redirect-probing, a scope-probing and a token-guessing burst, mixed with
// a benign client's successful requests, and prints one line per phase:
// what was sent, the statuses seen, and the labels to look for in the
// analytics records (docker compose logs pump). Exit status 1 when a
// request failed or got an answer other than the IdP's expected one or 429.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/oauthcheck/oauthcheck/test/traffic"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	scenario := flag.String("scenario", traffic.ScenarioCases,
		"what to send: "+traffic.ScenarioCases+" (every case once) or "+traffic.ScenarioAttack+" (bursts that fire the guard's detectors)")
	flag.Parse()
	if *scenario != traffic.ScenarioCases && *scenario != traffic.ScenarioAttack {
		fmt.Fprintf(os.Stderr, "unknown -scenario %q: want %s or %s\n", *scenario, traffic.ScenarioCases, traffic.ScenarioAttack)
		os.Exit(2)
	}

	cfg := traffic.FromEnv()
	runner := traffic.NewRunner(cfg)
	fmt.Printf("run %s via %s (analytics records carry User-Agent %q)\n",
		cfg.RunID, cfg.GatewayURL, "oauthcheck-traffic/"+cfg.RunID+" case=…")

	if *scenario == traffic.ScenarioAttack {
		if !runAttack(ctx, os.Stdout, runner) {
			os.Exit(1)
		}
		return
	}
	runCases(ctx, runner)
}

// runAttack sends the attack scenario and prints its lines; false when a
// phase failed.
func runAttack(ctx context.Context, w io.Writer, runner *traffic.Runner) bool {
	attack := runner.Attack()
	ok := true
	for _, line := range traffic.AttackReport(attack, runner.RunAttack(ctx, attack), runner.Config.RunID) {
		fmt.Fprintln(w, line.Text)
		ok = ok && !line.Failed
	}
	return ok
}

func runCases(ctx context.Context, runner *traffic.Runner) {

	failed, skipped := 0, 0
	cases := runner.Cases()
	exchanges := runner.Run(ctx, cases)
	reasons := map[string]bool{}
	for _, ex := range exchanges {
		if ex.Skipped != "" && !reasons[ex.Skipped] {
			reasons[ex.Skipped] = true
			fmt.Printf("# skipping %s cases: %s\n", ex.Case.Target, ex.Skipped)
		}
	}
	fmt.Printf("%-16s %-26s %-6s %s\n", "FAMILY", "EXPECTED CAUSE", "STATUS", "CASE")
	for _, ex := range exchanges {
		c := ex.Case
		family, cause := string(c.Family), "(no labels)"
		if family == "" {
			family = "-"
		}
		if len(c.WantCauses) > 0 {
			cause = c.WantCauses[0]
		}
		status := fmt.Sprint(ex.Status)
		note := ""
		switch {
		case ex.Skipped != "":
			status = "skip"
			skipped++
		case ex.Err != nil:
			note = "  # FAIL: " + strings.ReplaceAll(ex.Err.Error(), "\n", "; ")
			failed++
		}
		fmt.Printf("%-16s %-26s %-6s %s%s\n", family, cause, status, c.Name, note)
	}
	fmt.Printf("%d cases, %d failed, %d skipped\n", len(cases), failed, skipped)
	if failed > 0 {
		os.Exit(1)
	}
}
