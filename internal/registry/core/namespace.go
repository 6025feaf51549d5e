package core

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// namespaceNameLabel is the label every namespace carries with its name,
// so that label selectors can pick namespaces by name.
const namespaceNameLabel = "kubernetes.io/metadata.name"

func namespaceResource() resource.Resource {
	r := newResource("namespaces", "Namespace", false,
		func() runtime.Object { return &corev1.Namespace{} },
		func() runtime.Object { return &corev1.NamespaceList{} },
		namespaceStrategy{})
	r.ShortNames = []string{"ns"}
	r.Status = true
	r.ValidateName = apivalidation.NameIsDNSLabel
	return r
}

// namespaceStrategy holds the rules of namespaces.
type namespaceStrategy struct{}

var (
	_ resource.Strategy        = namespaceStrategy{}
	_ resource.StatusValidator = namespaceStrategy{}
)

func (namespaceStrategy) Default(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	if ns.Name != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[namespaceNameLabel] = ns.Name
	}
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
}

// PrepareForCreate makes a new namespace Active and gives it the
// "kubernetes" finalizer, which the namespace controller removes once the
// namespace's contents are gone.
func (namespaceStrategy) PrepareForCreate(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return
		}
	}
	ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
}

// PrepareForUpdate keeps spec.finalizers as sent. Kubernetes changes
// them only through namespaces/finalize; skiff's finalize action goes
// through this same update path (the strategy cannot tell the two apart),
// so plain updates may change them too.
func (namespaceStrategy) PrepareForUpdate(_, _ runtime.Object) {}

func (namespaceStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateNamespaceFinalizers(obj.(*corev1.Namespace).Spec.Finalizers)
}

func (namespaceStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return validateNamespaceFinalizers(obj.(*corev1.Namespace).Spec.Finalizers)
}

// ValidateStatusUpdate ties the phase to deletion: Active until deleted,
// Terminating after.
func (namespaceStrategy) ValidateStatusUpdate(obj, _ runtime.Object) field.ErrorList {
	ns := obj.(*corev1.Namespace)
	p := field.NewPath("status", "phase")
	if ns.DeletionTimestamp == nil {
		if ns.Status.Phase != corev1.NamespaceActive {
			return field.ErrorList{field.Invalid(p, ns.Status.Phase, "may only be 'Active' if `deletionTimestamp` is empty")}
		}
	} else if ns.Status.Phase != corev1.NamespaceTerminating {
		return field.ErrorList{field.Invalid(p, ns.Status.Phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")}
	}
	return nil
}

func validateNamespaceFinalizers(fs []corev1.FinalizerName) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec", "finalizers")
	for _, f := range fs {
		errs = append(errs, validateQualifiedName(string(f), p)...)
		if !strings.Contains(string(f), "/") && f != corev1.FinalizerKubernetes {
			errs = append(errs, field.Invalid(p, string(f), "name is neither a standard finalizer name nor is it fully qualified"))
		}
	}
	return errs
}

func (namespaceStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Status", "The status of the namespace", 0),
		resource.AgeColumn,
	}
}

func (namespaceStrategy) Cells(obj runtime.Object) []interface{} {
	ns := obj.(*corev1.Namespace)
	return []interface{}{string(ns.Status.Phase), resource.Age(ns)}
}

func (namespaceStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"status.phase": string(obj.(*corev1.Namespace).Status.Phase)}
}
