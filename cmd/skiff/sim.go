package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/sim"
)

// simFlags are the `skiff sim` flags that are not sim.Config fields as is.
type simFlags struct {
	server, kubeconfig, contentType string
	cpu, memory, pods, storage      string
	clusterCIDR                     string
	leaseSeconds                    int
	qps                             float64
	burst                           int
	verbose                         bool
}

func runSim(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	var c sim.Config
	var f simFlags
	fs.StringVar(&f.server, "server", "", "API server URL (default: the kubeconfig's)")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
	fs.IntVar(&c.Nodes, "nodes", 1, "how many nodes to simulate")
	fs.StringVar(&c.Prefix, "node-prefix", "sim-", "node names are this prefix and an index from 0")
	fs.StringVar(&f.cpu, "cpu", "32", "cpu capacity of each node")
	fs.StringVar(&f.memory, "memory", "256Gi", "memory capacity of each node")
	fs.StringVar(&f.pods, "pods", "110", "pod capacity of each node")
	fs.StringVar(&f.storage, "ephemeral-storage", "100Gi", "ephemeral-storage capacity of each node")
	fs.StringVar(&f.clusterCIDR, "cluster-cidr", "", "range of node podCIDRs the sim picks from when the server assigns none (default 10.244.0.0/16, or 10.224.0.0/11 above 256 nodes)")
	fs.DurationVar(&c.PodStartDelay, "pod-start-delay", 0, "how long a bound pod stays ContainerCreating")
	fs.DurationVar(&c.PodStopDelay, "pod-stop-delay", time.Second, "how long a deleted pod's containers take to stop (at most its grace period)")
	fs.DurationVar(&c.FailAfter, "fail-after", 0, "after this long the nodes go silent like crashed machines and the command ends")
	fs.IntVar(&f.leaseSeconds, "node-lease-duration-seconds", 40, "node Lease duration; the lease is renewed every quarter of it")
	fs.DurationVar(&c.StatusReportFrequency, "node-status-report-frequency", sim.DefaultStatusReportFrequency, "how often node status is reported when nothing changed (the Lease, renewed every quarter of --node-lease-duration-seconds, is the heartbeat in between)")
	fs.Float64Var(&f.qps, "qps", 0, "API requests per second, for heartbeats and for pods each (default 5 per node, at least 1000: each node's share of a real kubelet's 50)")
	fs.IntVar(&f.burst, "burst", 0, "API request burst, for heartbeats and for pods each (default twice --qps)")
	fs.IntVar(&c.Workers, "workers", 32, "concurrent API writers, for heartbeats and for pods each")
	fs.StringVar(&f.contentType, "kube-api-content-type", "application/vnd.kubernetes.protobuf", "content type of requests to the API server")
	fs.BoolVar(&f.verbose, "v", false, "log debug messages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sim: unexpected arguments %q", fs.Args())
	}
	if err := f.apply(&c); err != nil {
		return err
	}
	s, err := sim.New(c)
	if err != nil {
		return err
	}
	c.Logger.Info("simulating nodes", "nodes", c.Nodes, "prefix", c.Prefix)
	return s.Run(ctx)
}

// apply turns the parsed flags into the rest of the Config: quantities,
// the CIDR, the logger and two API clients with their own rate limits.
func (f *simFlags) apply(c *sim.Config) error {
	var err error
	if f.qps == 0 {
		// A limit fixed for the whole process would make a large sim
		// report pods slower than its nodes' kubelets could.
		f.qps = max(1000, 5*float64(c.Nodes))
	}
	if f.burst == 0 {
		f.burst = int(2 * f.qps)
	}
	for _, q := range []struct {
		dst *resource.Quantity
		src string
	}{{&c.CPU, f.cpu}, {&c.Memory, f.memory}, {&c.Pods, f.pods}, {&c.EphemeralStorage, f.storage}} {
		if *q.dst, err = resource.ParseQuantity(q.src); err != nil {
			return fmt.Errorf("sim: %q: %w", q.src, err)
		}
	}
	if f.clusterCIDR != "" {
		if c.ClusterCIDR, err = netip.ParsePrefix(f.clusterCIDR); err != nil {
			return fmt.Errorf("sim: --cluster-cidr: %w", err)
		}
	}
	if f.leaseSeconds < 4 {
		return errors.New("sim: --node-lease-duration-seconds must be at least 4")
	}
	c.LeaseDuration = time.Duration(f.leaseSeconds) * time.Second
	level := slog.LevelInfo
	if f.verbose {
		level = slog.LevelDebug
	}
	c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	tuneGC(c.Logger)
	if c.Client, err = f.client("skiff-sim/heartbeat"); err != nil {
		return err
	}
	c.PodClient, err = f.client("skiff-sim/pods")
	return err
}

// client builds a clientset from the kubeconfig, with --server overriding
// its cluster address.
func (f *simFlags) client(agent string) (kubernetes.Interface, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.kubeconfig
	overrides := &clientcmd.ConfigOverrides{}
	overrides.ClusterInfo.Server = f.server
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("sim: kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst, cfg.UserAgent = float32(f.qps), f.burst, agent
	cfg.ContentType = f.contentType
	cfg.AcceptContentTypes = f.contentType + ",application/json"
	return kubernetes.NewForConfig(rest.CopyConfig(cfg))
}
