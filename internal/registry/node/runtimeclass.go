// Package node holds the rules of node.k8s.io/v1 runtimeclasses.
package node

import (
	nodev1 "k8s.io/api/node/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns node.k8s.io/v1 runtimeclasses as Kubernetes 1.32
// serves them.
func Resources() []resource.Resource {
	return []resource.Resource{{
		GVR:      nodev1.SchemeGroupVersion.WithResource("runtimeclasses"),
		Kind:     "RuntimeClass",
		Singular: "runtimeclass",
		New:      func() runtime.Object { return &nodev1.RuntimeClass{} },
		NewList:  func() runtime.Object { return &nodev1.RuntimeClassList{} },
		Strategy: RuntimeClassStrategy{},
	}}
}

// RuntimeClassStrategy holds the rules of runtime classes.
type RuntimeClassStrategy struct{ resource.Base }

func (RuntimeClassStrategy) Validate(obj runtime.Object) field.ErrorList {
	rc := obj.(*nodev1.RuntimeClass)
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(rc.Handler) {
		errs = append(errs, field.Invalid(field.NewPath("handler"), rc.Handler, msg))
	}
	if rc.Overhead != nil {
		p := field.NewPath("overhead", "podFixed")
		for name, q := range rc.Overhead.PodFixed {
			if q.Sign() < 0 {
				errs = append(errs, field.Invalid(p.Key(string(name)), q.String(), "must be greater than or equal to 0"))
			}
		}
	}
	if rc.Scheduling != nil {
		errs = append(errs, metav1validation.ValidateLabels(rc.Scheduling.NodeSelector, field.NewPath("scheduling", "nodeSelector"))...)
	}
	return errs
}

// ValidateUpdate: the handler names what the kubelet runs pods with, so it
// may not change under running pods.
func (s RuntimeClassStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	rc, prev := obj.(*nodev1.RuntimeClass), old.(*nodev1.RuntimeClass)
	return append(s.Validate(obj), apivalidation.ValidateImmutableField(rc.Handler, prev.Handler, field.NewPath("handler"))...)
}

func (RuntimeClassStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{resource.Column("Handler", "", 0), resource.AgeColumn}
}

func (RuntimeClassStrategy) Cells(obj runtime.Object) []interface{} {
	rc := obj.(*nodev1.RuntimeClass)
	return []interface{}{rc.Handler, resource.Age(rc)}
}
