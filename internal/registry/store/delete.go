package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/skiff/skiff/internal/storage"
)

// Finalizers the garbage collector acts on, set from a delete's
// propagationPolicy.
const (
	FinalizerOrphan     = metav1.FinalizerOrphanDependents
	FinalizerForeground = metav1.FinalizerDeleteDependents
)

// Delete removes an object, or starts its deletion when finalizers or a
// grace period hold it. It returns the object and whether it is gone.
func (s *Store) Delete(ctx context.Context, namespace, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	key := s.key(namespace, name)
	for {
		kv, err := s.backend.Get(ctx, key)
		if err != nil {
			return nil, false, s.storageError(err, name)
		}
		cur, err := s.decode(kv)
		if err != nil {
			return nil, false, apierrors.NewInternalError(err)
		}
		out, gone, err := s.tryDelete(ctx, kv, cur, opts)
		if errors.Is(err, errRetry) {
			continue
		}
		return out, gone, err
	}
}

func (s *Store) tryDelete(ctx context.Context, kv storage.KV, cur runtime.Object, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	m, _ := meta.Accessor(cur)
	if err := s.checkPreconditions(m, opts.Preconditions); err != nil {
		return nil, false, err
	}
	obj := cur.DeepCopyObject()
	om, _ := meta.Accessor(obj)
	changed := setPropagationFinalizers(om, opts.PropagationPolicy)
	pending := false
	if s.deleting != nil {
		pending = s.deleting.PrepareDelete(obj, opts)
	}
	if len(om.GetFinalizers()) == 0 && !pending {
		if len(opts.DryRun) > 0 {
			return cur, true, nil
		}
		return s.deleteNowGone(ctx, kv, cur)
	}
	if om.GetDeletionTimestamp() == nil {
		grace := int64(0)
		if g := om.GetDeletionGracePeriodSeconds(); g != nil {
			grace = *g
		} else {
			om.SetDeletionGracePeriodSeconds(&grace)
		}
		ts := metav1.NewTime(time.Now().Add(time.Duration(grace) * time.Second))
		om.SetDeletionTimestamp(&ts)
		changed = true
	} else if !changed && !pending {
		return cur, false, nil // already being deleted
	}
	if len(opts.DryRun) > 0 {
		return obj, false, nil
	}
	data, err := s.encode(obj)
	if err != nil {
		return nil, false, apierrors.NewInternalError(err)
	}
	rev, _, err := s.backend.Update(ctx, kv.Key, data, kv.ModRevision)
	if errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound) {
		return nil, false, errRetry
	}
	if err != nil {
		return nil, false, s.storageError(err, om.GetName())
	}
	om.SetResourceVersion(formatRevision(rev))
	return obj, false, nil
}

func (s *Store) deleteNowGone(ctx context.Context, kv storage.KV, cur runtime.Object) (runtime.Object, bool, error) {
	out, err := s.deleteNow(ctx, kv, cur)
	return out, err == nil, err
}

// deleteNow removes the stored object if it is still at kv's revision.
func (s *Store) deleteNow(ctx context.Context, kv storage.KV, obj runtime.Object) (runtime.Object, error) {
	_, _, err := s.backend.Delete(ctx, kv.Key, kv.ModRevision)
	if errors.Is(err, storage.ErrConflict) {
		return nil, errRetry
	}
	if err != nil {
		m, _ := meta.Accessor(obj)
		return nil, s.storageError(err, m.GetName())
	}
	if s.hooks.AfterDelete != nil {
		s.hooks.AfterDelete(ctx, obj)
	}
	return obj, nil
}

func (s *Store) checkPreconditions(m metav1.Object, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	if p.UID != nil && *p.UID != m.GetUID() {
		return apierrors.NewConflict(s.gr, m.GetName(),
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, m.GetUID()))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
		return apierrors.NewConflict(s.gr, m.GetName(),
			fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, m.GetResourceVersion()))
	}
	return nil
}

// setPropagationFinalizers adds the garbage collector's finalizer for an
// orphan or foreground deletion and reports whether the list changed.
func setPropagationFinalizers(m metav1.Object, policy *metav1.DeletionPropagation) bool {
	if policy == nil {
		return false
	}
	fins := sets.New(m.GetFinalizers()...)
	before := fins.Len()
	switch *policy {
	case metav1.DeletePropagationOrphan:
		fins.Insert(FinalizerOrphan)
		fins.Delete(FinalizerForeground)
	case metav1.DeletePropagationForeground:
		fins.Insert(FinalizerForeground)
		fins.Delete(FinalizerOrphan)
	case metav1.DeletePropagationBackground:
		fins.Delete(FinalizerOrphan, FinalizerForeground)
	}
	if fins.Len() == before && fins.HasAll(m.GetFinalizers()...) {
		return false
	}
	out := make([]string, 0, fins.Len())
	for _, f := range m.GetFinalizers() {
		if fins.Has(f) {
			out = append(out, f)
			fins.Delete(f)
		}
	}
	m.SetFinalizers(append(out, sets.List(fins)...))
	return true
}

// DeleteCollection deletes every selected object of a namespace (or of all
// namespaces) and returns the list of what it deleted or started deleting.
func (s *Store) DeleteCollection(ctx context.Context, namespace string, opts *metav1.DeleteOptions, listOpts metav1.ListOptions) (runtime.Object, error) {
	listOpts.Limit, listOpts.Continue, listOpts.ResourceVersion = 0, "", ""
	list, err := s.List(ctx, namespace, listOpts)
	if err != nil {
		return nil, err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	deleted := make([]runtime.Object, 0, len(items))
	for _, item := range items {
		m, _ := meta.Accessor(item)
		out, _, err := s.Delete(ctx, m.GetNamespace(), m.GetName(), opts)
		if apierrors.IsNotFound(err) {
			continue // deleted by someone else meanwhile
		}
		if err != nil {
			return nil, err
		}
		deleted = append(deleted, out)
	}
	return s.listObject(deleted, 0, "")
}
