package replicaset

import (
	"context"
	"log/slog"

	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/controller/podcontrol"
	"github.com/skiff/skiff/internal/controller/workloop"
)

// Config is what the controller needs; Client and Informers are required.
type Config = podcontrol.Config

// Controller converges ReplicaSets (or ReplicationControllers).
type Controller struct {
	client   kubernetes.Interface
	kind     kind
	pods     cache.SharedIndexInformer
	podList  corelisters.PodLister
	recorder record.EventRecorder
	logger   *slog.Logger
	clock    clock.PassiveClock
	exp      *podcontrol.Expectations
	loop     *workloop.Loop
}

// New returns the ReplicaSet controller.
func New(cfg Config) (*Controller, error) {
	return newController(cfg, "replicaset", func(cfg Config) kind { return newRSKind(cfg.Client, cfg.Informers) })
}

// NewReplicationManager returns the same controller for
// ReplicationControllers.
func NewReplicationManager(cfg Config) (*Controller, error) {
	return newController(cfg, "replicationcontroller", func(cfg Config) kind { return newRCKind(cfg.Client, cfg.Informers) })
}

func newController(cfg Config, name string, newKind func(Config) kind) (*Controller, error) {
	cfg, err := cfg.WithDefaults(name)
	if err != nil {
		return nil, err
	}
	pods := cfg.Informers.Core().V1().Pods()
	c := &Controller{
		client: cfg.Client, kind: newKind(cfg), pods: pods.Informer(), podList: pods.Lister(),
		recorder: cfg.Recorder, logger: cfg.Logger.With("controller", name), clock: cfg.Clock,
		exp: podcontrol.NewExpectations(cfg.Clock),
	}
	c.loop = workloop.New(name, c.sync, cfg.Logger, workloop.WithMinInterval(cfg.SyncInterval))
	if err := podcontrol.AddControllerIndex(c.pods); err != nil {
		return nil, err
	}
	if err := c.register(); err != nil {
		return nil, err
	}
	return c, nil
}

// Run syncs owners with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.kind.informer().HasSynced, c.pods.HasSynced)
}
