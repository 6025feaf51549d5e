package bench

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
)

// ScaleConfig is one scale benchmark's settings (the flags of
// `skiff bench scale`).
type ScaleConfig struct {
	// Client talks to the cluster under test.
	Client kubernetes.Interface
	// Namespace holds the Deployments; the run creates it.
	Namespace string
	// Deployments and Replicas: the run asks for Deployments×Replicas pods.
	Deployments int
	Replicas    int32
	// Concurrency is how many Deployment creates and deletes are in flight.
	Concurrency int
	// CPU and Memory are each pod's requests. The defaults let 110 pods
	// (a default sim node's pod limit) fit on a 32-cpu, 256Gi node.
	CPU, Memory resource.Quantity
	// Timeout bounds the wait for every pod to be Running, and again the
	// wait for them to be gone after the clean-up.
	Timeout time.Duration
	// ProbeInterval is how often the latency probe sends its GET and LIST.
	ProbeInterval time.Duration
	// SkipCleanup leaves the Deployments, pods and namespace in place.
	SkipCleanup bool
	// Logger reports progress; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults of `skiff bench scale`: 30,000 pods, 30 per node on 1,000 nodes.
const (
	DefaultScaleDeployments = 100
	DefaultScaleReplicas    = 300
	DefaultScaleTimeout     = 10 * time.Minute
)

func (c ScaleConfig) withDefaults() (ScaleConfig, error) {
	if c.Client == nil {
		return c, errors.New("bench scale: no client")
	}
	if c.Deployments < 1 || c.Replicas < 1 {
		return c, fmt.Errorf("bench scale: deployments (%d) and replicas (%d) must be at least 1", c.Deployments, c.Replicas)
	}
	if c.Namespace == "" {
		c.Namespace = "skiff-scale"
	}
	c.Concurrency = max(c.Concurrency, 1)
	if c.CPU.IsZero() {
		c.CPU = resource.MustParse("100m")
	}
	if c.Memory.IsZero() {
		c.Memory = resource.MustParse("128Mi")
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultScaleTimeout
	}
	if c.ProbeInterval <= 0 {
		c.ProbeInterval = 100 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// pods is how many pods the run asks for.
func (c ScaleConfig) pods() int { return c.Deployments * int(c.Replicas) }
