package volumebinding

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// volumeFitsNode reports whether a volume's required node affinity admits
// node: any one of its terms must match, and a term matches when all its
// label expressions and field expressions do. A term that cannot be
// parsed matches nothing, as in the scheduler.
func volumeFitsNode(volume *corev1.PersistentVolume, node *corev1.Node) bool {
	aff := volume.Spec.NodeAffinity
	if aff == nil || aff.Required == nil {
		return true
	}
	for _, term := range aff.Required.NodeSelectorTerms {
		if termMatches(term, node) {
			return true
		}
	}
	return false
}

func termMatches(term corev1.NodeSelectorTerm, node *corev1.Node) bool {
	if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
		return false // an empty term selects no node
	}
	for _, req := range term.MatchExpressions {
		if !labelRequirementMatches(req, node.Labels) {
			return false
		}
	}
	for _, req := range term.MatchFields {
		if !fieldRequirementMatches(req, node.Name) {
			return false
		}
	}
	return true
}

var nodeSelectorOps = map[corev1.NodeSelectorOperator]selection.Operator{
	corev1.NodeSelectorOpIn:           selection.In,
	corev1.NodeSelectorOpNotIn:        selection.NotIn,
	corev1.NodeSelectorOpExists:       selection.Exists,
	corev1.NodeSelectorOpDoesNotExist: selection.DoesNotExist,
	corev1.NodeSelectorOpGt:           selection.GreaterThan,
	corev1.NodeSelectorOpLt:           selection.LessThan,
}

func labelRequirementMatches(req corev1.NodeSelectorRequirement, nodeLabels map[string]string) bool {
	op, ok := nodeSelectorOps[req.Operator]
	if !ok {
		return false
	}
	r, err := labels.NewRequirement(req.Key, op, req.Values)
	if err != nil {
		return false
	}
	return r.Matches(labels.Set(nodeLabels))
}

// fieldRequirementMatches: metadata.name with In or NotIn is the only
// node field a selector may use.
func fieldRequirementMatches(req corev1.NodeSelectorRequirement, nodeName string) bool {
	if req.Key != "metadata.name" {
		return false
	}
	switch req.Operator {
	case corev1.NodeSelectorOpIn:
		return slices.Contains(req.Values, nodeName)
	case corev1.NodeSelectorOpNotIn:
		return !slices.Contains(req.Values, nodeName)
	}
	return false
}
