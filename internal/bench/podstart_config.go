package bench

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/client-go/kubernetes"
)

// Defaults of `skiff bench pods`.
const (
	DefaultPodStartImage    = "docker.io/library/busybox:1.36"
	DefaultPodStartSerial   = 100
	DefaultPodStartParallel = 30
	DefaultPodStartTimeout  = 2 * time.Minute
)

// DefaultPodStartCommand is what each pod runs unless told: something
// that starts at once and keeps running.
var DefaultPodStartCommand = []string{"sleep", "3600"}

// PodStartConfig is one pod start-up benchmark's settings (the flags of
// `skiff bench pods`).
type PodStartConfig struct {
	// Client talks to the cluster under test.
	Client kubernetes.Interface
	// Namespace holds the pods. Empty means a generated one, created for
	// the run and deleted at its end; a named one is created if missing
	// and kept, and only the run's pods in it are deleted.
	Namespace string
	// Image and Command are each pod's one container. The image should
	// be present on the nodes already: the figure is start-up, not pulls.
	Image   string
	Command []string
	// Serial pods are created one at a time, each once the one before is
	// Running; Parallel pods are then created all at once. 0 skips that
	// phase.
	Serial, Parallel int
	// Node, if set, pins every pod to that node (spec.nodeName), leaving
	// the scheduler out of the figures.
	Node string
	// Timeout bounds the wait for one serial pod, for the whole parallel
	// batch, and for each phase's pods to be gone after their deletion.
	Timeout time.Duration
	// Logger reports progress; nil means slog.Default().
	Logger *slog.Logger
}

func (c PodStartConfig) withDefaults() (PodStartConfig, error) {
	if c.Client == nil {
		return c, errors.New("bench pods: no client")
	}
	if c.Serial < 0 || c.Parallel < 0 || c.Serial+c.Parallel == 0 {
		return c, fmt.Errorf("bench pods: serial (%d) and parallel (%d) must not be negative, and one must be positive", c.Serial, c.Parallel)
	}
	if c.Image == "" {
		c.Image = DefaultPodStartImage
	}
	if len(c.Command) == 0 {
		c.Command = DefaultPodStartCommand
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultPodStartTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
