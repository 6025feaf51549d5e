// Package etcdtest starts etcd servers as separate processes for tests: the
// etcd 3.5 server built from this module (cmd/etcd-test-server) or an
// installed binary such as Debian's etcd 3.4. Each listens on free loopback
// ports with its own data directory and is stopped by its PID.
package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server is a running etcd process.
type Server struct {
	// Endpoint is the client URL, such as http://127.0.0.1:34567.
	Endpoint string
	DataDir  string
	cmd      *exec.Cmd
	exited   chan struct{}
	exitErr  error
	log      *lockedBuffer
	stopOnce sync.Once
}

// startTimeout bounds how long a server may take to answer /health.
const startTimeout = 30 * time.Second

// StartProcess runs binary as a one-member etcd cluster with its data in
// dataDir and waits until it reports healthy. It retries on new ports when
// the server exits at once (a port taken between choosing and binding).
func StartProcess(ctx context.Context, binary, dataDir string) (*Server, error) {
	var err error
	for range 3 {
		var s *Server
		if s, err = startOnce(ctx, binary, dataDir); err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func startOnce(ctx context.Context, binary, dataDir string) (*Server, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	s := &Server{Endpoint: client, DataDir: dataDir, exited: make(chan struct{}), log: &lockedBuffer{}}
	s.cmd = exec.Command(binary,
		"--name", "test",
		"--data-dir", dataDir,
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "test="+peer,
		"--log-level", "error")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	go func() {
		s.exitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitHealthy(ctx); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%s: %w; its output:\n%s", binary, err, s.log.String())
	}
	return s, nil
}

// waitHealthy polls /health until it answers true, the process exits, or
// the start timeout passes.
func (s *Server) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if healthy(ctx, s.Endpoint) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("exited before it was healthy: %v", s.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("not healthy: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

func healthy(ctx context.Context, endpoint string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/health", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body [256]byte
	n, _ := resp.Body.Read(body[:])
	return resp.StatusCode == http.StatusOK && strings.Contains(string(body[:n]), `"health":"true"`)
}

// Stop ends the server: SIGTERM to its PID, then SIGKILL if it has not
// exited within ten seconds. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		select {
		case <-s.exited:
		case <-t.C:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	return nil
}

// Kill ends the server at once with SIGKILL, as a crash would.
func (s *Server) Kill() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Output is what the server has printed so far.
func (s *Server) Output() string { return s.log.String() }

// freePorts asks the kernel for n unused loopback ports. They are free
// when returned; a process may still take one before the server binds it,
// which StartProcess answers by retrying.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// ServerPackage is the import path of the etcd 3.5 test server command.
const ServerPackage = "github.com/skiff/skiff/internal/storage/etcdtest/cmd/etcd-test-server"

// BuildServer builds the etcd 3.5 test server into outDir and returns the
// binary's path. It must run inside this module (as tests do).
func BuildServer(ctx context.Context, outDir string) (string, error) {
	out := filepath.Join(outDir, "etcd-test-server")
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", out, ServerPackage)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", ServerPackage, err, msg)
	}
	return out, nil
}

// goTool finds the go command: on the PATH, else beside the GOROOT the
// environment names.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// lockedBuffer collects a process's output safely across goroutines,
// keeping the last 64 KiB.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - 64<<10; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// ErrNoEtcd34 is returned by FindEtcd34 when no etcd 3.4 binary is installed.
var ErrNoEtcd34 = errors.New("etcd 3.4 not installed at " + Etcd34Path + " (apt-get install etcd-server)")
