package networking

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// maxControllerLen bounds spec.controller, as Kubernetes does.
const maxControllerLen = 250

// IngressClassStrategy holds the rules of networking.k8s.io/v1
// ingressclasses.
type IngressClassStrategy struct{ resource.Base }

// Default makes parameters cluster-scoped unless told otherwise.
func (IngressClassStrategy) Default(obj runtime.Object) {
	p := obj.(*networkingv1.IngressClass).Spec.Parameters
	if p != nil && p.Scope == nil {
		scope := networkingv1.IngressClassParametersReferenceScopeCluster
		p.Scope = &scope
	}
}

func (IngressClassStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*networkingv1.IngressClass).Generation = 1
}

func (IngressClassStrategy) PrepareForUpdate(obj, old runtime.Object) {
	ic, prev := obj.(*networkingv1.IngressClass), old.(*networkingv1.IngressClass)
	bumpGeneration(&ic.ObjectMeta, prev.ObjectMeta, ic.Spec, prev.Spec)
}

func (IngressClassStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := obj.(*networkingv1.IngressClass).Spec
	fld := field.NewPath("spec")
	var errs field.ErrorList
	if len(spec.Controller) > maxControllerLen {
		errs = append(errs, field.TooLong(fld.Child("controller"), spec.Controller, maxControllerLen))
	}
	errs = append(errs, validation.IsDomainPrefixedPath(fld.Child("controller"), spec.Controller)...)
	return append(errs, validateClassParameters(spec.Parameters, fld.Child("parameters"))...)
}

func (s IngressClassStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	errs := s.Validate(obj)
	ic, prev := obj.(*networkingv1.IngressClass), old.(*networkingv1.IngressClass)
	return append(errs, apivalidation.ValidateImmutableField(ic.Spec.Controller, prev.Spec.Controller, field.NewPath("spec", "controller"))...)
}

func validateClassParameters(p *networkingv1.IngressClassParametersReference, fld *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	ref := corev1.TypedLocalObjectReference{APIGroup: p.APIGroup, Kind: p.Kind, Name: p.Name}
	errs := validateLocalObjectReference(&ref, fld)
	if p.Scope == nil {
		return append(errs, field.Required(fld.Child("scope"), ""))
	}
	switch *p.Scope {
	case networkingv1.IngressClassParametersReferenceScopeNamespace:
		if p.Namespace == nil {
			return append(errs, field.Required(fld.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
		}
		for _, msg := range apivalidation.ValidateNamespaceName(*p.Namespace, false) {
			errs = append(errs, field.Invalid(fld.Child("namespace"), *p.Namespace, msg))
		}
	case networkingv1.IngressClassParametersReferenceScopeCluster:
		if p.Namespace != nil {
			errs = append(errs, field.Forbidden(fld.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
		}
	default:
		errs = append(errs, field.NotSupported(fld.Child("scope"), *p.Scope, []string{"Cluster", "Namespace"}))
	}
	return errs
}

func (IngressClassStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Controller", "Controller that is responsible for handling this class", 0),
		resource.Column("Parameters", "A reference to a resource with additional parameters", 0),
		resource.AgeColumn,
	}
}

// Cells prints parameters as Kind[.group]/name.
func (IngressClassStrategy) Cells(obj runtime.Object) []interface{} {
	ic := obj.(*networkingv1.IngressClass)
	params := "<none>"
	if p := ic.Spec.Parameters; p != nil {
		params = p.Kind
		if p.APIGroup != nil {
			params += "." + *p.APIGroup
		}
		params += "/" + p.Name
	}
	return []interface{}{ic.Spec.Controller, params, resource.Age(ic)}
}
