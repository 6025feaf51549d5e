package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// readyTimeout bounds a server start, etcd and certificates included.
	readyTimeout = 60 * time.Second
	// stopTimeout is how long SIGTERM has before SIGKILL follows.
	stopTimeout = 15 * time.Second
)

// ServerOptions say how to run one `skiff server`.
type ServerOptions struct {
	// Dir holds the data dir, the log and kubectl's cache.
	Dir string
	// Args are extra flags, such as --etcd-servers.
	Args []string
}

// Server is one running `skiff server` child process.
type Server struct {
	opts       ServerOptions
	Port       int
	DataDir    string
	Kubeconfig string
	logPath    string
	cmd        *exec.Cmd
	exited     chan struct{}
	exitErr    error
}

// newServer starts a dedicated server for t and stops it when t ends,
// printing its log if t failed.
func newServer(t testing.TB, args ...string) *Server {
	t.Helper()
	s, err := startServer(context.Background(), ServerOptions{Dir: t.TempDir(), Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log (%s):\n%s", s.logPath, s.logTail())
		}
	})
	return s
}

// startServer picks a free port and starts the server, retrying on a new
// port if the first is taken between choosing and binding.
func startServer(ctx context.Context, o ServerOptions) (*Server, error) {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		s := &Server{opts: o, Port: port, DataDir: filepath.Join(o.Dir, "data"),
			logPath: filepath.Join(o.Dir, "server.log")}
		s.Kubeconfig = filepath.Join(s.DataDir, "kubeconfig.yaml")
		if err = s.start(ctx); err == nil {
			return s, nil
		}
		if !strings.Contains(err.Error(), "address already in use") {
			return nil, err
		}
	}
	return nil, err
}

// start runs the process on the server's port and data dir and waits for
// /readyz; restart calls it again on the same ones.
func (s *Server) start(ctx context.Context) error {
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer log.Close() // the child holds its own descriptor
	args := append([]string{"server", "--data-dir", s.DataDir, "--https-port", strconv.Itoa(s.Port)}, s.opts.Args...)
	fmt.Fprintf(log, "=== %s %s\n", e2e.bin, strings.Join(args, " "))
	s.cmd = exec.Command(e2e.bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start skiff server: %w", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		s.exitErr = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)
	if err := s.waitReady(ctx); err != nil {
		s.kill()
		return fmt.Errorf("skiff server on port %d: %w\nlog:\n%s", s.Port, err, s.logTail())
	}
	return nil
}

// waitReady polls /readyz until it answers 200, the process exits or the
// deadline passes.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // only asks whether it is up
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := client.Get(s.URL() + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("exited before ready: %v", s.exitErr)
		case <-ctx.Done():
			return errors.New("not ready within " + readyTimeout.String())
		case <-tick.C:
		}
	}
}

// URL is the server's base address.
func (s *Server) URL() string { return "https://127.0.0.1:" + strconv.Itoa(s.Port) }

// stop sends SIGTERM and, if the server has not exited by the deadline,
// SIGKILL. It reports whether the exit was clean.
func (s *Server) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.exited:
		return s.exitErr
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-s.exited:
		return s.exitErr
	case <-t.C:
		s.kill()
		return fmt.Errorf("no exit within %s of SIGTERM; killed", stopTimeout)
	}
}

// kill ends the process at once, as a crash or `kill -9` would.
func (s *Server) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// restart starts the server again on the same port and data dir.
func (s *Server) restart(t testing.TB) {
	t.Helper()
	if err := s.start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// logTail is the end of the server's log.
func (s *Server) logTail() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	const max = 16 << 10
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
