package scheduler

import (
	"fmt"
	"strconv"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The node-local filters: each looks at the pod and one node only, so its
// verdict holds until that node changes (see equivalence.go).

const (
	reasonNodeName      = "node(s) didn't match the requested node name"
	reasonUnschedulable = "node(s) were unschedulable"
	reasonNodeAffinity  = "node(s) didn't match Pod's node affinity/selector"
	reasonNodePorts     = "node(s) didn't have free ports for the requested pod ports"
	reasonTooManyPods   = "Too many pods"
)

// filterNodeName: a pod that names its node fits only there.
func filterNodeName(st *cycleState, n *NodeInfo) *status {
	if st.pod.Spec.NodeName != "" && st.pod.Spec.NodeName != n.Node.Name {
		return unresolvable("NodeName", reasonNodeName)
	}
	return nil
}

// filterUnschedulable: a cordoned node takes only pods that tolerate the
// unschedulable taint.
func filterUnschedulable(st *cycleState, n *NodeInfo) *status {
	if !n.Node.Spec.Unschedulable {
		return nil
	}
	t := v1.Taint{Key: v1.TaintNodeUnschedulable, Effect: v1.TaintEffectNoSchedule}
	if tolerated(st.pod.Spec.Tolerations, &t) {
		return nil
	}
	return unresolvable("NodeUnschedulable", reasonUnschedulable)
}

// filterTaints: every NoSchedule and NoExecute taint must be tolerated; the
// first one that is not is named.
func filterTaints(st *cycleState, n *NodeInfo) *status {
	for i := range n.Node.Spec.Taints {
		t := &n.Node.Spec.Taints[i]
		if t.Effect != v1.TaintEffectNoSchedule && t.Effect != v1.TaintEffectNoExecute {
			continue
		}
		if !tolerated(st.pod.Spec.Tolerations, t) {
			return unresolvable("TaintToleration", fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value))
		}
	}
	return nil
}

func tolerated(tolerations []v1.Toleration, t *v1.Taint) bool {
	for i := range tolerations {
		if tolerations[i].ToleratesTaint(t) {
			return true
		}
	}
	return false
}

// filterNodeAffinity: the node must match the nodeSelector and one of the
// required node affinity terms.
func filterNodeAffinity(st *cycleState, n *NodeInfo) *status {
	if !st.nodeSel.matches(n.Node) {
		return unresolvable("NodeAffinity", reasonNodeAffinity)
	}
	return nil
}

// filterNodePorts: no host port of the pod may be in use on the node.
func filterNodePorts(st *cycleState, n *NodeInfo) *status {
	for _, p := range st.hostPorts {
		if n.UsedPorts.conflicts(p) {
			return unschedulable("NodePorts", reasonNodePorts)
		}
	}
	return nil
}

// requiredNodeSelector is a pod's nodeSelector and required node affinity.
type requiredNodeSelector struct {
	selector labels.Selector // from spec.nodeSelector; nil when empty
	terms    []v1.NodeSelectorTerm
	hasTerms bool
}

func newRequiredNodeSelector(pod *v1.Pod) requiredNodeSelector {
	var r requiredNodeSelector
	if len(pod.Spec.NodeSelector) > 0 {
		r.selector = labels.SelectorFromSet(pod.Spec.NodeSelector)
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		r.terms = a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		r.hasTerms = true
	}
	return r
}

func (r *requiredNodeSelector) matches(node *v1.Node) bool {
	if r.selector != nil && !r.selector.Matches(labels.Set(node.Labels)) {
		return false
	}
	if !r.hasTerms {
		return true
	}
	for i := range r.terms {
		if termMatches(&r.terms[i], node) {
			return true
		}
	}
	return false
}

// termMatches: all expressions and all fields of a term must match; a term
// with neither matches no node.
func termMatches(t *v1.NodeSelectorTerm, node *v1.Node) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	for i := range t.MatchExpressions {
		if !requirementMatches(&t.MatchExpressions[i], node.Labels) {
			return false
		}
	}
	fields := map[string]string{"metadata.name": node.Name}
	for i := range t.MatchFields {
		r := &t.MatchFields[i]
		if r.Key != "metadata.name" || !requirementMatches(r, fields) {
			return false
		}
	}
	return true
}

func requirementMatches(r *v1.NodeSelectorRequirement, lbls map[string]string) bool {
	v, ok := lbls[r.Key]
	switch r.Operator {
	case v1.NodeSelectorOpIn:
		return ok && contains(r.Values, v)
	case v1.NodeSelectorOpNotIn:
		return !ok || !contains(r.Values, v)
	case v1.NodeSelectorOpExists:
		return ok
	case v1.NodeSelectorOpDoesNotExist:
		return !ok
	case v1.NodeSelectorOpGt, v1.NodeSelectorOpLt:
		return ok && compareInts(r, v)
	}
	return false
}

// compareInts applies Gt or Lt; both sides must be integers.
func compareInts(r *v1.NodeSelectorRequirement, v string) bool {
	if len(r.Values) != 1 {
		return false
	}
	have, err1 := strconv.ParseInt(v, 10, 64)
	want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	if r.Operator == v1.NodeSelectorOpGt {
		return have > want
	}
	return have < want
}

func contains(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}
