// Package policy holds the rules of policy/v1 poddisruptionbudgets.
package policy

import (
	"fmt"

	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/apps"
	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns the policy/v1 resources.
func Resources() []resource.Resource {
	return []resource.Resource{{
		GVR:        policyv1.SchemeGroupVersion.WithResource("poddisruptionbudgets"),
		Kind:       "PodDisruptionBudget",
		Singular:   "poddisruptionbudget",
		Namespaced: true,
		ShortNames: []string{"pdb"},
		New:        func() runtime.Object { return &policyv1.PodDisruptionBudget{} },
		NewList:    func() runtime.Object { return &policyv1.PodDisruptionBudgetList{} },
		Strategy:   pdbStrategy{},
		Status:     true,
	}}
}

// pdbStrategy has no defaults: an unset unhealthyPodEvictionPolicy means
// IfHealthyBudget to the eviction code, and is left unset as Kubernetes
// leaves it.
type pdbStrategy struct{ resource.Base }

var _ resource.StatusValidator = pdbStrategy{}

// PrepareForCreate drops any client-sent status: the disruption
// controller owns it.
func (pdbStrategy) PrepareForCreate(obj runtime.Object) {
	if pdb, ok := obj.(*policyv1.PodDisruptionBudget); ok {
		pdb.Status = policyv1.PodDisruptionBudgetStatus{}
	}
}

func (pdbStrategy) Validate(obj runtime.Object) field.ErrorList {
	pdb, ok := obj.(*policyv1.PodDisruptionBudget)
	if !ok {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("unexpected object type %T", obj))}
	}
	return validateSpec(&pdb.Spec, field.NewPath("spec"))
}

// ValidateUpdate: a policy/v1 budget may change freely.
func (s pdbStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

// validateSpec allows at most one of minAvailable and maxUnavailable; with
// neither, the budget allows no voluntary disruption of selected pods.
func validateSpec(spec *policyv1.PodDisruptionBudgetSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(path, spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	errs = append(errs, validateCount(spec.MinAvailable, path.Child("minAvailable"))...)
	errs = append(errs, validateCount(spec.MaxUnavailable, path.Child("maxUnavailable"))...)
	errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
	if p := spec.UnhealthyPodEvictionPolicy; p != nil && *p != policyv1.IfHealthyBudget && *p != policyv1.AlwaysAllow {
		errs = append(errs, field.NotSupported(path.Child("unhealthyPodEvictionPolicy"), *p,
			[]policyv1.UnhealthyPodEvictionPolicyType{policyv1.AlwaysAllow, policyv1.IfHealthyBudget}))
	}
	return errs
}

func validateCount(v *intstr.IntOrString, path *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	errs := apps.ValidateIntOrPercent(*v, path)
	return append(errs, apps.ValidateAtMost100Percent(*v, path)...)
}

// ValidateStatusUpdate checks the counts the disruption controller writes.
func (pdbStrategy) ValidateStatusUpdate(obj, _ runtime.Object) field.ErrorList {
	pdb, ok := obj.(*policyv1.PodDisruptionBudget)
	if !ok {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("unexpected object type %T", obj))}
	}
	st := pdb.Status
	path := field.NewPath("status")
	var errs field.ErrorList
	for _, c := range []struct {
		name  string
		value int32
	}{
		{"disruptionsAllowed", st.DisruptionsAllowed}, {"currentHealthy", st.CurrentHealthy},
		{"desiredHealthy", st.DesiredHealthy}, {"expectedPods", st.ExpectedPods},
	} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(c.value), path.Child(c.name))...)
	}
	return append(errs, metav1validation.ValidateConditions(st.Conditions, path.Child("conditions"))...)
}

func (pdbStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Min Available", Type: "string", Description: "The minimum number of pods that must be available."},
		{Name: "Max Unavailable", Type: "string", Description: "The maximum number of pods that may be unavailable."},
		{Name: "Allowed Disruptions", Type: "integer", Description: "Calculated number of pods that may be disrupted at this time."},
		resource.AgeColumn,
	}
}

func (pdbStrategy) Cells(obj runtime.Object) []interface{} {
	pdb, ok := obj.(*policyv1.PodDisruptionBudget)
	if !ok {
		return nil
	}
	return []interface{}{
		countCell(pdb.Spec.MinAvailable), countCell(pdb.Spec.MaxUnavailable),
		int64(pdb.Status.DisruptionsAllowed), resource.Age(pdb),
	}
}

// countCell prints a count or percent, "N/A" when unset.
func countCell(v *intstr.IntOrString) string {
	if v == nil {
		return "N/A"
	}
	return v.String()
}
