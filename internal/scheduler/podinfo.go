package scheduler

import (
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
)

// PodInfo is a pod with what the scheduler derives from its spec computed
// once: its requests and its parsed inter-pod affinity terms.
type PodInfo struct {
	Pod *v1.Pod
	// group is the pod's label group (groups.go), or noGroup.
	group                 int32
	Requests              Resources
	NonZeroCPU            int64
	NonZeroMemory         int64
	RequiredAffinity      []affinityTerm
	RequiredAntiAffinity  []affinityTerm
	PreferredAffinity     []weightedTerm
	PreferredAntiAffinity []weightedTerm
}

// affinityTerm is a PodAffinityTerm with its selectors parsed. namespaces
// is the explicit list (or the pod's own namespace when both the list and
// the selector are empty); nsSelector, when set, adds namespaces by label.
type affinityTerm struct {
	namespaces  sets.Set[string]
	nsSelector  labels.Selector
	selector    labels.Selector
	topologyKey string
}

type weightedTerm struct {
	affinityTerm
	weight int32
}

// newPodInfo parses pod. A term whose selector does not parse matches
// nothing, as Kubernetes treats it (validation rejects such pods anyway).
func newPodInfo(pod *v1.Pod) *PodInfo {
	pi := &PodInfo{Pod: pod, group: noGroup, Requests: podRequests(pod)}
	pi.NonZeroCPU, pi.NonZeroMemory = nonZeroRequests(pod)
	aff := pod.Spec.Affinity
	if aff == nil {
		return pi
	}
	if a := aff.PodAffinity; a != nil {
		pi.RequiredAffinity = parseTerms(pod, a.RequiredDuringSchedulingIgnoredDuringExecution)
		pi.PreferredAffinity = parseWeighted(pod, a.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if a := aff.PodAntiAffinity; a != nil {
		pi.RequiredAntiAffinity = parseTerms(pod, a.RequiredDuringSchedulingIgnoredDuringExecution)
		pi.PreferredAntiAffinity = parseWeighted(pod, a.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	return pi
}

func (pi *PodInfo) hasAffinity() bool {
	return len(pi.RequiredAffinity)+len(pi.RequiredAntiAffinity)+len(pi.PreferredAffinity)+len(pi.PreferredAntiAffinity) > 0
}

func parseTerms(pod *v1.Pod, terms []v1.PodAffinityTerm) []affinityTerm {
	out := make([]affinityTerm, 0, len(terms))
	for i := range terms {
		out = append(out, parseTerm(pod, &terms[i]))
	}
	return out
}

func parseWeighted(pod *v1.Pod, terms []v1.WeightedPodAffinityTerm) []weightedTerm {
	out := make([]weightedTerm, 0, len(terms))
	for i := range terms {
		out = append(out, weightedTerm{parseTerm(pod, &terms[i].PodAffinityTerm), terms[i].Weight})
	}
	return out
}

func parseTerm(pod *v1.Pod, t *v1.PodAffinityTerm) affinityTerm {
	at := affinityTerm{topologyKey: t.TopologyKey, namespaces: sets.New(t.Namespaces...)}
	at.selector = selectorOrNothing(mergeKeys(t.LabelSelector, pod.Labels, t.MatchLabelKeys, t.MismatchLabelKeys))
	if t.NamespaceSelector != nil {
		at.nsSelector = selectorOrNothing(t.NamespaceSelector)
	}
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		at.namespaces.Insert(pod.Namespace)
	}
	return at
}

// mergeKeys adds to sel the pod's own values of matchLabelKeys (In) and
// mismatchLabelKeys (NotIn), as the API documents those fields.
func mergeKeys(sel *metav1.LabelSelector, own map[string]string, match, mismatch []string) *metav1.LabelSelector {
	if sel == nil || len(match)+len(mismatch) == 0 {
		return sel
	}
	sel = sel.DeepCopy()
	for _, k := range match {
		if v, ok := own[k]; ok {
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpIn, Values: []string{v}})
		}
	}
	for _, k := range mismatch {
		if v, ok := own[k]; ok {
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpNotIn, Values: []string{v}})
		}
	}
	return sel
}

// selectorOrNothing converts sel; nil selects nothing, an unparsable one too.
func selectorOrNothing(sel *metav1.LabelSelector) labels.Selector {
	if sel == nil {
		return labels.Nothing()
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return labels.Nothing()
	}
	return s
}

// matches says whether pod (with its namespace's labels nsLabels) is one
// the term selects.
func (t *affinityTerm) matches(pod *v1.Pod, nsLabels labels.Set) bool {
	if !t.namespaces.Has(pod.Namespace) && (t.nsSelector == nil || !t.nsSelector.Matches(nsLabels)) {
		return false
	}
	return t.selector.Matches(labels.Set(pod.Labels))
}
