package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/klog/v2"
)

// suite is what every test in the package shares: the skiff binary and one
// server for the tests whose state does not interfere (each uses its own
// namespace).
type suite struct {
	bin      string
	tmp      string
	once     sync.Once
	server   *Server
	startErr error
}

// the suite's one instance; TestMain fills it before any test runs and
// tests only read it.
var e2e suite

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// client-go logs each broken connection of the kill test; the tests
	// report what matters.
	klog.SetOutput(io.Discard)
	klog.LogToStderr(false)
	tmp, err := os.MkdirTemp("", "skiff-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	e2e.tmp = tmp
	if e2e.bin, err = skiffBinary(tmp); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if s := e2e.server; s != nil {
		s.stop()
		if code != 0 {
			fmt.Fprintf(os.Stderr, "--- shared server log (%s):\n%s\n", s.logPath, s.logTail())
		}
	}
	return code
}

// skiffBinary is $SKIFF_BIN, or the binary built once from this module.
func skiffBinary(tmp string) (string, error) {
	if bin := os.Getenv("SKIFF_BIN"); bin != "" {
		return bin, nil
	}
	out := filepath.Join(tmp, "skiff")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/skiff/skiff/cmd/skiff")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build skiff: %w\n%s", err, msg)
	}
	return out, nil
}

// shared returns the server the suite shares, starting it on first use so
// that running one dedicated-server test does not pay for it.
func shared(t testing.TB) *Server {
	t.Helper()
	e2e.once.Do(func() {
		dir, err := os.MkdirTemp(e2e.tmp, "shared-")
		if err != nil {
			e2e.startErr = err
			return
		}
		e2e.server, e2e.startErr = startServer(context.Background(), ServerOptions{Dir: dir})
	})
	if e2e.startErr != nil {
		t.Fatalf("start shared server: %v", e2e.startErr)
	}
	return e2e.server
}
