package apiserver

import (
	"bytes"
	"cmp"
	"reflect"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"github.com/skiff/skiff/internal/registry/store"
)

// fieldManagers adapts the served resource's field managers to the store.
func (sv *served) fieldManagers() store.FieldManager { return fieldManagerSet(sv.fields) }

type fieldManagerSet map[string]*managedfields.FieldManager

// Update records manager's changes in obj's managedFields.
//
// The store has already made the half of the object the endpoint cannot
// change equal to the live object's: the spec for the status subresource,
// the status for the main resource. That half can add nothing to the
// changes the field manager looks for, yet comparing it field by field was
// most of the cost of a pod status write; so the field manager sees both
// objects without it, and obj gets the managedFields it computed.
func (f fieldManagerSet) Update(live, obj runtime.Object, manager, subresource string) (runtime.Object, error) {
	fm := f[subresource]
	if fm == nil {
		return obj, nil
	}
	same := "Status"
	if subresource == "status" {
		same = "Spec"
	}
	if _, hasStatus := f["status"]; subresource == "" && !hasStatus {
		return fm.Update(live, obj, manager)
	}
	tl, to := without(live, same), without(obj, same)
	if tl == nil || to == nil {
		return fm.Update(live, obj, manager)
	}
	var aside []metav1.ManagedFieldsEntry
	if subresource == "status" {
		ml, err := meta.Accessor(tl)
		if err != nil {
			return nil, err
		}
		var keep []metav1.ManagedFieldsEntry
		keep, aside = setAsideStatusFree(ml.GetManagedFields(), manager)
		if aside != nil {
			ml.SetManagedFields(keep) // tl is a copy: live keeps all of its entries
		}
	}
	out, err := fm.Update(tl, to, manager)
	if err != nil {
		return nil, err
	}
	om, err := meta.Accessor(out)
	if err != nil {
		return nil, err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	managed := om.GetManagedFields()
	if aside != nil {
		// Put the entries back in place of their placeholders.
		managed = slices.DeleteFunc(slices.Clone(managed), func(e metav1.ManagedFieldsEntry) bool {
			return slices.ContainsFunc(aside, func(a metav1.ManagedFieldsEntry) bool { return sameManager(a, e) })
		})
		managed = append(managed, aside...)
		sortManagedFields(managed)
	}
	m.SetManagedFields(managed)
	return obj, nil
}

// sameManager reports whether two entries are one manager's: the field
// manager keys its entries by these four.
func sameManager(a, b metav1.ManagedFieldsEntry) bool {
	return a.Manager == b.Manager && a.Operation == b.Operation && a.APIVersion == b.APIVersion && a.Subresource == b.Subresource
}

// maxUpdateManagers is the field manager's cap on Update entries (its
// DefaultMaxUpdateManagers): past it, the oldest are merged into one.
const maxUpdateManagers = 10

// setAsideStatusFree splits a status write's live managedFields into the
// entries the field manager must see and those it cannot change: another
// manager's entry that owns nothing under status (the creator's, which
// holds the whole spec, above all). A status write changes only status,
// so such an entry keeps every field it has; yet decoding it and encoding
// it again was a third of the managedFields cost of a pod status write.
// Each entry set aside leaves a placeholder in keep, the same manager
// owning nothing: the field manager stops tracking an object whose
// entries it finds empty, and its cap on entries counts them all. With as
// many entries as that cap, nothing is set aside: merging the oldest
// needs their fields.
func setAsideStatusFree(entries []metav1.ManagedFieldsEntry, manager string) (keep, aside []metav1.ManagedFieldsEntry) {
	if len(entries) >= maxUpdateManagers {
		return entries, nil
	}
	for _, e := range entries {
		if e.Manager == manager || e.FieldsType != "FieldsV1" || e.FieldsV1 == nil ||
			bytes.Contains(e.FieldsV1.Raw, []byte(`"f:status"`)) {
			keep = append(keep, e)
			continue
		}
		aside = append(aside, e)
		e.FieldsV1 = &metav1.FieldsV1{Raw: []byte("{}")}
		keep = append(keep, e)
	}
	return keep, aside
}

// sortManagedFields orders entries as the field manager writes them:
// by operation, time, manager, apiVersion, subresource.
func sortManagedFields(entries []metav1.ManagedFieldsEntry) {
	seconds := func(t *metav1.Time) int64 {
		if t == nil {
			return 0
		}
		return t.Unix()
	}
	slices.SortFunc(entries, func(p, q metav1.ManagedFieldsEntry) int {
		return cmp.Or(
			cmp.Compare(p.Operation, q.Operation),
			cmp.Compare(seconds(p.Time), seconds(q.Time)),
			cmp.Compare(p.Manager, q.Manager),
			cmp.Compare(p.APIVersion, q.APIVersion),
			cmp.Compare(p.Subresource, q.Subresource))
	})
}

// without returns a shallow copy of obj with one top-level field zeroed,
// or nil if obj has no such field.
func without(obj runtime.Object, field string) runtime.Object {
	c := shallowCopy(obj)
	if c == nil {
		return nil
	}
	f := reflect.ValueOf(c).Elem().FieldByName(field)
	if !f.IsValid() {
		return nil
	}
	f.SetZero()
	return c
}
