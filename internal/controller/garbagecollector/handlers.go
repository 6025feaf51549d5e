package garbagecollector

import (
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// handlers turn informer events into work items. An added object is
// checked once (that covers a restart); an update only when its owners or
// its deletion changed, so pod status churn costs nothing; a deletion
// wakes the dependents that may now be orphans.
func (c *Controller) handlers(gvr schema.GroupVersionResource) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if m := asMeta(obj); m != nil {
				c.enqueueIfRelevant(gvr, m)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, cur := asMeta(oldObj), asMeta(newObj)
			if old == nil || cur == nil {
				return
			}
			if ownershipChanged(old, cur) {
				c.enqueueIfRelevant(gvr, cur)
				c.enqueueWaitingOwners(old)
			}
		},
		DeleteFunc: func(obj any) {
			m := asMeta(obj)
			if m == nil {
				return
			}
			for _, d := range c.dependentsOf(string(m.UID)) {
				c.queue.Add(d.item)
			}
			c.enqueueWaitingOwners(m)
		},
	}
}

// asMeta gives the collector's view of a cached object: metadata
// informers hold it already; for a typed informer's object it is a
// shallow copy of the object's metadata, shared with the cache and so
// read-only like everything cached.
func asMeta(obj any) *metav1.PartialObjectMetadata {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	switch o := obj.(type) {
	case *metav1.PartialObjectMetadata:
		return o
	case metav1.ObjectMetaAccessor:
		m, ok := o.GetObjectMeta().(*metav1.ObjectMeta)
		if !ok || m == nil {
			return nil
		}
		return &metav1.PartialObjectMetadata{ObjectMeta: *m}
	}
	return nil
}

func ownershipChanged(old, cur *metav1.PartialObjectMetadata) bool {
	return !equality.Semantic.DeepEqual(old.OwnerReferences, cur.OwnerReferences) ||
		(old.DeletionTimestamp == nil) != (cur.DeletionTimestamp == nil) ||
		!slices.Equal(old.Finalizers, cur.Finalizers)
}

func (c *Controller) enqueueIfRelevant(gvr schema.GroupVersionResource, m *metav1.PartialObjectMetadata) {
	if len(m.OwnerReferences) > 0 || hasGCFinalizer(m) {
		c.queue.Add(item{gvr: gvr, namespace: m.Namespace, name: m.Name})
	}
	c.enqueueWaitingOwners(m)
}

// enqueueWaitingOwners wakes the owners of m that wait, in foreground
// deletion, for their dependents to go.
func (c *Controller) enqueueWaitingOwners(m *metav1.PartialObjectMetadata) {
	for _, ref := range m.OwnerReferences {
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err != nil {
			continue
		}
		info, ok := c.kindInfo(gv.WithKind(ref.Kind).GroupKind())
		if !ok {
			continue
		}
		ns := m.Namespace
		if !info.namespaced {
			ns = ""
		}
		owner, ok := c.cached(info.gvr, ns, ref.Name)
		if ok && owner.UID == ref.UID && owner.DeletionTimestamp != nil && hasFinalizer(owner, metav1.FinalizerDeleteDependents) {
			c.queue.Add(item{gvr: info.gvr, namespace: ns, name: ref.Name})
		}
	}
}

func hasFinalizer(m *metav1.PartialObjectMetadata, f string) bool {
	return slices.Contains(m.Finalizers, f)
}

func hasGCFinalizer(m *metav1.PartialObjectMetadata) bool {
	return m.DeletionTimestamp != nil &&
		(hasFinalizer(m, metav1.FinalizerOrphanDependents) || hasFinalizer(m, metav1.FinalizerDeleteDependents))
}
