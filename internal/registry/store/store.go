// Package store is the one generic object store behind every API resource:
// it turns API verbs (get, list, watch, create, update, delete) into storage
// operations, applying the resource's strategy (defaults, validation, status
// rules) and the metadata rules every object shares (uid, timestamps,
// generation, resourceVersion, finalizers, graceful deletion).
//
// It speaks in typed objects and Kubernetes API errors
// (k8s.io/apimachinery/pkg/api/errors); HTTP, content types, patches and
// tables are the apiserver's business.
package store

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/storage"
	"github.com/skiff/skiff/internal/watchcache"
)

// NamespaceChecker tells whether an object may be created in a namespace.
// It returns a NotFound error for a missing namespace and a Forbidden one
// (naming the object being created) for a Terminating namespace.
type NamespaceChecker interface {
	CheckCreate(ctx context.Context, namespace string, gr schema.GroupResource, name string) error
}

// Hooks run around writes of one resource for side effects the strategy
// cannot have, such as allocating a Service's cluster IP. Each may be nil.
type Hooks struct {
	// Admit runs on create, dry runs included, after defaults and the
	// field manager and before validation, as mutating admission does in
	// Kubernetes: it may change the object (what it adds belongs to no
	// field manager) or refuse it with an API error.
	Admit func(ctx context.Context, obj runtime.Object) error
	// BeforeCreate runs after validation and before the write. If the write
	// fails, undo (when non-nil) is called to give back what was taken.
	BeforeCreate func(ctx context.Context, obj runtime.Object) (undo func(), err error)
	// BeforeUpdate is the same for updates.
	BeforeUpdate func(ctx context.Context, obj, old runtime.Object) (undo func(), err error)
	// AfterUpdate runs once an update is stored.
	AfterUpdate func(ctx context.Context, obj, old runtime.Object)
	// AfterDelete runs once the object is gone from storage.
	AfterDelete func(ctx context.Context, obj runtime.Object)
}

// DeletePolicy decides deletions that take time, such as a pod's graceful
// termination or a namespace's finalization.
type DeletePolicy interface {
	// PrepareDelete sets the fields of an object about to get its
	// deletionTimestamp (grace period, phase) and reports whether it must
	// stay in storage until something else finishes the deletion.
	PrepareDelete(obj runtime.Object, opts *metav1.DeleteOptions) (pending bool)
	// Pending reports whether an object being deleted must still stay.
	Pending(obj runtime.Object) bool
}

// FieldManager records managedFields for a write by a named manager to the
// main resource ("") or a subresource ("status").
type FieldManager interface {
	Update(live, obj runtime.Object, manager, subresource string) (runtime.Object, error)
}

// Config assembles a Store.
type Config struct {
	Resource resource.Resource
	Backend  storage.Backend
	// Codec encodes objects for storage and decodes them back.
	Codec      runtime.Codec
	Namespaces NamespaceChecker
	Hooks      Hooks
	Delete     DeletePolicy
	Fields     FieldManager
	// KeyPrefix overrides where objects live ("/registry/<group>/<resource>/"
	// by default); two resources sharing a prefix share objects.
	KeyPrefix string
	Logger    *slog.Logger
}

// Store serves one resource.
type Store struct {
	res      resource.Resource
	gr       schema.GroupResource
	backend  storage.Backend
	codec    runtime.Codec
	prefix   string
	cache    *watchcache.Cache
	ns       NamespaceChecker
	hooks    Hooks
	deleting DeletePolicy
	fields   FieldManager
	log      *slog.Logger
	// hasSpec is true when the kind has a Spec field: such objects get
	// metadata.generation.
	hasSpec bool
	// fieldLabels are the field selectors the resource supports.
	fieldLabels map[string]bool
}

