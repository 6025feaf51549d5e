package volumebinding

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// syncClaim reads a claim and what it depends on from the caches, plans,
// and acts.
func (c *Controller) syncClaim(ctx context.Context, namespace, name string) error {
	claim, err := c.claims.PersistentVolumeClaims(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get claim %s/%s: %w", namespace, name, err)
	}
	view, err := c.claimView(claim)
	if err != nil {
		return err
	}
	return c.applyClaim(ctx, claim, planClaim(claim, view))
}

func (c *Controller) claimView(claim *corev1.PersistentVolumeClaim) (claimView, error) {
	volumes, err := c.volumes.List(labels.Everything())
	if err != nil {
		return claimView{}, fmt.Errorf("list volumes: %w", err)
	}
	view := claimView{volumes: volumes}
	if name := claimClass(claim); name != "" {
		class, err := c.classes.Get(name)
		if err != nil && !apierrors.IsNotFound(err) {
			return claimView{}, fmt.Errorf("get storage class %s: %w", name, err)
		}
		if err == nil {
			view.class = class
		}
	}
	if delayBinding(view.class) && claim.Spec.VolumeName == "" && !metav1.HasAnnotation(claim.ObjectMeta, annBindCompleted) {
		if view.consumerNode, view.unscheduled, err = c.consumers(claim); err != nil {
			return claimView{}, err
		}
	}
	return view, nil
}

// consumers finds the pods that use a claim and are not finished: the
// node of the first scheduled one (by name) and the names of those
// waiting for a node.
func (c *Controller) consumers(claim *corev1.PersistentVolumeClaim) (*corev1.Node, []string, error) {
	pods, err := c.pods.Pods(claim.Namespace).List(labels.Everything())
	if err != nil {
		return nil, nil, fmt.Errorf("list pods in %s: %w", claim.Namespace, err)
	}
	slices.SortFunc(pods, func(a, b *corev1.Pod) int { return cmp.Compare(a.Name, b.Name) })
	var node *corev1.Node
	var unscheduled []string
	for _, pod := range pods {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed ||
			!slices.Contains(podClaimNames(pod), claim.Name) {
			continue
		}
		if pod.Spec.NodeName == "" {
			unscheduled = append(unscheduled, pod.Name)
			continue
		}
		if node == nil {
			n, err := c.nodes.Get(pod.Spec.NodeName)
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, nil, fmt.Errorf("get node %s: %w", pod.Spec.NodeName, err)
			}
			node = n
		}
	}
	return node, unscheduled, nil
}

// podClaimNames are the claims a pod's volumes use, generic ephemeral
// volumes included (their claim is named <pod>-<volume>).
func podClaimNames(pod *corev1.Pod) []string {
	var out []string
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		case v.Ephemeral != nil:
			out = append(out, pod.Name+"-"+v.Name)
		}
	}
	return out
}

func (c *Controller) applyClaim(ctx context.Context, claim *corev1.PersistentVolumeClaim, plan claimPlan) error {
	if plan.event != nil && !plan.onPhaseChange {
		c.recorder.Event(claim, plan.event.typ, plan.event.reason, plan.event.message)
	}
	var err error
	switch plan.op {
	case claimBind:
		err = c.bind(ctx, plan.volume, claim)
	case claimPhase:
		err = c.setClaimPhase(ctx, claim, plan)
	case claimProvision:
		if next, dirty := claimWithProvisioner(claim, plan.provisioner); dirty {
			err = c.updateClaim(ctx, next, "name provisioner "+plan.provisioner)
		}
	case claimSelectNode:
		if next, dirty := claimWithSelectedNode(claim, plan.node); dirty {
			err = c.updateClaim(ctx, next, "select node "+plan.node)
		}
	}
	return errors.Join(err, plan.err)
}

func (c *Controller) setClaimPhase(ctx context.Context, claim *corev1.PersistentVolumeClaim, plan claimPlan) error {
	next, dirty, err := claimWithStatus(claim, plan.phase, nil)
	if err != nil || !dirty {
		return err
	}
	updated, err := c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("set claim %s/%s phase %s: %w", claim.Namespace, claim.Name, plan.phase, err)
	}
	if claim.Status.Phase != plan.phase {
		c.log.Info("claim entered phase", "claim", claim.Namespace+"/"+claim.Name, "phase", plan.phase)
		if plan.event != nil && plan.onPhaseChange {
			c.recorder.Event(updated, plan.event.typ, plan.event.reason, plan.event.message)
		}
	}
	return nil
}

