package apiserver

import (
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"github.com/skiff/skiff/internal/scheme"
)

// TestFieldManagerSetTrims: managedFields computed without the half of the
// object an endpoint cannot change (fieldManagerSet) are the ones computed
// on whole objects, through creates, spec and status writes by several
// managers.
func TestFieldManagerSetTrims(t *testing.T) {
	sch, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	tc := newTypeConverter(sch)
	set := fieldManagerSet{}
	for _, sub := range []string{"", "status"} {
		fm, err := managedfields.NewDefaultFieldManager(tc, sch, sch, sch, gvk, gvk.GroupVersion(), sub, resetFields(gvk.GroupVersion(), true, sub))
		if err != nil {
			t.Fatal(err)
		}
		set[sub] = fm
	}
	now := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	empty := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}}
	created := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox",
			Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
	type step struct {
		manager, sub string
		change       func(p *corev1.Pod)
	}
	steps := []step{
		{"kubelet", "status", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.PodIP = "10.42.0.5"
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}}
		}},
		{"kubectl-label", "", func(p *corev1.Pod) { p.Labels = map[string]string{"app": "b", "tier": "web"} }},
		{"kubectl-edit", "", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "busybox:2" }},
		{"kubelet", "status", func(p *corev1.Pod) {
			p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now})
			p.Status.ContainerStatuses[0].RestartCount = 1
		}},
		{"other", "status", func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed; p.Status.PodIP = "" }},
	}

	// whole runs the field manager on whole objects.
	whole := func(live, obj kruntime.Object, manager, sub string) (kruntime.Object, error) {
		return set[sub].Update(live, obj, manager)
	}
	run := func(update func(live, obj kruntime.Object, manager, sub string) (kruntime.Object, error)) [][]metav1.ManagedFieldsEntry {
		var history [][]metav1.ManagedFieldsEntry
		obj, err := update(empty.DeepCopy(), created.DeepCopy(), "creator", "")
		if err != nil {
			t.Fatal(err)
		}
		live := obj.(*corev1.Pod)
		// Stored objects carry a UID and a resourceVersion; the field
		// manager stops tracking an update of a stored object (one with a
		// UID) whose live managedFields are empty.
		live.UID, live.ResourceVersion = "uid-1", "1"
		for i, s := range steps {
			next := live.DeepCopy()
			s.change(next)
			// What the store hands over: the half the endpoint cannot
			// change is the live object's.
			if s.sub == "status" {
				next.Spec = live.Spec
			} else {
				next.Status = live.Status
			}
			out, err := update(live, next, s.manager, s.sub)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			live = out.(*corev1.Pod)
			live.ResourceVersion = strconv.Itoa(i + 2)
			entries := live.DeepCopy().ManagedFields
			for j := range entries {
				entries[j].Time = nil
			}
			history = append(history, entries)
		}
		return history
	}
	got, want := run(set.Update), run(whole)
	for i := range want {
		if !equality.Semantic.DeepEqual(got[i], want[i]) {
			t.Errorf("after step %d (%s/%s):\ntrimmed: %+v\nwhole:   %+v", i, steps[i].manager, steps[i].sub, got[i], want[i])
		}
	}
	if len(want[len(want)-1]) < 4 {
		t.Errorf("expected entries of several managers, got %+v", want[len(want)-1])
	}
}

// BenchmarkPodStatusManagedFields is one kubelet status write's
// managedFields update, with and without the unchanged spec.
//
//	go test -run XXX -bench PodStatusManagedFields ./internal/apiserver
func BenchmarkPodStatusManagedFields(b *testing.B) {
	sch, err := scheme.New()
	if err != nil {
		b.Fatal(err)
	}
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	set := fieldManagerSet{}
	for _, sub := range []string{"", "status"} {
		fm, err := managedfields.NewDefaultFieldManager(newTypeConverter(sch), sch, sch, sch, gvk, gvk.GroupVersion(), sub, resetFields(gvk.GroupVersion(), true, sub))
		if err != nil {
			b.Fatal(err)
		}
		set[sub] = fm
	}
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "a", "pod-template-hash": "abc"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"sleep", "3600"},
				VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access-x", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}}}},
			Volumes: []corev1.Volume{{Name: "kube-api-access-x", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			}}}}},
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: "Exists", Effect: "NoExecute"}},
			NodeName:    "n1",
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
	created, err := set.Update(&corev1.Pod{TypeMeta: pod.TypeMeta}, pod, "kube-controller-manager", "")
	if err != nil {
		b.Fatal(err)
	}
	live := created.(*corev1.Pod)
	live.UID, live.ResourceVersion = "uid-1", "1" // stored, as a status write finds it
	next := live.DeepCopy()
	next.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.42.0.5",
		Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}
	for _, bc := range []struct {
		name   string
		update func(live, obj kruntime.Object) (kruntime.Object, error)
	}{
		{"trimmed", func(live, obj kruntime.Object) (kruntime.Object, error) {
			return set.Update(live, obj, "kubelet", "status")
		}},
		{"whole", func(live, obj kruntime.Object) (kruntime.Object, error) {
			return set["status"].Update(live, obj, "kubelet")
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := bc.update(live, next.DeepCopy()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
