package load

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/test/harness"
)

// The test binary plays the upstream and the client in child processes
// (roleEnv), so that the host process's CPU time is the gateway's alone.
const roleEnv = "OAUTHCHECK_LOAD_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "upstream":
		serveUpstream()
		return
	case "client":
		runClient()
		return
	}
	os.Exit(harness.Main(m))
}

// serveUpstream prints its URL and serves until its parent closes stdin.
func serveUpstream() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Printf("URL http://%s\n", ln.Addr())
	go func() { _ = http.Serve(ln, Upstream()) }()
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}

// runClient warms up, prints "go", drives traffic for the run, prints
// its Result as JSON and exits.
func runClient() {
	shots := shotsNamed(os.Getenv("LOAD_SHOTS"))
	workers, _ := strconv.Atoi(os.Getenv("LOAD_WORKERS"))
	warmup, _ := time.ParseDuration(os.Getenv("LOAD_WARMUP"))
	run, _ := time.ParseDuration(os.Getenv("LOAD_DURATION"))
	c := NewClient(os.Getenv("LOAD_TARGET"), shots, workers)
	ctx, cancel := context.WithTimeout(context.Background(), warmup)
	c.Run(ctx)
	cancel()
	fmt.Println("go")
	ctx, cancel = context.WithTimeout(context.Background(), run)
	res := c.Run(ctx)
	cancel()
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	os.Exit(0)
}

func shotsNamed(names string) []Shot {
	var out []Shot
	for _, n := range strings.Split(names, ",") {
		for _, s := range []Shot{ShotOK, ShotWarning, ShotInvalid, ShotNonOAuth, ShotLarge, ShotGzip} {
			if s.Name == n {
				out = append(out, s)
			}
		}
	}
	return out
}

type child struct {
	cmd   *exec.Cmd
	out   *bufio.Reader
	stdin interface{ Close() error }
}

func startRole(t *testing.T, role string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role), env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", role, err)
	}
	c := &child{cmd: cmd, out: bufio.NewReader(stdout), stdin: stdin}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	return c
}

func (c *child) line(t *testing.T) string {
	t.Helper()
	l, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("child %v: %v", c.cmd.Args, err)
	}
	return strings.TrimSpace(l)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

type variant struct {
	name string
	gw   *harness.Gateway
	shot Shot
	rps  []float64
	cpu  []float64 // µs of host CPU per request
}

