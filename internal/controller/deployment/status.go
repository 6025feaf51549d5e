package deployment

import (
	"fmt"
	"math"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reasons of the Progressing and Available conditions, as Kubernetes
// names them (kubectl rollout status matches ProgressDeadlineExceeded).
const (
	ReasonNewRSCreated   = "NewReplicaSetCreated"
	ReasonFoundNewRS     = "FoundNewReplicaSet"
	ReasonRSUpdated      = "ReplicaSetUpdated"
	ReasonNewRSAvailable = "NewReplicaSetAvailable"
	ReasonTimedOut       = "ProgressDeadlineExceeded"
	ReasonFailedRSCreate = "ReplicaSetCreateError"
	ReasonPaused         = "DeploymentPaused"
	ReasonResumed        = "DeploymentResumed"
	ReasonMinAvailable   = "MinimumReplicasAvailable"
	ReasonMinUnavailable = "MinimumReplicasUnavailable"
)

// countStatus is the Deployment's status counts from its ReplicaSets,
// with Available and the other conditions carried over from cur.
func countStatus(d *appsv1.Deployment, cur appsv1.DeploymentStatus, newRS *appsv1.ReplicaSet, all []*appsv1.ReplicaSet, now time.Time) appsv1.DeploymentStatus {
	st := appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation,
		CollisionCount:     cur.CollisionCount,
		Conditions:         slices.Clone(cur.Conditions),
	}
	for _, rs := range all {
		if rs == nil {
			continue
		}
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if newRS != nil {
		st.UpdatedReplicas = newRS.Status.Replicas
	}
	st.UnavailableReplicas = max(sumSpec(all)-st.AvailableReplicas, 0)
	if st.AvailableReplicas >= replicas(d)-maxUnavailable(d) {
		setCondition(&st, appsv1.DeploymentAvailable, corev1.ConditionTrue, ReasonMinAvailable, "Deployment has minimum availability.", now)
	} else {
		setCondition(&st, appsv1.DeploymentAvailable, corev1.ConditionFalse, ReasonMinUnavailable, "Deployment does not have minimum availability.", now)
	}
	return st
}

// hasDeadline reports whether progress is tracked at all.
func hasDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

func complete(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	return st.UpdatedReplicas == replicas(d) && st.Replicas == replicas(d) &&
		st.AvailableReplicas == replicas(d) && st.ObservedGeneration >= d.Generation
}

// progressed reports whether the rollout moved since prev.
func progressed(prev, st *appsv1.DeploymentStatus) bool {
	oldPrev := prev.Replicas - prev.UpdatedReplicas
	oldNow := st.Replicas - st.UpdatedReplicas
	return st.UpdatedReplicas > prev.UpdatedReplicas || oldNow < oldPrev ||
		st.ReadyReplicas > prev.ReadyReplicas || st.AvailableReplicas > prev.AvailableReplicas
}

// progressStatus sets Progressing from how the rollout moved since prev
// (the stored status): complete, progressing, or past its deadline.
func progressStatus(d *appsv1.Deployment, prev appsv1.DeploymentStatus, st appsv1.DeploymentStatus, newRS *appsv1.ReplicaSet, now time.Time) appsv1.DeploymentStatus {
	if !hasDeadline(d) {
		removeCondition(&st, appsv1.DeploymentProgressing)
		return st
	}
	cond := getCondition(st, appsv1.DeploymentProgressing)
	if st.Replicas == st.UpdatedReplicas && cond != nil && cond.Reason == ReasonNewRSAvailable {
		return st // finished earlier: nothing to track
	}
	name := ""
	if newRS != nil {
		name = newRS.Name
	}
	switch {
	case complete(d, &st):
		setCondition(&st, appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSAvailable,
			fmt.Sprintf("ReplicaSet %q has successfully progressed.", name), now)
	case progressed(&prev, &st):
		setCondition(&st, appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonRSUpdated,
			fmt.Sprintf("ReplicaSet %q is progressing.", name), now)
		// Progress renews the deadline even without a status change.
		getCondition(st, appsv1.DeploymentProgressing).LastUpdateTime = metav1.NewTime(now)
	case timedOut(d, &st, now):
		setCondition(&st, appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonTimedOut,
			fmt.Sprintf("ReplicaSet %q has timed out progressing.", name), now)
	}
	return st
}

// timedOut reports whether the last progress is older than the deadline.
func timedOut(d *appsv1.Deployment, st *appsv1.DeploymentStatus, now time.Time) bool {
	c := getCondition(*st, appsv1.DeploymentProgressing)
	if c == nil {
		return false
	}
	switch c.Reason {
	case ReasonNewRSAvailable:
		return false
	case ReasonTimedOut:
		return true
	}
	deadline := c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second)
	return deadline.Before(now)
}

// untilDeadline is how long until a rollout in progress times out; 0 when
// nothing is to be checked later.
func untilDeadline(d *appsv1.Deployment, st appsv1.DeploymentStatus, now time.Time) time.Duration {
	c := getCondition(st, appsv1.DeploymentProgressing)
	if !hasDeadline(d) || complete(d, &st) || c == nil || c.Reason == ReasonTimedOut || c.Reason == ReasonNewRSAvailable {
		return 0
	}
	left := c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(now)
	return max(left, time.Second) + time.Second
}

func getCondition(st appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// setCondition sets a condition; the transition time moves only when the
// status does, the update time when anything does.
func setCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) {
	c := appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, Message: msg,
		LastUpdateTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
	if cur := getCondition(*st, t); cur != nil {
		if cur.Status == s && cur.Reason == reason && cur.Message == msg {
			return
		}
		if cur.Status == s {
			c.LastTransitionTime = cur.LastTransitionTime
		}
		*cur = c
		return
	}
	st.Conditions = append(st.Conditions, c)
}

func removeCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	st.Conditions = slices.DeleteFunc(st.Conditions, func(c appsv1.DeploymentCondition) bool { return c.Type == t })
	if len(st.Conditions) == 0 {
		st.Conditions = nil
	}
}
