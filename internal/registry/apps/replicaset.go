package apps

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/resource"
)

func replicaSetResource(pods PodTemplateRules) resource.Resource {
	return resource.Resource{
		GVR:        appsv1.SchemeGroupVersion.WithResource("replicasets"),
		Kind:       "ReplicaSet",
		Singular:   "replicaset",
		Namespaced: true,
		ShortNames: []string{"rs"},
		Categories: []string{"all"},
		New:        func() runtime.Object { return &appsv1.ReplicaSet{} },
		NewList:    func() runtime.Object { return &appsv1.ReplicaSetList{} },
		Strategy:   replicaSetStrategy{pods: pods},
		Status:     true,
		Scale:      &resource.Scale{SpecReplicas: "spec.replicas", StatusReplicas: "status.replicas", Selector: "spec.selector"},
	}
}

type replicaSetStrategy struct {
	resource.Base
	pods PodTemplateRules
}

func (s replicaSetStrategy) Default(obj runtime.Object) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr.To[int32](1)
	}
	s.pods.DefaultTemplate(&rs.Spec.Template)
}

// PrepareForCreate drops any client-sent status: the controller owns it.
func (replicaSetStrategy) PrepareForCreate(obj runtime.Object) {
	if rs, ok := obj.(*appsv1.ReplicaSet); ok {
		rs.Status = appsv1.ReplicaSetStatus{}
	}
}

func (s replicaSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return typeError(obj)
	}
	return s.validateSpec(&rs.Spec, field.NewPath("spec"))
}

// ValidateUpdate keeps the selector fixed, as apps/v1 does: pods the old
// selector adopted would otherwise be orphaned.
func (s replicaSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	rs, ok1 := obj.(*appsv1.ReplicaSet)
	o, ok2 := old.(*appsv1.ReplicaSet)
	if !ok1 || !ok2 {
		return typeError(obj)
	}
	errs := s.validateSpec(&rs.Spec, field.NewPath("spec"))
	return append(errs, apivalidation.ValidateImmutableField(rs.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func (s replicaSetStrategy) validateSpec(spec *appsv1.ReplicaSetSpec, path *field.Path) field.ErrorList {
	errs := apivalidation.ValidateNonnegativeField(int64(ptr.Deref(spec.Replicas, 0)), path.Child("replicas"))
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	// Kubernetes says "deployment" here too; kept for identical messages.
	errs = append(errs, validateSelector(spec.Selector, "deployment", path.Child("selector"))...)
	return append(errs, validateAlwaysRestartingTemplate(s.pods, &spec.Template, spec.Selector, "ReplicaSet", path.Child("template"))...)
}

func (replicaSetStrategy) Columns() []metav1.TableColumnDefinition {
	return append([]metav1.TableColumnDefinition{
		{Name: "Desired", Type: "integer", Description: appsv1.ReplicaSetSpec{}.SwaggerDoc()["replicas"]},
		{Name: "Current", Type: "integer", Description: appsv1.ReplicaSetStatus{}.SwaggerDoc()["replicas"]},
		{Name: "Ready", Type: "integer", Description: appsv1.ReplicaSetStatus{}.SwaggerDoc()["readyReplicas"]},
		resource.AgeColumn,
	}, append(TemplateColumns(),
		metav1.TableColumnDefinition{Name: "Selector", Type: "string", Priority: 1, Description: appsv1.ReplicaSetSpec{}.SwaggerDoc()["selector"]})...)
}

func (replicaSetStrategy) Cells(obj runtime.Object) []interface{} {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return nil
	}
	names, images := ContainerCells(&rs.Spec.Template.Spec)
	return []interface{}{
		int64(ptr.Deref(rs.Spec.Replicas, 0)),
		int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas),
		resource.Age(rs),
		names, images, SelectorCell(rs.Spec.Selector),
	}
}

// Fields lets clients select replica sets by status.replicas, as
// Kubernetes allows.
func (replicaSetStrategy) Fields(obj runtime.Object) fields.Set {
	var n int32
	if rs, ok := obj.(*appsv1.ReplicaSet); ok {
		n = rs.Status.Replicas
	}
	return fields.Set{"status.replicas": strconv.Itoa(int(n))}
}
