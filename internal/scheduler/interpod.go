package scheduler

import (
	v1 "k8s.io/api/core/v1"
)

// Inter-pod affinity and anti-affinity, required (filter) and preferred
// (score). Both count, per topology domain, the pods a term selects; a
// domain is a (topologyKey, value) pair of node labels.

const (
	reasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
	reasonAffinity             = "node(s) didn't match pod affinity rules"
	reasonAntiAffinity         = "node(s) didn't match pod anti-affinity rules"
	// hardAffinityWeight is what an existing pod's required affinity term
	// that selects the incoming pod adds to a domain's score.
	hardAffinityWeight = 1
)

type topoPair struct{ key, value string }

type topoCounts map[topoPair]int64

// add counts n in node's domain for key, if node has that label.
func (c topoCounts) add(node *v1.Node, key string, n int64) {
	if v, ok := node.Labels[key]; ok {
		c[topoPair{key, v}] += n
	}
}

// interPodState is what the filter needs, computed once per cycle.
type interPodState struct {
	existingAnti topoCounts // domains where an existing pod's anti-affinity selects the pod
	affinity     topoCounts // domains holding pods that match all the pod's affinity terms
	anti         topoCounts // domains holding pods that one of its anti-affinity terms selects
	// selfAffine: the pod matches its own affinity terms, so the first pod
	// of a group may land anywhere.
	selfAffine bool
}

// prepareInterPod returns nil when there is nothing to check.
func prepareInterPod(snap *Snapshot, pi *PodInfo) *interPodState {
	if len(snap.withRequiredAnti) == 0 && len(pi.RequiredAffinity)+len(pi.RequiredAntiAffinity) == 0 {
		return nil
	}
	s := &interPodState{existingAnti: topoCounts{}, affinity: topoCounts{}, anti: topoCounts{}}
	ns := snap.nsLabels(pi.Pod.Namespace)
	for _, n := range snap.withRequiredAnti {
		for _, ep := range n.PodsWithRequiredAntiAffinity {
			for i := range ep.RequiredAntiAffinity {
				if t := &ep.RequiredAntiAffinity[i]; t.matches(pi.Pod, ns) {
					s.existingAnti.add(n.Node, t.topologyKey, 1)
				}
			}
		}
	}
	if len(pi.RequiredAffinity)+len(pi.RequiredAntiAffinity) > 0 {
		s.countIncoming(snap, pi)
	}
	s.selfAffine = matchesAll(pi.RequiredAffinity, pi.Pod, ns)
	return s
}

func (s *interPodState) countIncoming(snap *Snapshot, pi *PodInfo) {
	all := newGroupMemo(snap)
	anti := make([]groupMemo, len(pi.RequiredAntiAffinity))
	for i := range anti {
		anti[i] = newGroupMemo(snap)
	}
	for _, n := range snap.nodes {
		for _, ep := range n.Pods {
			if len(pi.RequiredAffinity) > 0 {
				match, known := all.get(ep)
				if !known {
					match = all.set(ep, matchesAll(pi.RequiredAffinity, ep.Pod, snap.nsLabels(ep.Pod.Namespace)))
				}
				for i := 0; match && i < len(pi.RequiredAffinity); i++ {
					s.affinity.add(n.Node, pi.RequiredAffinity[i].topologyKey, 1)
				}
			}
			for i := range pi.RequiredAntiAffinity {
				t := &pi.RequiredAntiAffinity[i]
				match, known := anti[i].get(ep)
				if !known {
					match = anti[i].set(ep, t.matches(ep.Pod, snap.nsLabels(ep.Pod.Namespace)))
				}
				if match {
					s.anti.add(n.Node, t.topologyKey, 1)
				}
			}
		}
	}
}

func matchesAll(terms []affinityTerm, pod *v1.Pod, nsLabels map[string]string) bool {
	for i := range terms {
		if !terms[i].matches(pod, nsLabels) {
			return false
		}
	}
	return true
}

// filterInterPod: no existing pod's anti-affinity may forbid the node, the
// node must be in a domain of each affinity term, and in no domain of an
// anti-affinity term.
func filterInterPod(st *cycleState, n *NodeInfo) *status {
	s := st.interPod
	if s == nil {
		return nil
	}
	if len(s.existingAnti) > 0 {
		for k, v := range n.Node.Labels {
			if s.existingAnti[topoPair{k, v}] > 0 {
				return unschedulable("InterPodAffinity", reasonExistingAntiAffinity)
			}
		}
	}
	if !s.affinityHolds(st.pi.RequiredAffinity, n.Node) {
		return unresolvable("InterPodAffinity", reasonAffinity)
	}
	for i := range st.pi.RequiredAntiAffinity {
		key := st.pi.RequiredAntiAffinity[i].topologyKey
		if v, ok := n.Node.Labels[key]; ok && s.anti[topoPair{key, v}] > 0 {
			return unschedulable("InterPodAffinity", reasonAntiAffinity)
		}
	}
	return nil
}

