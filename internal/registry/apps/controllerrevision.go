package apps

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func controllerRevisionResource() resource.Resource {
	return resource.Resource{
		GVR:        appsv1.SchemeGroupVersion.WithResource("controllerrevisions"),
		Kind:       "ControllerRevision",
		Singular:   "controllerrevision",
		Namespaced: true,
		New:        func() runtime.Object { return &appsv1.ControllerRevision{} },
		NewList:    func() runtime.Object { return &appsv1.ControllerRevisionList{} },
		Strategy:   controllerRevisionStrategy{},
	}
}

// controllerRevisionStrategy: a revision is a snapshot, so its data never
// changes once written.
type controllerRevisionStrategy struct{ resource.Base }

func (controllerRevisionStrategy) Validate(obj runtime.Object) field.ErrorList {
	cr, ok := obj.(*appsv1.ControllerRevision)
	if !ok {
		return typeError(obj)
	}
	var errs field.ErrorList
	if cr.Data.Raw == nil && cr.Data.Object == nil {
		errs = append(errs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	return append(errs, apivalidation.ValidateNonnegativeField(cr.Revision, field.NewPath("revision"))...)
}

func (s controllerRevisionStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	cr, ok1 := obj.(*appsv1.ControllerRevision)
	o, ok2 := old.(*appsv1.ControllerRevision)
	if !ok1 || !ok2 {
		return typeError(obj)
	}
	errs := s.Validate(obj)
	return append(errs, apivalidation.ValidateImmutableField(cr.Data, o.Data, field.NewPath("data"))...)
}

func (controllerRevisionStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Controller", Type: "string", Description: "Controller of the object"},
		{Name: "Revision", Type: "string", Description: appsv1.ControllerRevision{}.SwaggerDoc()["revision"]},
		resource.AgeColumn,
	}
}

func (controllerRevisionStrategy) Cells(obj runtime.Object) []interface{} {
	cr, ok := obj.(*appsv1.ControllerRevision)
	if !ok {
		return nil
	}
	return []interface{}{controllerCell(cr), cr.Revision, resource.Age(cr)}
}

// controllerCell names the owning controller as kubectl does:
// "daemonset.apps/web", or "<none>".
func controllerCell(cr *appsv1.ControllerRevision) string {
	ref := metav1.GetControllerOf(cr)
	if ref == nil {
		return "<none>"
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return "<none>"
	}
	gk := schema.GroupKind{Group: gv.Group, Kind: ref.Kind}
	return strings.ToLower(gk.String()) + "/" + ref.Name
}
