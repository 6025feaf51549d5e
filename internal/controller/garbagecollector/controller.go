// Package garbagecollector deletes objects whose owners are gone and carries
// out foreground and orphan deletion, for every resource that discovery
// lists (custom resources included).
//
// It keeps no graph of its own: informers for each resource (the shared
// typed ones for built-in resources, metadata informers for the rest), with
// an index from owner UID to dependents, answer "who owns this?" and "what does
// this own?" from the cache, so every decision is recomputed from current
// state (level-based) and survives a restart. A live GET confirms an owner is
// gone before anything is deleted, because caches of different resources lag
// each other.
package garbagecollector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Config is what the collector needs; Metadata and Discovery are required.
type Config struct {
	// Metadata reads, patches and deletes objects of any resource.
	Metadata metadata.Interface
	// MetadataInformers is shared with other users of metadata informers;
	// one is made from Metadata if nil. The collector adds its own index.
	MetadataInformers metadatainformer.SharedInformerFactory
	// Informers, if set, serves every resource it has a typed informer
	// for (the built-in ones), as kube-controller-manager's collector
	// does: the collector then shares the watch and cache the other
	// controllers already have instead of opening a second, metadata-only
	// one per resource. Other resources (custom ones) get metadata
	// informers.
	Informers informers.SharedInformerFactory
	Discovery discovery.DiscoveryInterface
	Logger    *slog.Logger
	Clock     clock.WithTicker
	// DiscoveryPeriod is how often discovery is read again to watch newly
	// added resources (custom resources). Defaults to 30s.
	DiscoveryPeriod time.Duration
}

// item names one object of one resource.
type item struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
}

func (i item) String() string {
	return fmt.Sprintf("%s %s/%s", i.gvr.GroupResource(), i.namespace, i.name)
}

// Controller is the garbage collector.
type Controller struct {
	metadata  metadata.Interface
	factory   metadatainformer.SharedInformerFactory
	typed     informers.SharedInformerFactory // nil: metadata informers only
	discovery discovery.DiscoveryInterface
	log       *slog.Logger
	clock     clock.WithTicker
	period    time.Duration
	queue     workqueue.TypedRateLimitingInterface[item]

	mu        sync.RWMutex
	kinds     map[schema.GroupKind]resourceInfo // owner kind -> resource
	informers map[schema.GroupVersionResource]informers.GenericInformer
	absent    map[types.UID]struct{} // owners confirmed gone by a live GET
}

// New checks the config; informers are made in Run once discovery has
// answered.
func New(cfg Config) (*Controller, error) {
	if cfg.Metadata == nil || cfg.Discovery == nil {
		return nil, errors.New("garbage collector: Metadata and Discovery are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.DiscoveryPeriod <= 0 {
		cfg.DiscoveryPeriod = 30 * time.Second
	}
	if cfg.MetadataInformers == nil {
		cfg.MetadataInformers = metadatainformer.NewSharedInformerFactory(cfg.Metadata, 0)
	}
	return &Controller{
		metadata:  cfg.Metadata,
		factory:   cfg.MetadataInformers,
		typed:     cfg.Informers,
		discovery: cfg.Discovery,
		log:       cfg.Logger.With("controller", "garbagecollector"),
		clock:     cfg.Clock,
		period:    cfg.DiscoveryPeriod,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[item](50*time.Millisecond, time.Minute),
			workqueue.TypedRateLimitingQueueConfig[item]{Name: "garbagecollector", Clock: cfg.Clock}),
		kinds:     map[schema.GroupKind]resourceInfo{},
		informers: map[schema.GroupVersionResource]informers.GenericInformer{},
		absent:    map[types.UID]struct{}{},
	}, nil
}

// Run watches every deletable resource and collects garbage until ctx
// ends. It starts workers only once the first set of caches has synced, so
// no owner is taken for gone because its cache was still empty.
func (c *Controller) Run(ctx context.Context, workers int) error {
	defer c.queue.ShutDown()
	if err := c.resync(ctx); err != nil {
		c.log.Warn("discovery incomplete", "err", err)
	}
	if err := c.waitForSync(ctx); err != nil {
		return err
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
	c.rediscover(ctx)
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

// rediscover reads discovery again every period until ctx ends.
func (c *Controller) rediscover(ctx context.Context) {
	ticker := c.clock.NewTicker(c.period)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
			if err := c.resync(ctx); err != nil {
				c.log.Warn("discovery incomplete", "err", err)
			}
		}
	}
}

func (c *Controller) processNext(ctx context.Context) bool {
	it, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(it)
	if err := c.sync(ctx, it); err != nil {
		c.log.Warn("garbage collection", "object", it.String(), "err", err)
		c.queue.AddRateLimited(it)
		return true
	}
	c.queue.Forget(it)
	return true
}
