package scheduler

import (
	"math"

	v1 "k8s.io/api/core/v1"
)

// maxNodeScore is what each scorer gives its best node.
const maxNodeScore int64 = 100

// scoreLeastAllocated prefers nodes with more cpu and memory left after
// placing the pod (requests of none counted at the defaults).
func scoreLeastAllocated(st *cycleState, n *NodeInfo) int64 {
	cpu := leastAllocated(n.NonZeroCPU+st.pi.NonZeroCPU, n.Allocatable.MilliCPU)
	mem := leastAllocated(n.NonZeroMemory+st.pi.NonZeroMemory, n.Allocatable.Memory)
	return (cpu + mem) / 2
}

func leastAllocated(requested, capacity int64) int64 {
	if capacity <= 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * maxNodeScore / capacity
}

// scoreBalanced prefers nodes whose cpu and memory would be used in equal
// fractions: 100 minus the standard deviation of the two fractions.
func scoreBalanced(st *cycleState, n *NodeInfo) int64 {
	cpu := fraction(n.Requested.MilliCPU+st.pi.Requests.MilliCPU, n.Allocatable.MilliCPU)
	mem := fraction(n.Requested.Memory+st.pi.Requests.Memory, n.Allocatable.Memory)
	std := math.Abs(cpu-mem) / 2
	return int64((1 - std) * float64(maxNodeScore))
}

func fraction(requested, capacity int64) float64 {
	if capacity <= 0 {
		return 1
	}
	return min(float64(requested)/float64(capacity), 1)
}

// scoreNodeAffinity sums the weights of the preferred node affinity terms
// the node matches; normalizeToMax scales them to 0..100.
func scoreNodeAffinity(st *cycleState, n *NodeInfo) int64 {
	a := st.pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return 0
	}
	var sum int64
	for i := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		t := &a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution[i]
		if t.Weight != 0 && termMatches(&t.Preference, n.Node) {
			sum += int64(t.Weight)
		}
	}
	return sum
}

// scoreTaints counts the PreferNoSchedule taints the pod does not
// tolerate; normalizeReverse makes fewer better.
func scoreTaints(st *cycleState, n *NodeInfo) int64 {
	var count int64
	for i := range n.Node.Spec.Taints {
		t := &n.Node.Spec.Taints[i]
		if t.Effect == v1.TaintEffectPreferNoSchedule && !tolerated(st.preferTolerations, t) {
			count++
		}
	}
	return count
}

// preferTolerations are the tolerations that can apply to PreferNoSchedule.
func preferTolerations(pod *v1.Pod) []v1.Toleration {
	var out []v1.Toleration
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == v1.TaintEffectPreferNoSchedule {
			out = append(out, t)
		}
	}
	return out
}

func minMax(scores []int64) (lo, hi int64) {
	if len(scores) == 0 {
		return 0, 0
	}
	lo, hi = scores[0], scores[0]
	for _, s := range scores {
		lo, hi = min(lo, s), max(hi, s)
	}
	return lo, hi
}

// normalizeToMax scales so the highest is 100.
func normalizeToMax(scores []int64) {
	_, hi := minMax(scores)
	if hi <= 0 {
		return
	}
	for i := range scores {
		scores[i] = scores[i] * maxNodeScore / hi
	}
}

// normalizeReverse scales so the lowest is 100 and the highest 0.
func normalizeReverse(scores []int64) {
	_, hi := minMax(scores)
	for i, s := range scores {
		if hi == 0 {
			scores[i] = maxNodeScore
			continue
		}
		scores[i] = maxNodeScore - s*maxNodeScore/hi
	}
}

// normalizeRange maps lo..hi onto 0..100 (inter-pod scores can be
// negative).
func normalizeRange(scores []int64) {
	lo, hi := minMax(scores)
	for i, s := range scores {
		if hi == lo {
			scores[i] = 0
			continue
		}
		scores[i] = (s - lo) * maxNodeScore / (hi - lo)
	}
}
