// Package scheduling holds the rules of scheduling.k8s.io/v1
// priorityclasses.
package scheduling

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Priority limits: users may go up to one billion; above are the two
// classes the system owns, named with the reserved prefix.
const (
	systemPrefix           = "system-"
	highestUserPriority    = 1000000000
	systemCriticalPriority = 2 * highestUserPriority
)

// systemClasses are the only classes allowed the "system-" prefix, with the
// values they must have.
var systemClasses = map[string]int32{
	"system-cluster-critical": systemCriticalPriority,
	"system-node-critical":    systemCriticalPriority + 1000,
}

var preemptionPolicies = []string{string(corev1.PreemptLowerPriority), string(corev1.PreemptNever)}

// Resources returns scheduling.k8s.io/v1 priorityclasses as Kubernetes
// 1.32 serves them.
func Resources() []resource.Resource {
	return []resource.Resource{{
		GVR:        schedulingv1.SchemeGroupVersion.WithResource("priorityclasses"),
		Kind:       "PriorityClass",
		Singular:   "priorityclass",
		ShortNames: []string{"pc"},
		New:        func() runtime.Object { return &schedulingv1.PriorityClass{} },
		NewList:    func() runtime.Object { return &schedulingv1.PriorityClassList{} },
		Strategy:   PriorityClassStrategy{},
	}}
}

// PriorityClassStrategy holds the rules of priority classes. That at most
// one class is the global default needs the other classes, so it is left
// to admission.
type PriorityClassStrategy struct{ resource.Base }

func (PriorityClassStrategy) Default(obj runtime.Object) {
	pc := obj.(*schedulingv1.PriorityClass)
	if pc.PreemptionPolicy == nil {
		p := corev1.PreemptLowerPriority
		pc.PreemptionPolicy = &p
	}
}

func (PriorityClassStrategy) Validate(obj runtime.Object) field.ErrorList {
	pc := obj.(*schedulingv1.PriorityClass)
	var errs field.ErrorList
	if strings.HasPrefix(pc.Name, systemPrefix) {
		if err := checkSystemClass(pc); err != nil {
			errs = append(errs, field.Forbidden(field.NewPath("metadata", "name"),
				"priority class names with '"+systemPrefix+"' prefix are reserved for system use only. error: "+err.Error()))
		}
	} else if pc.Value > highestUserPriority {
		errs = append(errs, field.Forbidden(field.NewPath("value"), fmt.Sprintf("maximum allowed value of a user defined priority is %v", highestUserPriority)))
	}
	if p := pc.PreemptionPolicy; p != nil && *p != corev1.PreemptLowerPriority && *p != corev1.PreemptNever {
		errs = append(errs, field.NotSupported(field.NewPath("preemptionPolicy"), *p, preemptionPolicies))
	}
	return errs
}

func checkSystemClass(pc *schedulingv1.PriorityClass) error {
	value, ok := systemClasses[pc.Name]
	switch {
	case !ok:
		return fmt.Errorf("%v is not a known system priority class", pc.Name)
	case pc.Value != value:
		return fmt.Errorf("value of %v PriorityClass must be %v", pc.Name, value)
	case pc.GlobalDefault:
		return fmt.Errorf("globalDefault of %v PriorityClass must be false", pc.Name)
	}
	return nil
}

// ValidateUpdate: value and preemption policy are fixed, since pods copied
// them when they were created.
func (PriorityClassStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	pc, prev := obj.(*schedulingv1.PriorityClass), old.(*schedulingv1.PriorityClass)
	var errs field.ErrorList
	if pc.Value != prev.Value {
		errs = append(errs, field.Forbidden(field.NewPath("value"), "may not be changed in an update."))
	}
	return append(errs, apivalidation.ValidateImmutableField(pc.PreemptionPolicy, prev.PreemptionPolicy, field.NewPath("preemptionPolicy"))...)
}

func (PriorityClassStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Value", Type: "integer", Description: "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."},
		{Name: "Global-Default", Type: "boolean", Description: "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority."},
		resource.AgeColumn,
		resource.Column("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.", 0),
	}
}

func (PriorityClassStrategy) Cells(obj runtime.Object) []interface{} {
	pc := obj.(*schedulingv1.PriorityClass)
	policy := ""
	if pc.PreemptionPolicy != nil {
		policy = string(*pc.PreemptionPolicy)
	}
	return []interface{}{int64(pc.Value), pc.GlobalDefault, resource.Age(pc), policy}
}
