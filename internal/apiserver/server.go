// Package apiserver is skiff's Kubernetes API server: the HTTP layer
// (routing, authentication by client certificate or service-account token,
// content negotiation, discovery, OpenAPI, watch streaming, patches and
// server-side apply, subresources, token requests, and the streams it
// proxies to node agents) over one generic store per resource. It is the
// only component that touches storage; everything else reaches the
// cluster through it with client-go.
//
// It does not implement controllers, scheduling or nodes.
package apiserver

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/version"

	"github.com/skiff/skiff/internal/openapi"
	"github.com/skiff/skiff/internal/registry/allocator"
	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/registry/store"
	"github.com/skiff/skiff/internal/scheme"
	"github.com/skiff/skiff/internal/storage"
)

// Config assembles an API server.
type Config struct {
	Backend   storage.Backend
	Resources []resource.Resource
	// ServiceCIDR is where Services get cluster IPs ("10.43.0.0/16").
	ServiceCIDR string
	// NodePorts is the node port range (30000-32767 when zero).
	NodePorts allocator.PortRange
	// TLS serves HTTPS; it must verify client certificates it is given.
	TLS *tls.Config
	// AdvertiseIP and AdvertisePort are where the kubernetes Service's
	// endpoints point: this server as other hosts reach it.
	AdvertiseIP   string
	AdvertisePort int
	Version       version.Info
	Logger        *slog.Logger
	// Evictions decides pods/eviction; nil checks PodDisruptionBudgets.
	Evictions EvictionChecker
	// CompactInterval is how often old etcd history is compacted (5m).
	CompactInterval time.Duration
	// ImagesDir holds the image registry served at /v2/; empty serves none.
	ImagesDir string
	// KubeletClientCert is the client certificate shown to node agents
	// when pods/log, exec, attach, portforward and nodes/proxy are
	// proxied to them (pki's KubeletClientCert); nil answers those 503.
	KubeletClientCert *tls.Certificate
	// ServiceAccountKey signs service-account tokens (serviceaccounts/token)
	// and verifies bearer tokens; nil issues and accepts none.
	ServiceAccountKey crypto.Signer
	// ServiceAccountIssuer is the tokens' iss claim and default audience;
	// empty means DefaultServiceAccountIssuer.
	ServiceAccountIssuer string
	// DisableServiceAccountAdmission creates pods without checking their
	// service account or mounting API credentials, as kube-apiserver
	// --disable-admission-plugins=ServiceAccount does: for servers that run
	// no serviceaccount controller, such as in-process test servers.
	DisableServiceAccountAdmission bool
}

// Server is a running API server.
type Server struct {
	cfg      Config
	api      *API
	stores   []*store.Store
	services *serviceAllocations
	ready    atomic.Bool
}

// New builds the server and a store for every resource.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NodePorts.Count == 0 {
		cfg.NodePorts = allocator.PortRange{Base: 30000, Count: 2768}
	}
	if cfg.CompactInterval == 0 {
		cfg.CompactInterval = 5 * time.Minute
	}
	sch, err := scheme.New()
	if err != nil {
		return nil, err
	}
	for _, res := range cfg.Resources {
		if res.View != nil {
			if err := res.View.Register(sch, res.New()); err != nil {
				return nil, err
			}
		}
	}
	s := &Server{cfg: cfg}
	s.api = newAPI(sch, cfg)
	s.api.health = s.healthy
	if s.api.registry, err = newRegistry(cfg); err != nil {
		return nil, err
	}
	if err := s.buildServices(); err != nil {
		return nil, err
	}
	if err := s.buildStores(sch); err != nil {
		return nil, err
	}
	docs, err := openapi.Build(cfg.Resources, openapi.Info{Title: "Kubernetes", Version: cfg.Version.GitVersion})
	if err != nil {
		return nil, err
	}
	s.api.openapi = docs
	return s, nil
}

func (s *Server) buildServices() error {
	ipRange, err := allocator.NewIPRange(s.cfg.ServiceCIDR)
	if err != nil {
		return err
	}
	s.services = &serviceAllocations{
		ipRange: ipRange, cidr: s.cfg.ServiceCIDR,
		ips:     allocator.New(s.cfg.Backend, "/registry/skiff/serviceips/", ipRange),
		ports:   allocator.New(s.cfg.Backend, "/registry/skiff/servicenodeports/", s.cfg.NodePorts),
		portsLo: s.cfg.NodePorts.Base, portsHi: s.cfg.NodePorts.Base + s.cfg.NodePorts.Count - 1,
	}
	return nil
}

