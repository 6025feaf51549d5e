package replicaset

import (
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestComputeStatus(t *testing.T) {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: 4}}
	o := &owner{obj: rs, replicas: 3, minReadySeconds: 30, selector: labels.Everything(),
		template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "fe"}}}}
	full := map[string]string{"app": "web", "tier": "fe"}
	pods := []*corev1.Pod{
		mkPod(podSpec{name: "a", phase: corev1.PodRunning, ready: true, readyAgo: time.Minute}),
		mkPod(podSpec{name: "b", phase: corev1.PodRunning, ready: true, readyAgo: 10 * time.Second}),
		mkPod(podSpec{name: "c", phase: corev1.PodPending}),
	}
	pods[0].Labels, pods[1].Labels, pods[2].Labels = full, full, map[string]string{"app": "web"}

	tests := []struct {
		name     string
		err      error
		creating bool
		prior    []appsv1.ReplicaSetCondition
		wantCond string // reason of ReplicaFailure, "" for none
	}{
		{"healthy", nil, false, nil, ""},
		{"create failed", errors.New("quota"), true, nil, "FailedCreate"},
		{"delete failed", errors.New("x"), false, nil, "FailedDelete"},
		{"recovered clears failure", nil, true, []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Reason: "FailedCreate"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o.status = appsv1.ReplicaSetStatus{Conditions: tc.prior}
			st := computeStatus(o, pods, tc.err, tc.creating, t0)
			if st.Replicas != 3 || st.FullyLabeledReplicas != 2 || st.ReadyReplicas != 2 || st.AvailableReplicas != 1 || st.ObservedGeneration != 4 {
				t.Fatalf("counts = %+v", st)
			}
			got := ""
			for _, c := range st.Conditions {
				if c.Type == appsv1.ReplicaSetReplicaFailure {
					got = c.Reason
				}
			}
			if got != tc.wantCond {
				t.Fatalf("ReplicaFailure reason = %q, want %q", got, tc.wantCond)
			}
		})
	}
}
