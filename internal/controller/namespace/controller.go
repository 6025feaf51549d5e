// Package namespace owns the end of a namespace's life: once a namespace is
// Terminating, it deletes every namespaced object in it (found through
// discovery, so custom resources go too), waits until nothing is left, and
// then removes the "kubernetes" finalizer through namespaces/finalize so the
// API server can remove the namespace itself.
package namespace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/controller/workloop"
)

// Config is what the controller needs; Client, Informers and Metadata are
// required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// Metadata lists and deletes objects of every namespaced resource.
	Metadata metadata.Interface
	// Discovery finds the namespaced resources; Client.Discovery() if nil.
	Discovery discovery.DiscoveryInterface
	Logger    *slog.Logger
	Clock     clock.WithTicker
	// Recheck is how long to wait before looking again at a namespace
	// whose content is still going away (pods in their grace period,
	// objects held by finalizers). Defaults to 2s.
	Recheck time.Duration
}

// Controller empties and finalizes Terminating namespaces.
type Controller struct {
	client     kubernetes.Interface
	metadata   metadata.Interface
	discovery  discovery.DiscoveryInterface
	namespaces corelisters.NamespaceLister
	synced     cache.InformerSynced
	loop       *workloop.Loop
	log        *slog.Logger
	clock      clock.WithTicker
	recheck    time.Duration
}

// New registers the namespace informer's handlers; the caller starts the
// informer factory after all controllers are built.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.Metadata == nil {
		return nil, errors.New("namespace controller: Client, Informers and Metadata are required")
	}
	if cfg.Discovery == nil {
		cfg.Discovery = cfg.Client.Discovery()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = 2 * time.Second
	}
	inf := cfg.Informers.Core().V1().Namespaces()
	c := &Controller{
		client:     cfg.Client,
		metadata:   cfg.Metadata,
		discovery:  cfg.Discovery,
		namespaces: inf.Lister(),
		synced:     inf.Informer().HasSynced,
		log:        cfg.Logger.With("controller", "namespace"),
		clock:      cfg.Clock,
		recheck:    cfg.Recheck,
	}
	c.loop = workloop.NewAfter("namespace", c.syncAfter, cfg.Logger,
		workloop.WithClock(cfg.Clock), workloop.WithBackoff(100*time.Millisecond, time.Minute))
	_, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("namespace controller: add handler: %w", err)
	}
	return c, nil
}

// enqueue queues namespaces that are being deleted; live ones need nothing.
func (c *Controller) enqueue(obj any) {
	ns, ok := obj.(*corev1.Namespace)
	if !ok || ns.DeletionTimestamp == nil {
		return
	}
	c.loop.Add(ns.Name)
}

// Run processes namespaces with the given number of workers until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.synced)
}

// syncAfter is sync for the loop: a namespace whose content is still going
// is looked at again after the recheck interval.
func (c *Controller) syncAfter(ctx context.Context, name string) (time.Duration, error) {
	again, err := c.sync(ctx, name)
	if again {
		return c.recheck, err
	}
	return 0, err
}
