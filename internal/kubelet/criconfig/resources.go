package criconfig

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Cgroup numbers as the kubelet uses them (cgroup v1 cpu controller).
const (
	minShares    = 2
	maxShares    = 262144
	sharesPerCPU = 1024
	// QuotaPeriod is the CFS period, in microseconds, of every container
	// with a cpu limit.
	QuotaPeriod = 100000
	minQuota    = 1000
)

// oom_score_adj values. The kubelet gives Guaranteed and node-critical pods
// -997; these machines cannot lower a process below 0 (containerd runs
// with restrict_oom_score_adj), so they get 0 and stay the least likely to
// be killed. Burstable is the kubelet's formula, 3..999; BestEffort 1000.
const (
	guaranteedOOMScoreAdj = 0
	burstableMinOOMScore  = 3
	besteffortOOMScoreAdj = 1000
)

// CgroupRoot is skiff's own kubepods hierarchy (cgroupfs driver); pods go
// under it by QoS class. It is not the kubelet's /kubepods so that a kubelet
// on the same machine never counts skiff's pod cgroups as its orphans.
const CgroupRoot = "/skiff/kubepods"

// CgroupParent is the pod's cgroup, which the runtime creates as the parent
// of the sandbox's and containers' cgroups: CgroupRoot/pod<uid> for
// Guaranteed pods, CgroupRoot/burstable/pod<uid> and
// CgroupRoot/besteffort/pod<uid> for the others, as the kubelet lays out
// /kubepods. The runtime removes only the containers' cgroups: whoever
// removes the sandbox removes this directory in each controller.
func CgroupParent(pod *corev1.Pod) string {
	name := "pod" + string(pod.UID)
	switch QOSClass(pod) {
	case corev1.PodQOSGuaranteed:
		return path.Join(CgroupRoot, name)
	case corev1.PodQOSBurstable:
		return path.Join(CgroupRoot, "burstable", name)
	default:
		return path.Join(CgroupRoot, "besteffort", name)
	}
}

// linuxResources is what the kubelet's calculateLinuxResources gives: cpu
// shares from the request (the limit when only it is set; 2 when neither),
// a CFS quota from the limit over a 100 ms period, and the memory limit.
func linuxResources(cpuRequest, cpuLimit *resource.Quantity, memLimit resource.Quantity) *criapi.LinuxContainerResources {
	r := &criapi.LinuxContainerResources{CpuPeriod: QuotaPeriod}
	switch {
	case cpuRequest != nil:
		r.CpuShares = milliCPUToShares(cpuRequest.MilliValue())
	case cpuLimit != nil:
		r.CpuShares = milliCPUToShares(cpuLimit.MilliValue())
	default:
		r.CpuShares = minShares
	}
	if cpuLimit != nil {
		r.CpuQuota = milliCPUToQuota(cpuLimit.MilliValue())
	}
	if v := memLimit.Value(); v > 0 {
		r.MemoryLimitInBytes = v
	}
	return r
}

func milliCPUToShares(milli int64) int64 {
	shares := milli * sharesPerCPU / 1000
	return max(minShares, min(shares, maxShares))
}

func milliCPUToQuota(milli int64) int64 {
	if milli <= 0 {
		return 0
	}
	return max(milli*QuotaPeriod/1000, minQuota)
}

// optional returns a pointer to l's quantity for name, or nil if l has none.
func optional(l corev1.ResourceList, name corev1.ResourceName) *resource.Quantity {
	q, ok := l[name]
	if !ok {
		return nil
	}
	return &q
}

// containerResources is the container's cgroup limits and oom_score_adj.
// nodeMemory is the node's memory in bytes (0: unknown), which scales the
// Burstable oom_score_adj.
func containerResources(pod *corev1.Pod, c *corev1.Container, nodeMemory int64) (*criapi.LinuxContainerResources, error) {
	for _, l := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
		for name, q := range l {
			if strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) && q.Sign() > 0 {
				return nil, fmt.Errorf("container %q asks for %s: this node has no hugepages for pods", c.Name, name)
			}
		}
	}
	r := linuxResources(optional(c.Resources.Requests, corev1.ResourceCPU),
		optional(c.Resources.Limits, corev1.ResourceCPU), c.Resources.Limits[corev1.ResourceMemory])
	r.OomScoreAdj = oomScoreAdj(pod, c, nodeMemory)
	return r, nil
}

