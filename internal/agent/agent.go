// Package agent assembles a node from its parts: the node's own containerd
// (or one that runs already), the Node object and its heartbeat, the
// kubelet core that runs pods, and the HTTPS endpoint the API server
// proxies logs, exec and port-forward to. It is the one place that wires
// them; the command line calls it. It talks to the cluster only through
// the API server.
package agent

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/kubelet"
	"github.com/skiff/skiff/internal/kubelet/cni"
	"github.com/skiff/skiff/internal/kubelet/node"
	"github.com/skiff/skiff/internal/kubelet/runtime"
	"github.com/skiff/skiff/internal/kubelet/server"
	"github.com/skiff/skiff/internal/kubelet/volume"
)

// Options are the agent's settings (its flags).
type Options struct {
	// DataDir holds everything the node writes: containerd's state, pod
	// volumes, container logs, the CNI config and the serving certificate.
	DataDir string
	// Kubeconfig is the credential file for the API server (--token).
	Kubeconfig string
	// Server overrides the kubeconfig's server URL when set.
	Server string
	// NodeName defaults to the host name; NodeIP to the host's first
	// non-loopback IPv4 address.
	NodeName, NodeIP string
	// KubeletPort is the HTTPS port the API server reaches the agent on.
	KubeletPort int
	// RuntimeEndpoint uses a containerd that runs already
	// (unix:///run/containerd/containerd.sock); empty starts the node's own.
	RuntimeEndpoint string
	// Busybox is the static busybox the sandbox image is made of.
	Busybox string
	// Ready, when set, is called with the node's name once the node is
	// registered and its runtime answers (skiff up waits for Ready then).
	Ready  func(nodeName string)
	Logger *slog.Logger
}

// SandboxImage is the pod sandbox ("pause") image every node makes for
// itself from busybox: it is never pulled.
const SandboxImage = "skiff.local/sandbox:busybox"

// DefaultBusybox is Debian busybox-static's binary.
const DefaultBusybox = "/bin/busybox"

// Run runs the node until ctx ends or a part of it fails.
func Run(ctx context.Context, o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	log := o.Logger
	cfg, err := clientConfig(o)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("agent client: %w", err)
	}
	for _, d := range []string{o.DataDir, o.path("pki"), o.path("pods"), o.path("logs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("agent data dir: %w", err)
		}
	}
	// Secret and token volumes are tmpfs mounts made after containers
	// start; they reach the containers only if the pods dir propagates.
	undoShared, err := runtime.MakeShared(o.path("pods"), log)
	if err != nil {
		return fmt.Errorf("pods dir: %w", err)
	}
	defer func() {
		if err := undoShared(); err != nil {
			log.Warn("undo shared mount of the pods dir", "err", err)
		}
	}()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	endpoint, done, err := startRuntime(ctx, o, cfg)
	if err != nil {
		return err
	}
	if done != nil {
		// containerd stops when ctx ends; return only once it has, so
		// that it never outlives the agent and its mounts are undone.
		defer func() {
			cancel(nil)
			<-done
		}()
	}
	rt, err := runtime.Dial(endpoint)
	if err != nil {
		return err
	}
	defer rt.Close()
	version, err := rt.Version(ctx)
	if err != nil {
		return fmt.Errorf("container runtime at %s: %w", endpoint, err)
	}
	if err := ensureSandboxImage(ctx, o, rt, endpoint); err != nil {
		return err
	}

	n := node.New(node.Config{
		Client: client, NodeName: o.NodeName, NodeIP: o.NodeIP, KubeletPort: int32(o.KubeletPort),
		RuntimeVersion: version.RuntimeName + "://" + version.RuntimeVersion,
		CNIConfDir:     o.path("cni", "net.d"), DataDir: o.DataDir,
		PodNAT: cni.Masquerade,
		Logger: log.With("component", "node"),
	})
	log.Info("registering node", "node", o.NodeName, "ip", o.NodeIP)
	if err := n.Register(ctx); err != nil {
		return err
	}
	n.SetRuntimeReady(true, "")

	var inRegistry func(context.Context, string) (bool, error)
	if o.RuntimeEndpoint == "" {
		// Only the node's own containerd pulls through the cluster registry.
		reg, err := registryClient(cfg)
		if err != nil {
			return err
		}
		inRegistry = reg.Has
	}
	objs := envObjects{client: client, node: n}
	core, err := kubelet.New(kubelet.Config{
		Client: client, NodeName: o.NodeName, NodeIP: o.NodeIP, DataDir: o.DataDir,
		Runtime: rt, RuntimeSocket: strings.TrimPrefix(endpoint, "unix://"),
		Configs:    podConfigs{objs: objs, node: n, runtime: rt},
		Volumes:    volumes{volume.New(volume.Config{Client: client, RootDir: o.path("pods"), NodeName: o.NodeName, Logger: log.With("component", "volumes")})},
		NewProbes:  newProbes(execSync{rt}),
		PodCIDRs:   n.PodCIDRs,
		InRegistry: inRegistry,
		Logger:     log.With("component", "kubelet"),
	})
	if err != nil {
		return err
	}
	srv, err := newServer(o, cfg, core, rt)
	if err != nil {
		return err
	}

	parts := map[string]func(context.Context) error{
		"node heartbeat": n.Run,
		"kubelet":        core.Run,
		"agent server":   srv.Run,
	}
	errs := make(chan error, len(parts))
	for name, run := range parts {
		go func() {
			err := run(ctx)
			if err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("%s: %w", name, err))
			}
			errs <- nil
		}()
	}
	if o.Ready != nil {
		o.Ready(o.NodeName)
	}
	select {
	case <-ctx.Done():
	case <-done:
		cancel(errors.New("containerd exited"))
	}
	for range parts {
		<-errs
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func (o *Options) defaults() error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DataDir == "" || !filepath.IsAbs(o.DataDir) {
		return fmt.Errorf("agent: --data-dir must be an absolute path, got %q", o.DataDir)
	}
	if o.Kubeconfig == "" {
		return errors.New("agent: --token is required (for now, the path of the server's admin kubeconfig)")
	}
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("agent: node name: %w", err)
		}
		o.NodeName = strings.ToLower(h)
	}
	if o.NodeIP == "" {
		ip, err := hostIP()
		if err != nil {
			return err
		}
		o.NodeIP = ip
	} else if ip := net.ParseIP(o.NodeIP); ip == nil || ip.IsLoopback() {
		return fmt.Errorf("agent: --node-ip %q must be an IP address that is not loopback", o.NodeIP)
	}
	if o.KubeletPort == 0 {
		o.KubeletPort = node.DefaultKubeletPort
	}
	if o.Busybox == "" {
		o.Busybox = DefaultBusybox
	}
	return nil
}

