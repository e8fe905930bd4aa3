// Command hydra-demo starts Ory Hydra on loopback for the end-to-end suite
// without Docker, with the demo clients registered, and stops it again:
//
//	hydra-demo up     # public http://127.0.0.1:4444, admin http://127.0.0.1:4445
//	hydra-demo down
//
// The binary comes from test/hydra/build.sh (make hydra-up builds it). The
// pid and Hydra's log live in the build cache folder.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oauthcheck/oauthcheck/test/hydra"
)

func main() {
	public := flag.Int("public-port", 4444, "Hydra's public port (token, auth, userinfo)")
	admin := flag.Int("admin-port", 4445, "Hydra's admin port (clients, introspection)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: hydra-demo [--public-port N] [--admin-port N] up|down")
		flag.PrintDefaults()
	}
	flag.Parse()
	pidFile := filepath.Join(hydra.CacheDir(), "hydra.pid")
	var err error
	switch flag.Arg(0) {
	case "up":
		err = up(pidFile, *public, *admin)
	case "down":
		err = down(pidFile)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hydra-demo:", err)
		os.Exit(1)
	}
}

func up(pidFile string, public, admin int) error {
	if pid, ok := running(pidFile); ok {
		return fmt.Errorf("hydra already running (pid %d); run hydra-demo down first", pid)
	}
	logFile := filepath.Join(hydra.CacheDir(), "hydra.log")
	s, err := hydra.Start(context.Background(), hydra.Options{PublicPort: public, AdminPort: admin, LogFile: logFile, Detach: true})
	if err != nil {
		return err
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(s.Pid)+"\n"), 0o600); err != nil {
		s.Stop()
		return err
	}
	if err := s.CreateClients(context.Background(), hydra.DemoClients); err != nil {
		s.Stop()
		_ = os.Remove(pidFile)
		return err
	}
	ids := make([]string, 0, len(hydra.DemoClients))
	for _, c := range hydra.DemoClients {
		ids = append(ids, c.ID)
	}
	fmt.Printf("hydra %s up (pid %d, log %s)\n  public %s\n  admin  %s\n  clients %s\n",
		hydra.Version, s.Pid, logFile, s.PublicURL, s.AdminURL, strings.Join(ids, ", "))
	fmt.Printf("run the suite: OAUTHCHECK_IDP=hydra OAUTHCHECK_IDP_URL=%s OAUTHCHECK_E2E_GATEWAY=http://127.0.0.1:8080 go test ./e2e/\n", s.PublicURL)
	return nil
}

func down(pidFile string) error {
	pid, ok := running(pidFile)
	if !ok {
		_ = os.Remove(pidFile)
		fmt.Println("hydra not running")
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if syscall.Kill(pid, 0) == nil {
		return fmt.Errorf("hydra (pid %d) still running after SIGTERM", pid)
	}
	fmt.Printf("hydra stopped (pid %d)\n", pid)
	return os.Remove(pidFile)
}

// running reads the pid file and checks that the process is alive.
func running(pidFile string) (int, bool) {
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, syscall.Kill(pid, 0) == nil
}
