package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/skiff/skiff/internal/kubelet/runtime"
)

// ErrNotFound is what Pods returns (wrapped) for a pod or container this
// node does not have. The error's text is shown to the caller with 404, so
// it should name what is missing: `pod "web" does not exist`.
var ErrNotFound = errors.New("not found")

// Pods finds containers of pods on this node. The agent's core implements it.
type Pods interface {
	// Container returns a container of a pod by namespace/pod name and
	// container name (init containers included).
	//
	// previous=false returns the current instance: the running one, or the
	// one that last ran if none was created since (a crash-looping
	// container shows its last logs, as in Kubernetes); ID is "" if no
	// instance was ever created.
	// previous=true asks for the last terminated instance before the
	// current one (logs --previous); ID is "" if there is none.
	// A pod or container not on this node returns an error wrapping ErrNotFound.
	Container(ctx context.Context, namespace, pod, container string, previous bool) (ContainerInfo, error)
	// Sandbox returns the CRI sandbox ID of a running pod (port-forward).
	// A pod not on this node, or without a ready sandbox, returns an error
	// wrapping ErrNotFound.
	Sandbox(ctx context.Context, namespace, pod string) (string, error)
}

// ContainerInfo is one instance of a container.
type ContainerInfo struct {
	ID      string // CRI container ID ("" if never created)
	LogPath string // absolute path of its CRI log file
	Running bool
}

// Config configures a Server.
type Config struct {
	// Pods answers which container a request means. Required.
	Pods Pods
	// Runtime gives the streaming URLs for exec, attach and port-forward. Required.
	Runtime *runtime.Client
	// ClientCA verifies client certificates: the cluster CA. Required.
	ClientCA *x509.CertPool
	// Addr is host:port to listen on, e.g. "10.0.0.5:10250". Required.
	Addr string
	// CertFile and KeyFile are the serving certificate and key (PEM), see
	// EnsureServingCert. Required.
	CertFile, KeyFile string
	Logger            *slog.Logger
}

// streamRuntime is what the server asks of the CRI runtime; *runtime.Client
// implements it, tests fake it.
type streamRuntime interface {
	Exec(ctx context.Context, containerID string, cmd []string, o runtime.StreamOptions) (string, error)
	Attach(ctx context.Context, containerID string, o runtime.StreamOptions) (string, error)
	PortForward(ctx context.Context, sandboxID string, ports []int32) (string, error)
}

// Server is the agent's HTTPS endpoint.
type Server struct {
	pods              Pods
	rt                streamRuntime
	clientCA          *x509.CertPool
	addr              string
	certFile, keyFile string
	log               *slog.Logger

	// logPoll is how often a followed log is read again at its end, and
	// statusPoll how often the container is asked whether it still runs.
	logPoll, statusPoll time.Duration
	// streamTransport reaches the runtime's streaming server on loopback,
	// never through a proxy from the environment.
	streamTransport *http.Transport
	// now is the clock for sinceSeconds.
	now func() time.Time

	// handlers counts requests in flight, hijacked ones included, so Run
	// returns only after every stream it served has ended.
	handlers sync.WaitGroup
}

// New checks cfg and returns a Server; Run serves it.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Pods == nil:
		return nil, errors.New("kubelet server: Pods is required")
	case cfg.Runtime == nil:
		return nil, errors.New("kubelet server: Runtime is required")
	case cfg.ClientCA == nil:
		return nil, errors.New("kubelet server: ClientCA is required")
	case cfg.Addr == "":
		return nil, errors.New("kubelet server: Addr is required")
	case cfg.CertFile == "" || cfg.KeyFile == "":
		return nil, errors.New("kubelet server: CertFile and KeyFile are required")
	}
	return newServer(cfg, cfg.Runtime), nil
}

func newServer(cfg Config, rt streamRuntime) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Server{
		pods: cfg.Pods, rt: rt, clientCA: cfg.ClientCA, addr: cfg.Addr,
		certFile: cfg.CertFile, keyFile: cfg.KeyFile, log: log,
		logPoll: 100 * time.Millisecond, statusPoll: 500 * time.Millisecond,
		streamTransport: &http.Transport{
			Proxy:              nil,
			DialContext:        (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			DisableCompression: true,
			// Streaming URLs are single-use tokens: nothing to reuse.
			DisableKeepAlives: true,
		},
		now: time.Now,
	}
}

// Run listens on the configured address and serves until ctx ends, then
// closes the listener, ends the streams in flight and waits for them.
func (s *Server) Run(ctx context.Context) error {
	cert, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
	if err != nil {
		return fmt.Errorf("kubelet server: load serving certificate: %w", err)
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("kubelet server: %w", err)
	}
	return s.serve(ctx, tls.NewListener(ln, s.tlsConfig(cert)))
}

// tlsConfig asks for a client certificate but leaves verifying it to the
// handler, so a caller without an acceptable one gets an HTTP 401 it can
// read instead of a failed handshake (as the kubelet does).
func (s *Server) tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
		// Upgrades (SPDY, WebSocket) need HTTP/1.1; plain requests may use h2.
		NextProtos: []string{"h2", "http/1.1"},
	}
}

// serve serves TLS connections from ln until ctx ends.
func (s *Server) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler(),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.log.Info("kubelet server listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
		err = fmt.Errorf("kubelet server: %w", err)
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if serr := srv.Shutdown(shutdownCtx); serr != nil {
			srv.Close()
		}
		cancel()
		<-errc
	}
	// Hijacked streams are not the http.Server's to wait for; their
	// contexts derive from ctx, so they are ending now.
	s.handlers.Wait()
	return err
}

// handler is the endpoint's HTTP handler, authentication included.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", s.serveLogs)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		mux.HandleFunc(m+" /exec/{namespace}/{pod}/{container}", s.serveExec)
		mux.HandleFunc(m+" /attach/{namespace}/{pod}/{container}", s.serveAttach)
		mux.HandleFunc(m+" /portForward/{namespace}/{pod}", s.servePortForward)
	}
	return s.track(s.authenticate(mux))
}

// track counts a request in flight until its handler returns.
func (s *Server) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.handlers.Add(1)
		defer s.handlers.Done()
		next.ServeHTTP(w, r)
	})
}
