package core

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// updatablePodSpecFields is the list Kubernetes 1.32 prints when a pod
// update touches anything else.
const updatablePodSpecFields = "`spec.containers[*].image`," +
	"`spec.initContainers[*].image`," +
	"`spec.activeDeadlineSeconds`," +
	"`spec.tolerations` (only additions to existing tolerations)," +
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

// validatePodUpdate checks a new pod and that its spec changed only where
// Kubernetes lets a running pod change.
func validatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	specPath := field.NewPath("spec")
	errs := ValidatePodSpec(&pod.Spec, specPath)
	errs = append(errs, validateContainerImagesWhitespace(&pod.Spec, specPath)...)
	if e := validateActiveDeadlineUpdate(pod.Spec.ActiveDeadlineSeconds, old.Spec.ActiveDeadlineSeconds, specPath.Child("activeDeadlineSeconds")); len(e) > 0 {
		return append(errs, e...)
	}
	errs = append(errs, validateOnlyAddedTolerations(pod.Spec.Tolerations, old.Spec.Tolerations, specPath.Child("tolerations"))...)
	errs = append(errs, validateOnlyDeletedSchedulingGates(pod.Spec.SchedulingGates, old.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)
	munged := mungePodSpec(&pod.Spec, &old.Spec)
	if !equality.Semantic.DeepEqual(*munged, old.Spec) {
		msg := fmt.Sprintf("pod updates may not change fields other than %s\n%s",
			updatablePodSpecFields, specDiff(&old.Spec, munged))
		errs = append(errs, field.Forbidden(specPath, msg))
	}
	return errs
}

// mungePodSpec copies the mutable fields of old into a copy of spec, so
// that what remains different is what may not change.
func mungePodSpec(spec, old *corev1.PodSpec) *corev1.PodSpec {
	m := spec.DeepCopy()
	copyImages(m.Containers, old.Containers)
	copyImages(m.InitContainers, old.InitContainers)
	m.ActiveDeadlineSeconds = old.ActiveDeadlineSeconds
	m.Tolerations = old.Tolerations
	m.EphemeralContainers = old.EphemeralContainers
	if g := old.TerminationGracePeriodSeconds; g != nil && *g < 0 &&
		m.TerminationGracePeriodSeconds != nil && *m.TerminationGracePeriodSeconds == 1 {
		m.TerminationGracePeriodSeconds = old.TerminationGracePeriodSeconds
	}
	// While a pod is gated it may lose gates and gain scheduling
	// constraints.
	if len(old.SchedulingGates) > 0 {
		m.SchedulingGates = old.SchedulingGates
		m.Affinity = old.Affinity
		if isSuperset(m.NodeSelector, old.NodeSelector) {
			m.NodeSelector = old.NodeSelector
		}
	}
	return m
}

func copyImages(into, from []corev1.Container) {
	for i := range into {
		if i < len(from) {
			into[i].Image = from[i].Image
		}
	}
}

func isSuperset(a, b map[string]string) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func validateActiveDeadlineUpdate(v, old *int64, fldPath *field.Path) field.ErrorList {
	switch {
	case v == nil && old != nil:
		return field.ErrorList{field.Invalid(fldPath, v, "must not update from a positive integer to nil value")}
	case v == nil:
		return nil
	case *v < 0 || *v > math.MaxInt32:
		return field.ErrorList{field.Invalid(fldPath, *v, validation.InclusiveRangeError(0, math.MaxInt32))}
	case old != nil && *old < *v:
		return field.ErrorList{field.Invalid(fldPath, *v, "must be less than or equal to previous value")}
	}
	return nil
}

// validateOnlyAddedTolerations lets tolerations be added, and existing
// ones change only their tolerationSeconds.
func validateOnlyAddedTolerations(ts, old []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	for _, o := range old {
		found := false
		for _, t := range ts {
			o.TolerationSeconds = t.TolerationSeconds
			if equality.Semantic.DeepEqual(o, t) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(fldPath, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return nil
}

func validateOnlyDeletedSchedulingGates(gates, old []corev1.PodSchedulingGate, fldPath *field.Path) field.ErrorList {
	had := sets.New[string]()
	for _, g := range old {
		had.Insert(g.Name)
	}
	var errs field.ErrorList
	for _, g := range gates {
		if !had.Has(g.Name) {
			errs = append(errs, field.Forbidden(fldPath, fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return errs
}

// specDiff lists the pod spec fields that differ, old value first, to
// tell the user what they may not change.
func specDiff(old, cur *corev1.PodSpec) string {
	var b strings.Builder
	b.WriteString("  core.PodSpec{\n")
	ov, cv := reflect.ValueOf(*old), reflect.ValueOf(*cur)
	for i := 0; i < ov.NumField(); i++ {
		a, c := ov.Field(i).Interface(), cv.Field(i).Interface()
		if equality.Semantic.DeepEqual(a, c) {
			continue
		}
		name := ov.Type().Field(i).Name
		fmt.Fprintf(&b, "- \t%s: %s,\n+ \t%s: %s,\n", name, jsonString(a), name, jsonString(c))
	}
	b.WriteString("  }\n")
	return b.String()
}

func jsonString(v interface{}) string {
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(out)
}
