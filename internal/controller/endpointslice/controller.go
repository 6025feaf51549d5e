// Package endpointslice keeps the EndpointSlices of every Service with a
// selector: at most 100 endpoints per slice, one slice set per address
// type and port mapping, each endpoint with its ready, serving and
// terminating conditions, labelled kubernetes.io/service-name and
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io
// and owned by the Service, so the garbage collector removes them with it.
package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff/skiff/internal/controller/endpoints"
	"github.com/skiff/skiff/internal/controller/workloop"
)

// Config is what the controller needs; Client and Informers are required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Logger    *slog.Logger
}

// Controller is the EndpointSlice controller.
type Controller struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	slices   discoverylisters.EndpointSliceLister
	synced   []cache.InformerSynced
	loop     *workloop.Loop

	// written remembers, per service, the resource version of each slice
	// this controller last wrote ("" for one it deleted), until the cache
	// shows it: a sync on an older cache would create duplicate slices.
	mu      sync.Mutex
	written map[string]map[string]write
}

// write is one slice write not yet seen in the cache.
type write struct {
	rv string // "" for a deletion
	at time.Time
}

// staleAfter is how long a write may stay unseen before the cache is
// trusted anyway (someone else may have deleted the slice meanwhile).
const staleAfter = 30 * time.Second

// New registers the controller's handlers on the shared informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("endpointslice controller: Client and Informers are required")
	}
	core := cfg.Informers.Core().V1()
	sliceInf := cfg.Informers.Discovery().V1().EndpointSlices()
	c := &Controller{
		client:   cfg.Client,
		services: core.Services().Lister(),
		pods:     core.Pods().Lister(),
		slices:   sliceInf.Lister(),
		synced: []cache.InformerSynced{core.Services().Informer().HasSynced,
			core.Pods().Informer().HasSynced, sliceInf.Informer().HasSynced},
		written: map[string]map[string]write{},
	}
	c.loop = workloop.New("endpointslice", c.sync, cfg.Logger)
	if err := endpoints.WatchServicesAndPods(cfg.Informers, c.services, c.loop.Enqueue, c.loop.Add); err != nil {
		return nil, fmt.Errorf("endpointslice controller: %w", err)
	}
	queueOwner := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if s, ok := obj.(*discoveryv1.EndpointSlice); ok && s.Labels[discoveryv1.LabelManagedBy] == managedBy {
			if name := s.Labels[discoveryv1.LabelServiceName]; name != "" {
				c.loop.Add(s.Namespace + "/" + name)
			}
		}
	}
	if _, err := sliceInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    queueOwner,
		UpdateFunc: func(_, obj any) { queueOwner(obj) },
		DeleteFunc: queueOwner,
	}); err != nil {
		return nil, fmt.Errorf("endpointslice controller: %w", err)
	}
	return c, nil
}

// Run syncs services until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.synced...)
}

var errStale = errors.New("endpoint slice cache is behind this controller's own writes")

// sync brings the slices of one service in line with its pods.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(key)
		return nil // the garbage collector deletes the owned slices
	}
	if err != nil {
		return fmt.Errorf("get service %s: %w", key, err)
	}
	if !endpoints.Managed(svc) {
		return nil
	}
	existing, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
		discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: managedBy}))
	if err != nil {
		return fmt.Errorf("list slices of %s: %w", key, err)
	}
	if !c.cacheCurrent(key, existing) {
		return fmt.Errorf("service %s: %w", key, errStale)
	}
	pods, err := endpoints.PodsFor(c.pods, svc)
	if err != nil {
		return fmt.Errorf("list pods of %s: %w", key, err)
	}
	return c.apply(ctx, key, reconcile(svc, existing, desiredGroups(svc, pods)))
}

func (c *Controller) apply(ctx context.Context, key string, ch changes) error {
	for _, s := range ch.delete {
		err := c.client.DiscoveryV1().EndpointSlices(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete endpoint slice %s/%s: %w", s.Namespace, s.Name, err)
		}
		c.remember(key, s.Name, "")
	}
	for _, s := range ch.update {
		out, err := c.client.DiscoveryV1().EndpointSlices(s.Namespace).Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("update endpoint slice %s/%s: %w", s.Namespace, s.Name, err)
		}
		c.remember(key, out.Name, out.ResourceVersion)
	}
	for _, s := range ch.create {
		out, err := c.client.DiscoveryV1().EndpointSlices(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create endpoint slice for %s: %w", key, err)
		}
		c.remember(key, out.Name, out.ResourceVersion)
	}
	return nil
}

func (c *Controller) remember(key, name, rv string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.written[key] == nil {
		c.written[key] = map[string]write{}
	}
	c.written[key][name] = write{rv: rv, at: time.Now()}
}

func (c *Controller) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.written, key)
}

// cacheCurrent reports whether the cached slices include every write this
// controller made for the service, and forgets the writes it has seen.
func (c *Controller) cacheCurrent(key string, cached []*discoveryv1.EndpointSlice) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.written[key]
	if len(w) == 0 {
		return true
	}
	byName := make(map[string]*discoveryv1.EndpointSlice, len(cached))
	for _, s := range cached {
		byName[s.Name] = s
	}
	for name, wr := range w {
		s, ok := byName[name]
		switch {
		case wr.rv == "" && !ok, wr.rv != "" && ok && atLeast(s.ResourceVersion, wr.rv), time.Since(wr.at) > staleAfter:
			delete(w, name)
		}
	}
	return len(w) == 0
}

// atLeast compares resource versions as the etcd revisions they are;
// anything unparsable counts as seen rather than blocking forever.
func atLeast(have, want string) bool {
	h, err1 := strconv.ParseUint(have, 10, 64)
	w, err2 := strconv.ParseUint(want, 10, 64)
	return err1 != nil || err2 != nil || h >= w
}
