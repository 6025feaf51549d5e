package scheduler

import (
	"math"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Pod topology spread: DoNotSchedule constraints filter, ScheduleAnyway
// constraints score. Both count, per domain of the constraint's key, the
// pods of the namespace its selector matches, over the nodes the pod could
// go to at all (its node selector and affinity, and taints if asked).

const (
	reasonSpread        = "node(s) didn't match pod topology spread constraints"
	reasonSpreadMissing = "node(s) didn't match pod topology spread constraints (missing required label)"
)

type spreadConstraint struct {
	maxSkew     int64
	key         string
	minDomains  int64
	selector    labels.Selector
	honorTaints bool
	ignoreAff   bool
	selfMatch   int64
	memo        groupMemo
}

type spreadState struct {
	constraints []spreadConstraint
	counts      []map[string]int64 // per constraint: domain value -> matching pods
	minCount    []int64
}

func spreadConstraints(st *cycleState, want v1.UnsatisfiableConstraintAction) []spreadConstraint {
	pod := st.pod
	var out []spreadConstraint
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != want {
			continue
		}
		sc := spreadConstraint{maxSkew: int64(c.MaxSkew), key: c.TopologyKey, minDomains: 1,
			selector:    selectorOrNothing(mergeKeys(c.LabelSelector, pod.Labels, c.MatchLabelKeys, nil)),
			honorTaints: c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == v1.NodeInclusionPolicyHonor,
			ignoreAff:   c.NodeAffinityPolicy != nil && *c.NodeAffinityPolicy == v1.NodeInclusionPolicyIgnore}
		if c.MinDomains != nil {
			sc.minDomains = int64(*c.MinDomains)
		}
		sc.memo = newGroupMemo(st.snap)
		if sc.selector.Matches(labels.Set(pod.Labels)) {
			sc.selfMatch = 1
		}
		out = append(out, sc)
	}
	return out
}

// countSpread counts matching pods per domain for each constraint, over
// the eligible nodes that carry every constraint's key.
func countSpread(st *cycleState, cs []spreadConstraint) []map[string]int64 {
	counts := make([]map[string]int64, len(cs))
	for i := range counts {
		counts[i] = map[string]int64{}
	}
	for _, n := range st.snap.nodes {
		if !hasAllKeys(n.Node, cs) {
			continue
		}
		for i := range cs {
			c := &cs[i]
			if !c.ignoreAff && !st.nodeSel.matches(n.Node) {
				continue
			}
			if c.honorTaints && filterTaints(st, n) != nil {
				continue
			}
			counts[i][n.Node.Labels[c.key]] += countMatching(n.Pods, st.pod.Namespace, c)
		}
	}
	return counts
}

func hasAllKeys(node *v1.Node, cs []spreadConstraint) bool {
	for i := range cs {
		if _, ok := node.Labels[cs[i].key]; !ok {
			return false
		}
	}
	return true
}

// countMatching counts the pods of namespace that c selects, leaving out
// pods on their way out.
func countMatching(pods []*PodInfo, namespace string, c *spreadConstraint) int64 {
	var n int64
	for _, p := range pods {
		if p.Pod.DeletionTimestamp != nil {
			continue
		}
		match, known := c.memo.get(p)
		if !known {
			match = c.memo.set(p, p.Pod.Namespace == namespace && c.selector.Matches(labels.Set(p.Pod.Labels)))
		}
		if match {
			n++
		}
	}
	return n
}

// prepareSpread returns nil when the pod has no DoNotSchedule constraint.
func prepareSpread(st *cycleState) *spreadState {
	cs := spreadConstraints(st, v1.DoNotSchedule)
	if len(cs) == 0 {
		return nil
	}
	s := &spreadState{constraints: cs, counts: countSpread(st, cs), minCount: make([]int64, len(cs))}
	for i, c := range cs {
		s.minCount[i] = globalMin(s.counts[i], c.minDomains)
	}
	return s
}

// globalMin is the smallest count over the domains, or 0 while there are
// fewer domains than minDomains.
func globalMin(counts map[string]int64, minDomains int64) int64 {
	if int64(len(counts)) < minDomains {
		return 0
	}
	m := int64(math.MaxInt64)
	for _, v := range counts {
		m = min(m, v)
	}
	if m == math.MaxInt64 {
		return 0
	}
	return m
}

// filterSpread: placing the pod must keep every constraint's skew (its
// domain's count plus itself, minus the smallest domain's) within maxSkew.
func filterSpread(st *cycleState, n *NodeInfo) *status {
	s := st.spread
	if s == nil {
		return nil
	}
	for i, c := range s.constraints {
		v, ok := n.Node.Labels[c.key]
		if !ok {
			return unresolvable("PodTopologySpread", reasonSpreadMissing)
		}
		if s.counts[i][v]+c.selfMatch-s.minCount[i] > c.maxSkew {
			return unschedulable("PodTopologySpread", reasonSpread)
		}
	}
	return nil
}

// prepareSpreadScore counts for the ScheduleAnyway constraints.
func prepareSpreadScore(st *cycleState, _ []*NodeInfo) {
	cs := spreadConstraints(st, v1.ScheduleAnyway)
	if len(cs) == 0 {
		return
	}
	s := &spreadState{constraints: cs, counts: countSpread(st, cs)}
	st.spreadScore = s
}

// scoreSpread is lower for emptier domains; normalizeSpread turns it round.
// Each constraint weighs by log(domains+2), so keys with many domains (the
// hostname) do not drown the others.
func scoreSpread(st *cycleState, n *NodeInfo) int64 {
	s := st.spreadScore
	if s == nil {
		return 0
	}
	var score float64
	for i, c := range s.constraints {
		v, ok := n.Node.Labels[c.key]
		if !ok {
			continue
		}
		w := math.Log(float64(len(s.counts[i]) + 2))
		score += float64(s.counts[i][v])*w + float64(c.maxSkew-1)
	}
	return int64(math.Round(score))
}

func normalizeSpread(scores []int64) {
	lo, hi := minMax(scores)
	for i, s := range scores {
		if hi == 0 {
			scores[i] = maxNodeScore
			continue
		}
		scores[i] = maxNodeScore * (hi + lo - s) / hi
	}
}
