package resourcequota

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func podWith(phase corev1.PodPhase, cpu, mem string, initCPU string) *corev1.Pod {
	p := &corev1.Pod{Status: corev1.PodStatus{Phase: phase}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)},
		}}}}}
	if initCPU != "" {
		p.Spec.InitContainers = []corev1.Container{{Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(initCPU)}}}}
	}
	return p
}

func TestUsage(t *testing.T) {
	o := objects{
		pods: []*corev1.Pod{
			podWith(corev1.PodRunning, "100m", "64Mi", ""),
			podWith(corev1.PodPending, "200m", "64Mi", "1"), // init container needs more
			podWith(corev1.PodSucceeded, "4", "1Gi", ""),    // finished: uses nothing
		},
		services:   []*corev1.Service{{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{NodePort: 30000}}}}},
		configMaps: 2, secrets: 3,
	}
	hard := corev1.ResourceList{}
	want := map[corev1.ResourceName]string{
		corev1.ResourcePods: "2", corev1.ResourceServices: "1", corev1.ResourceConfigMaps: "2", corev1.ResourceSecrets: "3",
		corev1.ResourcePersistentVolumeClaims: "0", corev1.ResourceRequestsCPU: "1100m", corev1.ResourceRequestsMemory: "128Mi",
		corev1.ResourceLimitsCPU: "300m", corev1.ResourceServicesNodePorts: "1", "count/configmaps": "2",
	}
	for name := range want {
		hard[name] = resource.MustParse("100")
	}
	hard["example.com/unknown"] = resource.MustParse("1")
	used := usage(hard, o)
	for name, w := range want {
		got, ok := used[name]
		if !ok || got.Cmp(resource.MustParse(w)) != 0 {
			t.Errorf("used[%s] = %s, want %s", name, got.String(), w)
		}
	}
	if _, ok := used["example.com/unknown"]; ok {
		t.Error("untracked resource reported")
	}
}
