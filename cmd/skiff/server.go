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

func runServer(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	o := controlplane.Options{}
	var sans stringList
	var etcd string
	fs.StringVar(&o.DataDir, "data-dir", "/var/lib/skiff/server", "directory for certificates, etcd data and the admin kubeconfig")
	fs.StringVar(&o.BindAddress, "bind-address", "127.0.0.1", "address to serve HTTPS on")
	fs.IntVar(&o.Port, "https-port", 6443, "port to serve HTTPS on")
	fs.StringVar(&etcd, "etcd-servers", "", "comma-separated external etcd endpoints (default: embedded etcd)")
	fs.StringVar(&o.ServiceCIDR, "service-cidr", "10.43.0.0/16", "range of Service cluster IPs")
	fs.Var(&sans, "tls-san", "extra DNS name or IP for the serving certificate (repeatable)")
	fs.StringVar(&o.AdvertiseAddress, "advertise-address", "", "IP other hosts reach this server on")
	verbose := fs.Bool("v", false, "log debug messages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.EtcdServers, o.TLSSANs = controlplane.SplitList(etcd), sans
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(o.Logger)
	klog.SetSlogLogger(o.Logger) // client-go's leader election logs through klog
	return controlplane.Run(ctx, o)
}
