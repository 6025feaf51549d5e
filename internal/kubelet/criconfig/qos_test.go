package criconfig

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestQOSClass(t *testing.T) {
	withRes := func(r corev1.ResourceRequirements) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.Containers[0].Resources = r }
	}
	withInit := func(r corev1.ResourceRequirements) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "init", Resources: r})
		}
	}
	cases := []struct {
		name string
		pod  *corev1.Pod
		want corev1.PodQOSClass
	}{
		{"nothing set", testPod(), corev1.PodQOSBestEffort},
		{"only other resources", testPod(withRes(resources("ephemeral-storage=1Gi", ""))), corev1.PodQOSBestEffort},
		{"zero requests", testPod(withRes(resources("cpu=0", ""))), corev1.PodQOSBestEffort},
		{"requests only", testPod(withRes(resources("cpu=100m", ""))), corev1.PodQOSBurstable},
		{"limits equal requests", testPod(withRes(resources("cpu=1,memory=1Gi", "cpu=1,memory=1Gi"))), corev1.PodQOSGuaranteed},
		{"equal in other units", testPod(withRes(resources("cpu=1000m,memory=1024Mi", "cpu=1,memory=1Gi"))), corev1.PodQOSGuaranteed},
		{"memory limit missing", testPod(withRes(resources("cpu=1", "cpu=1"))), corev1.PodQOSBurstable},
		{"requests below limits", testPod(withRes(resources("cpu=500m,memory=1Gi", "cpu=1,memory=1Gi"))), corev1.PodQOSBurstable},
		{"init container unlimited", testPod(withRes(resources("cpu=1,memory=1Gi", "cpu=1,memory=1Gi")), withInit(resources("cpu=1", ""))), corev1.PodQOSBurstable},
		{"init container guaranteed too", testPod(withRes(resources("cpu=1,memory=1Gi", "cpu=1,memory=1Gi")), withInit(resources("cpu=1,memory=1Gi", "cpu=1,memory=1Gi"))), corev1.PodQOSGuaranteed},
		{"status wins", testPod(func(p *corev1.Pod) { p.Status.QOSClass = corev1.PodQOSGuaranteed }), corev1.PodQOSGuaranteed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := QOSClass(tc.pod); got != tc.want {
				t.Errorf("QOSClass = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCgroupParent(t *testing.T) {
	cases := []struct {
		qos  corev1.PodQOSClass
		want string
	}{
		{corev1.PodQOSGuaranteed, "/skiff/kubepods/podu-1"},
		{corev1.PodQOSBurstable, "/skiff/kubepods/burstable/podu-1"},
		{corev1.PodQOSBestEffort, "/skiff/kubepods/besteffort/podu-1"},
	}
	for _, tc := range cases {
		pod := testPod(func(p *corev1.Pod) { p.Status.QOSClass = tc.qos })
		if got := CgroupParent(pod); got != tc.want {
			t.Errorf("%s: CgroupParent = %q, want %q", tc.qos, got, tc.want)
		}
	}
}

func TestPodRequests(t *testing.T) {
	restartAlways := ptr.To(corev1.ContainerRestartPolicyAlways)
	pod := testPod(func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources = resources("cpu=100m,memory=100Mi", "")
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b", Resources: resources("cpu=200m", "")})
		p.Spec.InitContainers = []corev1.Container{
			{Name: "sidecar", RestartPolicy: restartAlways, Resources: resources("cpu=50m,memory=10Mi", "")},
			// runs beside the sidecar: 50m+1 cpu beats the 350m of the rest
			{Name: "big-init", Resources: resources("cpu=1", "")},
		}
	})
	got := podRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Requests })
	if cpu := got[corev1.ResourceCPU]; cpu.MilliValue() != 1050 {
		t.Errorf("cpu = %s, want 1050m", cpu.String())
	}
	if mem := got[corev1.ResourceMemory]; mem.Value() != 110<<20 {
		t.Errorf("memory = %s, want 110Mi", mem.String())
	}
}
