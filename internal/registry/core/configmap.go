package core

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func configMapResource() resource.Resource {
	r := newResource("configmaps", "ConfigMap", true,
		func() runtime.Object { return &corev1.ConfigMap{} },
		func() runtime.Object { return &corev1.ConfigMapList{} },
		configMapStrategy{})
	r.ShortNames = []string{"cm"}
	return r
}

// configMapStrategy holds the rules of config maps.
type configMapStrategy struct{ resource.Base }

var _ resource.Strategy = configMapStrategy{}

func (configMapStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateConfigMap(obj.(*corev1.ConfigMap))
}

// ValidateUpdate: an immutable config map stays immutable and keeps its
// data.
func (configMapStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	cm, prev := obj.(*corev1.ConfigMap), old.(*corev1.ConfigMap)
	var errs field.ErrorList
	if prev.Immutable != nil && *prev.Immutable {
		if cm.Immutable == nil || !*cm.Immutable {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
		}
		if !equality.Semantic.DeepEqual(cm.Data, prev.Data) {
			errs = append(errs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
		}
		if !equality.Semantic.DeepEqual(cm.BinaryData, prev.BinaryData) {
			errs = append(errs, field.Forbidden(field.NewPath("binaryData"), "field is immutable when `immutable` is set"))
		}
	}
	return append(errs, validateConfigMap(cm)...)
}

// validateConfigMap checks keys, that no key is in both data and
// binaryData, and the 1 MiB size limit.
func validateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range cm.Data {
		errs = append(errs, invalidEach(field.NewPath("data").Key(k), k, validation.IsConfigMapKey(k))...)
		size += len(v)
	}
	for k, v := range cm.BinaryData {
		errs = append(errs, invalidEach(field.NewPath("binaryData").Key(k), k, validation.IsConfigMapKey(k))...)
		if _, dup := cm.Data[k]; dup {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, "duplicate of key present in binaryData"))
		}
		size += len(v)
	}
	if size > maxSecretSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxSecretSize))
	}
	return errs
}

func (configMapStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Data", corev1.ConfigMap{}.SwaggerDoc()["data"], 0),
		resource.AgeColumn,
	}
}

func (configMapStrategy) Cells(obj runtime.Object) []interface{} {
	cm := obj.(*corev1.ConfigMap)
	return []interface{}{int64(len(cm.Data) + len(cm.BinaryData)), resource.Age(cm)}
}
