package bench

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/client-go/kubernetes"
)

// The kinds the benchmark can create.
const (
	KindPod       = "pod"
	KindConfigMap = "configmap"
)

// DefaultWatchDuration is how long the watch phase writes unless told.
const DefaultWatchDuration = 10 * time.Second

// Config is one benchmark run's settings (the flags of `skiff bench api`).
type Config struct {
	// Client talks to the API server under test.
	Client kubernetes.Interface
	// Namespace holds the benchmark's objects; the run creates it.
	Namespace string
	// Kind is KindPod or KindConfigMap.
	Kind string
	// Objects is how many objects the create, get, update and delete
	// phases each handle.
	Objects int
	// Concurrency is how many requests are in flight at once.
	Concurrency int
	// WatchDuration is how long the watch phase writes.
	WatchDuration time.Duration
	// Watchers is how many watches the watch phase opens.
	Watchers int
	// ListRepeats is how many times each list phase lists everything.
	ListRepeats int
	// PageSize is the limit of the paged list phase.
	PageSize int64
	// Keep skips the delete phase and the clean-up, leaving the objects
	// in place (to measure a server that holds them).
	Keep bool
	// Logger reports progress; nil means slog.Default().
	Logger *slog.Logger
}

// withDefaults fills unset fields and rejects impossible ones.
func (c Config) withDefaults() (Config, error) {
	if c.Client == nil {
		return c, errors.New("bench: no client")
	}
	if c.Namespace == "" {
		c.Namespace = "skiff-bench"
	}
	if c.Kind == "" {
		c.Kind = KindPod
	}
	if c.Kind != KindPod && c.Kind != KindConfigMap {
		return c, fmt.Errorf("bench: unknown kind %q (want %s or %s)", c.Kind, KindPod, KindConfigMap)
	}
	if c.Objects < 1 || c.Concurrency < 1 {
		return c, fmt.Errorf("bench: objects (%d) and concurrency (%d) must be at least 1", c.Objects, c.Concurrency)
	}
	if c.WatchDuration <= 0 {
		c.WatchDuration = DefaultWatchDuration
	}
	c.Watchers = max(c.Watchers, 1)
	c.ListRepeats = max(c.ListRepeats, 1)
	if c.PageSize <= 0 {
		c.PageSize = 500
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
