package scheduler

import (
	"math"
	"sort"

	v1 "k8s.io/api/core/v1"
)

// Preemption: when a pod fits nowhere, find the node where evicting the
// fewest and least important lower-priority pods makes it fit.

const (
	reasonNotHelpful = "Preemption is not helpful for scheduling"
	reasonNoVictims  = "No preemption victims found for incoming pod"
	// Kubernetes looks at no fewer candidates than this, or 10% of nodes.
	minCandidateNodesAbsolute = 100
	minCandidateNodesPercent  = 10
)

// preemptionPlan says which pods to evict so pod fits on Node.
type preemptionPlan struct {
	Node    string
	Victims []*v1.Pod
}

// preempt is a pure function of the snapshot: it returns a plan, or nil and
// the message FailedScheduling appends ("preemption: ...").
func (a *algorithm) preempt(snap *Snapshot, pod *v1.Pod, diag *Diagnosis, nominated Nominated) (*preemptionPlan, string) {
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == v1.PreemptNever {
		return nil, "preemption: not eligible due to preemptionPolicy=Never."
	}
	if victimsTerminating(snap, pod) {
		return nil, "preemption: not eligible due to a terminating pod on the nominated node."
	}
	verdicts := map[string]*status{}
	var best *candidate
	limit := max(len(snap.nodes)*minCandidateNodesPercent/100, minCandidateNodesAbsolute)
	found := 0
	for _, n := range snap.nodes {
		if s := diag.NodeToStatus[n.Node.Name]; s == nil || s.unresolvable {
			verdicts[n.Node.Name] = unresolvable("DefaultPreemption", reasonNotHelpful)
			continue
		}
		if found >= limit {
			verdicts[n.Node.Name] = unschedulable("DefaultPreemption", reasonNoVictims)
			continue
		}
		c := a.selectVictims(snap, pod, n, nominated)
		if c == nil {
			verdicts[n.Node.Name] = unschedulable("DefaultPreemption", reasonNoVictims)
			continue
		}
		found++
		if best == nil || c.better(best) {
			best = c
		}
	}
	if best != nil {
		return &preemptionPlan{Node: best.node, Victims: best.victims}, ""
	}
	d := Diagnosis{NumAllNodes: len(snap.nodes), NodeToStatus: verdicts}
	return nil, "preemption: " + d.Message()
}

// victimsTerminating: a pod already nominated waits while lower-priority
// pods on its node are still going, rather than preempting again.
func victimsTerminating(snap *Snapshot, pod *v1.Pod) bool {
	n := snap.Get(pod.Status.NominatedNodeName)
	if n == nil {
		return false
	}
	for _, p := range n.Pods {
		if p.Pod.DeletionTimestamp != nil && podPriority(p.Pod) < podPriority(pod) {
			return true
		}
	}
	return false
}

type candidate struct {
	node    string
	victims []*v1.Pod
}

// better orders candidates as Kubernetes does: the lowest highest-victim
// priority, then the lowest sum of priorities, then the fewest victims.
func (c *candidate) better(o *candidate) bool {
	if a, b := c.highest(), o.highest(); a != b {
		return a < b
	}
	if a, b := c.sum(), o.sum(); a != b {
		return a < b
	}
	return len(c.victims) < len(o.victims)
}

func (c *candidate) highest() int32 {
	h := int32(math.MinInt32)
	for _, v := range c.victims {
		h = max(h, podPriority(v))
	}
	return h
}

// sum shifts each priority to be positive, so that more victims never
// lowers the sum.
func (c *candidate) sum() int64 {
	var s int64
	for _, v := range c.victims {
		s += int64(podPriority(v)) + math.MaxInt32 + 1
	}
	return s
}

// selectVictims removes every lower-priority pod from a copy of n, checks
// the pod then fits, and gives back (most important first) each victim
// whose return still leaves room. nil means no eviction helps.
func (a *algorithm) selectVictims(snap *Snapshot, pod *v1.Pod, n *NodeInfo, nominated Nominated) *candidate {
	prio := podPriority(pod)
	var lower []*PodInfo
	trial := n.clone()
	for _, p := range n.Pods {
		if podPriority(p.Pod) < prio {
			lower = append(lower, p)
			trial.removePod(string(p.Pod.UID))
		}
	}
	if len(lower) == 0 || !a.fitsOn(snap, pod, trial, nominated) {
		return nil
	}
	sort.SliceStable(lower, func(i, j int) bool { return moreImportant(lower[i].Pod, lower[j].Pod) })
	c := &candidate{node: n.Node.Name}
	for _, p := range lower {
		trial.addPod(p)
		if !a.fitsOn(snap, pod, trial, nominated) {
			trial.removePod(string(p.Pod.UID))
			c.victims = append(c.victims, p.Pod)
		}
	}
	return c
}

// fitsOn runs the filters with trial standing in for its node. The whole
// cycle state is recomputed only when a filter looks beyond the node.
func (a *algorithm) fitsOn(snap *Snapshot, pod *v1.Pod, trial *NodeInfo, nominated Nominated) bool {
	view := snap
	if needsWholeCluster(snap, pod) {
		view = snap.withNode(trial)
	}
	st := newCycleState(view, pod, nominated)
	return a.runFilters(st, nil, -1, trial) == nil
}

func needsWholeCluster(snap *Snapshot, pod *v1.Pod) bool {
	if len(snap.withRequiredAnti) > 0 || len(pod.Spec.TopologySpreadConstraints) > 0 {
		return true
	}
	a := pod.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

// moreImportant: higher priority first, then the one started earlier.
func moreImportant(p, q *v1.Pod) bool {
	if a, b := podPriority(p), podPriority(q); a != b {
		return a > b
	}
	ps, qs := p.Status.StartTime, q.Status.StartTime
	if ps == nil || qs == nil {
		return ps != nil
	}
	return ps.Before(qs)
}

// withNode is a shallow copy of s in which trial replaces its node.
func (s *Snapshot) withNode(trial *NodeInfo) *Snapshot {
	c := &Snapshot{byName: make(map[string]*NodeInfo, len(s.byName)), index: s.index,
		namespaces: s.namespaces, groups: s.groups, nodes: append([]*NodeInfo(nil), s.nodes...)}
	for k, v := range s.byName {
		c.byName[k] = v
	}
	name := trial.Node.Name
	c.byName[name] = trial
	c.nodes[s.index[name]] = trial
	c.rebuildAffinityLists()
	return c
}
