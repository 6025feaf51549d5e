package scheduler

import (
	v1 "k8s.io/api/core/v1"
)

// Resources is an amount of each resource the scheduler accounts for. CPU is
// in millicores; memory and storage in bytes; Scalar holds extended resources
// (and hugepages) in their integer units.
type Resources struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	Scalar           map[v1.ResourceName]int64
}

// Defaults Kubernetes assumes, for scoring only, of a container that requests
// no cpu or memory, so that best-effort pods still spread.
const (
	defaultMilliCPURequest int64 = 100
	defaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// add adds list (a container's requests or limits) to r.
func (r *Resources) add(list v1.ResourceList) {
	for name, q := range list {
		switch name {
		case v1.ResourceCPU:
			r.MilliCPU += q.MilliValue()
		case v1.ResourceMemory:
			r.Memory += q.Value()
		case v1.ResourceEphemeralStorage:
			r.EphemeralStorage += q.Value()
		case v1.ResourcePods:
			// a pod cannot request pod slots; each takes exactly one.
		default:
			if isScalar(name) {
				r.setScalar(name, r.Scalar[name]+q.Value())
			}
		}
	}
}

// isScalar says whether name is accounted as an extended resource: anything
// with a domain prefix outside kubernetes.io, plus hugepages and the
// attachable-volumes resources.
func isScalar(name v1.ResourceName) bool {
	s := string(name)
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return len(s) > 10 && s[:10] == "hugepages-"
}

func (r *Resources) setScalar(name v1.ResourceName, v int64) {
	if r.Scalar == nil {
		r.Scalar = map[v1.ResourceName]int64{}
	}
	r.Scalar[name] = v
}

// addResources adds o to r.
func (r *Resources) addResources(o Resources) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.EphemeralStorage += o.EphemeralStorage
	for name, v := range o.Scalar {
		r.setScalar(name, r.Scalar[name]+v)
	}
}

// subResources subtracts o from r.
func (r *Resources) subResources(o Resources) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.EphemeralStorage -= o.EphemeralStorage
	for name, v := range o.Scalar {
		r.setScalar(name, r.Scalar[name]-v)
	}
}

// maxResources raises each amount of r to o's where o's is larger.
func (r *Resources) maxResources(o Resources) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	for name, v := range o.Scalar {
		if v > r.Scalar[name] {
			r.setScalar(name, v)
		}
	}
}

func (r Resources) clone() Resources {
	c := r
	if r.Scalar != nil {
		c.Scalar = make(map[v1.ResourceName]int64, len(r.Scalar))
		for k, v := range r.Scalar {
			c.Scalar[k] = v
		}
	}
	return c
}

// podRequests is what a pod asks of a node, as the kubelet admits it: the
// larger of its regular containers (plus sidecars) and of any init
// container's moment (that init container plus the sidecars started before
// it), plus the pod overhead.
func podRequests(pod *v1.Pod) Resources {
	var sum Resources
	for i := range pod.Spec.Containers {
		sum.add(pod.Spec.Containers[i].Resources.Requests)
	}
	var sidecars, peak Resources
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if isSidecar(c) {
			sidecars.add(c.Resources.Requests)
			sum.add(c.Resources.Requests)
			peak.maxResources(sidecars)
			continue
		}
		moment := sidecars.clone()
		moment.add(c.Resources.Requests)
		peak.maxResources(moment)
	}
	sum.maxResources(peak)
	sum.add(pod.Spec.Overhead)
	return sum
}

func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}

// nonZeroRequests is cpu and memory as the scoring sees them: a container
// that asks for none is counted at the defaults above.
func nonZeroRequests(pod *v1.Pod) (milliCPU, memory int64) {
	for i := range pod.Spec.Containers {
		req := pod.Spec.Containers[i].Resources.Requests
		milliCPU += nonZero(req, v1.ResourceCPU, defaultMilliCPURequest)
		memory += nonZero(req, v1.ResourceMemory, defaultMemoryRequest)
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cpu := nonZero(c.Resources.Requests, v1.ResourceCPU, defaultMilliCPURequest)
		mem := nonZero(c.Resources.Requests, v1.ResourceMemory, defaultMemoryRequest)
		if isSidecar(c) {
			milliCPU, memory = milliCPU+cpu, memory+mem
			continue
		}
		milliCPU, memory = max(milliCPU, cpu), max(memory, mem)
	}
	if q, ok := pod.Spec.Overhead[v1.ResourceCPU]; ok {
		milliCPU += q.MilliValue()
	}
	if q, ok := pod.Spec.Overhead[v1.ResourceMemory]; ok {
		memory += q.Value()
	}
	return milliCPU, memory
}

func nonZero(list v1.ResourceList, name v1.ResourceName, dflt int64) int64 {
	q, ok := list[name]
	if !ok {
		return dflt
	}
	if name == v1.ResourceCPU {
		return q.MilliValue()
	}
	return q.Value()
}

// allocatable is what a node offers to pods, and how many pods it takes.
func allocatable(node *v1.Node) (Resources, int64) {
	var r Resources
	r.add(node.Status.Allocatable)
	pods := node.Status.Allocatable.Pods().Value()
	return r, pods
}
