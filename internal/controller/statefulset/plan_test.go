package statefulset

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var t0 = time.Unix(100000, 0)

func set(replicas int32, parallel bool, partition *int32) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "s-uid"},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To(replicas), ServiceName: "web",
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}},
	}
	if parallel {
		s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	}
	if partition != nil {
		s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: partition}
	}
	return s
}

// pod "web-N" in state: "ok" running+ready, "pending", "dying", "failed";
// rev is its revision.
func pod(ord int, state, rev string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", ord), Namespace: "ns",
		Labels: map[string]string{appsv1.ControllerRevisionHashLabelKey: rev}}}
	switch state {
	case "ok", "dying":
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		if state == "dying" {
			now := metav1.NewTime(t0)
			p.DeletionTimestamp = &now
		}
	case "pending":
		p.Status.Phase = corev1.PodPending
	case "failed":
		p.Status.Phase = corev1.PodFailed
	}
	return p
}

func fmtSteps(steps []step) string {
	var out []string
	for _, s := range steps {
		if s.create {
			out = append(out, fmt.Sprintf("+%d", s.ord))
		} else {
			out = append(out, fmt.Sprintf("-%d", s.ord))
		}
	}
	return strings.Join(out, ",")
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name string
		set  *appsv1.StatefulSet
		pods []*corev1.Pod
		want string
	}{
		{"ordered: create web-0 first", set(3, false, nil), nil, "+0"},
		{"ordered: wait for web-0 to be ready", set(3, false, nil), []*corev1.Pod{pod(0, "pending", "r1")}, ""},
		{"ordered: then web-1", set(3, false, nil), []*corev1.Pod{pod(0, "ok", "r1")}, "+1"},
		{"ordered: refill a gap before going on", set(3, false, nil), []*corev1.Pod{pod(1, "ok", "r1"), pod(2, "ok", "r1")}, "+0"},
		{"parallel: create all at once", set(3, true, nil), nil, "+0,+1,+2"},
		{"failed pod is deleted to be recreated", set(2, false, nil), []*corev1.Pod{pod(0, "failed", "r1")}, "-0"},
		{"ordered scale down: highest first, one at a time", set(1, false, nil),
			[]*corev1.Pod{pod(0, "ok", "r1"), pod(1, "ok", "r1"), pod(2, "ok", "r1")}, "-2"},
		{"ordered scale down waits for a terminating pod", set(1, false, nil),
			[]*corev1.Pod{pod(0, "ok", "r1"), pod(1, "ok", "r1"), pod(2, "dying", "r1")}, ""},
		{"parallel scale down at once", set(1, true, nil),
			[]*corev1.Pod{pod(0, "ok", "r1"), pod(1, "ok", "r1"), pod(2, "ok", "r1")}, "-2,-1"},
		{"rolling update from the highest ordinal", set(3, false, nil),
			[]*corev1.Pod{pod(0, "ok", "r1"), pod(1, "ok", "r1"), pod(2, "ok", "r1")}, "-2"},
		{"rolling update continues below an updated pod", set(3, false, nil),
			[]*corev1.Pod{pod(0, "ok", "r1"), pod(1, "ok", "r1"), pod(2, "ok", "r2")}, "-1"},
		{"rolling update waits for the updated pod to be ready", set(3, false, nil),
			[]*corev1.Pod{pod(0, "ok", "r1"), pod(1, "ok", "r1"), pod(2, "pending", "r2")}, ""},
		{"partition stops the update", set(3, false, ptr.To[int32](2)),
			[]*corev1.Pod{pod(0, "ok", "r1"), pod(1, "ok", "r1"), pod(2, "ok", "r2")}, ""},
		{"converged", set(2, false, nil), []*corev1.Pod{pod(0, "ok", "r2"), pod(1, "ok", "r2")}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := fmtSteps(plan(snapshot{set: tc.set, pods: tc.pods, updateRev: "r2", now: t0}))
			if got != tc.want {
				t.Fatalf("plan = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRevisionFor(t *testing.T) {
	s := set(4, false, ptr.To[int32](2))
	if revisionFor(s, 1, "cur", "upd") != "cur" || revisionFor(s, 2, "cur", "upd") != "upd" {
		t.Fatal("partition decides the revision of new pods")
	}
	s = set(4, false, nil)
	s.Status.CurrentReplicas = 2
	if revisionFor(s, 1, "cur", "upd") != "cur" || revisionFor(s, 3, "cur", "upd") != "upd" {
		t.Fatal("without a partition, pods below currentReplicas keep the current revision")
	}
}

func TestIdentity(t *testing.T) {
	s := set(3, false, nil)
	s.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}
	s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType}
	p := newPod(s, &corev1.PodTemplateSpec{}, 2, "web-abc")
	if p.Name != "web-2" || p.Spec.Hostname != "web-2" || p.Spec.Subdomain != "web" ||
		p.Labels[PodNameLabel] != "web-2" || p.Labels[PodIndexLabel] != "2" || p.Labels[appsv1.ControllerRevisionHashLabelKey] != "web-abc" {
		t.Fatalf("pod identity = %+v", p.ObjectMeta)
	}
	if len(p.Spec.Volumes) != 1 || p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-web-2" {
		t.Fatalf("volumes = %+v", p.Spec.Volumes)
	}
	claims := newClaims(s, 2)
	if len(claims) != 1 || claims[0].Name != "data-web-2" || claims[0].Labels["app"] != "web" || len(claims[0].OwnerReferences) != 1 {
		t.Fatalf("claims = %+v", claims)
	}
	for name, want := range map[string]int{"web-0": 0, "web-12": 12, "web-01": -1, "web-x": -1, "other-1": -1, "web-": -1} {
		if got := ordinal(s, name); got != want {
			t.Errorf("ordinal(%s) = %d, want %d", name, got, want)
		}
	}
}