func (s *interPodState) affinityHolds(terms []affinityTerm, node *v1.Node) bool {
	for i := range terms {
		key := terms[i].topologyKey
		v, ok := node.Labels[key]
		if ok && s.affinity[topoPair{key, v}] > 0 {
			continue
		}
		// No pod anywhere matches yet: a pod that matches its own terms
		// may start the group, on any node that has the keys.
		return ok && len(s.affinity) == 0 && s.selfAffine
	}
	return true
}

// prepareInterPodScore sums, per domain, the weights of preferred terms
// either way between the pod and the pods already placed. Answers are
// remembered per label group: replicas of one owner answer alike.
func prepareInterPodScore(st *cycleState, _ []*NodeInfo) {
	pi, snap := st.pi, st.snap
	own := newOwnTerms(pi, snap)
	nodes := snap.withAffinity
	if own.any() {
		nodes = snap.nodes
	}
	scores := topoCounts{}
	podNs := snap.nsLabels(pi.Pod.Namespace)
	theirs := make([][]termHit, snap.groups)
	for _, n := range nodes {
		pods := n.PodsWithAffinity
		if own.any() {
			pods = n.Pods
		}
		for _, ep := range pods {
			own.score(scores, n.Node, ep, snap)
			for _, h := range existingTermHits(theirs, ep, pi.Pod, podNs) {
				scores.add(n.Node, h.key, h.weight)
			}
		}
	}
	st.interPodScores = scores
}

// termHit is a term that matched, by its topology key, with its weight.
type termHit struct {
	key    string
	weight int64
}

// ownTerms are the incoming pod's preferred terms, each with its memo.
type ownTerms struct {
	terms []weightedTerm
	sign  []int64
	memo  []groupMemo
}

func newOwnTerms(pi *PodInfo, snap *Snapshot) ownTerms {
	var o ownTerms
	for _, t := range pi.PreferredAffinity {
		o.terms, o.sign, o.memo = append(o.terms, t), append(o.sign, 1), append(o.memo, newGroupMemo(snap))
	}
	for _, t := range pi.PreferredAntiAffinity {
		o.terms, o.sign, o.memo = append(o.terms, t), append(o.sign, -1), append(o.memo, newGroupMemo(snap))
	}
	return o
}

func (o *ownTerms) any() bool { return len(o.terms) > 0 }

func (o *ownTerms) score(scores topoCounts, node *v1.Node, ep *PodInfo, snap *Snapshot) {
	for i := range o.terms {
		t := &o.terms[i]
		match, known := o.memo[i].get(ep)
		if !known {
			match = o.memo[i].set(ep, t.matches(ep.Pod, snap.nsLabels(ep.Pod.Namespace)))
		}
		if match {
			scores.add(node, t.topologyKey, o.sign[i]*int64(t.weight))
		}
	}
}

// existingTermHits are ep's terms that select the incoming pod: required
// affinity (at hardAffinityWeight) and preferred affinity and
// anti-affinity. memo holds them per label group (which includes the terms).
func existingTermHits(memo [][]termHit, ep *PodInfo, pod *v1.Pod, podNs map[string]string) []termHit {
	g := ep.group
	if g >= 0 && int(g) < len(memo) && memo[g] != nil {
		return memo[g]
	}
	hits := []termHit{}
	for i := range ep.RequiredAffinity {
		if t := &ep.RequiredAffinity[i]; t.matches(pod, podNs) {
			hits = append(hits, termHit{t.topologyKey, hardAffinityWeight})
		}
	}
	for i := range ep.PreferredAffinity {
		if t := &ep.PreferredAffinity[i]; t.matches(pod, podNs) {
			hits = append(hits, termHit{t.topologyKey, int64(t.weight)})
		}
	}
	for i := range ep.PreferredAntiAffinity {
		if t := &ep.PreferredAntiAffinity[i]; t.matches(pod, podNs) {
			hits = append(hits, termHit{t.topologyKey, -int64(t.weight)})
		}
	}
	if g >= 0 && int(g) < len(memo) {
		memo[g] = hits
	}
	return hits
}

// scoreInterPod is the sum over the node's domains.
func scoreInterPod(st *cycleState, n *NodeInfo) int64 {
	if len(st.interPodScores) == 0 {
		return 0
	}
	var sum int64
	for k, v := range n.Node.Labels {
		sum += st.interPodScores[topoPair{k, v}]
	}
	return sum
}
