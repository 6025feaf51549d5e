package scheduler

// The whole decision pipeline in one place: filters in the order Kubernetes
// runs them (the first that rejects a node gives that node's reason), then
// scorers with Kubernetes' default weights.

type filterStage struct {
	name string
	fn   func(*cycleState, *NodeInfo) *status
	// local filters read only the pod and the node, so their verdict may
	// be remembered until the node changes (equivalence.go).
	local bool
}

type scoreStage struct {
	name   string
	weight int64
	// prepare, if set, computes what score needs from the whole snapshot.
	prepare   func(*cycleState, []*NodeInfo)
	score     func(*cycleState, *NodeInfo) int64
	normalize func([]int64)
}

func filterChain() []filterStage {
	return []filterStage{
		// A cordoned node takes only pods that tolerate being cordoned.
		{"NodeUnschedulable", filterUnschedulable, true},
		// spec.nodeName set by the user pins the pod to that node.
		{"NodeName", filterNodeName, true},
		// NoSchedule and NoExecute taints must be tolerated.
		{"TaintToleration", filterTaints, true},
		// nodeSelector and required node affinity.
		{"NodeAffinity", filterNodeAffinity, true},
		// Host ports already taken on the node.
		{"NodePorts", filterNodePorts, true},
		// Requests against allocatable minus what is placed there.
		{"NodeResourcesFit", filterResources, true},
		// DoNotSchedule topology spread: needs counts over all nodes.
		{"PodTopologySpread", filterSpread, false},
		// Required pod affinity and anti-affinity, both directions.
		{"InterPodAffinity", filterInterPod, false},
	}
}

func scoreChain() []scoreStage {
	return []scoreStage{
		// PreferNoSchedule taints the pod does not tolerate: fewer is better.
		{"TaintToleration", 3, nil, scoreTaints, normalizeReverse},
		// Preferred node affinity weights, scaled to the best node.
		{"NodeAffinity", 2, nil, scoreNodeAffinity, normalizeToMax},
		// ScheduleAnyway topology spread: emptier domains are better.
		{"PodTopologySpread", 2, prepareSpreadScore, scoreSpread, normalizeSpread},
		// Preferred pod (anti-)affinity either way, plus existing pods'
		// required affinity to this pod.
		{"InterPodAffinity", 2, prepareInterPodScore, scoreInterPod, normalizeRange},
		// Most cpu and memory left.
		{"NodeResourcesLeastAllocated", 1, nil, scoreLeastAllocated, nil},
		// cpu and memory used in equal measure.
		{"NodeResourcesBalancedAllocation", 1, nil, scoreBalanced, nil},
	}
}
