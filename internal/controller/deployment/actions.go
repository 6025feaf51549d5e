package deployment

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// newAndOld splits the ReplicaSets into the new one and the old ones,
// bringing the new one's revision and annotations up to date and creating
// it when create is set and it does not exist yet.
func (r *rollout) newAndOld(ctx context.Context, rss []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	newRS, old := splitReplicaSets(r.d, rss)
	rev := maxRevision(old) + 1
	var err error
	switch {
	case newRS != nil:
		newRS, err = r.syncNewRS(ctx, newRS, rev)
	case create:
		newRS, err = r.createNewRS(ctx, old, rev)
	default:
		return nil, old, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return newRS, old, r.setRevision(ctx, newRS.Annotations[RevisionAnnotation])
}

func (r *rollout) syncNewRS(ctx context.Context, rs *appsv1.ReplicaSet, rev int64) (*appsv1.ReplicaSet, error) {
	cp := rs.DeepCopy()
	changed := setNewRSAnnotations(r.d, cp, rev, true)
	if changed || cp.Spec.MinReadySeconds != r.d.Spec.MinReadySeconds {
		cp.Spec.MinReadySeconds = r.d.Spec.MinReadySeconds
		updated, err := r.c.client.AppsV1().ReplicaSets(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
		if err != nil {
			return nil, fmt.Errorf("update replicaset %s: %w", cp.Name, err)
		}
		cp = updated
	}
	if hasDeadline(r.d) && getCondition(r.d.Status, appsv1.DeploymentProgressing) == nil {
		setCondition(&r.d.Status, appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonFoundNewRS,
			fmt.Sprintf("Found new replica set %q", cp.Name), r.now)
	}
	return cp, nil
}

// createNewRS creates the ReplicaSet of the current template. Its name is
// a function of the template, so a create repeated after a crash finds
// the first one instead of making a second.
func (r *rollout) createNewRS(ctx context.Context, old []*appsv1.ReplicaSet, rev int64) (*appsv1.ReplicaSet, error) {
	rs := newReplicaSet(r.d, 0, rev)
	rs.Spec.Replicas = ptr.To(newRSTarget(r.d, append(slices.Clone(old), rs), rs))
	created, err := r.c.client.AppsV1().ReplicaSets(rs.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return r.existingNewRS(ctx, rs)
	}
	if err != nil {
		if hasDeadline(r.d) {
			setCondition(&r.d.Status, appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonFailedRSCreate,
				fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err), r.now)
			_ = r.writeStatus(ctx, r.d.Status)
		}
		return nil, fmt.Errorf("create replicaset %s: %w", rs.Name, err)
	}
	if n := rsReplicas(created); n > 0 {
		r.c.recorder.Eventf(r.d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.Name, n)
	}
	if hasDeadline(r.d) {
		setCondition(&r.d.Status, appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", created.Name), r.now)
	}
	return created, nil
}

// existingNewRS handles a name already taken: ours (the cache lagged) or
// a hash collision, which bumps collisionCount so the next name differs.
func (r *rollout) existingNewRS(ctx context.Context, want *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	rs, err := r.c.client.AppsV1().ReplicaSets(want.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get replicaset %s: %w", want.Name, err)
	}
	if ref := metav1.GetControllerOfNoCopy(rs); ref != nil && ref.UID == r.d.UID && sameTemplate(&rs.Spec.Template, &r.d.Spec.Template) {
		return rs, nil
	}
	r.d.Status.CollisionCount = ptr.To(ptr.Deref(r.d.Status.CollisionCount, 0) + 1)
	if err := r.writeStatus(ctx, r.d.Status); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("replicaset name %s collides; collisionCount now %d", want.Name, *r.d.Status.CollisionCount)
}

// setRevision puts the new ReplicaSet's revision on the Deployment.
// Metadata does not travel through the status endpoint, so this is an
// update of the Deployment itself.
func (r *rollout) setRevision(ctx context.Context, rev string) error {
	if rev == "" || r.d.Annotations[RevisionAnnotation] == rev {
		return nil
	}
	cp := r.d.DeepCopy()
	if cp.Annotations == nil {
		cp.Annotations = map[string]string{}
	}
	cp.Annotations[RevisionAnnotation] = rev
	updated, err := r.c.client.AppsV1().Deployments(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("set revision of deployment %s: %w", cp.Name, err)
	}
	r.d.Annotations, r.d.ResourceVersion = updated.Annotations, updated.ResourceVersion
	return nil
}

// apply carries out resizes and returns the ReplicaSets as updated.
func (r *rollout) apply(ctx context.Context, steps []resize, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	old = slices.Clone(old)
	for _, s := range steps {
		updated, err := r.scaleRS(ctx, s.rs, s.to)
		if err != nil {
			return nil, nil, err
		}
		if s.rs == newRS {
			newRS = updated
		}
		for i := range old {
			if old[i] == s.rs {
				old[i] = updated
			}
		}
	}
	return newRS, old, nil
}

func (r *rollout) scaleRS(ctx context.Context, rs *appsv1.ReplicaSet, to int32) (*appsv1.ReplicaSet, error) {
	from := rsReplicas(rs)
	cp := rs.DeepCopy()
	annotated := setReplicasAnnotations(cp, replicas(r.d), replicas(r.d)+maxSurge(r.d))
	if from == to && !annotated {
		return rs, nil
	}
	cp.Spec.Replicas = ptr.To(to)
	updated, err := r.c.client.AppsV1().ReplicaSets(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("scale replicaset %s to %d: %w", rs.Name, to, err)
	}
	if from != to {
		dir := "up"
		if to < from {
			dir = "down"
		}
		r.c.recorder.Eventf(r.d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", dir, rs.Name, from, to)
	}
	return updated, nil
}

// cleanup deletes the oldest empty ReplicaSets beyond revisionHistoryLimit.
func (r *rollout) cleanup(ctx context.Context, old []*appsv1.ReplicaSet) error {
	if r.d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var empty []*appsv1.ReplicaSet
	for _, rs := range old {
		if rsReplicas(rs) == 0 && rs.Status.Replicas == 0 && rs.DeletionTimestamp == nil && rs.Status.ObservedGeneration >= rs.Generation {
			empty = append(empty, rs)
		}
	}
	extra := len(empty) - int(*r.d.Spec.RevisionHistoryLimit)
	if extra <= 0 {
		return nil
	}
	slices.SortStableFunc(empty, func(a, b *appsv1.ReplicaSet) int { return int(revision(a) - revision(b)) })
	for _, rs := range empty[:extra] {
		err := r.c.client.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &rs.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("clean up replicaset %s (revision %s): %w", rs.Name, strconv.FormatInt(revision(rs), 10), err)
		}
	}
	return nil
}

func (r *rollout) writeStatus(ctx context.Context, st appsv1.DeploymentStatus) error {
	if apiequality.Semantic.DeepEqual(r.prev, st) {
		return nil
	}
	cp := r.d.DeepCopy()
	cp.Status = st
	updated, err := r.c.client.AppsV1().Deployments(cp.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("update status of deployment %s: %w", cp.Name, err)
	}
	r.prev, r.d.ResourceVersion = updated.Status, updated.ResourceVersion
	return nil
}
