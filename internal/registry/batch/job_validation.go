package batch

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/apps"
)

// maxIndexedCompletions bounds completions and parallelism of Indexed jobs,
// whose per-index bookkeeping lives in the status.
const maxIndexedCompletions = 100000

func (s jobStrategy) Validate(obj runtime.Object) field.ErrorList {
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return typeError(obj)
	}
	errs := validateGeneratedSelector(job)
	return append(errs, s.validateSpec(&job.Spec, field.NewPath("spec"))...)
}

// validateSpec checks a job's spec, selector included.
func (s jobStrategy) validateSpec(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Selector == nil {
		errs = append(errs, field.Required(path.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
	}
	errs = append(errs, apps.SelectorMatchesTemplate(spec.Selector, spec.Template.Labels, path.Child("template", "metadata", "labels"))...)
	return append(errs, validateJobSpec(s.pods, spec, path)...)
}

// validateGeneratedSelector checks that a job whose selector the server
// generated still selects by its own UID: a user-set controller-uid label
// would let it adopt another job's pods.
func validateGeneratedSelector(job *batchv1.Job) field.ErrorList {
	if ptr.Deref(job.Spec.ManualSelector, false) {
		return nil
	}
	labelsPath := field.NewPath("spec", "template", "metadata", "labels")
	if job.Spec.Template.Labels == nil {
		return field.ErrorList{field.Required(labelsPath, "")}
	}
	var errs field.ErrorList
	uid := string(job.UID)
	if uid == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	for _, key := range []string{legacyControllerUIDLabel, controllerUIDLabel} {
		if v := job.Spec.Template.Labels[key]; v != uid {
			errs = append(errs, field.Invalid(labelsPath.Key(key), v, fmt.Sprintf("must be '%s'", uid)))
		}
	}
	if sel := job.Spec.Selector; sel != nil && sel.MatchLabels[controllerUIDLabel] != uid {
		errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), sel, "`selector` not auto-generated"))
	}
	return errs
}

// validateJobSpec checks what jobs and cron job templates share; the
// selector is checked by the caller, since a template may omit it.
func validateJobSpec(pods PodTemplateRules, spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	counts := []struct {
		name  string
		value *int32
	}{
		{"parallelism", spec.Parallelism},
		{"completions", spec.Completions},
		{"backoffLimit", spec.BackoffLimit},
		{"ttlSecondsAfterFinished", spec.TTLSecondsAfterFinished},
	}
	for _, c := range counts {
		if c.value != nil {
			errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*c.value), path.Child(c.name))...)
		}
	}
	if spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(*spec.ActiveDeadlineSeconds, path.Child("activeDeadlineSeconds"))...)
	}
	errs = append(errs, validateCompletionMode(spec, path)...)
	errs = append(errs, validatePodReplacementPolicy(spec, path)...)
	return append(errs, validateJobTemplate(pods, spec, path.Child("template"))...)
}

func validateCompletionMode(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	mode := ptr.Deref(spec.CompletionMode, batchv1.NonIndexedCompletion)
	switch mode {
	case batchv1.NonIndexedCompletion:
		if spec.BackoffLimitPerIndex != nil {
			return field.ErrorList{field.Required(path.Child("completionMode"), "when backoffLimitPerIndex is specified, must be Indexed")}
		}
		return nil
	case batchv1.IndexedCompletion:
	default:
		return field.ErrorList{field.NotSupported(path.Child("completionMode"), mode, []batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion})}
	}
	var errs field.ErrorList
	if spec.Completions == nil {
		errs = append(errs, field.Required(path.Child("completions"), "when completion mode is Indexed"))
	} else if *spec.Completions > maxIndexedCompletions {
		errs = append(errs, field.Invalid(path.Child("completions"), *spec.Completions, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxIndexedCompletions)))
	}
	if p := ptr.Deref(spec.Parallelism, 0); p > maxIndexedCompletions {
		errs = append(errs, field.Invalid(path.Child("parallelism"), p, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxIndexedCompletions)))
	}
	return errs
}

// validatePodReplacementPolicy: with a pod failure policy, replacements
// must wait for pods to fail, or the policy could not inspect them.
func validatePodReplacementPolicy(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	p := spec.PodReplacementPolicy
	if p == nil {
		return nil
	}
	allowed := []batchv1.PodReplacementPolicy{batchv1.TerminatingOrFailed, batchv1.Failed}
	if spec.PodFailurePolicy != nil {
		allowed = []batchv1.PodReplacementPolicy{batchv1.Failed}
	}
	for _, a := range allowed {
		if *p == a {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(path.Child("podReplacementPolicy"), *p, allowed)}
}

// validateJobTemplate: a job's pods run to completion, so they may not
// restart Always; a pod failure policy needs Never to see each failure.
func validateJobTemplate(pods PodTemplateRules, spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	errs := pods.ValidateTemplate(&spec.Template, path)
	restart := spec.Template.Spec.RestartPolicy
	restartPath := path.Child("spec", "restartPolicy")
	switch {
	case restart != corev1.RestartPolicyOnFailure && restart != corev1.RestartPolicyNever:
		errs = append(errs, field.NotSupported(restartPath, restart, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	case spec.PodFailurePolicy != nil && restart != corev1.RestartPolicyNever:
		errs = append(errs, field.Invalid(restartPath, restart, `only "Never" is supported when podFailurePolicy is specified`))
	}
	return errs
}
