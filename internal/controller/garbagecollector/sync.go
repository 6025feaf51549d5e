package garbagecollector

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// sync looks at one object: as an owner being deleted with the orphan or
// foreground finalizer, or as a dependent whose owners may be gone.
func (c *Controller) sync(ctx context.Context, it item) error {
	m, ok := c.cached(it.gvr, it.namespace, it.name)
	if !ok {
		return nil
	}
	if m.DeletionTimestamp != nil {
		switch {
		case hasFinalizer(m, metav1.FinalizerOrphanDependents):
			return c.orphan(ctx, it, m)
		case hasFinalizer(m, metav1.FinalizerDeleteDependents):
			return c.foreground(ctx, it, m)
		}
		return nil // already going away
	}
	if len(m.OwnerReferences) == 0 {
		return nil
	}
	return c.collect(ctx, it, m)
}

// collect deletes or releases a dependent according to its owners.
func (c *Controller) collect(ctx context.Context, it item, m *metav1.PartialObjectMetadata) error {
	states := make([]ownerState, len(m.OwnerReferences))
	for i, ref := range m.OwnerReferences {
		s, err := c.ownerState(ctx, m.Namespace, ref)
		if err != nil {
			return err
		}
		states[i] = s
	}
	p := decide(m.OwnerReferences, states, len(c.dependentsOf(string(m.UID))) > 0)
	switch {
	case p.patch:
		return c.patchOwners(ctx, it, m, p.keep)
	case p.deleteWith != "":
		return c.delete(ctx, it, m, p.deleteWith)
	}
	return nil
}

// ownerState finds out whether an owner exists: from the cache when it
// agrees with the reference, from the API server when it does not.
func (c *Controller) ownerState(ctx context.Context, namespace string, ref metav1.OwnerReference) (ownerState, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return ownerSolid, fmt.Errorf("owner %s: %w", ref.Name, err)
	}
	info, ok := c.kindInfo(gv.WithKind(ref.Kind).GroupKind())
	if !ok {
		// Maybe a resource discovery has not shown yet: retry later
		// rather than take the owner for gone.
		return ownerSolid, fmt.Errorf("owner %s: unknown kind %s", ref.Name, gv.WithKind(ref.Kind))
	}
	if !info.namespaced {
		namespace = ""
	}
	if c.isAbsent(ref.UID) {
		return ownerDangling, nil
	}
	if owner, ok := c.cached(info.gvr, namespace, ref.Name); ok && owner.UID == ref.UID {
		return stateOf(owner), nil
	}
	live, err := c.metadata.Resource(info.gvr).Namespace(namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		c.markAbsent(ref.UID)
		return ownerDangling, nil
	case err != nil:
		return ownerSolid, fmt.Errorf("get owner %s %s: %w", info.gvr.GroupResource(), ref.Name, err)
	case live.UID != ref.UID:
		c.markAbsent(ref.UID)
		return ownerDangling, nil
	}
	return stateOf(live), nil
}

func stateOf(owner *metav1.PartialObjectMetadata) ownerState {
	if owner.DeletionTimestamp != nil && hasFinalizer(owner, metav1.FinalizerDeleteDependents) {
		return ownerWaiting
	}
	return ownerSolid
}

// absentLimit bounds the memory of owners known to be gone; UIDs are
// never reused, so forgetting them only costs a GET.
const absentLimit = 100000

func (c *Controller) isAbsent(uid types.UID) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.absent[uid]
	return ok
}

func (c *Controller) markAbsent(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.absent) >= absentLimit {
		c.absent = map[types.UID]struct{}{}
	}
	c.absent[uid] = struct{}{}
}

// foreground deletes the dependents of an owner in foreground deletion and
// removes its finalizer once no dependent blocks it any more.
func (c *Controller) foreground(ctx context.Context, it item, owner *metav1.PartialObjectMetadata) error {
	blocking := 0
	for _, d := range c.dependentsOf(string(owner.UID)) {
		if blocks(d.meta, string(owner.UID)) {
			blocking++
		}
		if d.meta.DeletionTimestamp == nil {
			c.queue.Add(d.item) // its collect sees this owner waiting
		}
	}
	if blocking > 0 {
		return nil // their deletion events bring the owner back here
	}
	return c.removeFinalizer(ctx, it, owner, metav1.FinalizerDeleteDependents)
}

// orphan releases every dependent of an owner and then lets the owner go.
func (c *Controller) orphan(ctx context.Context, it item, owner *metav1.PartialObjectMetadata) error {
	var errs []error
	for _, d := range c.dependentsOf(string(owner.UID)) {
		if err := c.patchOwners(ctx, d.item, d.meta, without(d.meta.OwnerReferences, string(owner.UID))); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return utilerrors.NewAggregate(errs)
	}
	return c.removeFinalizer(ctx, it, owner, metav1.FinalizerOrphanDependents)
}

func (c *Controller) delete(ctx context.Context, it item, m *metav1.PartialObjectMetadata, policy metav1.DeletionPropagation) error {
	uid := m.UID
	opts := metav1.DeleteOptions{PropagationPolicy: &policy, Preconditions: &metav1.Preconditions{UID: &uid}}
	err := c.metadata.Resource(it.gvr).Namespace(it.namespace).Delete(ctx, it.name, opts)
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone already, or replaced by a new object
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", it, err)
	}
	c.log.Info("deleted object whose owners are gone", "object", it.String(), "propagation", policy)
	return nil
}

// metaPatch is a JSON merge patch of metadata; the UID and resource
// version make it fail rather than change a newer or another object.
type metaPatch struct {
	Metadata struct {
		UID             types.UID                `json:"uid"`
		ResourceVersion string                   `json:"resourceVersion"`
		OwnerReferences *[]metav1.OwnerReference `json:"ownerReferences,omitempty"`
		Finalizers      *[]string                `json:"finalizers,omitempty"`
	} `json:"metadata"`
}

func (c *Controller) patchOwners(ctx context.Context, it item, m *metav1.PartialObjectMetadata, keep []metav1.OwnerReference) error {
	var p metaPatch
	p.Metadata.UID, p.Metadata.ResourceVersion = m.UID, m.ResourceVersion
	if keep == nil {
		keep = []metav1.OwnerReference{}
	}
	p.Metadata.OwnerReferences = &keep
	return c.patch(ctx, it, p)
}

func (c *Controller) removeFinalizer(ctx context.Context, it item, m *metav1.PartialObjectMetadata, f string) error {
	var p metaPatch
	p.Metadata.UID, p.Metadata.ResourceVersion = m.UID, m.ResourceVersion
	rest := []string{}
	for _, x := range m.Finalizers {
		if x != f {
			rest = append(rest, x)
		}
	}
	p.Metadata.Finalizers = &rest
	return c.patch(ctx, it, p)
}

func (c *Controller) patch(ctx context.Context, it item, p metaPatch) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("patch %s: %w", it, err)
	}
	_, err = c.metadata.Resource(it.gvr).Namespace(it.namespace).Patch(ctx, it.name, types.MergePatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("patch %s: %w", it, err)
	}
	return nil
}
