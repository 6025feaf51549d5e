package volumebinding

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// event is one event to record on an object.
type event struct{ typ, reason, message string }

// claimOp is what a claim's sync does.
type claimOp int

const (
	// claimNone writes nothing (an event may still be recorded).
	claimNone claimOp = iota
	// claimPhase sets the claim's phase (Pending or Lost) and clears its
	// capacity and access modes.
	claimPhase
	// claimBind binds the claim and plan.volume, both ways, then marks
	// both Bound: volume spec, volume status, claim spec, claim status.
	claimBind
	// claimProvision names plan.provisioner in the claim's annotations.
	claimProvision
	// claimSelectNode names plan.node in the claim's selected-node
	// annotation.
	claimSelectNode
)

// claimPlan is the decision of planClaim.
type claimPlan struct {
	op          claimOp
	phase       corev1.PersistentVolumeClaimPhase
	volume      *corev1.PersistentVolume
	provisioner string
	node        string
	// event is recorded on the claim: before the write, or, with
	// onPhaseChange, only if the write changes the phase (so a Lost claim
	// is reported once, not at every resync).
	event         *event
	onPhaseChange bool
	// err is returned after the event (a state the controller cannot
	// repair, retried with back-off).
	err error
}

// claimView is what planClaim reads besides the claim, as the caches show
// it.
type claimView struct {
	volumes []*corev1.PersistentVolume
	// class is the claim's StorageClass, nil when it has none or it does
	// not exist.
	class *storagev1.StorageClass
	// consumerNode is the node a scheduled pod using the claim runs on,
	// and unscheduled the pods using it that wait for a node; both are
	// looked up only for WaitForFirstConsumer classes.
	consumerNode *corev1.Node
	unscheduled  []string
}

func (v claimView) volume(name string) *corev1.PersistentVolume {
	for _, pv := range v.volumes {
		if pv.Name == name {
			return pv
		}
	}
	return nil
}

// planClaim decides what a claim needs, as the persistentvolume controller
// of kube-controller-manager does: a claim that never completed a binding
// is matched (or waits, or is handed to a provisioner); a bound one is
// kept bound, or marked Lost when its volume is gone or taken.
func planClaim(claim *corev1.PersistentVolumeClaim, view claimView) claimPlan {
	if !metav1.HasAnnotation(claim.ObjectMeta, annBindCompleted) {
		if claim.Spec.VolumeName == "" {
			return planNewClaim(claim, view)
		}
		return planPreboundClaim(claim, view)
	}
	return planBoundClaim(claim, view)
}

// planNewClaim: the claim did not name a volume.
func planNewClaim(claim *corev1.PersistentVolumeClaim, view claimView) claimPlan {
	delay := delayBinding(view.class)
	volume, err := findBestVolume(claim, view.volumes, delay, nil)
	if err == nil && volume == nil && delay && view.consumerNode != nil {
		volume, err = findBestVolume(claim, view.volumes, delay, view.consumerNode)
	}
	if err != nil {
		return claimPlan{err: err}
	}
	if volume != nil {
		return claimPlan{op: claimBind, volume: volume}
	}
	pending := claimPlan{op: claimPhase, phase: corev1.ClaimPending}
	class := claimClass(claim)
	switch {
	case delay && !metav1.HasAnnotation(claim.ObjectMeta, annSelectedNode):
		if node := view.consumerNode; node != nil {
			if p := externalProvisioner(view.class); p != "" {
				// Kubernetes' scheduler does this when it places the pod;
				// skiff's does not look at volumes, so the binder does it
				// once the pod has a node.
				return claimPlan{op: claimSelectNode, node: node.Name}
			}
			pending.event = &event{corev1.EventTypeWarning, "FailedBinding",
				fmt.Sprintf("node %q didn't find available persistent volumes to bind", node.Name)}
			return pending
		}
		pending.event = waitForConsumerEvent(view.unscheduled)
		return pending
	case class != "":
		return planProvision(class, view.class)
	default:
		pending.event = &event{corev1.EventTypeNormal, "FailedBinding",
			"no persistent volumes available for this claim and no storage class is set"}
		return pending
	}
}

