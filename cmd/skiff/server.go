package main

import (
	"context"
	"flag"
	"log/slog"
	"os"

	"k8s.io/klog/v2"

	"github.com/skiff/skiff/internal/controlplane"
)

// stringList is a repeatable flag that also takes comma-separated values.
type stringList []string

func (l *stringList) String() string { return "" }
func (l *stringList) Set(v string) error {
	*l = append(*l, controlplane.SplitList(v)...)
	return nil
}

// serverFlags registers the control plane's flags; skiff server and skiff
// up share them. The returned function finishes the options after parsing.
func serverFlags(fs *flag.FlagSet, o *controlplane.Options, defaultDir string) func() {
	var sans stringList
	var etcd string
	fs.StringVar(&o.DataDir, "data-dir", defaultDir, "directory for certificates, etcd data and the admin kubeconfig")
	fs.StringVar(&o.BindAddress, "bind-address", "127.0.0.1", "address to serve HTTPS on")
	fs.IntVar(&o.Port, "https-port", 6443, "port to serve HTTPS on")
	fs.StringVar(&etcd, "etcd-servers", "", "comma-separated external etcd endpoints (default: embedded etcd)")
	fs.StringVar(&o.ServiceCIDR, "service-cidr", "10.43.0.0/16", "range of Service cluster IPs")
	fs.StringVar(&o.ClusterCIDR, "cluster-cidr", "10.42.0.0/16", "range the nodes' pod ranges (one /24 each) are taken from")
	fs.Var(&sans, "tls-san", "extra DNS name or IP for the serving certificate (repeatable)")
	fs.StringVar(&o.AdvertiseAddress, "advertise-address", "", "IP other hosts reach this server on")
	return func() { o.EtcdServers, o.TLSSANs = controlplane.SplitList(etcd), sans }
}

// newLogger makes the process's logger and routes client-go's klog
// output (leader election, informers) through it.
func newLogger(verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	l := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(l)
	klog.SetSlogLogger(l)
	return l
}

func runServer(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	o := controlplane.Options{}
	finish := serverFlags(fs, &o, "/var/lib/skiff/server")
	verbose := fs.Bool("v", false, "log debug messages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	finish()
	o.Logger = newLogger(*verbose)
	tuneGC(o.Logger)
	return controlplane.Run(ctx, o)
}
