package podcontrol

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// ClaimPlan is what an owner should do with the candidates it was shown.
type ClaimPlan[T metav1.Object] struct {
	Owned   []T // controlled by the owner and matching: keep
	Adopt   []T // orphans matching the selector: take
	Release []T // controlled but no longer matching: let go
}

// PlanClaims decides, as Kubernetes does, which candidates the owner keeps,
// adopts and releases. Nothing is adopted or released by an owner that is
// being deleted, and terminating objects are neither adopted nor released.
func PlanClaims[T metav1.Object](owner metav1.Object, sel labels.Selector, candidates []T) ClaimPlan[T] {
	var p ClaimPlan[T]
	ownerGone := owner.GetDeletionTimestamp() != nil
	for _, c := range candidates {
		matches := sel.Matches(labels.Set(c.GetLabels()))
		ref := metav1.GetControllerOfNoCopy(c)
		switch {
		case ref != nil && ref.UID != owner.GetUID():
			// someone else's
		case ref != nil && matches:
			p.Owned = append(p.Owned, c)
		case ref != nil:
			if !ownerGone && c.GetDeletionTimestamp() == nil {
				p.Release = append(p.Release, c)
			}
		case matches && !ownerGone && c.GetDeletionTimestamp() == nil:
			p.Adopt = append(p.Adopt, c)
		}
	}
	return p
}

// PatchFunc applies a JSON merge patch to namespace/name of one resource.
type PatchFunc func(ctx context.Context, namespace, name string, patch []byte) error

// Claimer carries out a ClaimPlan for one owner.
type Claimer struct {
	Owner metav1.Object
	Kind  schema.GroupVersionKind
	Patch PatchFunc
	// Recheck, if set, is called once before the first adoption and must
	// fail if the owner is gone or being deleted; it reads the API, not the
	// cache, so a deleted owner cannot adopt.
	Recheck func(ctx context.Context) error
}

// Claim adopts and releases as planned and returns the objects the owner
// now controls. Objects that vanished meanwhile are skipped.
func Claim[T metav1.Object](ctx context.Context, c Claimer, p ClaimPlan[T]) ([]T, error) {
	owned := p.Owned
	if len(p.Adopt) > 0 && c.Recheck != nil {
		if err := c.Recheck(ctx); err != nil {
			return nil, fmt.Errorf("recheck owner before adopting: %w", err)
		}
	}
	for _, o := range p.Adopt {
		refs := append(otherRefs(o, isController), *metav1.NewControllerRef(c.Owner, c.Kind))
		if err := c.patchRefs(ctx, o, refs); err != nil {
			return nil, fmt.Errorf("adopt %s: %w", o.GetName(), err)
		}
		owned = append(owned, o)
	}
	for _, o := range p.Release {
		if err := c.patchRefs(ctx, o, otherRefs(o, func(r metav1.OwnerReference) bool { return r.UID == c.Owner.GetUID() })); err != nil {
			return nil, fmt.Errorf("release %s: %w", o.GetName(), err)
		}
	}
	return owned, nil
}

// otherRefs are o's owner references without those drop selects.
func otherRefs(o metav1.Object, drop func(metav1.OwnerReference) bool) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, r := range o.GetOwnerReferences() {
		if !drop(r) {
			out = append(out, r)
		}
	}
	return out
}

func isController(r metav1.OwnerReference) bool { return ptr.Deref(r.Controller, false) }

// patchRefs replaces o's owner references, failing with a conflict if o
// changed since it was read, so a concurrent claim by another owner wins
// cleanly.
func (c Claimer) patchRefs(ctx context.Context, o metav1.Object, refs []metav1.OwnerReference) error {
	if refs == nil {
		refs = []metav1.OwnerReference{}
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": refs, "resourceVersion": o.GetResourceVersion(),
	}})
	if err != nil {
		return fmt.Errorf("encode patch: %w", err)
	}
	err = c.Patch(ctx, o.GetNamespace(), o.GetName(), patch)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