// planProvision: no volume exists for a claim of a class. The claim's
// status is left alone, as Kubernetes does.
func planProvision(name string, class *storagev1.StorageClass) claimPlan {
	if class == nil {
		msg := apierrors.NewNotFound(storagev1.Resource("storageclass"), name).Error()
		return claimPlan{event: &event{corev1.EventTypeWarning, "ProvisioningFailed", msg}}
	}
	p := externalProvisioner(class)
	if p == "" {
		// kubernetes.io/ provisioners are volume plugins compiled into
		// kube-controller-manager; skiff has none (no-provisioner
		// included, which is meant for static volumes only).
		return claimPlan{event: &event{corev1.EventTypeWarning, "ProvisioningFailed",
			"no volume plugin matched name: " + class.Provisioner}}
	}
	return claimPlan{op: claimProvision, provisioner: p, event: &event{corev1.EventTypeNormal, "ExternalProvisioning",
		fmt.Sprintf("Waiting for a volume to be created either by the external provisioner '%s' or manually by the system administrator. "+
			"If volume creation is delayed, please verify that the provisioner is running and correctly registered.", p)}}
}

// planPreboundClaim: the claim named its volume (spec.volumeName) and the
// binding is not complete.
func planPreboundClaim(claim *corev1.PersistentVolumeClaim, view claimView) claimPlan {
	pending := claimPlan{op: claimPhase, phase: corev1.ClaimPending}
	volume := view.volume(claim.Spec.VolumeName)
	switch {
	case volume == nil:
		return pending // it may be created later
	case volume.Spec.ClaimRef == nil:
		if err := volumeSatisfies(volume, claim); err != nil {
			pending.event = &event{corev1.EventTypeWarning, "VolumeMismatch",
				fmt.Sprintf("Cannot bind to requested volume %q: %s", volume.Name, err)}
			return pending
		}
		return claimPlan{op: claimBind, volume: volume}
	case boundToClaim(volume, claim):
		return claimPlan{op: claimBind, volume: volume}
	}
	taken := &event{corev1.EventTypeWarning, "FailedBinding", fmt.Sprintf("volume %q already bound to a different claim.", volume.Name)}
	if !metav1.HasAnnotation(claim.ObjectMeta, annBoundByController) {
		pending.event = taken
		return pending
	}
	// The controller set this volumeName, yet the volume went to another
	// claim: only a removed bind-completed annotation leads here.
	ref := volume.Spec.ClaimRef
	return claimPlan{event: taken, err: fmt.Errorf("invalid binding of claim %s/%s to volume %q: volume already claimed by %s/%s",
		claim.Namespace, claim.Name, volume.Name, ref.Namespace, ref.Name)}
}

// planBoundClaim: the claim was bound once.
func planBoundClaim(claim *corev1.PersistentVolumeClaim, view claimView) claimPlan {
	lost := func(reason, message string) claimPlan {
		return claimPlan{op: claimPhase, phase: corev1.ClaimLost, onPhaseChange: true,
			event: &event{corev1.EventTypeWarning, reason, message}}
	}
	if claim.Spec.VolumeName == "" {
		return lost("ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
	}
	volume := view.volume(claim.Spec.VolumeName)
	switch {
	case volume == nil:
		return lost("ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
	case volume.Spec.ClaimRef == nil || volume.Spec.ClaimRef.UID == claim.UID:
		// Bound, or the volume lost its claimRef (or the cache has not seen
		// it yet): binding again is a no-op for what is already done.
		return claimPlan{op: claimBind, volume: volume}
	}
	return lost("ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly")
}

// delayBinding reports whether class is WaitForFirstConsumer. A class
// without a mode counts as Immediate (the API server defaults it).
func delayBinding(class *storagev1.StorageClass) bool {
	return class != nil && class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}

// externalProvisioner is class's provisioner when it runs outside the
// controller manager, or "".
func externalProvisioner(class *storagev1.StorageClass) string {
	if class == nil || class.Provisioner == "" || strings.HasPrefix(class.Provisioner, "kubernetes.io/") {
		return ""
	}
	return class.Provisioner
}

// waitForConsumerEvent is Kubernetes' note on a WaitForFirstConsumer claim
// with no volume yet.
func waitForConsumerEvent(unscheduled []string) *event {
	switch len(unscheduled) {
	case 0:
		return &event{corev1.EventTypeNormal, "WaitForFirstConsumer", "waiting for first consumer to be created before binding"}
	case 1:
		return &event{corev1.EventTypeNormal, "WaitForPodScheduled", fmt.Sprintf("waiting for pod %s to be scheduled", unscheduled[0])}
	}
	return &event{corev1.EventTypeNormal, "WaitForPodScheduled",
		fmt.Sprintf("waiting for pods %s to be scheduled", strings.Join(unscheduled, ","))}
}
