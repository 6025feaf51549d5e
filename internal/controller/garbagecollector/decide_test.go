package garbagecollector

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDecide(t *testing.T) {
	a := metav1.OwnerReference{UID: "a", Name: "a"}
	b := metav1.OwnerReference{UID: "b", Name: "b", BlockOwnerDeletion: ptr.To(true)}
	tests := []struct {
		name          string
		refs          []metav1.OwnerReference
		states        []ownerState
		hasDependents bool
		want          plan
	}{
		{"owner alive", []metav1.OwnerReference{a}, []ownerState{ownerSolid}, false, plan{}},
		{"owner gone", []metav1.OwnerReference{a}, []ownerState{ownerDangling}, false, plan{deleteWith: metav1.DeletePropagationBackground}},
		{"one of two gone", []metav1.OwnerReference{a, b}, []ownerState{ownerSolid, ownerDangling}, false, plan{patch: true, keep: []metav1.OwnerReference{a}}},
		{"other owner waits", []metav1.OwnerReference{a, b}, []ownerState{ownerSolid, ownerWaiting}, true, plan{patch: true, keep: []metav1.OwnerReference{a}}},
		{"owner waits, leaf", []metav1.OwnerReference{b}, []ownerState{ownerWaiting}, false, plan{deleteWith: metav1.DeletePropagationBackground}},
		{"owner waits, has dependents", []metav1.OwnerReference{b}, []ownerState{ownerWaiting}, true, plan{deleteWith: metav1.DeletePropagationForeground}},
		{"all gone or waiting", []metav1.OwnerReference{a, b}, []ownerState{ownerDangling, ownerWaiting}, true, plan{deleteWith: metav1.DeletePropagationForeground}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decide(tt.refs, tt.states, tt.hasDependents)
			if got.deleteWith != tt.want.deleteWith || got.patch != tt.want.patch || len(got.keep) != len(tt.want.keep) {
				t.Fatalf("decide = %+v, want %+v", got, tt.want)
			}
			for i := range got.keep {
				if got.keep[i].UID != tt.want.keep[i].UID {
					t.Errorf("keep[%d] = %s, want %s", i, got.keep[i].UID, tt.want.keep[i].UID)
				}
			}
		})
	}
}

func TestBlocksAndWithout(t *testing.T) {
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{
		{UID: "a"}, {UID: "b", BlockOwnerDeletion: ptr.To(true)}, {UID: "c", BlockOwnerDeletion: ptr.To(false)},
	}}}
	for uid, want := range map[string]bool{"a": false, "b": true, "c": false, "d": false} {
		if got := blocks(m, uid); got != want {
			t.Errorf("blocks(%s) = %v, want %v", uid, got, want)
		}
	}
	if got := without(m.OwnerReferences, "b"); len(got) != 2 || got[0].UID != "a" || got[1].UID != "c" {
		t.Errorf("without(b) = %+v", got)
	}
}
