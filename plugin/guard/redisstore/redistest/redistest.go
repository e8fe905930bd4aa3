// Package redistest gives tests a real redis-server: the one at
// OAUTHCHECK_TEST_REDIS_ADDR (.ci/run starts one), or a private one it
// starts from the redis-server binary on PATH. Without either the test
// skips, unless OAUTHCHECK_REQUIRE_REDIS=1, where that is a failure.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Addr returns the host:port of a running redis-server for t.
func Addr(t testing.TB) string {
	t.Helper()
	if addr := strings.TrimSpace(os.Getenv("OAUTHCHECK_TEST_REDIS_ADDR")); addr != "" {
		if err := ping(addr, 2*time.Second); err != nil {
			t.Fatalf("OAUTHCHECK_TEST_REDIS_ADDR=%s: %v", addr, err)
		}
		return addr
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t, "no redis-server on PATH and no OAUTHCHECK_TEST_REDIS_ADDR (apt-get install redis-server)")
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		missing(t, "start redis-server: "+err.Error())
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := ping(addr, 10*time.Second); err != nil {
		t.Fatalf("redis-server on %s: %v", addr, err)
	}
	return addr
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("OAUTHCHECK_REQUIRE_REDIS") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping waits until addr answers PING with PONG.
func ping(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		last = pingOnce(addr)
		if last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no PONG within %s: %v", limit, last)
}

func pingOnce(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("got %q", line)
	}
	return nil
}
