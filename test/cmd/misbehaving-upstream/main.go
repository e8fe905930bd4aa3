// Command misbehaving-upstream serves test/upstream's broken OAuth routes,
// for the demo stack (docker-compose) and local runs.
//
//	misbehaving-upstream -addr 127.0.0.1:9090   (or UPSTREAM_ADDR=...)
//
// GET /routes lists the routes as JSON with the causes each should produce.
//
// /replay/<fixture> answers with the captured provider response of that
// fixture (plugin/classify/testdata), byte for byte; GET /replay/ lists the
// names. -fixtures (env UPSTREAM_FIXTURES) names the folder, by default
// ../plugin/classify/testdata, relative to test/.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oauthcheck/oauthcheck/test/upstream"
)

func main() {
	defaultAddr := "127.0.0.1:9090"
	if env := os.Getenv("UPSTREAM_ADDR"); env != "" {
		defaultAddr = env
	}
	addr := flag.String("addr", defaultAddr, "listen address (env UPSTREAM_ADDR)")
	defaultFixtures := upstream.DefaultFixtures
	if env := os.Getenv(upstream.FixturesEnv); env != "" {
		defaultFixtures = env
	}
	fixtures := flag.String("fixtures", defaultFixtures, "fixtures folder replayed under /replay/ (env "+upstream.FixturesEnv+")")
	flag.Parse()

	replay, err := upstream.LoadReplay(*fixtures)
	if err != nil {
		log.Fatalf("misbehaving upstream: fixture replay: %v (run from test/, or set -fixtures / %s)", err, upstream.FixturesEnv)
	}

	mux := http.NewServeMux()
	mux.Handle("/", upstream.Handler())
	mux.Handle(upstream.ReplayPrefix, replay)
	mux.HandleFunc("GET /routes", listRoutes)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown) // event streams end when their clients leave or at the deadline
	}()
	log.Printf("misbehaving upstream: %d routes and %d fixtures (%s) on http://%s (GET /routes and GET %s list them)",
		len(upstream.Routes), len(replay.Cases), *fixtures, *addr, upstream.ReplayPrefix)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

type routeInfo struct {
	Path        string            `json:"path"`
	Method      string            `json:"method"`
	Description string            `json:"description"`
	WantCauses  []string          `json:"want_causes"`
	WantVerdict string            `json:"want_verdict,omitempty"`
	Form        string            `json:"form,omitempty"`
	Header      map[string]string `json:"header,omitempty"`
	Stream      bool              `json:"stream,omitempty"`
	Hostile     bool              `json:"hostile,omitempty"`
}

func listRoutes(w http.ResponseWriter, _ *http.Request) {
	out := make([]routeInfo, 0, len(upstream.Routes))
	for _, rt := range upstream.Routes {
		out = append(out, routeInfo{rt.Path, rt.Method, rt.Description, rt.WantCauses, rt.WantVerdict, rt.Form, rt.Header, rt.Stream, rt.Hostile})
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}