func (c *Controller) updateClaim(ctx context.Context, next *corev1.PersistentVolumeClaim, what string) error {
	if _, err := c.client.CoreV1().PersistentVolumeClaims(next.Namespace).Update(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("claim %s/%s: %s: %w", next.Namespace, next.Name, what, err)
	}
	return nil
}

// bind writes a binding in Kubernetes' order: the volume's claimRef, the
// volume's phase, the claim's volumeName, the claim's status. Each write
// builds on the object the previous one returned; a step already done is
// skipped, so after a crash or a conflict the next sync goes on where
// this one stopped.
func (c *Controller) bind(ctx context.Context, volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) error {
	key := claim.Namespace + "/" + claim.Name
	wrote := false
	nextVolume, dirty, err := volumeBoundTo(volume, claim)
	if err != nil {
		return err
	}
	if dirty {
		if volume, err = c.client.CoreV1().PersistentVolumes().Update(ctx, nextVolume, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("bind volume %s to claim %s: %w", nextVolume.Name, key, err)
		}
		wrote = true
	}
	if nextVolume, dirty := volumeWithPhase(volume, corev1.VolumeBound, "", c.now()); dirty {
		if volume, err = c.client.CoreV1().PersistentVolumes().UpdateStatus(ctx, nextVolume, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("set volume %s phase Bound: %w", nextVolume.Name, err)
		}
		wrote = true
	}
	if nextClaim, dirty := claimBoundTo(claim, volume); dirty {
		if claim, err = c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).Update(ctx, nextClaim, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("bind claim %s to volume %s: %w", key, volume.Name, err)
		}
		wrote = true
	}
	nextClaim, dirty, err := claimWithStatus(claim, corev1.ClaimBound, volume)
	if err != nil {
		return err
	}
	if dirty {
		if _, err = c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).UpdateStatus(ctx, nextClaim, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("set claim %s phase Bound: %w", key, err)
		}
		wrote = true
	}
	if wrote {
		c.log.Info("claim bound", "claim", key, "volume", volume.Name)
	}
	return nil
}

// syncVolume reads a volume and its claim, plans, and acts.
func (c *Controller) syncVolume(ctx context.Context, name string) error {
	volume, err := c.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get volume %s: %w", name, err)
	}
	claim, err := c.claimOf(ctx, volume)
	if err != nil {
		return err
	}
	plan := planVolume(volume, claim)
	switch plan.op {
	case volumePhase:
		_, err = c.setVolumePhase(ctx, volume, plan.phase, "")
		return err
	case volumeSyncClaim:
		c.loop.Add(claimKey(claim.Namespace, claim.Name))
	case volumeUnbind:
		return c.unbind(ctx, volume)
	case volumeReclaim:
		return c.release(ctx, volume)
	case volumeMismatch:
		c.recorder.Event(volume, corev1.EventTypeWarning, "VolumeMismatch", fmt.Sprintf(
			"Cannot bind PersistentVolume to requested PersistentVolumeClaim %q due to incompatible volumeMode.", claim.Name))
		c.recorder.Event(claim, corev1.EventTypeWarning, "VolumeMismatch", fmt.Sprintf(
			"Cannot bind PersistentVolume %q to requested PersistentVolumeClaim due to incompatible volumeMode.", volume.Name))
	}
	return nil
}

// claimOf is the claim a bound volume's claimRef names, or nil when it is
// gone (or replaced by one of the same name). Before a volume is released
// the API server is asked too: the claim cache may not show a claim just
// created and bound by someone else, and releasing is not undone.
func (c *Controller) claimOf(ctx context.Context, volume *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, error) {
	ref := volume.Spec.ClaimRef
	if ref == nil || ref.UID == "" {
		return nil, nil
	}
	claim, err := c.claims.PersistentVolumeClaims(ref.Namespace).Get(ref.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("get claim %s/%s: %w", ref.Namespace, ref.Name, err)
	}
	if err == nil && claim.UID == ref.UID {
		return claim, nil
	}
	if err != nil && (volume.Status.Phase == corev1.VolumeReleased || volume.Status.Phase == corev1.VolumeFailed) {
		return nil, nil // released already
	}
	claim, err = c.getClaim(ctx, ref.Namespace, ref.Name)
	if err != nil || claim == nil || claim.UID != ref.UID {
		return nil, err
	}
	return claim, nil
}