// oomScoreAdj is the kubelet's per-QoS oom_score_adj, never below 0.
func oomScoreAdj(pod *corev1.Pod, c *corev1.Container, nodeMemory int64) int64 {
	if isNodeCritical(pod) {
		return guaranteedOOMScoreAdj
	}
	switch QOSClass(pod) {
	case corev1.PodQOSGuaranteed:
		return guaranteedOOMScoreAdj
	case corev1.PodQOSBestEffort:
		return besteffortOOMScoreAdj
	}
	if nodeMemory <= 0 {
		// Without the node's size, protect the container as little as a
		// Burstable one can be.
		return besteffortOOMScoreAdj - 1
	}
	adj := burstableAdj(c.Resources.Requests.Memory().Value(), nodeMemory)
	if isSidecar(pod, c) {
		// A sidecar is killed no sooner than the pod's most protected
		// regular container, as the kubelet does it.
		adj = min(adj, burstableAdj(minRegularMemoryRequest(pod), nodeMemory))
	}
	switch {
	case adj < burstableMinOOMScore:
		return burstableMinOOMScore
	case adj >= besteffortOOMScoreAdj:
		return besteffortOOMScoreAdj - 1
	}
	return adj
}

// burstableAdj is 1000 less the permille of the node's memory requested: a
// container requesting 10% of the node gets 900.
func burstableAdj(request, nodeMemory int64) int64 {
	return 1000 - 1000*request/nodeMemory
}

func minRegularMemoryRequest(pod *corev1.Pod) int64 {
	var least int64 = -1
	for i := range pod.Spec.Containers {
		v := pod.Spec.Containers[i].Resources.Requests.Memory().Value()
		if least < 0 || v < least {
			least = v
		}
	}
	return max(least, 0)
}

// isNodeCritical: the kubelet protects system-node-critical pods like
// Guaranteed ones.
func isNodeCritical(pod *corev1.Pod) bool {
	const systemCritical = 2000000000
	return pod.Spec.PriorityClassName == "system-node-critical" &&
		pod.Spec.Priority != nil && *pod.Spec.Priority >= systemCritical
}

// sandboxResources is the pod's total (CRI LinuxPodSandboxConfig.Resources):
// shares from the pod's effective cpu request, quota and memory limit only
// when every container is limited, since one unlimited container leaves
// the pod unlimited.
func sandboxResources(pod *corev1.Pod) *criapi.LinuxContainerResources {
	requests := podRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Requests })
	limits := podRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Limits })
	var cpuLimit *resource.Quantity
	var memLimit resource.Quantity
	if allLimit(pod, corev1.ResourceCPU) {
		cpuLimit = optional(limits, corev1.ResourceCPU)
	}
	if allLimit(pod, corev1.ResourceMemory) {
		memLimit = limits[corev1.ResourceMemory]
	}
	return linuxResources(optional(requests, corev1.ResourceCPU), cpuLimit, memLimit)
}

func allLimit(pod *corev1.Pod, name corev1.ResourceName) bool {
	for _, c := range allContainers(pod) {
		if q, ok := c.Resources.Limits[name]; !ok || q.Sign() <= 0 {
			return false
		}
	}
	return true
}

// overheadResources is the pod's runtime overhead, treated as requests
// equal to limits, as the kubelet does; nil when the pod declares none.
func overheadResources(pod *corev1.Pod) *criapi.LinuxContainerResources {
	if len(pod.Spec.Overhead) == 0 {
		return nil
	}
	cpu := optional(pod.Spec.Overhead, corev1.ResourceCPU)
	return linuxResources(cpu, cpu, pod.Spec.Overhead[corev1.ResourceMemory])
}
