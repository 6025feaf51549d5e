package core

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func replicationControllerResource() resource.Resource {
	r := newResource("replicationcontrollers", "ReplicationController", true,
		func() runtime.Object { return &corev1.ReplicationController{} },
		func() runtime.Object { return &corev1.ReplicationControllerList{} },
		rcStrategy{})
	r.ShortNames = []string{"rc"}
	r.Categories = []string{"all"}
	r.Status = true
	r.Scale = &resource.Scale{SpecReplicas: "spec.replicas", StatusReplicas: "status.replicas", Selector: "spec.selector"}
	return r
}

// rcStrategy holds the rules of replication controllers.
type rcStrategy struct{}

var (
	_ resource.Strategy        = rcStrategy{}
	_ resource.StatusValidator = rcStrategy{}
)

// Default: one replica; selector and labels from the template's labels
// when not given.
func (rcStrategy) Default(obj runtime.Object) {
	rc := obj.(*corev1.ReplicationController)
	if rc.Spec.Replicas == nil {
		one := int32(1)
		rc.Spec.Replicas = &one
	}
	if t := rc.Spec.Template; t != nil {
		if len(t.Labels) > 0 && len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = copyMap(t.Labels)
		}
		if len(t.Labels) > 0 && len(rc.Labels) == 0 {
			rc.Labels = copyMap(t.Labels)
		}
		DefaultPodTemplateSpec(t)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (rcStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*corev1.ReplicationController).Status = corev1.ReplicationControllerStatus{}
}

func (rcStrategy) PrepareForUpdate(_, _ runtime.Object) {}

func (rcStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateRCSpec(&obj.(*corev1.ReplicationController).Spec, field.NewPath("spec"))
}

func (s rcStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

// ValidateStatusUpdate: counts are non-negative and nest: available <=
// ready <= replicas, fully labeled <= replicas.
func (rcStrategy) ValidateStatusUpdate(obj, _ runtime.Object) field.ErrorList {
	st := obj.(*corev1.ReplicationController).Status
	p := field.NewPath("status")
	var errs field.ErrorList
	for _, f := range []struct {
		name string
		v    int64
	}{{"replicas", int64(st.Replicas)}, {"fullyLabeledReplicas", int64(st.FullyLabeledReplicas)},
		{"readyReplicas", int64(st.ReadyReplicas)}, {"availableReplicas", int64(st.AvailableReplicas)},
		{"observedGeneration", st.ObservedGeneration}} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(f.v, p.Child(f.name))...)
	}
	if st.FullyLabeledReplicas > st.Replicas {
		errs = append(errs, field.Invalid(p.Child("fullyLabeledReplicas"), st.FullyLabeledReplicas, "cannot be greater than status.replicas"))
	}
	if st.ReadyReplicas > st.Replicas {
		errs = append(errs, field.Invalid(p.Child("readyReplicas"), st.ReadyReplicas, "cannot be greater than status.replicas"))
	}
	if st.AvailableReplicas > st.Replicas {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than status.replicas"))
	}
	if st.AvailableReplicas > st.ReadyReplicas {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return errs
}

// validateRCSpec: a non-empty selector matching the template's labels,
// non-negative counts, and a template whose pods always restart.
func validateRCSpec(spec *corev1.ReplicationControllerSpec, fldPath *field.Path) field.ErrorList {
	errs := apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), fldPath.Child("minReadySeconds"))
	selPath := fldPath.Child("selector")
	if len(spec.Selector) == 0 {
		errs = append(errs, field.Required(selPath, ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabels(spec.Selector, selPath)...)
	}
	if spec.Replicas != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.Replicas), fldPath.Child("replicas"))...)
	}
	tPath := fldPath.Child("template")
	t := spec.Template
	if t == nil {
		return append(errs, field.Required(tPath, ""))
	}
	if sel := labels.Set(spec.Selector).AsSelector(); !sel.Empty() && !sel.Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(tPath.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, ValidatePodTemplateSpec(t, tPath)...)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tPath.Child("spec", "restartPolicy"), t.Spec.RestartPolicy,
			[]corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(tPath.Child("spec", "activeDeadlineSeconds"), *t.Spec.ActiveDeadlineSeconds,
			"activeDeadlineSeconds in ReplicationController is not Supported"))
	}
	return errs
}

func (rcStrategy) Columns() []metav1.TableColumnDefinition {
	spec := corev1.ReplicationControllerSpec{}.SwaggerDoc()
	status := corev1.ReplicationControllerStatus{}.SwaggerDoc()
	integer := func(name, desc string) metav1.TableColumnDefinition {
		c := resource.Column(name, desc, 0)
		c.Type = "integer"
		return c
	}
	return []metav1.TableColumnDefinition{
		integer("Desired", spec["replicas"]),
		integer("Current", status["replicas"]),
		integer("Ready", status["readyReplicas"]),
		resource.AgeColumn,
		resource.Column("Containers", "Names of each container in the template.", 1),
		resource.Column("Images", "Images referenced by each container in the template.", 1),
		resource.Column("Selector", spec["selector"], 1),
	}
}

func (rcStrategy) Cells(obj runtime.Object) []interface{} {
	rc := obj.(*corev1.ReplicationController)
	desired := int64(0)
	if rc.Spec.Replicas != nil {
		desired = int64(*rc.Spec.Replicas)
	}
	names, images := "", ""
	if rc.Spec.Template != nil {
		names, images = containerCells(rc.Spec.Template.Spec.Containers)
	}
	return []interface{}{
		desired,
		int64(rc.Status.Replicas),
		int64(rc.Status.ReadyReplicas),
		resource.Age(rc),
		names,
		images,
		labels.FormatLabels(rc.Spec.Selector),
	}
}

func (rcStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"status.replicas": strconv.Itoa(int(obj.(*corev1.ReplicationController).Status.Replicas))}
}
