package store

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/storage"
)

// generateNameAttempts bounds retries when a generated name is taken.
const generateNameAttempts = 8

// CreateOptions are the options of a create.
type CreateOptions struct {
	DryRun       bool
	FieldManager string
	// SkipFieldManager leaves managedFields as the caller set them (a
	// server-side apply has already recorded its fields).
	SkipFieldManager bool
}

// Create stores a new object. The namespace of a namespaced object must
// already be in its metadata. It returns the stored object.
func (s *Store) Create(ctx context.Context, obj runtime.Object, opts CreateOptions) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if !s.res.Namespaced {
		m.SetNamespace("")
	}
	s.fillCreateMeta(m)
	s.res.Strategy.PrepareForCreate(obj)
	s.res.Strategy.Default(obj)
	if s.fields != nil && !opts.SkipFieldManager {
		if obj, err = s.fields.Update(s.res.New(), obj, opts.FieldManager, ""); err != nil {
			return nil, err
		}
		if m, err = meta.Accessor(obj); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
	}
	if s.hooks.Admit != nil {
		if err := s.hooks.Admit(ctx, obj); err != nil {
			return nil, err
		}
	}
	generated := m.GetName() == "" && m.GetGenerateName() != ""
	if generated {
		m.SetName(m.GetGenerateName() + utilrand.String(5))
	}
	if errs := s.validateCreate(obj, m); len(errs) > 0 {
		return nil, apierrors.NewInvalid(s.groupKind(), m.GetName(), errs)
	}
	if s.res.Namespaced && s.ns != nil {
		if err := s.ns.CheckCreate(ctx, m.GetNamespace(), s.gr, m.GetName()); err != nil {
			return nil, err
		}
	}
	if opts.DryRun {
		return obj, nil
	}
	undo, err := s.beforeCreate(ctx, obj)
	if err != nil {
		return nil, err
	}
	out, err := s.write(ctx, obj, m, generated)
	if err != nil && undo != nil {
		undo()
	}
	return out, err
}

// write stores obj, retrying with a fresh generated name on collision.
func (s *Store) write(ctx context.Context, obj runtime.Object, m metav1.Object, generated bool) (runtime.Object, error) {
	for attempt := 1; ; attempt++ {
		data, err := s.encode(obj)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		rev, err := s.backend.Create(ctx, s.key(m.GetNamespace(), m.GetName()), data)
		if errors.Is(err, storage.ErrExists) && generated && attempt < generateNameAttempts {
			m.SetName(m.GetGenerateName() + utilrand.String(5))
			continue
		}
		if err != nil {
			return nil, s.storageError(err, m.GetName())
		}
		m.SetResourceVersion(formatRevision(rev))
		return obj, nil
	}
}

func (s *Store) beforeCreate(ctx context.Context, obj runtime.Object) (func(), error) {
	if s.hooks.BeforeCreate == nil {
		return nil, nil
	}
	return s.hooks.BeforeCreate(ctx, obj)
}

// fillCreateMeta sets the metadata the server owns on a new object.
func (s *Store) fillCreateMeta(m metav1.Object) {
	m.SetUID(types.UID(uuid.NewUUID()))
	m.SetCreationTimestamp(metav1.Now())
	m.SetResourceVersion("")
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetSelfLink("")
	m.SetGeneration(0)
	if s.hasSpec {
		m.SetGeneration(1)
	}
}

func (s *Store) validateCreate(obj runtime.Object, m metav1.Object) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(m, s.res.Namespaced, s.nameValidator(), field.NewPath("metadata"))
	return append(errs, s.res.Strategy.Validate(obj)...)
}

func (s *Store) nameValidator() apivalidation.ValidateNameFunc {
	if s.res.ValidateName != nil {
		return s.res.ValidateName
	}
	return apivalidation.NameIsDNSSubdomain
}
