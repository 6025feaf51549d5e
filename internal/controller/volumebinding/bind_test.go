package volumebinding

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestVolumeBoundTo(t *testing.T) {
	c := newPVC("c", "1Gi")
	c.ResourceVersion = "42"
	tests := []struct {
		name             string
		volume           *corev1.PersistentVolume
		wantDirty        bool
		wantByController bool
	}{
		{"free volume", newPV("v", "1Gi"), true, true},
		{"pre-bound by name: UID filled in, not marked", claimRefTo(newPV("v", "1Gi"), c, ""), true, false},
		{"already bound", claimRefTo(newPV("v", "1Gi"), c, "uid-c"), false, false},
		{"already bound by the controller", withAnnotations(claimRefTo(newPV("v", "1Gi"), c, "uid-c"), annBoundByController, "yes"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.volume.DeepCopy()
			got, dirty, err := volumeBoundTo(tt.volume, c)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tt.volume, before) {
				t.Error("the input volume was changed")
			}
			if dirty != tt.wantDirty {
				t.Errorf("dirty = %v, want %v", dirty, tt.wantDirty)
			}
			if by := metav1.HasAnnotation(got.ObjectMeta, annBoundByController); by != tt.wantByController {
				t.Errorf("bound-by-controller = %v, want %v", by, tt.wantByController)
			}
			ref := got.Spec.ClaimRef
			if ref == nil || ref.Namespace != "ns" || ref.Name != "c" || ref.UID != "uid-c" {
				t.Fatalf("claimRef = %+v", ref)
			}
			if tt.wantDirty && (ref.Kind != "PersistentVolumeClaim" || ref.APIVersion != "v1" || ref.ResourceVersion != "42") {
				t.Errorf("claimRef = %+v, want kind, apiVersion v1 and the claim's resourceVersion", ref)
			}
		})
	}
}

func TestClaimBoundTo(t *testing.T) {
	v := newPV("v", "1Gi")
	tests := []struct {
		name             string
		claim            *corev1.PersistentVolumeClaim
		wantDirty        bool
		wantByController bool
	}{
		{"chosen by the controller", newPVC("c", "1Gi"), true, true},
		{"named by the user", func() *corev1.PersistentVolumeClaim {
			c := newPVC("c", "1Gi")
			c.Spec.VolumeName = "v"
			return c
		}(), true, false},
		{"done", func() *corev1.PersistentVolumeClaim {
			c := withAnnotations(newPVC("c", "1Gi"), annBindCompleted, "yes")
			c.Spec.VolumeName = "v"
			return c
		}(), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dirty := claimBoundTo(tt.claim, v)
			if dirty != tt.wantDirty {
				t.Errorf("dirty = %v, want %v", dirty, tt.wantDirty)
			}
			if got.Spec.VolumeName != "v" || got.Annotations[annBindCompleted] != "yes" {
				t.Errorf("claim = volumeName %q, annotations %v", got.Spec.VolumeName, got.Annotations)
			}
			if by := metav1.HasAnnotation(got.ObjectMeta, annBoundByController); by != tt.wantByController {
				t.Errorf("bound-by-controller = %v, want %v", by, tt.wantByController)
			}
		})
	}
}

func TestClaimWithStatus(t *testing.T) {
	v := newPV("v", "10Gi", rwo, rox)
	resized := newPVC("c", "1Gi")
	resized.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, AccessModes: v.Spec.AccessModes,
		Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("9Gi")}}
	tests := []struct {
		name      string
		claim     *corev1.PersistentVolumeClaim
		phase     corev1.PersistentVolumeClaimPhase
		volume    *corev1.PersistentVolume
		wantDirty bool
		wantCap   string // "" means none
		wantModes []corev1.PersistentVolumeAccessMode
	}{
		{"becoming Bound takes the volume's capacity and modes", newPVC("c", "1Gi"), corev1.ClaimBound, v, true, "10Gi", v.Spec.AccessModes},
		{"already Bound keeps a different capacity", resized, corev1.ClaimBound, v, false, "9Gi", v.Spec.AccessModes},
		{"Lost clears both", resized, corev1.ClaimLost, nil, true, "", nil},
		{"Pending unchanged", newPVC("c", "1Gi"), corev1.ClaimPending, nil, false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dirty, err := claimWithStatus(tt.claim, tt.phase, tt.volume)
			if err != nil {
				t.Fatal(err)
			}
			if dirty != tt.wantDirty || got.Status.Phase != tt.phase {
				t.Errorf("dirty, phase = %v, %s; want %v, %s", dirty, got.Status.Phase, tt.wantDirty, tt.phase)
			}
			gotCap := ""
			if q, ok := got.Status.Capacity[corev1.ResourceStorage]; ok {
				gotCap = q.String()
			}
			if gotCap != tt.wantCap || !reflect.DeepEqual(got.Status.AccessModes, tt.wantModes) {
				t.Errorf("capacity, modes = %q, %v; want %q, %v", gotCap, got.Status.AccessModes, tt.wantCap, tt.wantModes)
			}
		})
	}
}

func TestVolumeWithPhaseAndUnbound(t *testing.T) {
	now := metav1.NewTime(time.Unix(1000, 0))
	v := newPV("v", "1Gi")
	if _, dirty := volumeWithPhase(v, corev1.VolumeAvailable, "", now); dirty {
		t.Error("same phase written again")
	}
	got, dirty := volumeWithPhase(v, corev1.VolumeFailed, "why", now)
	if !dirty || got.Status.Phase != corev1.VolumeFailed || got.Status.Message != "why" || !got.Status.LastPhaseTransitionTime.Equal(&now) {
		t.Errorf("status = %+v", got.Status)
	}
	if v.Status.Phase != corev1.VolumeAvailable {
		t.Error("the input volume was changed")
	}

	c := newPVC("c", "1Gi")
	byController := volumeUnbound(withAnnotations(claimRefTo(newPV("v", "1Gi"), c, "uid-c"), annBoundByController, "yes"))
	if byController.Spec.ClaimRef != nil || byController.Annotations != nil {
		t.Errorf("controller binding not undone: %+v %v", byController.Spec.ClaimRef, byController.Annotations)
	}
	byUser := volumeUnbound(claimRefTo(newPV("v", "1Gi"), c, "uid-c"))
	if ref := byUser.Spec.ClaimRef; ref == nil || ref.Name != "c" || ref.UID != "" {
		t.Errorf("user's reservation not kept by name: %+v", ref)
	}
}
