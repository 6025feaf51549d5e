package disruption

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func readyPods(ready, notReady int) []*corev1.Pod {
	var out []*corev1.Pod
	for i := 0; i < ready+notReady; i++ {
		s := corev1.ConditionTrue
		if i >= ready {
			s = corev1.ConditionFalse
		}
		out = append(out, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: string(rune('a' + i))},
			Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: s}}}})
	}
	return out
}

func TestStatus(t *testing.T) {
	minAvail := func(v intstr.IntOrString) *policyv1.PodDisruptionBudget {
		return &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Generation: 2}, Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &v}}
	}
	maxUnavail := func(v intstr.IntOrString) *policyv1.PodDisruptionBudget {
		return &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Generation: 2}, Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &v}}
	}
	evicting := minAvail(intstr.FromInt32(1))
	evicting.Status.DisruptedPods = map[string]metav1.Time{"a": metav1.NewTime(t0.Add(-time.Minute))}
	tests := []struct {
		name                                string
		pdb                                 *policyv1.PodDisruptionBudget
		pods                                []*corev1.Pod
		scale                               int32
		expected, desired, healthy, allowed int32
		cond                                metav1.ConditionStatus
	}{
		{"minAvailable 2 of 3 ready", minAvail(intstr.FromInt32(2)), readyPods(3, 0), 3, 3, 2, 3, 1, metav1.ConditionTrue},
		{"minAvailable not met", minAvail(intstr.FromInt32(2)), readyPods(1, 2), 3, 3, 2, 1, 0, metav1.ConditionFalse},
		{"minAvailable 50% rounds up", minAvail(intstr.FromString("50%")), readyPods(3, 0), 3, 3, 2, 3, 1, metav1.ConditionTrue},
		{"maxUnavailable 1", maxUnavail(intstr.FromInt32(1)), readyPods(4, 0), 4, 4, 3, 4, 1, metav1.ConditionTrue},
		{"maxUnavailable 0 allows nothing", maxUnavail(intstr.FromInt32(0)), readyPods(4, 0), 4, 4, 4, 4, 0, metav1.ConditionFalse},
		{"pod being evicted is not healthy", evicting, readyPods(2, 0), 2, 2, 1, 1, 0, metav1.ConditionFalse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := desiredStatus(tt.pdb, tt.pods, computeBudget(tt.pdb, tt.pods, tt.scale, t0), t0)
			if st.ExpectedPods != tt.expected || st.DesiredHealthy != tt.desired || st.CurrentHealthy != tt.healthy || st.DisruptionsAllowed != tt.allowed {
				t.Errorf("expected/desired/healthy/allowed = %d/%d/%d/%d, want %d/%d/%d/%d",
					st.ExpectedPods, st.DesiredHealthy, st.CurrentHealthy, st.DisruptionsAllowed, tt.expected, tt.desired, tt.healthy, tt.allowed)
			}
			if st.ObservedGeneration != 2 || len(st.Conditions) != 1 || st.Conditions[0].Status != tt.cond || st.Conditions[0].Type != policyv1.DisruptionAllowedCondition {
				t.Errorf("generation %d conditions %+v, want DisruptionAllowed=%s", st.ObservedGeneration, st.Conditions, tt.cond)
			}
		})
	}
}