func (o Options) path(p ...string) string {
	return filepath.Join(append([]string{o.DataDir}, p...)...)
}

// clientConfig reads the credential file; the agent makes many small
// requests (pod status, events), so it gets more than client-go's default
// five per second.
func clientConfig(o Options) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags(o.Server, o.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("agent credentials %s: %w", o.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = "skiff-agent/" + o.NodeName
	return cfg, nil
}

// newServer makes the HTTPS endpoint; it trusts client certificates of the
// cluster CA (the CA the agent's kubeconfig trusts).
func newServer(o Options, cfg *rest.Config, core *kubelet.Agent, rt *runtime.Client) (*server.Server, error) {
	caPEM := cfg.TLSClientConfig.CAData
	if len(caPEM) == 0 && cfg.TLSClientConfig.CAFile != "" {
		b, err := os.ReadFile(cfg.TLSClientConfig.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cluster CA: %w", err)
		}
		caPEM = b
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("agent: the kubeconfig names no cluster CA to verify the API server's client certificate with")
	}
	cert, key := o.path("pki", "kubelet.crt"), o.path("pki", "kubelet.key")
	if err := server.EnsureServingCert(cert, key, []string{o.NodeIP, o.NodeName}); err != nil {
		return nil, err
	}
	return server.New(server.Config{
		Pods: core, Runtime: rt, ClientCA: pool,
		Addr:     net.JoinHostPort(o.NodeIP, strconv.Itoa(o.KubeletPort)),
		CertFile: cert, KeyFile: key, Logger: o.Logger.With("component", "agent-server"),
	})
}

// startRuntime starts the node's own containerd, configured to pull every
// image through the cluster registry, or checks the one it was told to use.
// done is closed if a containerd the agent started exits for good.
func startRuntime(ctx context.Context, o Options, cfg *rest.Config) (endpoint string, done <-chan struct{}, err error) {
	if o.RuntimeEndpoint != "" {
		return o.RuntimeEndpoint, nil, nil
	}
	mirror, err := mirrorFiles(o, cfg)
	if err != nil {
		return "", nil, err
	}
	o.Logger.Info("starting containerd", "dir", o.path("containerd"))
	ctd, err := runtime.StartContainerd(ctx, runtime.Config{
		DataDir: o.path("containerd"), SandboxImage: SandboxImage,
		CNIConfDir: o.path("cni", "net.d"),
		MirrorURL:  mirror.url, MirrorCA: mirror.ca, MirrorClientCert: mirror.cert, MirrorClientKey: mirror.key,
		Logger: o.Logger.With("component", "containerd"),
	})
	if err != nil {
		return "", nil, err
	}
	return ctd.Endpoint(), ctd.Done(), nil
}

// ensureSandboxImage makes the sandbox image from busybox and imports it,
// unless the runtime has it already.
func ensureSandboxImage(ctx context.Context, o Options, rt *runtime.Client, endpoint string) error {
	if img, err := rt.ImageStatus(ctx, SandboxImage); err == nil && img != nil {
		return nil
	}
	tarball := o.path("sandbox-image.tar")
	f, err := os.Create(tarball)
	if err != nil {
		return fmt.Errorf("sandbox image: %w", err)
	}
	img := runtime.BusyboxImage{Ref: SandboxImage, Busybox: o.Busybox, Cmd: []string{"sleep", "infinity"}}
	if err := img.WriteOCIArchive(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sandbox image: %w", err)
	}
	defer os.Remove(tarball)
	if err := runtime.ImportImage(ctx, "ctr", strings.TrimPrefix(endpoint, "unix://"), tarball); err != nil {
		return err
	}
	// The CRI plugin learns of imported images from containerd's events.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if img, err := rt.ImageStatus(ctx, SandboxImage); err == nil && img != nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sandbox image %s imported but the runtime does not list it", SandboxImage)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
