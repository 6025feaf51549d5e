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
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
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
	queue      workqueue.TypedRateLimitingInterface[string]
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
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](100*time.Millisecond, time.Minute),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "namespace", Clock: cfg.Clock}),
	}
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
	c.queue.Add(ns.Name)
}

// Run processes namespaces with the given number of workers until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return fmt.Errorf("namespace controller: caches did not sync: %w", ctx.Err())
	}
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	again, err := c.sync(ctx, key)
	switch {
	case err != nil:
		c.log.Warn("sync namespace", "namespace", key, "err", err)
		c.queue.AddRateLimited(key)
	case again:
		c.queue.Forget(key)
		c.queue.AddAfter(key, c.recheck)
	default:
		c.queue.Forget(key)
	}
	return true
}
