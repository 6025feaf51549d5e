package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ownerState is what the collector knows about one owner reference.
type ownerState int

const (
	// ownerSolid exists with the referenced UID and is not waiting for
	// its dependents.
	ownerSolid ownerState = iota
	// ownerDangling is gone, or replaced by an object with another UID.
	ownerDangling
	// ownerWaiting exists and is in foreground deletion: it waits for its
	// dependents to be deleted.
	ownerWaiting
)

// plan is what to do with a dependent.
type plan struct {
	// deleteWith is set to delete the dependent with this propagation.
	deleteWith metav1.DeletionPropagation
	// keep, when patch is set, is the owner list to write back: the
	// references to dangling and waiting owners are dropped because
	// another owner still holds the object.
	patch bool
	keep  []metav1.OwnerReference
}

// decide chooses what happens to an object with these owner references
// (states[i] belongs to refs[i]). An object with one solid owner stays
// and forgets the others; an object whose owners are all gone is deleted
// in the background; one whose owner waits in foreground deletion is
// deleted in the foreground too when it has dependents of its own, so the
// deletion works its way up from the leaves.
func decide(refs []metav1.OwnerReference, states []ownerState, hasDependents bool) plan {
	var keep []metav1.OwnerReference
	waiting := false
	for i, ref := range refs {
		switch states[i] {
		case ownerSolid:
			keep = append(keep, ref)
		case ownerWaiting:
			waiting = true
		}
	}
	switch {
	case len(keep) == len(refs):
		return plan{}
	case len(keep) > 0:
		return plan{patch: true, keep: keep}
	case waiting && hasDependents:
		return plan{deleteWith: metav1.DeletePropagationForeground}
	default:
		return plan{deleteWith: metav1.DeletePropagationBackground}
	}
}

// blocks reports whether m holds up the foreground deletion of owner uid.
func blocks(m *metav1.PartialObjectMetadata, uid string) bool {
	for _, ref := range m.OwnerReferences {
		if string(ref.UID) == uid && ref.BlockOwnerDeletion != nil && *ref.BlockOwnerDeletion {
			return true
		}
	}
	return false
}

// without returns refs minus those to uid.
func without(refs []metav1.OwnerReference, uid string) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, ref := range refs {
		if string(ref.UID) != uid {
			out = append(out, ref)
		}
	}
	return out
}
