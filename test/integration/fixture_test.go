package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/apiserver"
	"github.com/skiff/skiff/internal/pki"
	"github.com/skiff/skiff/internal/registry/builtin"
	"github.com/skiff/skiff/internal/storage"
)

// Cluster is a skiff API server running in this process on a loopback
// port, with clients for it. It can be stopped and started again on the
// same storage and the same address, so clients reconnect as they would to
// a restarted server.
type Cluster struct {
	t       testing.TB
	backend backend
	addr    string
	bundle  *pki.Bundle
	logs    *logBuffer

	// Config is the admin client configuration, read from the kubeconfig
	// the fixture writes.
	Config  *rest.Config
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	// HTTP is an authenticated client for raw requests to URL(path).
	HTTP *http.Client

	mu      sync.Mutex
	store   storage.Backend
	cancel  context.CancelFunc
	stopped chan error
}

// readyTimeout bounds how long a start may take to answer /readyz.
const readyTimeout = 60 * time.Second

// startCluster starts a server on storage opened by b and stops it when
// the test ends.
func startCluster(t testing.TB, b backend) *Cluster {
	t.Helper()
	dir := t.TempDir()
	bundle, err := pki.Ensure(filepath.Join(dir, "pki"), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, backend: b, addr: ln.Addr().String(), bundle: bundle, logs: &logBuffer{}}
	c.writeClients(filepath.Join(dir, "kubeconfig.yaml"))
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Logf("server log (tail):\n%s", c.logs.tail(16<<10))
		}
	})
	c.serve(ln)
	return c
}

// writeClients writes the admin kubeconfig and builds clients from it, as
// kubectl users do.
func (c *Cluster) writeClients(path string) {
	certPEM, keyPEM := c.bundle.AdminCert()
	if err := pki.WriteKubeconfig(path, "https://"+c.addr, c.bundle.CAPEM(), certPEM, keyPEM, "skiff", "admin"); err != nil {
		c.t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		c.t.Fatal(err)
	}
	// The suite makes thousands of requests; client-side throttling
	// would only slow it down.
	cfg.QPS, cfg.Burst = 5000, 10000
	c.Config = cfg
	c.Client = kubernetes.NewForConfigOrDie(cfg)
	c.Dynamic = dynamic.NewForConfigOrDie(cfg)
	if c.HTTP, err = rest.HTTPClientFor(cfg); err != nil {
		c.t.Fatal(err)
	}
}

// URL is the server's address for path.
func (c *Cluster) URL(path string) string { return "https://" + c.addr + path }

// serve opens storage, starts the server on ln and waits until it is ready.
func (c *Cluster) serve(ln net.Listener) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	st, err := c.backend.open(ctx)
	if err != nil {
		ln.Close()
		c.t.Fatalf("open storage (%s): %v", c.backend.name, err)
	}
	kubeletCert := c.bundle.KubeletClientCert()
	srv, err := apiserver.New(apiserver.Config{
		Backend: st, Resources: builtin.Resources(), ServiceCIDR: pki.DefaultServiceCIDR,
		TLS: c.bundle.ServerTLSConfig(), AdvertiseIP: "192.0.2.10", AdvertisePort: ln.Addr().(*net.TCPAddr).Port,
		Logger:            slog.New(slog.NewTextHandler(c.logs, nil)),
		KubeletClientCert: &kubeletCert, ServiceAccountKey: c.bundle.ServiceAccountKey(),
	})
	if err != nil {
		ln.Close()
		st.Close()
		c.t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Run(runCtx, ln) }()
	c.mu.Lock()
	c.store, c.cancel, c.stopped = st, stop, stopped
	c.mu.Unlock()
	if err := c.waitReady(ctx, stopped); err != nil {
		c.t.Fatalf("server (%s) not ready: %v", c.backend.name, err)
	}
}

// waitReady polls /readyz until it answers 200, the server stops, or ctx
// ends.
func (c *Cluster) waitReady(ctx context.Context, stopped chan error) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if c.ready(ctx) {
			return nil
		}
		select {
		case err := <-stopped:
			stopped <- err // Stop reads it again
			return fmt.Errorf("server stopped: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (c *Cluster) ready(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL("/readyz"), nil)
	if err != nil {
		return false
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop stops the server and closes its storage client (stopping embedded
// etcd); the data stays. It is safe to call on a stopped cluster.
func (c *Cluster) Stop() {
	c.mu.Lock()
	cancel, stopped, st := c.cancel, c.stopped, c.store
	c.cancel, c.stopped, c.store = nil, nil, nil
	c.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			c.t.Errorf("server stopped with: %v", err)
		}
	case <-time.After(30 * time.Second):
		c.t.Errorf("server did not stop within 30s")
	}
	if err := st.Close(); err != nil {
		c.t.Errorf("close storage: %v", err)
	}
}

// Restart stops the server and starts a new one on the same storage and
// address.
func (c *Cluster) Restart() {
	c.t.Helper()
	start := time.Now()
	c.Stop()
	c.t.Logf("restart: stopped in %v", time.Since(start))
	defer func() { c.t.Logf("restart: ready in %v", time.Since(start)) }()
	ln, err := listenAgain(c.addr)
	if err != nil {
		c.t.Fatal(err)
	}
	c.serve(ln)
}

// listenAgain binds addr again; the old listener's port can stay busy for
// a moment after it closes.
func listenAgain(addr string) (net.Listener, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			return ln, err
		}
		<-time.After(50 * time.Millisecond)
	}
}

// Storage is the running server's storage, for what no API can do
// (compaction on demand).
func (c *Cluster) Storage() storage.Backend {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.store
}

// Compact discards all storage history up to now and returns the revision
// compacted to, so any older resourceVersion is too old.
func (c *Cluster) Compact(t testing.TB) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := c.Storage()
	rev, err := st.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Compact(ctx, rev); err != nil && !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("compact to %d: %v", rev, err)
	}
	return rev
}

// logBuffer keeps the server's log for a failing test's report.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
