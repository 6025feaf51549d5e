package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/bench"
)

func runBench(ctx context.Context, args []string) error {
	switch {
	case len(args) > 0 && args[0] == "api":
		return runBenchAPI(ctx, args[1:])
	case len(args) > 0 && args[0] == "scale":
		return runBenchScale(ctx, args[1:])
	case len(args) > 0 && args[0] == "pods":
		return runBenchPods(ctx, args[1:])
	}
	return errors.New("usage: skiff bench api|scale|pods --kubeconfig FILE [flags] (see skiff bench api -h, skiff bench scale -h, skiff bench pods -h)")
}

// runBenchPods is `skiff bench pods`: pod start-up latency, create to
// Running, one pod at a time and many at once, on any cluster with nodes.
func runBenchPods(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench pods", flag.ContinueOnError)
	cfg := bench.PodStartConfig{}
	cf := addBenchClientFlags(fs, 1000, true)
	command := fs.String("command", strings.Join(bench.DefaultPodStartCommand, " "), "each pod's command, split at spaces")
	fs.StringVar(&cfg.Namespace, "namespace", "", "namespace to create the pods in (default: a generated one, deleted at the end; a named one is kept)")
	fs.StringVar(&cfg.Image, "image", bench.DefaultPodStartImage, "each pod's image; it should be on the nodes already")
	fs.IntVar(&cfg.Serial, "serial", bench.DefaultPodStartSerial, "pods to create one at a time, each once the one before is Running (0 skips)")
	fs.IntVar(&cfg.Parallel, "parallel", bench.DefaultPodStartParallel, "pods to create at once, after the serial ones are gone (0 skips)")
	fs.StringVar(&cfg.Node, "node", "", "pin every pod to this node (spec.nodeName), leaving out the scheduler")
	fs.DurationVar(&cfg.Timeout, "timeout", bench.DefaultPodStartTimeout, "how long one serial pod, the parallel batch, or a phase's deletion may take")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	cfg.Command = strings.Fields(*command)
	if len(cfg.Command) == 0 {
		return errors.New("bench pods: --command is empty")
	}
	rc, client, err := cf.client()
	if err != nil {
		return err
	}
	cfg.Client, cfg.Logger = client, slog.New(slog.NewTextHandler(os.Stderr, nil))
	rep, runErr := bench.RunPodStart(ctx, cfg)
	if runErr != nil && len(rep.Phases) == 0 {
		return runErr
	}
	rep.Server = rc.Host
	return errors.Join(runErr, cf.write(rep))
}

// runBenchScale is `skiff bench scale`: create Deployments totalling many
// pods on any cluster with nodes and time them to Running, with API
// latency meanwhile.
func runBenchScale(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench scale", flag.ContinueOnError)
	cfg := bench.ScaleConfig{}
	cf := addBenchClientFlags(fs, 1000, true)
	replicas := fs.Int("replicas", bench.DefaultScaleReplicas, "replicas of each Deployment")
	cpu := fs.String("cpu", "100m", "cpu request of each pod")
	memory := fs.String("memory", "128Mi", "memory request (and limit) of each pod")
	fs.StringVar(&cfg.Namespace, "namespace", "skiff-scale", "namespace to create the Deployments in (created, and deleted unless --skip-cleanup)")
	fs.IntVar(&cfg.Deployments, "deployments", bench.DefaultScaleDeployments, "Deployments to create")
	fs.IntVar(&cfg.Concurrency, "concurrency", 8, "Deployment creates and deletes in flight at once")
	fs.DurationVar(&cfg.Timeout, "timeout", bench.DefaultScaleTimeout, "how long to wait for every pod to be Running, and again for them to be gone")
	fs.DurationVar(&cfg.ProbeInterval, "probe-interval", 100*time.Millisecond, "how often the latency probe sends its GET and LIST")
	fs.BoolVar(&cfg.SkipCleanup, "skip-cleanup", false, "leave the Deployments, pods and namespace in place")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *replicas < 1 || *replicas > math.MaxInt32 {
		return fmt.Errorf("bench scale: --replicas %d out of range", *replicas)
	}
	cfg.Replicas = int32(*replicas)
	var err error
	if cfg.CPU, err = resource.ParseQuantity(*cpu); err != nil {
		return fmt.Errorf("bench scale: --cpu: %w", err)
	}
	if cfg.Memory, err = resource.ParseQuantity(*memory); err != nil {
		return fmt.Errorf("bench scale: --memory: %w", err)
	}
	rc, client, err := cf.client()
	if err != nil {
		return err
	}
	cfg.Client, cfg.Logger = client, slog.New(slog.NewTextHandler(os.Stderr, nil))
	rep, runErr := bench.RunScale(ctx, cfg)
	if runErr != nil && len(rep.Stages) == 0 {
		return runErr
	}
	rep.Server = rc.Host
	return errors.Join(runErr, cf.write(rep))
}

