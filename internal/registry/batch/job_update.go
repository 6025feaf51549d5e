package batch

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// ValidateUpdate checks an updated job. A running job's pods are built from
// its template, so the template is fixed, except that a job which is
// suspended and has never started may still change where its pods will
// run (node selector, affinity, tolerations, scheduling gates) and their
// labels and annotations, which is how queueing systems place jobs.
func (s jobStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	job, ok1 := obj.(*batchv1.Job)
	o, ok2 := old.(*batchv1.Job)
	if !ok1 || !ok2 {
		return typeError(obj)
	}
	path := field.NewPath("spec")
	errs := s.validateSpec(&job.Spec, path)
	spec, oldSpec := &job.Spec, &o.Spec
	immutable := func(newVal, oldVal interface{}, name string) {
		errs = append(errs, apivalidation.ValidateImmutableField(newVal, oldVal, path.Child(name))...)
	}
	errs = append(errs, validateCompletionsUpdate(spec, oldSpec, path)...)
	immutable(spec.Selector, oldSpec.Selector, "selector")
	immutable(&spec.Template, templateForComparison(o, &spec.Template), "template")
	immutable(spec.CompletionMode, oldSpec.CompletionMode, "completionMode")
	immutable(spec.PodFailurePolicy, oldSpec.PodFailurePolicy, "podFailurePolicy")
	immutable(spec.BackoffLimitPerIndex, oldSpec.BackoffLimitPerIndex, "backoffLimitPerIndex")
	immutable(spec.ManagedBy, oldSpec.ManagedBy, "managedBy")
	immutable(spec.SuccessPolicy, oldSpec.SuccessPolicy, "successPolicy")
	return errs
}

// validateCompletionsUpdate: completions is fixed, except that an Indexed
// job may scale elastically when completions and parallelism move together.
func validateCompletionsUpdate(spec, oldSpec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	if ptr.Deref(spec.CompletionMode, "") != batchv1.IndexedCompletion {
		return apivalidation.ValidateImmutableField(spec.Completions, oldSpec.Completions, path.Child("completions"))
	}
	if ptr.Equal(spec.Completions, oldSpec.Completions) {
		return nil
	}
	if spec.Completions == nil || spec.Parallelism == nil || *spec.Completions != *spec.Parallelism {
		return field.ErrorList{field.Invalid(path.Child("completions"), spec.Completions, "can only be modified in tandem with spec.parallelism")}
	}
	return nil
}

// templateForComparison is the old template, with the fields a suspended,
// never-started job may change taken from the new one.
func templateForComparison(old *batchv1.Job, newTmpl *corev1.PodTemplateSpec) *corev1.PodTemplateSpec {
	suspended := ptr.Deref(old.Spec.Suspend, false)
	if !suspended || old.Status.StartTime != nil {
		return &old.Spec.Template
	}
	t := old.Spec.Template.DeepCopy()
	t.Labels = newTmpl.Labels
	t.Annotations = newTmpl.Annotations
	t.Spec.NodeSelector = newTmpl.Spec.NodeSelector
	t.Spec.Tolerations = newTmpl.Spec.Tolerations
	t.Spec.SchedulingGates = newTmpl.Spec.SchedulingGates
	t.Spec.Affinity = mergeNodeAffinity(t.Spec.Affinity, newTmpl.Spec.Affinity)
	return t
}

// mergeNodeAffinity replaces the node affinity in old with new's, keeping
// old's pod (anti-)affinity, which stays immutable.
func mergeNodeAffinity(old, new *corev1.Affinity) *corev1.Affinity {
	var merged corev1.Affinity
	if old != nil {
		merged = *old
	}
	merged.NodeAffinity = nil
	if new != nil {
		merged.NodeAffinity = new.NodeAffinity
	}
	if merged == (corev1.Affinity{}) && new == nil {
		return nil
	}
	return &merged
}
