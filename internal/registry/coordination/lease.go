// Package coordination holds the rules of coordination.k8s.io/v1 leases,
// the locks of leader election and node heartbeats.
package coordination

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns coordination.k8s.io/v1 leases as Kubernetes 1.32
// serves them.
func Resources() []resource.Resource {
	return []resource.Resource{{
		GVR:        coordinationv1.SchemeGroupVersion.WithResource("leases"),
		Kind:       "Lease",
		Singular:   "lease",
		Namespaced: true,
		New:        func() runtime.Object { return &coordinationv1.Lease{} },
		NewList:    func() runtime.Object { return &coordinationv1.LeaseList{} },
		Strategy:   LeaseStrategy{},
	}}
}

// LeaseStrategy holds the rules of leases.
type LeaseStrategy struct{ resource.Base }

func (LeaseStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := obj.(*coordinationv1.Lease).Spec
	fld := field.NewPath("spec")
	var errs field.ErrorList
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(fld.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if n := spec.LeaseTransitions; n != nil && *n < 0 {
		errs = append(errs, field.Invalid(fld.Child("leaseTransitions"), *n, "must be greater than or equal to 0"))
	}
	if h := spec.PreferredHolder; h != nil && *h != "" && (spec.Strategy == nil || *spec.Strategy == "") {
		errs = append(errs, field.Forbidden(fld.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return errs
}

func (s LeaseStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func (LeaseStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Holder", "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.", 0),
		resource.AgeColumn,
	}
}

func (LeaseStrategy) Cells(obj runtime.Object) []interface{} {
	l := obj.(*coordinationv1.Lease)
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return []interface{}{holder, resource.Age(l)}
}
