package apps

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateSelector checks the selector every apps workload requires: set,
// well formed and not empty ("empty selector is invalid for deployment").
func validateSelector(sel *metav1.LabelSelector, kind string, path *field.Path) field.ErrorList {
	if sel == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, path)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(path, sel, "empty selector is invalid for "+kind))
	}
	return errs
}

// SelectorMatchesTemplate reports a template whose labels the selector does
// not select: the controller could never find the pods it creates. A nil
// selector selects nothing and so fails; a malformed one is reported by
// selector validation instead.
func SelectorMatchesTemplate(sel *metav1.LabelSelector, templateLabels map[string]string, labelsPath *field.Path) field.ErrorList {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() || s.Matches(labels.Set(templateLabels)) {
		return nil
	}
	return field.ErrorList{field.Invalid(labelsPath, templateLabels, "`selector` does not match template `labels`")}
}

// validateAlwaysRestartingTemplate checks the template of a workload whose
// pods run forever: it must match the selector, be a valid pod template,
// restart Always and have no deadline. kind names the workload in messages.
func validateAlwaysRestartingTemplate(pods PodTemplateRules, t *corev1.PodTemplateSpec, sel *metav1.LabelSelector, kind string, path *field.Path) field.ErrorList {
	errs := SelectorMatchesTemplate(sel, t.Labels, path.Child("metadata", "labels"))
	errs = append(errs, pods.ValidateTemplate(t, path)...)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(path.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(path.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return errs
}

// ValidateIntOrPercent checks a count that may also be a percentage
// ("25%"): a non-negative integer or a whole-number percent string.
func ValidateIntOrPercent(v intstr.IntOrString, path *field.Path) field.ErrorList {
	switch v.Type {
	case intstr.String:
		var errs field.ErrorList
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(path, v, msg))
		}
		return errs
	case intstr.Int:
		return apivalidation.ValidateNonnegativeField(int64(v.IntVal), path)
	}
	return field.ErrorList{field.Invalid(path, v, "must be an integer or percentage (e.g '5%')")}
}

// ValidateAtMost100Percent rejects percentages above 100%.
func ValidateAtMost100Percent(v intstr.IntOrString, path *field.Path) field.ErrorList {
	if p, ok := percent(v); ok && p > 100 {
		return field.ErrorList{field.Invalid(path, v, "must not be greater than 100%")}
	}
	return nil
}

// percent returns the number in a valid percent string.
func percent(v intstr.IntOrString) (int, bool) {
	if v.Type != intstr.String || len(validation.IsValidPercent(v.StrVal)) > 0 {
		return 0, false
	}
	p, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	return p, err == nil
}

// intOrPercentValue is the number in an int or a percent, for the "may
// not both be zero" rules; a nil value counts as zero.
func intOrPercentValue(v *intstr.IntOrString) int {
	if v == nil {
		return 0
	}
	if p, ok := percent(*v); ok {
		return p
	}
	return v.IntValue()
}

// validateOptionalNonnegative checks an optional count such as
// revisionHistoryLimit.
func validateOptionalNonnegative(v *int32, path *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return apivalidation.ValidateNonnegativeField(int64(*v), path)
}

// mustBeOneOf reports a required enum that is empty (Required) or
// holds a value outside the allowed ones (NotSupported).
func mustBeOneOf[T ~string](v T, allowed []T, path *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(path, v, allowed)}
}

// typeError is what a strategy returns when handed another resource's
// object: a wiring bug, reported rather than panicking.
func typeError(obj interface{}) field.ErrorList {
	return field.ErrorList{field.InternalError(nil, fmt.Errorf("unexpected object type %T", obj))}
}