// getClaim reads a claim from the API server; nil when there is none.
func (c *Controller) getClaim(ctx context.Context, namespace, name string) (*corev1.PersistentVolumeClaim, error) {
	claim, err := c.client.CoreV1().PersistentVolumeClaims(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get claim %s/%s: %w", namespace, name, err)
	}
	return claim, nil
}

func (c *Controller) unbind(ctx context.Context, volume *corev1.PersistentVolume) error {
	updated, err := c.client.CoreV1().PersistentVolumes().Update(ctx, volumeUnbound(volume), metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("unbind volume %s: %w", volume.Name, err)
	}
	c.log.Info("volume unbound: its claim uses another volume", "volume", volume.Name)
	_, err = c.setVolumePhase(ctx, updated, corev1.VolumeAvailable, "")
	return err
}

// release marks a volume whose claim is gone Released (a Failed one stays
// Failed, so the user sees why) and applies its reclaim policy.
func (c *Controller) release(ctx context.Context, volume *corev1.PersistentVolume) error {
	if volume.Status.Phase != corev1.VolumeReleased && volume.Status.Phase != corev1.VolumeFailed {
		var err error
		if volume, err = c.setVolumePhase(ctx, volume, corev1.VolumeReleased, ""); err != nil {
			return err
		}
		c.log.Info("volume released", "volume", volume.Name, "reclaimPolicy", volume.Spec.PersistentVolumeReclaimPolicy)
	}
	plan := planReclaim(volume)
	switch plan.op {
	case reclaimDelete:
		return c.deleteReleased(ctx, volume.Name)
	case reclaimFail:
		if volume.Status.Phase == corev1.VolumeFailed {
			return nil // reported when it failed
		}
		if _, err := c.setVolumePhase(ctx, volume, corev1.VolumeFailed, plan.event.message); err != nil {
			return err
		}
		c.recorder.Event(volume, plan.event.typ, plan.event.reason, plan.event.message)
	}
	return nil
}

// deleteReleased deletes a released volume's object after reading it and
// its claim again from the API server, on the exact version read: a volume
// someone bound again (or the user cleared) meanwhile is left alone.
func (c *Controller) deleteReleased(ctx context.Context, name string) error {
	volume, err := c.client.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get volume %s: %w", name, err)
	}
	if volume.DeletionTimestamp != nil || volume.Spec.ClaimRef == nil {
		return nil
	}
	claim, err := c.getClaim(ctx, volume.Spec.ClaimRef.Namespace, volume.Spec.ClaimRef.Name)
	if err != nil {
		return err
	}
	if !released(volume, claim) {
		return nil
	}
	uid, rv := volume.UID, volume.ResourceVersion
	err = c.client.CoreV1().PersistentVolumes().Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete released volume %s: %w", name, err)
	}
	c.log.Info("released volume deleted (reclaim policy Delete)", "volume", name)
	return nil
}

// setVolumePhase writes a volume's phase when it differs and returns the
// volume as stored.
func (c *Controller) setVolumePhase(ctx context.Context, volume *corev1.PersistentVolume, phase corev1.PersistentVolumePhase,
	message string) (*corev1.PersistentVolume, error) {
	next, dirty := volumeWithPhase(volume, phase, message, c.now())
	if !dirty {
		return volume, nil
	}
	updated, err := c.client.CoreV1().PersistentVolumes().UpdateStatus(ctx, next, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("set volume %s phase %s: %w", volume.Name, phase, err)
	}
	return updated, nil
}

func (c *Controller) now() metav1.Time { return metav1.NewTime(c.clock.Now()) }

// isConflict sees through the wrapping of errors.Join and fmt.Errorf (as
// apierrors does).
func isConflict(err error) bool { return apierrors.IsConflict(err) }
