package replicaset

import (
	"context"
	"errors"
	"log/slog"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/controller/podcontrol"
	"github.com/skiff/skiff/internal/controller/workloop"
)

// Config is what the controller needs; Informers is shared and started by
// the caller after New.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Recorder  record.EventRecorder
	Logger    *slog.Logger
	Clock     clock.PassiveClock
}

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
	if cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("replicaset: Client and Informers are required")
	}
	return newController(cfg, newRSKind(cfg.Client, cfg.Informers), "replicaset")
}

// NewReplicationManager returns the same controller for
// ReplicationControllers.
func NewReplicationManager(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("replicationcontroller: Client and Informers are required")
	}
	return newController(cfg, newRCKind(cfg.Client, cfg.Informers), "replicationcontroller")
}

func newController(cfg Config, k kind, name string) (*Controller, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Recorder == nil {
		cfg.Recorder = &record.FakeRecorder{}
	}
	pods := cfg.Informers.Core().V1().Pods()
	c := &Controller{
		client: cfg.Client, kind: k, pods: pods.Informer(), podList: pods.Lister(),
		recorder: cfg.Recorder, logger: cfg.Logger.With("controller", name), clock: cfg.Clock,
		exp: podcontrol.NewExpectations(cfg.Clock),
	}
	c.loop = workloop.New(name, c.sync, c.logger)
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
