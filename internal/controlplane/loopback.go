package controlplane

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// loopbackConfig is the client configuration the in-process components
// (scheduler, controllers) use: the admin identity, through the server's
// in-process transport (apiserver.Server.Loopback). They are API clients
// like any other; their requests just skip TLS and the socket.
func loopbackConfig(url string, transport http.RoundTripper) *rest.Config {
	return &rest.Config{
		Host:      url,
		Transport: transport,
		// Controllers and the scheduler carry a cluster's whole load;
		// client-go's default of 5 QPS would throttle them.
		QPS:       2000,
		Burst:     4000,
		UserAgent: "skiff-controlplane",
		// Protobuf, as Kubernetes' own components speak: cheaper to encode
		// and decode than JSON on both ends of the loopback.
		ContentConfig: rest.ContentConfig{
			ContentType:        "application/vnd.kubernetes.protobuf",
			AcceptContentTypes: "application/vnd.kubernetes.protobuf,application/json",
		},
	}
}

// waitReady polls /readyz until the API server answers 200 or ctx ends.
func waitReady(ctx context.Context, cfg *rest.Config) error {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("loopback client: %w", err)
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the API server: %w", ctx.Err())
		case <-t.C:
		}
	}
}
