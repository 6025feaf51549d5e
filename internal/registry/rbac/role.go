package rbac

import (
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// createdAt is the table of resources Kubernetes prints with its default
// table convertor: the creation time as an RFC 3339 date.
type createdAt struct{ resource.Base }

func (createdAt) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{{
		Name:        "Created At",
		Type:        "date",
		Description: resource.AgeColumn.Description,
	}}
}

func (createdAt) Cells(obj runtime.Object) []interface{} {
	m, err := meta.Accessor(obj)
	if err != nil {
		return []interface{}{""}
	}
	return []interface{}{m.GetCreationTimestamp().UTC().Format(time.RFC3339)}
}

// RoleStrategy holds the rules of namespaced roles.
type RoleStrategy struct{ createdAt }

func (RoleStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateRules(obj.(*rbacv1.Role).Rules, true)
}

func (s RoleStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

// ClusterRoleStrategy holds the rules of cluster roles, which may also
// grant non-resource URLs and aggregate other cluster roles.
type ClusterRoleStrategy struct{ createdAt }

func (ClusterRoleStrategy) Validate(obj runtime.Object) field.ErrorList {
	cr := obj.(*rbacv1.ClusterRole)
	errs := validateRules(cr.Rules, false)
	if cr.AggregationRule == nil {
		return errs
	}
	p := field.NewPath("aggregationRule", "clusterRoleSelectors")
	if len(cr.AggregationRule.ClusterRoleSelectors) == 0 {
		errs = append(errs, field.Required(p, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
	}
	for i := range cr.AggregationRule.ClusterRoleSelectors {
		sel := &cr.AggregationRule.ClusterRoleSelectors[i]
		errs = append(errs, metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p.Index(i))...)
	}
	return errs
}

func (s ClusterRoleStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func validateRules(rules []rbacv1.PolicyRule, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	for i := range rules {
		errs = append(errs, validateRule(&rules[i], namespaced, field.NewPath("rules").Index(i))...)
	}
	return errs
}

// validateRule: a rule grants verbs either on resources (with API groups)
// or, in cluster roles only, on non-resource URLs, never both.
func validateRule(r *rbacv1.PolicyRule, namespaced bool, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(r.Verbs) == 0 {
		errs = append(errs, field.Required(fld.Child("verbs"), "verbs must contain at least one value"))
	}
	if len(r.NonResourceURLs) > 0 {
		if namespaced {
			errs = append(errs, field.Invalid(fld.Child("nonResourceURLs"), r.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
		}
		if len(r.APIGroups) > 0 || len(r.Resources) > 0 || len(r.ResourceNames) > 0 {
			errs = append(errs, field.Invalid(fld.Child("nonResourceURLs"), r.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
		}
		return errs
	}
	if len(r.APIGroups) == 0 {
		errs = append(errs, field.Required(fld.Child("apiGroups"), "resource rules must supply at least one api group"))
	}
	if len(r.Resources) == 0 {
		errs = append(errs, field.Required(fld.Child("resources"), "resource rules must supply at least one resource"))
	}
	return errs
}
