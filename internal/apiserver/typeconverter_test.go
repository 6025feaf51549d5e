package apiserver

import (
	"runtime"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/scheme"
)

// TestTypeConverterMatchesClientGo runs the same sequence of updates
// through field managers built on client-go's converter and on ours: the
// managedFields they record must be identical.
func TestTypeConverterMatchesClientGo(t *testing.T) {
	sch, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox", Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}}}}},
	}
	bound := pod.DeepCopy()
	bound.Spec.NodeName = "n1"
	running := bound.DeepCopy()
	running.Status = corev1.PodStatus{
		Phase:             corev1.PodRunning,
		Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}},
	}
	relabelled := running.DeepCopy()
	relabelled.Labels = map[string]string{"app": "b", "tier": "web"}

	deploy := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3), Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}},
	}
	scaled := deploy.DeepCopy()
	scaled.Spec.Replicas = ptr.To[int32](5)

	cases := []struct {
		name  string
		gvk   schema.GroupVersionKind
		steps []step
	}{
		{"pod", corev1.SchemeGroupVersion.WithKind("Pod"), []step{{pod, "kube-controller-manager"}, {bound, "kube-scheduler"}, {running, "kubelet"}, {relabelled, "kubectl-label"}}},
		{"deployment", appsv1.SchemeGroupVersion.WithKind("Deployment"), []step{{deploy, "kubectl-create"}, {scaled, "kubectl-scale"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ours := runSteps(t, sch, newTypeConverter(sch), tc.gvk, tc.steps)
			want := runSteps(t, sch, applyconfigurations.NewTypeConverter(sch), tc.gvk, tc.steps)
			if !equality.Semantic.DeepEqual(ours, want) {
				t.Errorf("managedFields differ:\nours: %+v\nwant: %+v", ours, want)
			}
			if len(ours) < 2 {
				t.Errorf("expected several managers, got %+v", ours)
			}
		})
	}
}

type step struct {
	obj     kruntime.Object
	manager string
}

func runSteps(t *testing.T, sch *kruntime.Scheme, tc managedfields.TypeConverter, gvk schema.GroupVersionKind, steps []step) []metav1.ManagedFieldsEntry {
	t.Helper()
	fm, err := managedfields.NewDefaultFieldManager(tc, sch, sch, sch, gvk, gvk.GroupVersion(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var live kruntime.Object
	for i, s := range steps {
		obj := s.obj.DeepCopyObject()
		if live == nil {
			// A create: the live object is empty.
			if live, err = sch.New(gvk); err != nil {
				t.Fatal(err)
			}
			live.GetObjectKind().SetGroupVersionKind(gvk)
		} else {
			accessorOf(t, obj).SetManagedFields(accessorOf(t, live).GetManagedFields())
		}
		obj, err = fm.Update(live, obj, s.manager)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		live = obj
	}
	entries := accessorOf(t, live).GetManagedFields()
	for i := range entries {
		entries[i].Time = nil
	}
	return entries
}

func accessorOf(t *testing.T, obj kruntime.Object) metav1.Object {
	t.Helper()
	m, ok := obj.(metav1.Object)
	if !ok {
		t.Fatalf("%T has no object meta", obj)
	}
	return m
}

// TestTypeConverterForgets checks that the map from typed values back to
// objects does not grow without bound.
func TestTypeConverterForgets(t *testing.T) {
	sch, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	c := newTypeConverter(sch)
	pod := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: "p"}}
	for range 1000 {
		tv, err := c.ObjectToTyped(pod)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.TypedToObject(tv)
		if err != nil || back != kruntime.Object(pod) {
			t.Fatalf("TypedToObject = %v, %v; want the original object", back, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		c.mu.Lock()
		n := len(c.origins)
		c.mu.Unlock()
		if n < 100 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d typed values still remembered after GC", n)
		}
		runtime.Gosched()
	}
}
