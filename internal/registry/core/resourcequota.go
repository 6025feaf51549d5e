package core

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func resourceQuotaResource() resource.Resource {
	r := newResource("resourcequotas", "ResourceQuota", true,
		func() runtime.Object { return &corev1.ResourceQuota{} },
		func() runtime.Object { return &corev1.ResourceQuotaList{} },
		resourceQuotaStrategy{})
	r.ShortNames = []string{"quota"}
	r.Status = true
	return r
}

// resourceQuotaStrategy holds the rules of resource quotas; the quota
// controller owns the status.
type resourceQuotaStrategy struct{ resource.Base }

var (
	_ resource.Strategy        = resourceQuotaStrategy{}
	_ resource.StatusValidator = resourceQuotaStrategy{}
)

func (resourceQuotaStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*corev1.ResourceQuota).Status = corev1.ResourceQuotaStatus{}
}

func (resourceQuotaStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateQuotaSpec(&obj.(*corev1.ResourceQuota).Spec, field.NewPath("spec"))
}

func (s resourceQuotaStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func (resourceQuotaStrategy) ValidateStatusUpdate(obj, _ runtime.Object) field.ErrorList {
	q := obj.(*corev1.ResourceQuota)
	p := field.NewPath("status")
	errs := validateQuotaList(q.Status.Hard, p.Child("hard"))
	return append(errs, validateQuotaList(q.Status.Used, p.Child("used"))...)
}

func validateQuotaSpec(spec *corev1.ResourceQuotaSpec, fldPath *field.Path) field.ErrorList {
	errs := validateQuotaList(spec.Hard, fldPath.Child("hard"))
	for i, s := range spec.Scopes {
		errs = append(errs, validateEnum(s, quotaScopes(), fldPath.Child("scopes").Index(i))...)
	}
	return errs
}

func quotaScopes() []corev1.ResourceQuotaScope {
	return []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeCrossNamespacePodAffinity,
		corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopeNotTerminating,
		corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeTerminating}
}

func validateQuotaList(l corev1.ResourceList, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for name, q := range l {
		p := fldPath.Key(string(name))
		errs = append(errs, validateResourceName(name, p)...)
		if !strings.Contains(string(name), "/") && !isStandardQuotaResource(string(name)) {
			errs = append(errs, field.Invalid(p, string(name), "must be a standard resource for quota"))
		}
		errs = append(errs, validateResourceQuantity(name, q, p)...)
	}
	return errs
}

func isStandardQuotaResource(s string) bool {
	switch s {
	case "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
		"requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage":
		return true
	}
	return isObjectCountResource(s) || strings.HasPrefix(s, "requests.hugepages-") || strings.HasPrefix(s, "hugepages-")
}

func (resourceQuotaStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.AgeColumn,
		resource.Column("Request", "Request represents a minimum amount of cpu/memory that a container may consume.", 0),
		resource.Column("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", 0),
	}
}

// Cells print "name: used/hard" pairs, limits.* in the LIMIT column and
// everything else in REQUEST.
func (resourceQuotaStrategy) Cells(obj runtime.Object) []interface{} {
	q := obj.(*corev1.ResourceQuota)
	names := make([]string, 0, len(q.Status.Hard))
	for n := range q.Status.Hard {
		names = append(names, string(n))
	}
	sort.Strings(names)
	var req, lim []string
	for _, n := range names {
		used := q.Status.Used[corev1.ResourceName(n)]
		hard := q.Status.Hard[corev1.ResourceName(n)]
		s := fmt.Sprintf("%s: %s/%s", n, used.String(), hard.String())
		if strings.HasPrefix(n, "limits.") {
			lim = append(lim, s)
		} else {
			req = append(req, s)
		}
	}
	return []interface{}{resource.Age(q), strings.Join(req, ", "), strings.Join(lim, ", ")}
}
