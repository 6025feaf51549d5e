package store

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestSpecEqual(t *testing.T) {
	pod := func(change func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "c", Image: "busybox",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
			}}},
		}
		if change != nil {
			change(p)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		a, b runtime.Object
		want bool
	}{
		{"same pod", pod(nil), pod(nil), true},
		{"metadata and status do not count", pod(nil), pod(func(p *corev1.Pod) {
			p.Labels = map[string]string{"a": "b"}
			p.Status.Phase = corev1.PodRunning
		}), true},
		{"node name", pod(nil), pod(func(p *corev1.Pod) { p.Spec.NodeName = "n" }), false},
		{"image", pod(nil), pod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "other" }), false},
		{"quantities compare by value", pod(nil), pod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("1000m")
		}), true},
		{"pointer field", pod(nil), pod(func(p *corev1.Pod) { p.Spec.Hostname = "h"; p.Spec.Priority = new(int32) }), false},
		{"configmap data", &corev1.ConfigMap{Data: map[string]string{"k": "v"}}, &corev1.ConfigMap{Data: map[string]string{"k": "w"}}, false},
		{"configmap same", &corev1.ConfigMap{Data: map[string]string{"k": "v"}}, &corev1.ConfigMap{Data: map[string]string{"k": "v"}}, true},
		{"event times", &corev1.Event{FirstTimestamp: metav1.Unix(1, 0)}, &corev1.Event{FirstTimestamp: metav1.Unix(1, 0)}, true},
		{"event times differ", &corev1.Event{FirstTimestamp: metav1.Unix(1, 0)}, &corev1.Event{FirstTimestamp: metav1.Unix(2, 0)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := specEqual(tc.a, tc.b); got != tc.want {
				t.Errorf("specEqual = %v, want %v", got, tc.want)
			}
		})
	}
}