// New builds a Store. Run must be called before it serves reads.
func New(cfg Config) (*Store, error) {
	if cfg.Backend == nil || cfg.Codec == nil || cfg.Resource.Strategy == nil || cfg.Resource.New == nil {
		return nil, fmt.Errorf("store %s: backend, codec, strategy and New are required", cfg.Resource.GVR)
	}
	prefix := cfg.KeyPrefix
	if prefix == "" {
		group := cfg.Resource.GVR.Group
		if group == "" {
			group = "core"
		}
		prefix = "/registry/" + group + "/" + cfg.Resource.GVR.Resource + "/"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Store{
		res:      cfg.Resource,
		gr:       cfg.Resource.GVR.GroupResource(),
		backend:  cfg.Backend,
		codec:    cfg.Codec,
		prefix:   prefix,
		ns:       cfg.Namespaces,
		hooks:    cfg.Hooks,
		deleting: cfg.Delete,
		fields:   cfg.Fields,
		log:      log.With("resource", cfg.Resource.GVR.String()),
		hasSpec:  hasField(cfg.Resource.New(), "Spec"),
	}
	s.fieldLabels = map[string]bool{"metadata.name": true}
	if cfg.Resource.Namespaced {
		s.fieldLabels["metadata.namespace"] = true
	}
	for k := range cfg.Resource.Strategy.Fields(cfg.Resource.New()) {
		s.fieldLabels[k] = true
	}
	cache, err := watchcache.New(watchcache.Config{
		Backend: cfg.Backend,
		Prefix:  prefix,
		Decode:  s.decode,
		Logger:  s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", cfg.Resource.GVR, err)
	}
	s.cache = cache
	return s, nil
}

// Resource returns the resource this store serves.
func (s *Store) Resource() resource.Resource { return s.res }

// Run keeps the store's watch cache filled until ctx ends.
func (s *Store) Run(ctx context.Context) error { return s.cache.Run(ctx) }

// Ready waits for the watch cache's first list.
func (s *Store) Ready(ctx context.Context) error { return s.cache.Ready(ctx) }

// key returns the storage key of an object; namespace is ignored for
// cluster-scoped resources.
func (s *Store) key(namespace, name string) string {
	if s.res.Namespaced {
		return s.prefix + namespace + "/" + name
	}
	return s.prefix + name
}

// listPrefix is the key prefix of a list: one namespace or all.
func (s *Store) listPrefix(namespace string) string {
	if s.res.Namespaced && namespace != "" {
		return s.prefix + namespace + "/"
	}
	return s.prefix
}

// decode turns a stored value into an object with its resourceVersion.
func (s *Store) decode(kv storage.KV) (runtime.Object, error) {
	obj, _, err := s.codec.Decode(kv.Value, nil, s.res.New())
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", kv.Key, err)
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", kv.Key, err)
	}
	m.SetResourceVersion(fmt.Sprint(kv.ModRevision))
	return obj, nil
}

// encode serialises an object for storage; resourceVersion is never stored.
func (s *Store) encode(obj runtime.Object) ([]byte, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	rv := m.GetResourceVersion()
	m.SetResourceVersion("")
	defer m.SetResourceVersion(rv)
	e := encoders.Get().(*encodeBuffer)
	defer encoders.Put(e)
	e.buf.Reset()
	if ea, ok := s.codec.(runtime.EncoderWithAllocator); ok {
		err = ea.EncodeWithAllocator(obj, &e.buf, &e.alloc)
	} else {
		err = s.codec.Encode(obj, &e.buf)
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", s.gr, err)
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// encodeBuffer is scratch space for one encoding. Every write encodes its
// object at least once; reusing the buffers leaves one allocation of the
// right size per encoding instead of three growing ones.
type encodeBuffer struct {
	buf   bytes.Buffer
	alloc runtime.Allocator
}

var encoders = sync.Pool{New: func() any { return new(encodeBuffer) }}

// storageError turns a storage failure into the API error a client sees.
func (s *Store) storageError(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case isAPIError(err):
		return err
	case errorsIs(err, storage.ErrNotFound):
		return apierrors.NewNotFound(s.gr, name)
	case errorsIs(err, storage.ErrExists):
		return apierrors.NewAlreadyExists(s.gr, name)
	case errorsIs(err, storage.ErrConflict):
		return apierrors.NewConflict(s.gr, name, fmt.Errorf(registryConflictMessage))
	case errorsIs(err, storage.ErrCompacted), errorsIs(err, watchcache.ErrTooOld):
		return apierrors.NewResourceExpired("too old resource version")
	case errorsIs(err, watchcache.ErrStopped):
		return apierrors.NewServiceUnavailable("the server is shutting down")
	case errorsIs(err, context.Canceled), errorsIs(err, context.DeadlineExceeded):
		return apierrors.NewTimeoutError(fmt.Sprintf("request for %s did not complete in time", s.gr), 1)
	}
	s.log.Error("storage failure", "name", name, "err", err)
	return apierrors.NewInternalError(err)
}

const registryConflictMessage = "the object has been modified; please apply your changes to the latest version and try again"

func (s *Store) groupKind() schema.GroupKind {
	return schema.GroupKind{Group: s.res.GVR.Group, Kind: s.res.Kind}
}
