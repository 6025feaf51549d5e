package criconfig

import corev1 "k8s.io/api/core/v1"

// QOSClass is the pod's quality-of-service class by Kubernetes' rules:
// BestEffort when no container (init containers included) requests or
// limits cpu or memory; Guaranteed when every container limits both and
// the pod's summed requests equal its summed limits; Burstable otherwise.
// A class already in status.qosClass wins, as it does for the kubelet: the
// API server set it at creation and it never changes.
func QOSClass(pod *corev1.Pod) corev1.PodQOSClass {
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass
	}
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	guaranteed := true
	for _, c := range allContainers(pod) {
		sumPositive(requests, c.Resources.Requests)
		if found := sumPositive(limits, c.Resources.Limits); !found[corev1.ResourceCPU] || !found[corev1.ResourceMemory] {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if !guaranteed || len(requests) != len(limits) {
		return corev1.PodQOSBurstable
	}
	for name, req := range requests {
		if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
			return corev1.PodQOSBurstable
		}
	}
	return corev1.PodQOSGuaranteed
}

// sumPositive adds the positive cpu and memory quantities of from into
// into (only those two count for QoS) and reports which it saw.
func sumPositive(into, from corev1.ResourceList) map[corev1.ResourceName]bool {
	seen := map[corev1.ResourceName]bool{}
	for name, q := range from {
		if name != corev1.ResourceCPU && name != corev1.ResourceMemory || q.Sign() <= 0 {
			continue
		}
		seen[name] = true
		sum := q.DeepCopy()
		if prev, ok := into[name]; ok {
			sum.Add(prev)
		}
		into[name] = sum
	}
	return seen
}

// allContainers are the pod's regular and init containers.
func allContainers(pod *corev1.Pod) []*corev1.Container {
	out := make([]*corev1.Container, 0, len(pod.Spec.Containers)+len(pod.Spec.InitContainers))
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	for i := range pod.Spec.InitContainers {
		out = append(out, &pod.Spec.InitContainers[i])
	}
	return out
}

// isSidecar says whether c is a restartable init container (a sidecar).
func isSidecar(pod *corev1.Pod, c *corev1.Container) bool {
	if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		return false
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == c.Name {
			return true
		}
	}
	return false
}

// podRequests is what the pod needs at once for each resource, as the
// scheduler counts it: regular containers and sidecars run together, and
// each init container runs beside the sidecars started before it, so the
// pod needs the larger of the two sums.
func podRequests(pod *corev1.Pod, get func(*corev1.Container) corev1.ResourceList) corev1.ResourceList {
	total := corev1.ResourceList{}
	for i := range pod.Spec.Containers {
		addList(total, get(&pod.Spec.Containers[i]))
	}
	sidecars := corev1.ResourceList{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if isSidecar(pod, c) {
			addList(sidecars, get(c))
			addList(total, get(c))
			continue
		}
		during := corev1.ResourceList{}
		addList(during, sidecars)
		addList(during, get(c))
		for name, q := range during {
			if cur, ok := total[name]; !ok || q.Cmp(cur) > 0 {
				total[name] = q.DeepCopy()
			}
		}
	}
	return total
}

func addList(into, from corev1.ResourceList) {
	for name, q := range from {
		sum := q.DeepCopy()
		if prev, ok := into[name]; ok {
			sum.Add(prev)
		}
		into[name] = sum
	}
}