// runBenchAPI is `skiff bench api`: load any Kubernetes API server through
// client-go and report per-phase throughput and latency.
func runBenchAPI(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench api", flag.ContinueOnError)
	cfg := bench.Config{}
	cf := addBenchClientFlags(fs, 10000, false)
	fs.StringVar(&cfg.Namespace, "namespace", "skiff-bench", "namespace to create the objects in (created, and deleted unless --keep)")
	fs.StringVar(&cfg.Kind, "kind", bench.KindPod, "kind of object: pod or configmap")
	fs.IntVar(&cfg.Objects, "objects", 10000, "objects to create, get, update and delete")
	fs.IntVar(&cfg.Concurrency, "concurrency", 16, "requests in flight at once")
	fs.DurationVar(&cfg.WatchDuration, "duration", bench.DefaultWatchDuration, "how long the watch phase writes")
	fs.IntVar(&cfg.Watchers, "watchers", 1, "watches open during the watch phase")
	fs.IntVar(&cfg.ListRepeats, "list-repeats", 5, "how many times each list phase lists everything")
	fs.Int64Var(&cfg.PageSize, "page-size", 500, "limit of the paged list phase")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the objects and namespace (skip the delete phase and clean-up)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	rc, client, err := cf.client()
	if err != nil {
		return err
	}
	cfg.Client, cfg.Logger = client, slog.New(slog.NewTextHandler(os.Stderr, nil))
	rep, runErr := bench.Run(ctx, cfg)
	if runErr != nil && len(rep.Results) == 0 {
		return runErr
	}
	rep.Server = rc.Host
	return errors.Join(runErr, cf.write(rep))
}

// benchClientFlags are the flags both benchmarks take: how to reach the
// server and how to print the report.
type benchClientFlags struct {
	kubeconfig, context string
	qps                 float64
	burst               int
	protobuf            bool
	asJSON, asMarkdown  bool
}

func addBenchClientFlags(fs *flag.FlagSet, rate int, protobuf bool) *benchClientFlags {
	f := &benchClientFlags{}
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig of the server under test (default: $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&f.context, "context", "", "kubeconfig context to use")
	fs.Float64Var(&f.qps, "qps", float64(rate), "client-side request rate limit; negative turns it off")
	fs.IntVar(&f.burst, "burst", rate, "client-side burst")
	fs.BoolVar(&f.protobuf, "protobuf", protobuf, "send and accept protobuf, as controllers do (JSON is what kubectl sends)")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&f.asMarkdown, "markdown", false, "print the report as markdown tables")
	return f
}

// client loads the kubeconfig as kubectl does and builds a clientset.
func (f *benchClientFlags) client() (*rest.Config, kubernetes.Interface, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.kubeconfig
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: f.context}).ClientConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	rc.QPS, rc.Burst = float32(f.qps), f.burst
	rc.UserAgent = "skiff-bench"
	if f.protobuf {
		rc.ContentType = "application/vnd.kubernetes.protobuf"
		rc.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("client: %w", err)
	}
	return rc, client, nil
}

// report is what both benchmarks print.
type report interface {
	WriteTable(w io.Writer) error
	WriteMarkdown(w io.Writer) error
}

// write prints rep to stdout as JSON, markdown or a table.
func (f *benchClientFlags) write(rep report) error {
	switch {
	case f.asJSON:
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case f.asMarkdown:
		return rep.WriteMarkdown(os.Stdout)
	}
	return rep.WriteTable(os.Stdout)
}