func (s *Server) buildStores(sch *runtime.Scheme) error {
	proto := protobuf.NewSerializer(sch, sch)
	var namespaces *store.Store
	lifecycle := namespaceLifecycle{namespaces: func() *store.Store { return namespaces }}
	for _, res := range s.cfg.Resources {
		gv := res.GVR.GroupVersion()
		sc := store.Config{
			Resource:   res,
			Backend:    s.cfg.Backend,
			Codec:      s.api.codecs.CodecForVersions(proto, proto, gv, gv),
			KeyPrefix:  keyPrefix(res.GVR),
			Namespaces: lifecycle,
			Logger:     s.cfg.Logger,
		}
		if v := res.View; v != nil {
			of := v.Of.GroupVersion()
			sc.KeyPrefix = keyPrefix(v.Of)
			sc.Codec = viewCodec{stored: s.api.codecs.CodecForVersions(proto, proto, of, of), view: v}
		}
		switch res.GVR.GroupResource().String() {
		case "services":
			sc.Hooks = s.services.hooks()
		case "pods":
			sc.Delete = podDeletion{}
			sc.Hooks = s.podHooks(lifecycle)
		case "namespaces":
			sc.Delete = namespaceDeletion{}
		}
		sv, err := s.api.serve(res)
		if err != nil {
			return err
		}
		sc.Fields = sv.fieldManagers()
		st, err := store.New(sc)
		if err != nil {
			return err
		}
		sv.store = st
		s.stores = append(s.stores, st)
		if res.GVR.GroupResource().String() == "namespaces" {
			namespaces = st
		}
	}
	if namespaces == nil {
		return errors.New("apiserver: the namespaces resource is required")
	}
	if s.api.evictions == nil {
		if pdbs := s.api.store(gvrPDBs); pdbs != nil {
			s.api.evictions = pdbEvictions{pdbs: pdbs}
		}
	}
	return nil
}

// Handler is the server's HTTP handler (for in-process tests).
func (s *Server) Handler() http.Handler { return s.api }

func (s *Server) healthy() error {
	if !s.ready.Load() {
		return errors.New("not ready: caches are filling")
	}
	return nil
}

// Run starts the stores, sets up the cluster's built-in objects and serves
// HTTPS on ln until ctx ends. It returns the first failure of any part.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer s.api.kubelets.close()
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, st := range s.stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.Run(ctx); err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("store %s: %w", st.Resource().GVR, err))
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		storage.RunCompactor(ctx, s.cfg.Backend, s.cfg.CompactInterval, compactKeep)
	}()
	srv := &http.Server{
		Handler: withAccessLog(s.cfg.Logger, s.api), TLSConfig: s.cfg.TLS,
		ReadHeaderTimeout: 30 * time.Second, ErrorLog: slogErrorLog(s.cfg.Logger),
		// Requests, watches above all, end when the server stops, so that
		// clients reconnect instead of waiting on a dead stream.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ServeTLS(ln, "", "") }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.start(ctx); err != nil && ctx.Err() == nil {
			cancel(err)
		}
	}()
	select {
	case err := <-serveErr:
		cancel(fmt.Errorf("serve: %w", err))
	case <-ctx.Done():
	}
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// compactKeep is how many revisions of history etcd keeps for watches and
// paged lists that started in the past.
const compactKeep = 100000

// start waits for the caches, mends allocations, creates the built-in
// objects and declares the server ready; then it keeps the kubernetes
// Service's endpoints pointing here.
func (s *Server) start(ctx context.Context) error {
	for _, st := range s.stores {
		if err := st.Ready(ctx); err != nil {
			return fmt.Errorf("wait for %s cache: %w", st.Resource().GVR, err)
		}
	}
	if err := s.services.repair(ctx, s.api.store(schema.GroupVersionResource{Version: "v1", Resource: "services"})); err != nil {
		return err
	}
	if err := s.bootstrap(ctx); err != nil {
		return err
	}
	s.ready.Store(true)
	s.cfg.Logger.Info("API server ready")
	return s.reconcileEndpoints(ctx)
}
