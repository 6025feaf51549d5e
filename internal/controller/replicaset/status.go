package replicaset

import (
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// computeStatus is the owner's status given its active pods and the
// outcome of this sync's creations or deletions (manageErr, and whether
// the sync was creating).
func computeStatus(o *owner, active []*corev1.Pod, manageErr error, creating bool, now time.Time) appsv1.ReplicaSetStatus {
	st := appsv1.ReplicaSetStatus{
		Replicas:           int32(len(active)),
		ObservedGeneration: o.obj.GetGeneration(),
		Conditions:         slices.Clone(o.status.Conditions),
	}
	var tmpl labels.Set
	if o.template != nil {
		tmpl = o.template.Labels
	}
	fullyLabeled := tmpl.AsSelector()
	for _, p := range active {
		if fullyLabeled.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if podcontrol.IsReady(p) {
			st.ReadyReplicas++
		}
		if podcontrol.IsAvailable(p, o.minReadySeconds, now) {
			st.AvailableReplicas++
		}
	}
	i := slices.IndexFunc(st.Conditions, func(c appsv1.ReplicaSetCondition) bool {
		return c.Type == appsv1.ReplicaSetReplicaFailure
	})
	switch {
	case manageErr != nil && i < 0:
		reason := "FailedDelete"
		if creating {
			reason = "FailedCreate"
		}
		st.Conditions = append(st.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: manageErr.Error(),
		})
	case manageErr == nil && i >= 0:
		st.Conditions = slices.Delete(st.Conditions, i, i+1)
	}
	if len(st.Conditions) == 0 {
		st.Conditions = nil
	}
	return st
}
