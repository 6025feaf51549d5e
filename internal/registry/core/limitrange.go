package core

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func limitRangeResource() resource.Resource {
	r := newResource("limitranges", "LimitRange", true,
		func() runtime.Object { return &corev1.LimitRange{} },
		func() runtime.Object { return &corev1.LimitRangeList{} },
		limitRangeStrategy{})
	r.ShortNames = []string{"limits"}
	return r
}

// limitRangeStrategy holds the rules of limit ranges.
type limitRangeStrategy struct{ resource.Base }

var _ resource.Strategy = limitRangeStrategy{}

// Default fills container limits the way Kubernetes does: a missing
// default limit is the max, a missing default request is the default
// limit, else the min.
func (limitRangeStrategy) Default(obj runtime.Object) {
	lr := obj.(*corev1.LimitRange)
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		if item.Type != corev1.LimitTypeContainer {
			continue
		}
		if item.Default == nil {
			item.Default = corev1.ResourceList{}
		}
		if item.DefaultRequest == nil {
			item.DefaultRequest = corev1.ResourceList{}
		}
		fillMissing(item.Default, item.Max)
		fillMissing(item.DefaultRequest, item.Default)
		fillMissing(item.DefaultRequest, item.Min)
	}
}

func fillMissing(into, from corev1.ResourceList) {
	for k, v := range from {
		if _, ok := into[k]; !ok {
			into[k] = v.DeepCopy()
		}
	}
}

func (limitRangeStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateLimitRange(obj.(*corev1.LimitRange))
}

func (s limitRangeStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func (limitRangeStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{{
		Name:        "Created At",
		Type:        "date",
		Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"],
	}}
}

// Cells give the creation time as RFC 3339, which is how a timestamp
// cell reaches clients.
func (limitRangeStrategy) Cells(obj runtime.Object) []interface{} {
	t := obj.(*corev1.LimitRange).CreationTimestamp
	if t.IsZero() {
		return []interface{}{nil}
	}
	return []interface{}{t.UTC().Format(time.RFC3339)}
}
