package disruption

import (
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// disruptedPodTimeout is how long an eviction the API server recorded in
// status.disruptedPods is expected to take before it is forgotten.
const disruptedPodTimeout = 2 * time.Minute

// budget is the arithmetic of one PodDisruptionBudget.
type budget struct {
	expected, desired, healthy int32
}

// computeBudget works out expected and desired healthy pods. An integer
// minAvailable needs only the pods; a percentage or maxUnavailable needs
// the scale of the pods' controllers (scale).
func computeBudget(pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod, scale int32, now time.Time) budget {
	b := budget{}
	for _, pod := range pods {
		if healthy(pod, pdb, now) {
			b.healthy++
		}
	}
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		b.expected = scale
		b.desired = max(scale-scaled(*pdb.Spec.MaxUnavailable, scale), 0)
	case pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.Type == intstr.Int:
		b.expected = int32(len(pods))
		b.desired = pdb.Spec.MinAvailable.IntVal
	case pdb.Spec.MinAvailable != nil:
		b.expected = scale
		b.desired = scaled(*pdb.Spec.MinAvailable, scale)
	default:
		b.expected = int32(len(pods))
	}
	return b
}

// scaled is an int or a percentage of total, rounded up as Kubernetes
// does for disruption budgets.
func scaled(v intstr.IntOrString, total int32) int32 {
	n, err := intstr.GetScaledValueFromIntOrPercent(&v, int(total), true)
	if err != nil {
		return 0
	}
	return int32(min(n, math.MaxInt32))
}

// healthy pods are ready, not being deleted and not being evicted.
func healthy(pod *corev1.Pod, pdb *policyv1.PodDisruptionBudget, now time.Time) bool {
	if pod.DeletionTimestamp != nil {
		return false
	}
	if t, ok := pdb.Status.DisruptedPods[pod.Name]; ok && now.Sub(t.Time) < disruptedPodTimeout {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// desiredStatus is the PDB's status as the pods make it.
func desiredStatus(pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod, b budget, now time.Time) policyv1.PodDisruptionBudgetStatus {
	st := *pdb.Status.DeepCopy()
	st.ObservedGeneration = pdb.Generation
	st.ExpectedPods = b.expected
	st.DesiredHealthy = b.desired
	st.CurrentHealthy = b.healthy
	st.DisruptionsAllowed = max(b.healthy-b.desired, 0)
	st.DisruptedPods = liveDisruptions(pdb.Status.DisruptedPods, pods, now)
	cond := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse,
		Reason: policyv1.InsufficientPodsReason, ObservedGeneration: pdb.Generation}
	if st.DisruptionsAllowed > 0 {
		cond.Status, cond.Reason = metav1.ConditionTrue, policyv1.SufficientPodsReason
	}
	setCondition(&st.Conditions, cond, now)
	return st
}

// liveDisruptions keeps the recorded evictions of pods that still exist
// and are not past their timeout.
func liveDisruptions(recorded map[string]metav1.Time, pods []*corev1.Pod, now time.Time) map[string]metav1.Time {
	if len(recorded) == 0 {
		return nil
	}
	exists := map[string]bool{}
	for _, p := range pods {
		exists[p.Name] = p.DeletionTimestamp == nil
	}
	out := map[string]metav1.Time{}
	for name, t := range recorded {
		if exists[name] && now.Sub(t.Time) < disruptedPodTimeout {
			out[name] = t
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func setCondition(conds *[]metav1.Condition, c metav1.Condition, now time.Time) {
	for i := range *conds {
		old := &(*conds)[i]
		if old.Type != c.Type {
			continue
		}
		c.LastTransitionTime = old.LastTransitionTime
		if old.Status != c.Status {
			c.LastTransitionTime = metav1.NewTime(now)
		}
		*old = c
		return
	}
	c.LastTransitionTime = metav1.NewTime(now)
	*conds = append(*conds, c)
}
