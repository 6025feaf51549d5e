// Package controlplane assembles skiff's control plane from its parts:
// certificates, storage (embedded or external etcd) and the API server.
// It is the one place that wires them; the command line calls it.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/skiff/skiff/internal/apiserver"
	"github.com/skiff/skiff/internal/controller/nodeipam"
	"github.com/skiff/skiff/internal/pki"
	"github.com/skiff/skiff/internal/registry/builtin"
	"github.com/skiff/skiff/internal/storage"
	"github.com/skiff/skiff/internal/version"
)

// Options are the control plane's settings (the server's flags).
type Options struct {
	DataDir     string
	BindAddress string
	Port        int
	// EtcdServers are external etcd endpoints; empty means embedded etcd
	// under DataDir/etcd.
	EtcdServers []string
	ServiceCIDR string
	// ClusterCIDR is where nodes' pod ranges (spec.podCIDR) come from;
	// empty means nodeipam.DefaultClusterCIDR.
	ClusterCIDR string
	// TLSSANs are extra names and IPs for the serving certificate.
	TLSSANs []string
	// AdvertiseAddress is the IP other hosts reach this server on; empty
	// picks the bind address or the host's first non-loopback address.
	AdvertiseAddress string
	Logger           *slog.Logger
}

// KubeconfigPath is where the admin kubeconfig is written.
func (o Options) KubeconfigPath() string { return filepath.Join(o.DataDir, "kubeconfig.yaml") }

// Run starts the control plane and serves until ctx ends.
func Run(ctx context.Context, o Options) error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if _, err := nodeipam.ParseClusterCIDR(o.ClusterCIDR); err != nil {
		return fmt.Errorf("--cluster-cidr: %w", err)
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	advertise, err := advertiseIP(o)
	if err != nil {
		return err
	}
	bundle, err := pki.Ensure(filepath.Join(o.DataDir, "pki"), pki.Options{
		Hosts: append([]string{o.BindAddress, advertise}, o.TLSSANs...), ServiceCIDR: o.ServiceCIDR,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.BindAddress, strconv.Itoa(o.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	backend, err := openStorage(ctx, o)
	if err != nil {
		return err
	}
	defer backend.Close()
	kubeletCert := bundle.KubeletClientCert()
	srv, err := apiserver.New(apiserver.Config{
		Backend: backend, Resources: builtin.Resources(), ServiceCIDR: o.ServiceCIDR,
		TLS: bundle.ServerTLSConfig(), AdvertiseIP: advertise, AdvertisePort: o.Port,
		Version: version.Info(), Logger: o.Logger, ImagesDir: filepath.Join(o.DataDir, "images"),
		KubeletClientCert: &kubeletCert, ServiceAccountKey: bundle.ServiceAccountKey(),
	})
	if err != nil {
		return err
	}
	certPEM, keyPEM := bundle.AdminCert()
	url := "https://" + net.JoinHostPort(clientHost(o.BindAddress), strconv.Itoa(o.Port))
	if err := pki.WriteKubeconfig(o.KubeconfigPath(), url, bundle.CAPEM(), certPEM, keyPEM, "skiff", "skiff-admin"); err != nil {
		return err
	}
	o.Logger.Info("serving", "url", url, "kubeconfig", o.KubeconfigPath())
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	return serve(ctx, o, srv, ln, loopbackConfig(url, srv.Loopback()), bundle.CAPEM())
}

// serve runs the API server and the components until ctx ends or one
// fails. On the way out the components stop first, while the server still
// answers, so that they can give up their leases and a restarted server
// need not wait for them to expire.
func serve(ctx context.Context, o Options, srv *apiserver.Server, ln net.Listener, loopback *rest.Config, caPEM []byte) error {
	serverCtx, stopServer := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stopServer(nil)
	compCtx, stopComponents := context.WithCancelCause(ctx)
	defer stopComponents(nil)
	componentsDone := make(chan struct{})
	go func() {
		defer close(componentsDone)
		if err := runComponents(compCtx, loopback, caPEM, o); err != nil {
			stopServer(err)
		}
	}()
	go func() {
		select {
		case <-compCtx.Done():
		case <-serverCtx.Done():
			return
		}
		select {
		case <-componentsDone:
		case <-time.After(componentStopTimeout):
		}
		stopServer(context.Cause(compCtx))
	}()
	err := srv.Run(serverCtx, ln)
	stopComponents(err)
	<-componentsDone
	if err == nil {
		err = context.Cause(serverCtx)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// componentStopTimeout bounds how long the server waits for the
// components to stop before it stops too.
const componentStopTimeout = 5 * time.Second

func openStorage(ctx context.Context, o Options) (storage.Backend, error) {
	if len(o.EtcdServers) > 0 {
		return storage.OpenRemote(ctx, o.EtcdServers, nil)
	}
	return storage.OpenEmbedded(ctx, filepath.Join(o.DataDir, "etcd"))
}

// clientHost is the host clients on this machine dial: the bind address,
// or loopback when bound to every address.
func clientHost(bind string) string {
	ip := net.ParseIP(bind)
	if ip == nil || ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return bind
}

func advertiseIP(o Options) (string, error) {
	if o.AdvertiseAddress != "" {
		if net.ParseIP(o.AdvertiseAddress) == nil {
			return "", fmt.Errorf("--advertise-address %q is not an IP address", o.AdvertiseAddress)
		}
		return o.AdvertiseAddress, nil
	}
	if ip := net.ParseIP(o.BindAddress); ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
		return o.BindAddress, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", fmt.Errorf("find an address to advertise: %w", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String(), nil
		}
	}
	return "127.0.0.1", nil
}

// SplitList splits a comma-separated flag value, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
