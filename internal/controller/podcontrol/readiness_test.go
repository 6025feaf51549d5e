package podcontrol

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestIsAvailable(t *testing.T) {
	now := time.Unix(10000, 0)
	readySince := func(ago time.Duration, st corev1.ConditionStatus) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{
			Type: corev1.PodReady, Status: st, LastTransitionTime: metav1.NewTime(now.Add(-ago)),
		}}}}
	}
	tests := []struct {
		name   string
		pod    *corev1.Pod
		minRdy int32
		want   bool
	}{
		{"no condition", &corev1.Pod{}, 0, false},
		{"not ready", readySince(time.Hour, corev1.ConditionFalse), 0, false},
		{"ready, no min", readySince(0, corev1.ConditionTrue), 0, true},
		{"ready too briefly", readySince(5*time.Second, corev1.ConditionTrue), 10, false},
		{"ready exactly long enough", readySince(10*time.Second, corev1.ConditionTrue), 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsAvailable(tc.pod, tc.minRdy, now); got != tc.want {
				t.Fatalf("IsAvailable = %v, want %v", got, tc.want)
			}
		})
	}
}
