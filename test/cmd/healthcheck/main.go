// Command healthcheck exits 0 when a URL answers 2xx. The Tyk gateway image
// is distroless (no shell, no curl), so docker-compose.yml builds this
// static binary next to the plugin and uses it as the gateway's health
// check. It imports only the standard library, so it also builds as a
// single file outside any module (go build main.go).
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: healthcheck URL")
		os.Exit(2)
	}
	client := &http.Client{Timeout: 3 * time.Second}
	res, err := client.Get(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		fmt.Fprintln(os.Stderr, "healthcheck: status", res.StatusCode)
		os.Exit(1)
	}
}