// TestLoadComparison is `make load`: the same traffic through the harness
// host with no plugin, a no-op plugin built the same way, and oauthcheck,
// interleaved, OAUTHCHECK_LOAD_ROUNDS rounds (default 5) of
// OAUTHCHECK_LOAD_SECONDS (default 10), OAUTHCHECK_LOAD_WORKERS client
// connections (default 8); OAUTHCHECK_LOAD_CPUPROFILE writes the host's
// CPU profile. Not part of make test.
func TestLoadComparison(t *testing.T) {
	if os.Getenv("OAUTHCHECK_LOAD") == "" {
		t.Skip("set OAUTHCHECK_LOAD=1 (make load) to run the load comparison")
	}
	rounds := envInt("OAUTHCHECK_LOAD_ROUNDS", 5)
	seconds := envInt("OAUTHCHECK_LOAD_SECONDS", 10)
	workers := envInt("OAUTHCHECK_LOAD_WORKERS", 8)

	up := startRole(t, "upstream")
	upURL, ok := strings.CutPrefix(up.line(t), "URL ")
	if !ok {
		t.Fatalf("upstream did not start")
	}
	oauthcheck := harness.LoadPlugin(t)
	noop := harness.Load(t, harness.BuildPluginPackage(t, "github.com/oauthcheck/oauthcheck/test/load/noopplugin"))
	api := func(id string) harness.API {
		return harness.API{ID: id, Upstream: upURL, Keyless: true, DiscardRecords: true}
	}
	vs := []*variant{
		{name: "no plugin", gw: harness.NewGateway(t, &harness.Plugin{}, api("load-none")), shot: ShotOK},
		{name: "no-op plugin", gw: harness.NewGateway(t, noop, api("load-noop")), shot: ShotOK},
		{name: "oauthcheck, verdict ok", gw: harness.NewGateway(t, oauthcheck, api("load-ok")), shot: ShotOK},
		{name: "oauthcheck, verdict warning (missing_no_store on every response)", gw: harness.NewGateway(t, oauthcheck, api("load-warning")), shot: ShotWarning},
	}
	if path := os.Getenv("OAUTHCHECK_LOAD_CPUPROFILE"); path != "" {
		// The host's profile, plugin frames included (the runtime
		// symbolises them): go tool pprof -top <path>.
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	for r := 0; r < rounds; r++ {
		for i := range vs {
			v := vs[(i+r)%len(vs)]
			c := startRole(t, "client", "LOAD_TARGET="+v.gw.URL, "LOAD_SHOTS="+v.shot.Name,
				fmt.Sprintf("LOAD_WORKERS=%d", workers), "LOAD_WARMUP=1s", fmt.Sprintf("LOAD_DURATION=%ds", seconds))
			if l := c.line(t); l != "go" {
				t.Fatalf("client: %q", l)
			}
			runtime.GC() // each round starts from the same heap state
			cpu0 := cpuTime()
			var res Result
			if err := json.Unmarshal([]byte(c.line(t)), &res); err != nil {
				t.Fatalf("client result: %v", err)
			}
			cpu := cpuTime() - cpu0
			if res.Errors != 0 || res.Requests == 0 {
				t.Fatalf("%s round %d: %d errors in %d requests (first: %s)", v.name, r+1, res.Errors, res.Requests, res.FirstErr)
			}
			v.rps = append(v.rps, float64(res.Requests)/res.Elapsed.Seconds())
			v.cpu = append(v.cpu, float64(cpu.Microseconds())/float64(res.Requests))
			t.Logf("round %d %-70s %8.0f rps %7.1f µs CPU/request", r+1, v.name, v.rps[len(v.rps)-1], v.cpu[len(v.cpu)-1])
		}
	}
	report(t, vs, rounds, seconds, workers)
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func report(t *testing.T, vs []*variant, rounds, seconds, workers int) {
	noop := vs[1]
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d interleaved rounds of %d s, %d client connections, %d CPUs (GOMAXPROCS %d)\n\n", rounds, seconds, workers, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "| Host | rps (median) | × no-op rps | host CPU per request (median) | vs no-op, per round (median, range) |\n|---|---:|---:|---:|---:|\n")
	for _, v := range vs {
		deltas := make([]float64, rounds)
		for r := range deltas {
			deltas[r] = v.cpu[r] - noop.cpu[r]
		}
		lo, hi := deltas[0], deltas[0]
		for _, d := range deltas {
			lo, hi = min(lo, d), max(hi, d)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.3f | %.1f µs | %+.1f µs (%+.1f to %+.1f) |\n",
			v.name, median(v.rps), median(v.rps)/median(noop.rps), median(v.cpu), median(deltas), lo, hi)
	}
	t.Log(b.String())
	fmt.Println(b.String())
}

// TestSoak runs mixed traffic (ok, warning, invalid, non-OAuth, large and
// gzip bodies) through oauthcheck in the harness: 0 errors, bounded log
// lines, heap reported. The suite runs 3 s; `make soak` sets
// OAUTHCHECK_SOAK=10m.
func TestSoak(t *testing.T) {
	d := 3 * time.Second
	if v := os.Getenv("OAUTHCHECK_SOAK"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("OAUTHCHECK_SOAK=%q: %v", v, err)
		}
	}
	p := harness.LoadPlugin(t)
	logs := harness.CaptureLogs()
	upSrv := newLocalServer(t, Upstream())
	apiID := fmt.Sprintf("soak-%d", time.Now().UnixNano())
	gw := harness.NewGateway(t, p, harness.API{ID: apiID, Upstream: upSrv, Keyless: true, DiscardRecords: true})

	var ms runtime.MemStats
	heap := func() uint64 { runtime.ReadMemStats(&ms); return ms.HeapAlloc }
	runtime.GC()
	start := heap()
	peak := start
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan Result, 1)
	go func() { done <- NewClient(gw.URL, Mixed, 4).Run(ctx) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var res Result
wait:
	for {
		select {
		case res = <-done:
			break wait
		case <-tick.C:
			peak = max(peak, heap())
		}
	}
	peak = max(peak, heap())
	runtime.GC()
	end := heap()
	lines := logs.ForAPI(apiID)

	if res.Requests == 0 || res.Errors != 0 {
		t.Fatalf("%d errors in %d requests (first: %s), want 0", res.Errors, res.Requests, res.FirstErr)
	}
	// Logged keys: warning, invalid, large (truncated) for the one client.
	// Each gives a first line and at most one summary per minute.
	const keys = 4
	bound := keys * (2 + int(d/time.Minute))
	if len(lines) > bound {
		t.Errorf("%d log lines for %d requests, want at most %d: aggregation failed", len(lines), res.Requests, bound)
	}
	for _, l := range lines {
		if strings.Contains(l.Raw, "mb-large-") || strings.Contains(l.Raw, "mb-refresh-") {
			t.Errorf("a log line carries a token: %s", l.Raw)
		}
	}
	summary := fmt.Sprintf("soak %s: %d requests (%.0f/s), %d errors, %d log lines; heap start %.1f MiB, peak %.1f MiB, end %.1f MiB",
		d, res.Requests, float64(res.Requests)/res.Elapsed.Seconds(), res.Errors, len(lines), mib(start), mib(peak), mib(end))
	t.Log(summary)
	fmt.Println(summary)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func newLocalServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
