package core

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

func serviceAccountResource() resource.Resource {
	r := newResource("serviceaccounts", "ServiceAccount", true,
		func() runtime.Object { return &corev1.ServiceAccount{} },
		func() runtime.Object { return &corev1.ServiceAccountList{} },
		serviceAccountStrategy{})
	r.ShortNames = []string{"sa"}
	return r
}

// serviceAccountStrategy: service accounts have no rules beyond their
// metadata; only the table differs.
type serviceAccountStrategy struct{ resource.Base }

var _ resource.Strategy = serviceAccountStrategy{}

func (serviceAccountStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Secrets", corev1.ServiceAccount{}.SwaggerDoc()["secrets"], 0),
		resource.AgeColumn,
	}
}

func (serviceAccountStrategy) Cells(obj runtime.Object) []interface{} {
	sa := obj.(*corev1.ServiceAccount)
	return []interface{}{int64(len(sa.Secrets)), resource.Age(sa)}
}
