package replicaset

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type podSpec struct {
	name     string
	node     string
	phase    corev1.PodPhase
	ready    bool
	readyAgo time.Duration
	restarts int32
	age      time.Duration
}

var t0 = time.Unix(100000, 0)

func mkPod(s podSpec) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: "ns", CreationTimestamp: metav1.NewTime(t0.Add(-s.age))},
		Spec:       corev1.PodSpec{NodeName: s.node},
		Status:     corev1.PodStatus{Phase: s.phase, ContainerStatuses: []corev1.ContainerStatus{{RestartCount: s.restarts}}},
	}
	if s.ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(t0.Add(-s.readyAgo))}}
	}
	return p
}

func podNames(ps []*corev1.Pod) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestRankForDeletion(t *testing.T) {
	tests := []struct {
		name string
		pods []podSpec
		want []string
	}{
		{"unscheduled first", []podSpec{
			{name: "running", node: "n", phase: corev1.PodRunning, ready: true},
			{name: "unscheduled", phase: corev1.PodPending},
		}, []string{"unscheduled", "running"}},
		{"pending < unknown < running", []podSpec{
			{name: "running", node: "n", phase: corev1.PodRunning},
			{name: "unknown", node: "n", phase: corev1.PodUnknown},
			{name: "pending", node: "n", phase: corev1.PodPending},
		}, []string{"pending", "unknown", "running"}},
		{"not ready before ready", []podSpec{
			{name: "ready", node: "n", phase: corev1.PodRunning, ready: true},
			{name: "notready", node: "n", phase: corev1.PodRunning},
		}, []string{"notready", "ready"}},
		{"ready more recently first", []podSpec{
			{name: "long", node: "n", phase: corev1.PodRunning, ready: true, readyAgo: time.Hour},
			{name: "short", node: "n", phase: corev1.PodRunning, ready: true, readyAgo: time.Minute},
		}, []string{"short", "long"}},
		{"more restarts first, then newest", []podSpec{
			{name: "old", node: "n", phase: corev1.PodRunning, age: time.Hour},
			{name: "new", node: "n", phase: corev1.PodRunning, age: time.Minute},
			{name: "crashy", node: "n", phase: corev1.PodRunning, restarts: 3, age: 2 * time.Hour},
		}, []string{"crashy", "new", "old"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pods []*corev1.Pod
			for _, s := range tc.pods {
				pods = append(pods, mkPod(s))
			}
			rankForDeletion(pods)
			if got := podNames(pods); !slices.Equal(got, tc.want) {
				t.Fatalf("order = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPlanReplicas(t *testing.T) {
	many := func(n int) []*corev1.Pod {
		var out []*corev1.Pod
		for i := range n {
			out = append(out, mkPod(podSpec{name: string(rune('a' + i%26)), node: "n", phase: corev1.PodRunning}))
		}
		return out
	}
	tests := []struct {
		name           string
		active         int
		want           int32
		create, delete int
	}{
		{"equal", 3, 3, 0, 0},
		{"scale up", 1, 4, 3, 0},
		{"scale down", 5, 2, 0, 3},
		{"burst caps creations", 0, 2000, BurstReplicas, 0},
		{"burst caps deletions", 600, 0, 0, BurstReplicas},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := planReplicas(many(tc.active), tc.want)
			if p.create != tc.create || len(p.delete) != tc.delete {
				t.Fatalf("plan = create %d delete %d, want %d %d", p.create, len(p.delete), tc.create, tc.delete)
			}
		})
	}
}
