package scheduler

import (
	"sort"

	v1 "k8s.io/api/core/v1"
)

// filterResources: the pod's requests must fit in the node's allocatable
// minus what the pods on it (bound, assumed, and nominated there with at
// least this pod's priority) request. Every short resource is a reason.
func filterResources(st *cycleState, n *NodeInfo) *status {
	used, count := n.Requested, int64(len(n.Pods))
	if noms := st.nominatedOn(n.Node.Name); len(noms) > 0 {
		used = used.clone()
		for _, p := range noms {
			used.addResources(p.Requests)
			count++
		}
	}
	var reasons []string
	if count+1 > n.AllowedPods {
		reasons = append(reasons, reasonTooManyPods)
	}
	req := &st.pi.Requests
	if req.MilliCPU > 0 && req.MilliCPU > n.Allocatable.MilliCPU-used.MilliCPU {
		reasons = append(reasons, "Insufficient cpu")
	}
	if req.Memory > 0 && req.Memory > n.Allocatable.Memory-used.Memory {
		reasons = append(reasons, "Insufficient memory")
	}
	if req.EphemeralStorage > 0 && req.EphemeralStorage > n.Allocatable.EphemeralStorage-used.EphemeralStorage {
		reasons = append(reasons, "Insufficient ephemeral-storage")
	}
	for _, name := range st.scalarNames {
		if v := req.Scalar[name]; v > 0 && v > n.Allocatable.Scalar[name]-used.Scalar[name] {
			reasons = append(reasons, "Insufficient "+string(name))
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	return unschedulable("NodeResourcesFit", reasons...)
}

// sortedScalars lists the extended resources a pod requests, in a stable
// order so that reasons come out the same every time.
func sortedScalars(r Resources) []v1.ResourceName {
	out := make([]v1.ResourceName, 0, len(r.Scalar))
	for name := range r.Scalar {
		out = append(out, name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
