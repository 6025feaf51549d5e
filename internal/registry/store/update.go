package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/storage"
)

// UpdateFunc computes the new object from the stored one (nil when there is
// none and the update may create). It gets its own copy and may change it.
type UpdateFunc func(ctx context.Context, current runtime.Object) (runtime.Object, error)

// UpdateOptions are the options of an update.
type UpdateOptions struct {
	DryRun       bool
	FieldManager string
	// Subresource is "" for the main resource, "status", or the name of
	// an action (binding, approval) whose server code computed the whole
	// object.
	Subresource string
	// CreateIfMissing turns an update of a missing object into a create
	// (server-side apply, and PUT for resources that allow it).
	CreateIfMissing  bool
	SkipFieldManager bool
}

// Update changes an object with optimistic concurrency: if the object
// returned by fn carries a resourceVersion, it must be the stored one (409
// otherwise); without one the update is unconditional and retried on races.
// It returns the result and whether the update created the object.
func (s *Store) Update(ctx context.Context, namespace, name string, fn UpdateFunc, opts UpdateOptions) (runtime.Object, bool, error) {
	key := s.key(namespace, name)
	// The first attempt starts from the watch cache's copy, saving a read
	// of etcd; the write is conditional on that copy's revision, so a stale
	// copy only costs a retry from etcd.
	fromCache := true
	for {
		kv, cur, err := s.current(ctx, key, fromCache)
		if err != nil && fromCache {
			fromCache = false
			continue
		}
		if errors.Is(err, storage.ErrNotFound) {
			if !opts.CreateIfMissing {
				return nil, false, apierrors.NewNotFound(s.gr, name)
			}
			obj, err := s.createFromUpdate(ctx, namespace, name, fn, opts)
			if apierrors.IsAlreadyExists(err) {
				continue // someone created it meanwhile: update that
			}
			return obj, err == nil, err
		}
		if err != nil {
			return nil, false, s.storageError(err, name)
		}
		out, err := s.tryUpdate(ctx, kv, cur, fn, opts, fromCache)
		if errors.Is(err, errRetry) || (err != nil && fromCache) {
			// The object changed under an unconditional update, or a
			// failure was decided on a cached copy that may be stale (a
			// conflict, a precondition, a check of the update function):
			// decide again on etcd's copy.
			fromCache = false
			continue
		}
		return out, false, err
	}
}

// current returns the stored object and its raw form, from the watch
// cache or from etcd.
func (s *Store) current(ctx context.Context, key string, fromCache bool) (storage.KV, runtime.Object, error) {
	if fromCache {
		obj, raw, _, err := s.cache.GetRaw(ctx, key, 0)
		if err != nil {
			return storage.KV{}, nil, err
		}
		cur := obj.DeepCopyObject() // cached objects are shared: never change them
		m, _ := meta.Accessor(cur)
		rev, err := parseRevision(m.GetResourceVersion())
		if err != nil {
			return storage.KV{}, nil, err
		}
		return storage.KV{Key: key, Value: raw, ModRevision: rev}, cur, nil
	}
	kv, err := s.backend.Get(ctx, key)
	if err != nil {
		return kv, nil, err
	}
	cur, err := s.decode(kv)
	if err != nil {
		return kv, nil, apierrors.NewInternalError(err)
	}
	return kv, cur, nil
}

// errRetry says the stored object changed under an unconditional update.
var errRetry = errors.New("retry update")

