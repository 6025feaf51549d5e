package garbagecollector

import (
	"context"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// resourceInfo is where objects of one kind live.
type resourceInfo struct {
	gvr        schema.GroupVersionResource
	namespaced bool
}

// ignored resources are never owners or dependents worth watching: events
// are many, short-lived and cleaned up by their TTL.
var ignored = map[schema.GroupResource]bool{
	{Resource: "events"}:                         true,
	{Group: "events.k8s.io", Resource: "events"}: true,
}

// deletable reports whether the collector can watch and delete a resource.
func deletable(gv schema.GroupVersion, r metav1.APIResource) bool {
	if strings.Contains(r.Name, "/") || ignored[gv.WithResource(r.Name).GroupResource()] {
		return false
	}
	for _, v := range []string{"list", "watch", "delete", "patch"} {
		if !slices.Contains(r.Verbs, v) {
			return false
		}
	}
	return true
}

// resync reads discovery and watches every deletable resource not yet
// watched. Resources that disappear keep their (idle) informer: removing
// it would race with workers reading it, and a deleted CRD's informer
// holds nothing.
func (c *Controller) resync(ctx context.Context) error {
	lists, err := discovery.ServerPreferredResources(c.discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return fmt.Errorf("discover resources: %w", err)
	}
	kinds := map[schema.GroupKind]resourceInfo{}
	for _, list := range lists {
		gv, perr := schema.ParseGroupVersion(list.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range list.APIResources {
			if deletable(gv, r) {
				kinds[gv.WithKind(r.Kind).GroupKind()] = resourceInfo{gvr: gv.WithResource(r.Name), namespaced: r.Namespaced}
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for gk, info := range kinds {
		c.kinds[gk] = info
		if _, ok := c.informers[info.gvr]; !ok {
			if werr := c.watchLocked(info.gvr); werr != nil {
				return werr
			}
		}
	}
	c.factory.Start(ctx.Done())
	if c.typed != nil {
		// Starts only the informers this made; the others run already.
		c.typed.Start(ctx.Done())
	}
	return err
}

// ownerIndex indexes objects by the UIDs of their owners.
const ownerIndex = "skiff.garbagecollector/owner-uid"

func indexByOwner(obj any) ([]string, error) {
	m := asMeta(obj)
	if m == nil {
		return nil, nil
	}
	uids := make([]string, 0, len(m.OwnerReferences))
	for _, ref := range m.OwnerReferences {
		uids = append(uids, string(ref.UID))
	}
	return uids, nil
}

func (c *Controller) watchLocked(gvr schema.GroupVersionResource) error {
	var gi informers.GenericInformer
	if c.typed != nil {
		gi, _ = c.typed.ForResource(gvr) // an error: no typed informer for gvr
	}
	if gi == nil {
		gi = c.factory.ForResource(gvr)
	}
	inf := gi.Informer()
	if _, ok := inf.GetIndexer().GetIndexers()[ownerIndex]; !ok {
		if err := inf.AddIndexers(cache.Indexers{ownerIndex: indexByOwner}); err != nil {
			return fmt.Errorf("index %s by owner: %w", gvr.GroupResource(), err)
		}
	}
	if _, err := inf.AddEventHandler(c.handlers(gvr)); err != nil {
		return fmt.Errorf("watch %s: %w", gvr.GroupResource(), err)
	}
	c.informers[gvr] = gi
	return nil
}

// waitForSync waits for every informer made so far.
func (c *Controller) waitForSync(ctx context.Context) error {
	c.mu.RLock()
	synced := make([]cache.InformerSynced, 0, len(c.informers))
	for _, gi := range c.informers {
		synced = append(synced, gi.Informer().HasSynced)
	}
	c.mu.RUnlock()
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return fmt.Errorf("garbage collector: caches did not sync: %w", ctx.Err())
	}
	return nil
}

// kindInfo finds the resource of an owner reference's kind.
func (c *Controller) kindInfo(gk schema.GroupKind) (resourceInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	info, ok := c.kinds[gk]
	return info, ok
}

// cached returns an object from its resource's informer.
func (c *Controller) cached(gvr schema.GroupVersionResource, namespace, name string) (*metav1.PartialObjectMetadata, bool) {
	c.mu.RLock()
	gi, ok := c.informers[gvr]
	c.mu.RUnlock()
	if !ok {
		return nil, false
	}
	key := name
	if namespace != "" {
		key = namespace + "/" + name
	}
	obj, exists, err := gi.Informer().GetIndexer().GetByKey(key)
	if err != nil || !exists {
		return nil, false
	}
	m := asMeta(obj)
	return m, m != nil
}

// dependent is one object that names an owner.
type dependent struct {
	item item
	meta *metav1.PartialObjectMetadata
}

// dependentsOf lists, from the caches, every object that names uid as an
// owner.
func (c *Controller) dependentsOf(uid string) []dependent {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []dependent
	for gvr, gi := range c.informers {
		objs, err := gi.Informer().GetIndexer().ByIndex(ownerIndex, uid)
		if err != nil {
			continue
		}
		for _, obj := range objs {
			if m := asMeta(obj); m != nil {
				out = append(out, dependent{item: item{gvr: gvr, namespace: m.Namespace, name: m.Name}, meta: m})
			}
		}
	}
	return out
}
