package volumebinding

import (
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/reference"
)

// The functions here compute the next version of an object and whether it
// differs from the current one; they never change their arguments (which
// may be shared cache objects) and never call the API. Each step of a
// binding is one of them, so a step already done is a no-op and a binding
// interrupted anywhere is finished by the next sync.

// volumeBoundTo points volume's claimRef at claim (kind, namespace, name,
// uid, apiVersion, resourceVersion). A volume the controller binds on its
// own choice gets bound-by-controller; one the user pre-bound to the claim
// by name keeps its lack of it, so an unbind later keeps the user's
// reservation.
func volumeBoundTo(volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) (*corev1.PersistentVolume, bool, error) {
	byController := !boundToClaim(volume, claim)
	next := volume.DeepCopy()
	dirty := false
	if ref := volume.Spec.ClaimRef; ref == nil || ref.Namespace != claim.Namespace || ref.Name != claim.Name || ref.UID != claim.UID {
		r, err := reference.GetReference(scheme.Scheme, claim)
		if err != nil {
			return nil, false, fmt.Errorf("reference to claim %s/%s: %w", claim.Namespace, claim.Name, err)
		}
		next.Spec.ClaimRef = r
		dirty = true
	}
	if byController && !metav1.HasAnnotation(next.ObjectMeta, annBoundByController) {
		metav1.SetMetaDataAnnotation(&next.ObjectMeta, annBoundByController, "yes")
		dirty = true
	}
	return next, dirty, nil
}

// claimBoundTo sets claim's volumeName (marking it bound-by-controller when
// the controller chose the volume) and bind-completed.
func claimBoundTo(claim *corev1.PersistentVolumeClaim, volume *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, bool) {
	next := claim.DeepCopy()
	dirty := false
	if claim.Spec.VolumeName != volume.Name {
		next.Spec.VolumeName = volume.Name
		if !metav1.HasAnnotation(next.ObjectMeta, annBoundByController) {
			metav1.SetMetaDataAnnotation(&next.ObjectMeta, annBoundByController, "yes")
		}
		dirty = true
	}
	if !metav1.HasAnnotation(next.ObjectMeta, annBindCompleted) {
		metav1.SetMetaDataAnnotation(&next.ObjectMeta, annBindCompleted, "yes")
		dirty = true
	}
	return next, dirty
}

// claimWithStatus sets a claim's phase; with a volume, its access modes
// and, when the claim is just becoming phase, its capacity (later a
// difference may be deliberate: a file system smaller than its block
// device); without one, it clears both.
func claimWithStatus(claim *corev1.PersistentVolumeClaim, phase corev1.PersistentVolumeClaimPhase,
	volume *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, bool, error) {
	next := claim.DeepCopy()
	dirty := false
	if claim.Status.Phase != phase {
		next.Status.Phase = phase
		dirty = true
	}
	if volume == nil {
		if claim.Status.AccessModes != nil {
			next.Status.AccessModes = nil
			dirty = true
		}
		if claim.Status.Capacity != nil {
			next.Status.Capacity = nil
			dirty = true
		}
		return next, dirty, nil
	}
	if !reflect.DeepEqual(claim.Status.AccessModes, volume.Spec.AccessModes) {
		next.Status.AccessModes = volume.Spec.AccessModes
		dirty = true
	}
	if claim.Status.Phase != phase {
		size, ok := volume.Spec.Capacity[corev1.ResourceStorage]
		if !ok {
			return nil, false, fmt.Errorf("PersistentVolume %q is without a storage capacity", volume.Name)
		}
		if cur, ok := claim.Status.Capacity[corev1.ResourceStorage]; !ok || size.Cmp(cur) != 0 {
			next.Status.Capacity = volume.Spec.Capacity.DeepCopy()
			dirty = true
		}
	}
	return next, dirty, nil
}

// volumeWithPhase sets a volume's phase and message, stamping the
// transition time (which Kubernetes' API server would do).
func volumeWithPhase(volume *corev1.PersistentVolume, phase corev1.PersistentVolumePhase, message string,
	now metav1.Time) (*corev1.PersistentVolume, bool) {
	if volume.Status.Phase == phase {
		return volume, false
	}
	next := volume.DeepCopy()
	next.Status.Phase = phase
	next.Status.Message = message
	next.Status.LastPhaseTransitionTime = &now
	return next, true
}

// volumeUnbound undoes a binding: a volume the controller bound loses its
// claimRef; one the user pre-bound keeps the claim's name and loses only
// the UID, staying reserved for a claim of that name.
func volumeUnbound(volume *corev1.PersistentVolume) *corev1.PersistentVolume {
	next := volume.DeepCopy()
	if metav1.HasAnnotation(volume.ObjectMeta, annBoundByController) {
		next.Spec.ClaimRef = nil
		delete(next.Annotations, annBoundByController)
		if len(next.Annotations) == 0 {
			next.Annotations = nil
		}
	} else if next.Spec.ClaimRef != nil {
		next.Spec.ClaimRef.UID = ""
	}
	return next
}

// claimWithProvisioner asks an external provisioner for a volume by
// naming it in the claim's annotations.
func claimWithProvisioner(claim *corev1.PersistentVolumeClaim, provisioner string) (*corev1.PersistentVolumeClaim, bool) {
	if claim.Annotations[annStorageProvisioner] == provisioner && claim.Annotations[annBetaStorageProvisioner] == provisioner {
		return claim, false
	}
	next := claim.DeepCopy()
	metav1.SetMetaDataAnnotation(&next.ObjectMeta, annStorageProvisioner, provisioner)
	metav1.SetMetaDataAnnotation(&next.ObjectMeta, annBetaStorageProvisioner, provisioner)
	return next, true
}

// claimWithSelectedNode names the node a WaitForFirstConsumer claim's pod
// runs on, for the provisioner.
func claimWithSelectedNode(claim *corev1.PersistentVolumeClaim, node string) (*corev1.PersistentVolumeClaim, bool) {
	if claim.Annotations[annSelectedNode] == node {
		return claim, false
	}
	next := claim.DeepCopy()
	metav1.SetMetaDataAnnotation(&next.ObjectMeta, annSelectedNode, node)
	return next, true
}
