package probe

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff/skiff/internal/version"
)

// Runtime runs commands in containers. The agent's CRI client satisfies
// it through a small adapter.
type Runtime interface {
	// ExecSync runs cmd in the container and waits for it. A command that
	// ran and exited non-zero is not an error: it returns its exit code.
	// timeout 0 means no limit but ctx's. An error means the command could
	// not be run or did not finish (a timeout is reported as an error that
	// wraps context.DeadlineExceeded or carries gRPC code DeadlineExceeded).
	ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) (stdout, stderr []byte, exitCode int32, err error)
}

// Kind is a kind of probe.
type Kind string

// The kinds of probe, in the words of the kubelet's logs.
const (
	Liveness  Kind = "liveness"
	Readiness Kind = "readiness"
	Startup   Kind = "startup"
)

var kinds = [...]Kind{Startup, Liveness, Readiness}

// title is how events name the kind ("Readiness probe failed: ...").
func (k Kind) title() string {
	switch k {
	case Liveness:
		return "Liveness"
	case Readiness:
		return "Readiness"
	case Startup:
		return "Startup"
	}
	return string(k)
}

// spec is the container's probe of kind k, or nil.
func (k Kind) spec(c *corev1.Container) *corev1.Probe {
	switch k {
	case Liveness:
		return c.LivenessProbe
	case Readiness:
		return c.ReadinessProbe
	case Startup:
		return c.StartupProbe
	}
	return nil
}

// Target is one running container to probe.
type Target struct {
	// Pod is the container's pod; the manager copies what it needs.
	Pod *corev1.Pod
	// PodIP is the host httpGet and tcpSocket probes use when they name
	// none, and the host of grpc probes.
	PodIP string
	// Container is the container's spec (probes, ports, env).
	Container *corev1.Container
	// ContainerID is the runtime's ID of this instance of the container;
	// a restarted container has a new one and is probed afresh.
	ContainerID string
	// StartedAt is when the container started; initialDelaySeconds counts
	// from it. Zero means when the manager first sees it.
	StartedAt time.Time
}

// result is the outcome of one probe, as the kubelet classifies it.
type result int

const (
	// unknown: the probe could not be run (an error); the worker discards
	// it without counting.
	unknown result = iota
	success
	// warning is a success with something to report (a redirect to
	// another host was not followed).
	warning
	failure
)

// userAgent is what probes send, as the kubelet of the Kubernetes release
// skiff serves: "kube-probe/1.32".
func userAgent(prefix string) string {
	v := version.Info()
	return fmt.Sprintf("%s/%s.%s", prefix, v.Major, v.Minor)
}

// timing is a probe's schedule and thresholds with the API's defaults
// applied, so a probe built by hand (not through the API server) works.
// unit is the length of one of the API's seconds: time.Second, except in
// tests, which shrink it so that thresholds of several periods pass in
// milliseconds.
type timing struct {
	initialDelay, period, timeout time.Duration
	successThreshold              int
	failureThreshold              int
}

func timingOf(k Kind, p *corev1.Probe, unit time.Duration) timing {
	t := timing{
		initialDelay:     time.Duration(p.InitialDelaySeconds) * unit,
		period:           seconds(p.PeriodSeconds, 10, unit),
		timeout:          seconds(p.TimeoutSeconds, 1, unit),
		successThreshold: int(p.SuccessThreshold),
		failureThreshold: int(p.FailureThreshold),
	}
	if t.successThreshold < 1 || k != Readiness {
		// Validation requires 1 for liveness and startup probes: one
		// success means alive or started.
		t.successThreshold = 1
	}
	if t.failureThreshold < 1 {
		t.failureThreshold = 3
	}
	return t
}

func seconds(v, def int32, unit time.Duration) time.Duration {
	if v <= 0 {
		v = def
	}
	return time.Duration(v) * unit
}
