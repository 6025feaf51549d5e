package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/bench"
)

func runBench(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "api" {
		return errors.New("usage: skiff bench api --kubeconfig FILE [flags] (see skiff bench api -h)")
	}
	return runBenchAPI(ctx, args[1:])
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
	switch {
	case *asJSON:
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case *asMarkdown:
		err = rep.WriteMarkdown(os.Stdout)
	default:
		err = rep.WriteTable(os.Stdout)
	}
	return errors.Join(runErr, err)
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
