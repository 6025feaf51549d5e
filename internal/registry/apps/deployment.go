package apps

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/resource"
)

func deploymentResource(pods PodTemplateRules) resource.Resource {
	return resource.Resource{
		GVR:        appsv1.SchemeGroupVersion.WithResource("deployments"),
		Kind:       "Deployment",
		Singular:   "deployment",
		Namespaced: true,
		ShortNames: []string{"deploy"},
		Categories: []string{"all"},
		New:        func() runtime.Object { return &appsv1.Deployment{} },
		NewList:    func() runtime.Object { return &appsv1.DeploymentList{} },
		Strategy:   deploymentStrategy{pods: pods},
		Status:     true,
		Scale:      &resource.Scale{SpecReplicas: "spec.replicas", StatusReplicas: "status.replicas", Selector: "spec.selector"},
	}
}

type deploymentStrategy struct {
	resource.Base
	pods PodTemplateRules
}

func (s deploymentStrategy) Default(obj runtime.Object) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return
	}
	spec := &d.Spec
	if spec.Replicas == nil {
		spec.Replicas = ptr.To[int32](1)
	}
	if spec.Strategy.Type == "" {
		spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if spec.Strategy.RollingUpdate == nil {
			spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		ru := spec.Strategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptr.To(intstr.FromString("25%"))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = ptr.To(intstr.FromString("25%"))
		}
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = ptr.To[int32](10)
	}
	if spec.ProgressDeadlineSeconds == nil {
		spec.ProgressDeadlineSeconds = ptr.To[int32](600)
	}
	s.pods.DefaultTemplate(&spec.Template)
}

// PrepareForCreate drops any status a client sent: the deployment
// controller owns it.
func (deploymentStrategy) PrepareForCreate(obj runtime.Object) {
	if d, ok := obj.(*appsv1.Deployment); ok {
		d.Status = appsv1.DeploymentStatus{}
	}
}

func (s deploymentStrategy) Validate(obj runtime.Object) field.ErrorList {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return typeError(obj)
	}
	return s.validateSpec(&d.Spec, field.NewPath("spec"))
}

// ValidateUpdate adds apps/v1's rule that the selector never changes: a
// changed selector would orphan the deployment's replica sets.
func (s deploymentStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	d, ok1 := obj.(*appsv1.Deployment)
	o, ok2 := old.(*appsv1.Deployment)
	if !ok1 || !ok2 {
		return typeError(obj)
	}
	errs := s.validateSpec(&d.Spec, field.NewPath("spec"))
	return append(errs, apivalidation.ValidateImmutableField(d.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func (s deploymentStrategy) validateSpec(spec *appsv1.DeploymentSpec, path *field.Path) field.ErrorList {
	errs := apivalidation.ValidateNonnegativeField(int64(ptr.Deref(spec.Replicas, 0)), path.Child("replicas"))
	errs = append(errs, validateSelector(spec.Selector, "deployment", path.Child("selector"))...)
	errs = append(errs, validateAlwaysRestartingTemplate(s.pods, &spec.Template, spec.Selector, "ReplicaSet", path.Child("template"))...)
	errs = append(errs, validateDeploymentStrategy(&spec.Strategy, path.Child("strategy"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	errs = append(errs, validateOptionalNonnegative(spec.RevisionHistoryLimit, path.Child("revisionHistoryLimit"))...)
	if pd := spec.ProgressDeadlineSeconds; pd != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*pd), path.Child("progressDeadlineSeconds"))...)
		if *pd <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(path.Child("progressDeadlineSeconds"), *pd, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateDeploymentStrategy(st *appsv1.DeploymentStrategy, path *field.Path) field.ErrorList {
	switch st.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(path.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	case appsv1.RollingUpdateDeploymentStrategyType:
		if st.RollingUpdate == nil {
			return field.ErrorList{field.Required(path.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		return validateRollingUpdateDeployment(st.RollingUpdate, path.Child("rollingUpdate"))
	}
	return mustBeOneOf(st.Type, []appsv1.DeploymentStrategyType{appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType}, path.Child("type"))
}

// validateRollingUpdateDeployment forbids maxSurge and maxUnavailable both
// zero: the rollout could then never replace a pod.
func validateRollingUpdateDeployment(ru *appsv1.RollingUpdateDeployment, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	unavailable := ptr.Deref(ru.MaxUnavailable, intstr.FromInt32(0))
	surge := ptr.Deref(ru.MaxSurge, intstr.FromInt32(0))
	errs = append(errs, ValidateIntOrPercent(unavailable, path.Child("maxUnavailable"))...)
	errs = append(errs, ValidateIntOrPercent(surge, path.Child("maxSurge"))...)
	if intOrPercentValue(ru.MaxUnavailable) == 0 && intOrPercentValue(ru.MaxSurge) == 0 {
		errs = append(errs, field.Invalid(path.Child("maxUnavailable"), unavailable, "may not be 0 when `maxSurge` is 0"))
	}
	return append(errs, ValidateAtMost100Percent(unavailable, path.Child("maxUnavailable"))...)
}

func (deploymentStrategy) Columns() []metav1.TableColumnDefinition {
	return append([]metav1.TableColumnDefinition{
		{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
		{Name: "Up-to-date", Type: "string", Description: appsv1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"]},
		{Name: "Available", Type: "string", Description: appsv1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"]},
		resource.AgeColumn,
	}, append(TemplateColumns(),
		metav1.TableColumnDefinition{Name: "Selector", Type: "string", Priority: 1, Description: appsv1.DeploymentSpec{}.SwaggerDoc()["selector"]})...)
}

func (deploymentStrategy) Cells(obj runtime.Object) []interface{} {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return nil
	}
	names, images := ContainerCells(&d.Spec.Template.Spec)
	return []interface{}{
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, ptr.Deref(d.Spec.Replicas, 0)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		resource.Age(d),
		names, images, SelectorCell(d.Spec.Selector),
	}
}
