package criconfig

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

func TestContainerResources(t *testing.T) {
	const gi = int64(1 << 30)
	cases := []struct {
		name       string
		res        corev1.ResourceRequirements
		nodeMemory int64
		want       *criapi.LinuxContainerResources
	}{{
		name: "best effort: minimum shares, no quota, oom 1000",
		want: &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 2, OomScoreAdj: 1000},
	}, {
		name: "guaranteed: shares and quota from cpu, memory limit, oom 0 (never negative)",
		res:  resources("cpu=500m,memory=256Mi", "cpu=500m,memory=256Mi"),
		want: &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuQuota: 50000, CpuShares: 512, MemoryLimitInBytes: 256 << 20},
	}, {
		name:       "burstable: the kubelet's formula from the node's memory",
		res:        resources("cpu=2,memory=1Gi", "cpu=4"),
		nodeMemory: 4 * gi,
		want:       &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuQuota: 400000, CpuShares: 2048, OomScoreAdj: 750},
	}, {
		name:       "burstable asking for the whole node still ranks above guaranteed",
		res:        resources("memory=4Gi", ""),
		nodeMemory: 4 * gi,
		want:       &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 2, OomScoreAdj: 3},
	}, {
		name:       "burstable with a tiny request stays below best effort",
		res:        resources("cpu=10m", ""),
		nodeMemory: 4 * gi,
		want:       &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 10, OomScoreAdj: 999},
	}, {
		name: "burstable without the node's memory gets 999",
		res:  resources("memory=1Gi", ""),
		want: &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 2, OomScoreAdj: 999},
	}, {
		name:       "limit only: shares from the limit, tiny quota raised to 1 ms",
		res:        resources("", "cpu=1m"),
		nodeMemory: 4 * gi,
		want:       &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuQuota: 1000, CpuShares: 2, OomScoreAdj: 1000 - 1},
	}, {
		name:       "shares are capped",
		res:        resources("cpu=1000", ""),
		nodeMemory: 4 * gi,
		want:       &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 262144, OomScoreAdj: 999},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := testPod(func(p *corev1.Pod) { p.Spec.Containers[0].Resources = tc.res })
			got, err := containerResources(pod, &pod.Spec.Containers[0], tc.nodeMemory)
			if err != nil {
				t.Fatal(err)
			}
			sameAs(t, got, tc.want)
		})
	}
}

func TestOOMScoreAdjSpecialCases(t *testing.T) {
	const node = int64(1000 << 20)
	t.Run("node-critical pods are protected like guaranteed", func(t *testing.T) {
		pod := testPod(func(p *corev1.Pod) {
			p.Spec.PriorityClassName, p.Spec.Priority = "system-node-critical", ptr.To[int32](2000001000)
		})
		if got := oomScoreAdj(pod, &pod.Spec.Containers[0], node); got != 0 {
			t.Errorf("oom_score_adj = %d, want 0", got)
		}
	})
	t.Run("a sidecar is no easier to kill than the most protected container", func(t *testing.T) {
		pod := testPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = resources("memory=500Mi", "")
			p.Spec.InitContainers = []corev1.Container{{Name: "side", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways),
				Resources: resources("memory=100Mi", "")}}
		})
		if got := oomScoreAdj(pod, &pod.Spec.InitContainers[0], node); got != 500 {
			t.Errorf("sidecar oom_score_adj = %d, want 500 (the app's)", got)
		}
		if got := oomScoreAdj(pod, &pod.Spec.Containers[0], node); got != 500 {
			t.Errorf("app oom_score_adj = %d, want 500", got)
		}
	})
}

func TestContainerResourcesRejectsHugepages(t *testing.T) {
	pod := testPod(func(p *corev1.Pod) { p.Spec.Containers[0].Resources = resources("", "hugepages-2Mi=4Mi,memory=1Gi") })
	_, err := containerResources(pod, &pod.Spec.Containers[0], 0)
	wantErr(t, err, `container "app" asks for hugepages-2Mi: this node has no hugepages for pods`)
}

func TestSandboxResources(t *testing.T) {
	cases := []struct {
		name string
		mut  func(*corev1.Pod)
		want *criapi.LinuxContainerResources
	}{{
		name: "sums of limited containers",
		mut: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = resources("cpu=100m,memory=64Mi", "cpu=200m,memory=128Mi")
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b", Resources: resources("cpu=100m,memory=64Mi", "cpu=300m,memory=128Mi")})
		},
		want: &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 204, CpuQuota: 50000, MemoryLimitInBytes: 256 << 20},
	}, {
		name: "one unlimited container leaves the pod unlimited",
		mut: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = resources("cpu=100m", "cpu=200m,memory=128Mi")
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b"})
		},
		want: &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 102},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sameAs(t, sandboxResources(testPod(tc.mut)), tc.want)
		})
	}
}

func TestOverheadResources(t *testing.T) {
	if got := overheadResources(testPod()); got != nil {
		t.Errorf("no overhead: got %v, want nil", got)
	}
	pod := testPod(func(p *corev1.Pod) { p.Spec.Overhead = list("cpu=250m,memory=120Mi") })
	sameAs(t, overheadResources(pod), &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 256, CpuQuota: 25000, MemoryLimitInBytes: 120 << 20})
}
