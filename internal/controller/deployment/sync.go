package deployment

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// rollout is one sync of one Deployment: a private copy of it, the status
// stored before the sync (progress is measured against it) and the time.
type rollout struct {
	c    *Controller
	d    *appsv1.Deployment
	prev appsv1.DeploymentStatus
	now  time.Time
}

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.dLister.Deployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	r := &rollout{c: c, d: cached.DeepCopy(), prev: cached.Status, now: c.clock.Now()}
	d := r.d
	if d.Spec.Selector == nil || (len(d.Spec.Selector.MatchLabels) == 0 && len(d.Spec.Selector.MatchExpressions) == 0) {
		c.recorder.Eventf(d, corev1.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		return nil
	}
	rss, err := c.claimReplicaSets(ctx, d)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		newRS, old := splitReplicaSets(d, rss)
		return r.finish(ctx, newRS, append(old, newRS), false)
	}
	r.pausedCondition()
	switch {
	case d.Spec.Paused || isScalingEvent(d, rss):
		return r.scale(ctx, rss)
	case !isRolling(d):
		return r.recreate(ctx, rss)
	}
	return r.rolling(ctx, rss)
}

// claimReplicaSets returns the ReplicaSets the Deployment controls after
// adopting matching orphans and releasing ones that stopped matching.
func (c *Controller) claimReplicaSets(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s selector: %w", d.Namespace, d.Name, err)
	}
	cands, err := podcontrol.Candidates[*appsv1.ReplicaSet](c.rsInf.GetIndexer(), d.Namespace, d.UID)
	if err != nil {
		return nil, err
	}
	claimer := podcontrol.Claimer{
		Owner: d, Kind: deploymentKind(),
		Patch: func(ctx context.Context, ns, name string, data []byte) error {
			_, err := c.client.AppsV1().ReplicaSets(ns).Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{})
			return err
		},
		Recheck: func(ctx context.Context) error {
			cur, err := c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if cur.UID != d.UID || cur.DeletionTimestamp != nil {
				return fmt.Errorf("deployment %s/%s is gone or being deleted", d.Namespace, d.Name)
			}
			return nil
		},
	}
	return podcontrol.Claim(ctx, claimer, podcontrol.PlanClaims(d, sel, cands))
}

// pausedCondition notes a pause or a resume in Progressing, unless the
// rollout already timed out.
func (r *rollout) pausedCondition() {
	if !hasDeadline(r.d) {
		return
	}
	cond := getCondition(r.d.Status, appsv1.DeploymentProgressing)
	if cond != nil && cond.Reason == ReasonTimedOut {
		return
	}
	isPaused := cond != nil && cond.Reason == ReasonPaused
	switch {
	case r.d.Spec.Paused && !isPaused:
		setCondition(&r.d.Status, appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonPaused, "Deployment is paused", r.now)
	case !r.d.Spec.Paused && isPaused:
		setCondition(&r.d.Status, appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonResumed, "Deployment is resumed", r.now)
	}
}

// scale only resizes (a replicas change, or a paused Deployment).
func (r *rollout) scale(ctx context.Context, rss []*appsv1.ReplicaSet) error {
	newRS, old, err := r.newAndOld(ctx, rss, false)
	if err != nil {
		return err
	}
	newRS, old, err = r.apply(ctx, proportionalScale(r.d, newRS, old), newRS, old)
	if err != nil {
		return err
	}
	if r.d.Spec.Paused {
		if err := r.cleanup(ctx, old); err != nil {
			return err
		}
	}
	return r.finish(ctx, newRS, append(old, newRS), false)
}

func (r *rollout) rolling(ctx context.Context, rss []*appsv1.ReplicaSet) error {
	newRS, old, err := r.newAndOld(ctx, rss, true)
	if err != nil {
		return err
	}
	if steps := rollingStep(r.d, newRS, old); len(steps) > 0 {
		newRS, old, err = r.apply(ctx, steps, newRS, old)
		if err != nil {
			return err
		}
		return r.finish(ctx, newRS, append(old, newRS), true)
	}
	all := append(old, newRS)
	if st := countStatus(r.d, r.d.Status, newRS, all, r.now); complete(r.d, &st) {
		if err := r.cleanup(ctx, old); err != nil {
			return err
		}
	}
	return r.finish(ctx, newRS, all, true)
}

// recreate removes every old pod before the new ReplicaSet gets any.
func (r *rollout) recreate(ctx context.Context, rss []*appsv1.ReplicaSet) error {
	newRS, old, err := r.newAndOld(ctx, rss, false)
	if err != nil {
		return err
	}
	var down []resize
	for _, rs := range active(old) {
		down = append(down, resize{rs, 0})
	}
	if len(down) > 0 {
		newRS, old, err = r.apply(ctx, down, newRS, old)
		if err != nil {
			return err
		}
		return r.finish(ctx, newRS, append(old, newRS), true)
	}
	running, err := r.oldPodsRunning(old)
	if err != nil || running {
		if err == nil {
			err = r.finish(ctx, newRS, append(old, newRS), true)
		}
		return err
	}
	if newRS == nil {
		if newRS, old, err = r.newAndOld(ctx, rss, true); err != nil {
			return err
		}
	}
	if newRS, old, err = r.apply(ctx, []resize{{newRS, replicas(r.d)}}, newRS, old); err != nil {
		return err
	}
	all := append(old, newRS)
	if st := countStatus(r.d, r.d.Status, newRS, all, r.now); complete(r.d, &st) {
		if err := r.cleanup(ctx, old); err != nil {
			return err
		}
	}
	return r.finish(ctx, newRS, all, true)
}

// oldPodsRunning reports whether any pod of the old ReplicaSets is still
// there and not finished, terminating ones included.
func (r *rollout) oldPodsRunning(old []*appsv1.ReplicaSet) (bool, error) {
	for _, rs := range old {
		if rs.Status.Replicas > 0 {
			return true, nil
		}
		pods, err := podcontrol.Controlled[*corev1.Pod](r.c.podInf.GetIndexer(), rs.UID)
		if err != nil {
			return false, err
		}
		for _, p := range pods {
			if p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				return true, nil
			}
		}
	}
	return false, nil
}

// finish writes the status if it changed and, while a rollout is under
// way, checks again at its progress deadline.
func (r *rollout) finish(ctx context.Context, newRS *appsv1.ReplicaSet, all []*appsv1.ReplicaSet, progress bool) error {
	st := countStatus(r.d, r.d.Status, newRS, all, r.now)
	if progress {
		st = progressStatus(r.d, r.prev, st, newRS, r.now)
		if wait := untilDeadline(r.d, st, r.now); wait > 0 {
			r.c.loop.AddAfter(r.d.Namespace+"/"+r.d.Name, wait)
		}
	}
	return r.writeStatus(ctx, st)
}
