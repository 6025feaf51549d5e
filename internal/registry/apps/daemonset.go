package apps

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/resource"
)

func daemonSetResource(pods PodTemplateRules) resource.Resource {
	return resource.Resource{
		GVR:        appsv1.SchemeGroupVersion.WithResource("daemonsets"),
		Kind:       "DaemonSet",
		Singular:   "daemonset",
		Namespaced: true,
		ShortNames: []string{"ds"},
		Categories: []string{"all"},
		New:        func() runtime.Object { return &appsv1.DaemonSet{} },
		NewList:    func() runtime.Object { return &appsv1.DaemonSetList{} },
		Strategy:   daemonSetStrategy{pods: pods},
		Status:     true,
	}
}

type daemonSetStrategy struct {
	resource.Base
	pods PodTemplateRules
}

func (s daemonSetStrategy) Default(obj runtime.Object) {
	ds, ok := obj.(*appsv1.DaemonSet)
	if !ok {
		return
	}
	st := &ds.Spec.UpdateStrategy
	if st.Type == "" {
		st.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if st.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if st.RollingUpdate == nil {
			st.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if st.RollingUpdate.MaxUnavailable == nil {
			st.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(1))
		}
		if st.RollingUpdate.MaxSurge == nil {
			st.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(0))
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = ptr.To[int32](10)
	}
	s.pods.DefaultTemplate(&ds.Spec.Template)
}

// PrepareForCreate drops any client-sent status: the controller owns it.
func (daemonSetStrategy) PrepareForCreate(obj runtime.Object) {
	if ds, ok := obj.(*appsv1.DaemonSet); ok {
		ds.Status = appsv1.DaemonSetStatus{}
	}
}

func (s daemonSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	ds, ok := obj.(*appsv1.DaemonSet)
	if !ok {
		return typeError(obj)
	}
	return s.validateSpec(&ds.Spec, field.NewPath("spec"))
}

// ValidateUpdate keeps the selector fixed, as apps/v1 does.
func (s daemonSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	ds, ok1 := obj.(*appsv1.DaemonSet)
	o, ok2 := old.(*appsv1.DaemonSet)
	if !ok1 || !ok2 {
		return typeError(obj)
	}
	errs := s.validateSpec(&ds.Spec, field.NewPath("spec"))
	return append(errs, apivalidation.ValidateImmutableField(ds.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func (s daemonSetStrategy) validateSpec(spec *appsv1.DaemonSetSpec, path *field.Path) field.ErrorList {
	errs := validateSelector(spec.Selector, "daemonset", path.Child("selector"))
	tmpl := path.Child("template")
	errs = append(errs, SelectorMatchesTemplate(spec.Selector, spec.Template.Labels, tmpl.Child("metadata", "labels"))...)
	errs = append(errs, s.pods.ValidateTemplate(&spec.Template, tmpl)...)
	if spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tmpl.Child("spec", "restartPolicy"), spec.Template.Spec.RestartPolicy, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if ads := spec.Template.Spec.ActiveDeadlineSeconds; ads != nil {
		errs = append(errs, field.Invalid(tmpl.Child("spec", "activeDeadlineSeconds"), *ads, "activeDeadlineSeconds in DaemonSet is not Supported"))
	}
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	errs = append(errs, validateOptionalNonnegative(spec.RevisionHistoryLimit, path.Child("revisionHistoryLimit"))...)
	return append(errs, validateDaemonSetUpdateStrategy(&spec.UpdateStrategy, path.Child("updateStrategy"))...)
}

func validateDaemonSetUpdateStrategy(st *appsv1.DaemonSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch st.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if st.RollingUpdate == nil {
			return field.ErrorList{field.Required(path.Child("rollingUpdate"), "")}
		}
		return validateDaemonSetRollingUpdate(st.RollingUpdate, path.Child("rollingUpdate"))
	}
	return mustBeOneOf(st.Type, []appsv1.DaemonSetUpdateStrategyType{appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType}, path.Child("type"))
}

// validateDaemonSetRollingUpdate requires exactly one of maxSurge and
// maxUnavailable to be non-zero: a node runs at most one extra pod, so a
// rollout either surges or takes pods down, never both.
func validateDaemonSetRollingUpdate(ru *appsv1.RollingUpdateDaemonSet, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	unavailable := ptr.Deref(ru.MaxUnavailable, intstr.FromInt32(0))
	surge := ptr.Deref(ru.MaxSurge, intstr.FromInt32(0))
	errs = append(errs, ValidateIntOrPercent(unavailable, path.Child("maxUnavailable"))...)
	errs = append(errs, ValidateIntOrPercent(surge, path.Child("maxSurge"))...)
	errs = append(errs, ValidateAtMost100Percent(unavailable, path.Child("maxUnavailable"))...)
	errs = append(errs, ValidateAtMost100Percent(surge, path.Child("maxSurge"))...)
	hasUnavailable := intOrPercentValue(ru.MaxUnavailable) != 0
	hasSurge := intOrPercentValue(ru.MaxSurge) != 0
	switch {
	case hasUnavailable && hasSurge:
		errs = append(errs, field.Invalid(path.Child("maxSurge"), surge, "may not be set when maxUnavailable is non-zero"))
	case !hasUnavailable && !hasSurge:
		errs = append(errs, field.Required(path.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

func (daemonSetStrategy) Columns() []metav1.TableColumnDefinition {
	status := appsv1.DaemonSetStatus{}.SwaggerDoc()
	return append([]metav1.TableColumnDefinition{
		{Name: "Desired", Type: "integer", Description: status["desiredNumberScheduled"]},
		{Name: "Current", Type: "integer", Description: status["currentNumberScheduled"]},
		{Name: "Ready", Type: "integer", Description: status["numberReady"]},
		{Name: "Up-to-date", Type: "integer", Description: status["updatedNumberScheduled"]},
		{Name: "Available", Type: "integer", Description: status["numberAvailable"]},
		{Name: "Node Selector", Type: "string", Description: corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]},
		resource.AgeColumn,
	}, append(TemplateColumns(),
		metav1.TableColumnDefinition{Name: "Selector", Type: "string", Priority: 1, Description: appsv1.DaemonSetSpec{}.SwaggerDoc()["selector"]})...)
}

func (daemonSetStrategy) Cells(obj runtime.Object) []interface{} {
	ds, ok := obj.(*appsv1.DaemonSet)
	if !ok {
		return nil
	}
	st := ds.Status
	names, images := ContainerCells(&ds.Spec.Template.Spec)
	return []interface{}{
		int64(st.DesiredNumberScheduled), int64(st.CurrentNumberScheduled), int64(st.NumberReady),
		int64(st.UpdatedNumberScheduled), int64(st.NumberAvailable),
		labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
		resource.Age(ds),
		names, images, SelectorCell(ds.Spec.Selector),
	}
}
