package namespace

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// contentResult is what one pass over a Terminating namespace found.
type contentResult struct {
	discoveryErr     error
	groupVersionErrs []error
	deleteErrs       []error
	remaining        map[schema.GroupResource]int // objects left per resource
	finalizers       map[string]int               // objects left per finalizer
}

func (r contentResult) err() error {
	var errs []error
	if r.discoveryErr != nil {
		errs = append(errs, r.discoveryErr)
	}
	errs = append(errs, r.groupVersionErrs...)
	errs = append(errs, r.deleteErrs...)
	return utilerrors.NewAggregate(errs)
}

func (r contentResult) empty() bool { return len(r.remaining) == 0 }

// conditions are the namespace's deletion conditions in Kubernetes'
// words, without timestamps.
func (r contentResult) conditions() []corev1.NamespaceCondition {
	return []corev1.NamespaceCondition{
		condition(corev1.NamespaceDeletionDiscoveryFailure, r.discoveryErr != nil,
			"DiscoveryFailed", errText("Discovery failed for some groups", []error{r.discoveryErr}),
			"ResourcesDiscovered", "All resources successfully discovered"),
		condition(corev1.NamespaceDeletionGVParsingFailure, len(r.groupVersionErrs) > 0,
			"GroupVersionParsingFailed", errText("Failed to parse some group versions", r.groupVersionErrs),
			"ParsedGroupVersions", "All legacy kube types successfully parsed"),
		condition(corev1.NamespaceDeletionContentFailure, len(r.deleteErrs) > 0,
			"ContentDeletionFailed", errText("Failed to delete all resource types", r.deleteErrs),
			"ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
		condition(corev1.NamespaceContentRemaining, len(r.remaining) > 0,
			"SomeResourcesRemain", "Some resources are remaining: "+remainingText(r.remaining),
			"ContentRemoved", "All content successfully removed"),
		condition(corev1.NamespaceFinalizersRemaining, len(r.finalizers) > 0,
			"SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: "+finalizersText(r.finalizers),
			"ContentHasNoFinalizers", "All content-preserving finalizers finished"),
	}
}

func condition(t corev1.NamespaceConditionType, bad bool, badReason, badMsg, goodReason, goodMsg string) corev1.NamespaceCondition {
	if bad {
		return corev1.NamespaceCondition{Type: t, Status: corev1.ConditionTrue, Reason: badReason, Message: badMsg}
	}
	return corev1.NamespaceCondition{Type: t, Status: corev1.ConditionFalse, Reason: goodReason, Message: goodMsg}
}

func errText(prefix string, errs []error) string {
	var msgs []string
	for _, e := range errs {
		if e != nil {
			msgs = append(msgs, e.Error())
		}
	}
	return fmt.Sprintf("%s, %d failing: %s", prefix, len(msgs), strings.Join(msgs, ", "))
}

func remainingText(m map[schema.GroupResource]int) string {
	parts := make([]string, 0, len(m))
	for gr, n := range m {
		parts = append(parts, fmt.Sprintf("%s has %d resource instances", gr.String(), n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func finalizersText(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for f, n := range m {
		parts = append(parts, fmt.Sprintf("%s in %d resource instances", f, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// mergeConditions replaces the deletion conditions in old with fresh ones,
// keeping the transition time of those whose status did not change, and
// reports whether anything changed.
func mergeConditions(old, fresh []corev1.NamespaceCondition, now metav1.Time) ([]corev1.NamespaceCondition, bool) {
	out := make([]corev1.NamespaceCondition, 0, len(old)+len(fresh))
	byType := map[corev1.NamespaceConditionType]corev1.NamespaceCondition{}
	for _, c := range old {
		byType[c.Type] = c
	}
	changed := false
	for _, f := range fresh {
		prev, had := byType[f.Type]
		delete(byType, f.Type)
		switch {
		case !had || prev.Status != f.Status:
			f.LastTransitionTime = now
			changed = true
		default:
			f.LastTransitionTime = prev.LastTransitionTime
			changed = changed || prev.Reason != f.Reason || prev.Message != f.Message
		}
		out = append(out, f)
	}
	for _, c := range old { // conditions of other owners stay as they are
		if _, ok := byType[c.Type]; ok {
			out = append(out, c)
		}
	}
	return out, changed
}
