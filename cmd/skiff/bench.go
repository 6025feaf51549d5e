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
	}
	return errors.New("usage: skiff bench api|scale --kubeconfig FILE [flags] (see skiff bench api -h, skiff bench scale -h)")
}

// runBenchScale is `skiff bench scale`: create Deployments totalling many
// pods on any cluster with nodes and time them to Running, with API
// latency meanwhile.
func runBenchScale(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench scale", flag.ContinueOnError)
	cfg := bench.ScaleConfig{}
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster under test (default: $KUBECONFIG or ~/.kube/config)")
	kubeContext := fs.String("context", "", "kubeconfig context to use")
	qps := fs.Float64("qps", 1000, "client-side request rate limit; negative turns it off")
	burst := fs.Int("burst", 1000, "client-side burst")
	protobuf := fs.Bool("protobuf", true, "send and accept protobuf, as controllers do")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	asMarkdown := fs.Bool("markdown", false, "print the report as markdown tables")
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
	rc, err := benchRESTConfig(*kubeconfig, *kubeContext, *qps, *burst, *protobuf)
	if err != nil {
		return err
	}
	if cfg.Client, err = kubernetes.NewForConfig(rc); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	rep, runErr := bench.RunScale(ctx, cfg)
	if runErr != nil && len(rep.Stages) == 0 {
		return runErr
	}
	rep.Server = rc.Host
	return errors.Join(runErr, writeReport(rep, *asJSON, *asMarkdown))
}

// report is what both benchmarks print.
type report interface {
	WriteTable(w io.Writer) error
	WriteMarkdown(w io.Writer) error
}

// writeReport prints rep to stdout as JSON, markdown or a table.
func writeReport(rep report, asJSON, asMarkdown bool) error {
	switch {
	case asJSON:
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case asMarkdown:
		return rep.WriteMarkdown(os.Stdout)
	}
	return rep.WriteTable(os.Stdout)
}

// runBenchAPI is `skiff bench api`: load any Kubernetes API server through
// client-go and report per-phase throughput and latency.
func runBenchAPI(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench api", flag.ContinueOnError)
	cfg := bench.Config{}
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the API server under test (default: $KUBECONFIG or ~/.kube/config)")
	kubeContext := fs.String("context", "", "kubeconfig context to use")
	qps := fs.Float64("qps", 10000, "client-side request rate limit; negative turns it off")
	burst := fs.Int("burst", 10000, "client-side burst")
	protobuf := fs.Bool("protobuf", false, "send and accept protobuf, as controllers do (default JSON, as kubectl does)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	asMarkdown := fs.Bool("markdown", false, "print the results as a markdown table")
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
	rc, err := benchRESTConfig(*kubeconfig, *kubeContext, *qps, *burst, *protobuf)
	if err != nil {
		return err
	}
	if cfg.Client, err = kubernetes.NewForConfig(rc); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	rep, runErr := bench.Run(ctx, cfg)
	if runErr != nil && len(rep.Results) == 0 {
		return runErr
	}
	rep.Server = rc.Host
	return errors.Join(runErr, writeReport(rep, *asJSON, *asMarkdown))
}

// benchRESTConfig loads the kubeconfig and lifts client-go's default
// limit of 5 requests/s so the client is not the bottleneck. Requests
// share one HTTP/2 connection, as every client-go client's do.
func benchRESTConfig(path, kubeContext string, qps float64, burst int, protobuf bool) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = path
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	rc.QPS, rc.Burst = float32(qps), burst
	rc.UserAgent = "skiff-bench"
	if protobuf {
		rc.ContentType = "application/vnd.kubernetes.protobuf"
		rc.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	}
	return rc, nil
}