func (s *Store) tryUpdate(ctx context.Context, kv storage.KV, cur runtime.Object, fn UpdateFunc, opts UpdateOptions, fromCache bool) (runtime.Object, error) {
	obj, err := fn(ctx, cur.DeepCopyObject())
	if err != nil {
		return nil, err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	curMeta, _ := meta.Accessor(cur)
	if m.GetResourceVersion() == "" {
		// An unconditional update applies to whatever is stored now.
		m.SetResourceVersion(curMeta.GetResourceVersion())
	} else if rv := m.GetResourceVersion(); rv != curMeta.GetResourceVersion() {
		return nil, apierrors.NewConflict(s.gr, curMeta.GetName(), fmt.Errorf(registryConflictMessage))
	}
	if m.GetUID() != "" && m.GetUID() != curMeta.GetUID() {
		return nil, apierrors.NewConflict(s.gr, curMeta.GetName(),
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", m.GetUID(), curMeta.GetUID()))
	}
	if obj, err = s.prepareUpdate(obj, cur, opts); err != nil {
		return nil, err
	}
	m, _ = meta.Accessor(obj)
	if errs := s.validateUpdate(obj, cur, opts.Subresource); len(errs) > 0 {
		return nil, apierrors.NewInvalid(s.groupKind(), m.GetName(), errs)
	}
	data, err := s.encode(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if bytes.Equal(data, kv.Value) {
		if fromCache {
			// No write would check the cached copy's revision, so it may be
			// stale: an apply could then miss a newer manager's fields and
			// report success without a conflict. Decide on etcd's copy.
			return nil, errRetry
		}
		return cur, nil // nothing changed: no write, no new resourceVersion
	}
	if opts.DryRun {
		m.SetResourceVersion(curMeta.GetResourceVersion())
		return obj, nil
	}
	if s.finishedDeleting(m, obj) {
		return s.deleteNow(ctx, kv, obj)
	}
	undo, err := s.beforeUpdate(ctx, obj, cur)
	if err != nil {
		return nil, err
	}
	rev, _, err := s.backend.Update(ctx, kv.Key, data, kv.ModRevision)
	if err != nil && undo != nil {
		undo()
	}
	if errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound) {
		return nil, errRetry
	}
	if err != nil {
		return nil, s.storageError(err, m.GetName())
	}
	m.SetResourceVersion(formatRevision(rev))
	if s.hooks.AfterUpdate != nil {
		s.hooks.AfterUpdate(ctx, obj, cur)
	}
	return obj, nil
}

// prepareUpdate applies the rules every update follows: the server-owned
// metadata stays, status and spec move only through their own endpoints,
// the strategy defaults and prepares, and generation follows the spec.
func (s *Store) prepareUpdate(obj, cur runtime.Object, opts UpdateOptions) (runtime.Object, error) {
	switch opts.Subresource {
	case "status":
		obj = s.statusOnly(obj, cur)
	case "":
		if s.res.Status {
			copyStatus(obj, cur)
		}
	default:
		// An action subresource (binding, approval): the server computed
		// the whole object from the stored one.
	}
	m, _ := meta.Accessor(obj)
	curMeta, _ := meta.Accessor(cur)
	keepServerMeta(m, curMeta)
	s.res.Strategy.Default(obj)
	if !isAction(opts.Subresource) {
		s.res.Strategy.PrepareForUpdate(obj, cur)
	}
	if s.fields != nil && !opts.SkipFieldManager {
		var err error
		if obj, err = s.fields.Update(cur, obj, opts.FieldManager, opts.Subresource); err != nil {
			return nil, err
		}
		m, _ = meta.Accessor(obj)
	}
	// A strategy may bump generation itself (a Deployment's annotations
	// count as its spec); otherwise a spec change does.
	if m.GetGeneration() <= curMeta.GetGeneration() {
		m.SetGeneration(curMeta.GetGeneration())
		// A status write carries the stored spec by construction.
		if s.hasSpec && opts.Subresource != "status" && !specEqual(obj, cur) {
			m.SetGeneration(curMeta.GetGeneration() + 1)
		}
	} else {
		m.SetGeneration(curMeta.GetGeneration() + 1)
	}
	return obj, nil
}

// statusOnly keeps everything of the stored object but the status and the
// client's view of managed fields.
func (s *Store) statusOnly(obj, cur runtime.Object) runtime.Object {
	out := withStatusOf(obj, cur)
	m, _ := meta.Accessor(obj)
	om, _ := meta.Accessor(out)
	om.SetManagedFields(m.GetManagedFields())
	om.SetResourceVersion(m.GetResourceVersion())
	return out
}

// isAction reports whether an update comes from an action subresource
// whose server code computed the whole object.
func isAction(subresource string) bool { return subresource != "" && subresource != "status" }

// keepServerMeta restores what clients may not change on update.
func keepServerMeta(m, cur metav1.Object) {
	m.SetName(cur.GetName())
	m.SetNamespace(cur.GetNamespace())
	m.SetUID(cur.GetUID())
	m.SetCreationTimestamp(cur.GetCreationTimestamp())
	m.SetDeletionTimestamp(cur.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(cur.GetDeletionGracePeriodSeconds())
	m.SetSelfLink("")
	m.SetGeneration(cur.GetGeneration())
	if m.GetManagedFields() == nil {
		m.SetManagedFields(cur.GetManagedFields())
	}
}

func (s *Store) validateUpdate(obj, cur runtime.Object, subresource string) field.ErrorList {
	m, _ := meta.Accessor(obj)
	curMeta, _ := meta.Accessor(cur)
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(m, curMeta, field.NewPath("metadata"))
	errs = append(errs, apivalidation.ValidateObjectMetaAccessor(m, s.res.Namespaced, s.nameValidator(), field.NewPath("metadata"))...)
	switch {
	case subresource == "status":
		if v, ok := s.res.Strategy.(resource.StatusValidator); ok {
			return append(errs, v.ValidateStatusUpdate(obj, cur)...)
		}
	case isAction(subresource):
		// Actions (binding, finalize, approval) change what a client's
		// update may not; the object must still be valid.
		return append(errs, s.res.Strategy.Validate(obj)...)
	}
	return append(errs, s.res.Strategy.ValidateUpdate(obj, cur)...)
}

// finishedDeleting reports whether an update removed the last thing that
// held an object being deleted.
func (s *Store) finishedDeleting(m metav1.Object, obj runtime.Object) bool {
	if m.GetDeletionTimestamp() == nil || len(m.GetFinalizers()) > 0 {
		return false
	}
	return s.deleting == nil || !s.deleting.Pending(obj)
}

func (s *Store) beforeUpdate(ctx context.Context, obj, old runtime.Object) (func(), error) {
	if s.hooks.BeforeUpdate == nil {
		return nil, nil
	}
	return s.hooks.BeforeUpdate(ctx, obj, old)
}

// createFromUpdate creates an object through an update that found nothing.
func (s *Store) createFromUpdate(ctx context.Context, namespace, name string, fn UpdateFunc, opts UpdateOptions) (runtime.Object, error) {
	obj, err := fn(ctx, nil)
	if err != nil {
		return nil, err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if m.GetResourceVersion() != "" {
		return nil, apierrors.NewNotFound(s.gr, name)
	}
	m.SetName(name)
	m.SetNamespace(namespace)
	return s.Create(ctx, obj, CreateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager, SkipFieldManager: opts.SkipFieldManager})
}
