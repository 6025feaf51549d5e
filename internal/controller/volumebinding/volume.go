package volumebinding

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// volumeOp is what a volume's sync does.
type volumeOp int

const (
	volumeNone volumeOp = iota
	// volumePhase sets plan.phase.
	volumePhase
	// volumeSyncClaim leaves the volume alone and looks at its claim,
	// whose sync finishes (or undoes) the binding.
	volumeSyncClaim
	// volumeUnbind clears the binding the claim no longer shares.
	volumeUnbind
	// volumeReclaim marks the volume Released, unless it already is or
	// Failed, then applies its reclaim policy.
	volumeReclaim
	// volumeMismatch records that the claim the volume is pre-bound to
	// cannot use it.
	volumeMismatch
)

type volumePlan struct {
	op    volumeOp
	phase corev1.PersistentVolumePhase
}

// planVolume decides what a volume needs given the claim its claimRef
// names: claim is nil when that claim does not exist or is another one
// with the same name (a different UID).
func planVolume(volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) volumePlan {
	ref := volume.Spec.ClaimRef
	switch {
	case ref == nil:
		return volumePlan{op: volumePhase, phase: corev1.VolumeAvailable}
	case ref.UID == "":
		// Reserved for a claim by name; the claim's sync binds it.
		return volumePlan{op: volumePhase, phase: corev1.VolumeAvailable}
	case claim == nil:
		return volumePlan{op: volumeReclaim}
	case claim.Spec.VolumeName == "":
		if volumeModeMismatch(claim, volume) {
			return volumePlan{op: volumeMismatch}
		}
		// Half bound: the controller stopped between the volume and the
		// claim, or the user cleared the claim; the claim's sync fixes it.
		return volumePlan{op: volumeSyncClaim}
	case claim.Spec.VolumeName == volume.Name:
		return volumePlan{op: volumePhase, phase: corev1.VolumeBound}
	case metav1.HasAnnotation(volume.ObjectMeta, annDynamicallyProvisioned) &&
		volume.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete:
		// Made for this claim, which got another volume: not needed.
		return volumePlan{op: volumeReclaim}
	default:
		// The claim went to another volume (two binders raced, or the
		// user chose): release this one.
		return volumePlan{op: volumeUnbind}
	}
}

// reclaimOp is what a released volume's reclaim policy does.
type reclaimOp int

const (
	reclaimNone reclaimOp = iota
	// reclaimDelete deletes the PersistentVolume object.
	reclaimDelete
	// reclaimFail marks the volume Failed with plan.event.
	reclaimFail
)

type reclaimPlan struct {
	op    reclaimOp
	event event
}

// planReclaim applies a released volume's reclaim policy. Retain keeps it
// Released. Delete removes the object of a hostPath or local volume (the
// data on the node stays: skiff deletes no files), leaves one made by an
// external provisioner to that provisioner, and fails for other sources,
// which need a storage plugin skiff does not have. Recycle fails: skiff
// has no recycler.
func planReclaim(volume *corev1.PersistentVolume) reclaimPlan {
	if volume.Annotations[annMigratedTo] != "" {
		return reclaimPlan{} // a CSI driver's to handle
	}
	switch volume.Spec.PersistentVolumeReclaimPolicy {
	case corev1.PersistentVolumeReclaimRetain:
		return reclaimPlan{}
	case corev1.PersistentVolumeReclaimRecycle:
		return reclaimPlan{op: reclaimFail, event: event{corev1.EventTypeWarning, "VolumeFailedRecycle",
			"No recycler plugin found for the volume!"}}
	case corev1.PersistentVolumeReclaimDelete:
		if p := volume.Annotations[annDynamicallyProvisioned]; p != "" && !strings.HasPrefix(p, "kubernetes.io/") {
			return reclaimPlan{} // its external provisioner deletes it
		}
		if src := volume.Spec.PersistentVolumeSource; src.HostPath != nil || src.Local != nil {
			return reclaimPlan{op: reclaimDelete}
		}
		return reclaimPlan{op: reclaimFail, event: event{corev1.EventTypeWarning, "VolumeFailedDelete",
			fmt.Sprintf("error getting deleter volume plugin for volume %q: no deletable volume plugin matched", volume.Name)}}
	}
	return reclaimPlan{op: reclaimFail, event: event{corev1.EventTypeWarning, "VolumeUnknownReclaimPolicy",
		"Volume has unrecognized PersistentVolumeReclaimPolicy"}}
}

// released reports whether a volume, read fresh, still waits for reclaim:
// it was bound to a claim (by UID) that is gone, or that now uses another
// volume. claim is what the API holds under the claimRef's name (nil when
// nothing).
func released(volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) bool {
	ref := volume.Spec.ClaimRef
	if ref == nil || ref.UID == "" {
		return false
	}
	if claim == nil || claim.UID != ref.UID {
		return true
	}
	return claim.Spec.VolumeName != "" && claim.Spec.VolumeName != volume.Name
}
