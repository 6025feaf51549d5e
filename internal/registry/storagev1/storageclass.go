package storagev1

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Parameters are handed to provisioners; Kubernetes bounds their number
// and total size.
const (
	maxParameters     = 512
	maxParametersSize = 256 * (1 << 10)
)

// Annotations that mark the cluster's default storage class.
const (
	defaultClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

// StorageClassStrategy holds the rules of storageclasses.
type StorageClassStrategy struct{ resource.Base }

func (StorageClassStrategy) Default(obj runtime.Object) {
	sc := obj.(*storagev1.StorageClass)
	if sc.ReclaimPolicy == nil {
		p := corev1.PersistentVolumeReclaimDelete
		sc.ReclaimPolicy = &p
	}
	if sc.VolumeBindingMode == nil {
		m := storagev1.VolumeBindingImmediate
		sc.VolumeBindingMode = &m
	}
}

func (StorageClassStrategy) Validate(obj runtime.Object) field.ErrorList {
	sc := obj.(*storagev1.StorageClass)
	var errs field.ErrorList
	if sc.Provisioner == "" {
		errs = append(errs, field.Required(field.NewPath("provisioner"), ""))
	} else {
		errs = append(errs, validateQualifiedName(sc.Provisioner, field.NewPath("provisioner"))...)
	}
	errs = append(errs, validateParameters(sc.Parameters, field.NewPath("parameters"))...)
	if p := sc.ReclaimPolicy; p != nil && *p != corev1.PersistentVolumeReclaimDelete && *p != corev1.PersistentVolumeReclaimRetain {
		errs = append(errs, field.NotSupported(field.NewPath("reclaimPolicy"), *p, []string{"Delete", "Retain"}))
	}
	errs = append(errs, validateBindingMode(sc.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
	return append(errs, validateTopologies(sc.AllowedTopologies, field.NewPath("allowedTopologies"))...)
}

// ValidateUpdate: what provisioned volumes were made from may not change.
func (s StorageClassStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	sc, prev := obj.(*storagev1.StorageClass), old.(*storagev1.StorageClass)
	errs := s.Validate(obj)
	if !reflect.DeepEqual(sc.Parameters, prev.Parameters) {
		errs = append(errs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	if sc.Provisioner != prev.Provisioner {
		errs = append(errs, field.Forbidden(field.NewPath("provisioner"), "updates to provisioner are forbidden."))
	}
	if !reflect.DeepEqual(sc.ReclaimPolicy, prev.ReclaimPolicy) {
		errs = append(errs, field.Forbidden(field.NewPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
	}
	return append(errs, apivalidation.ValidateImmutableField(sc.VolumeBindingMode, prev.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
}

func validateParameters(params map[string]string, fld *field.Path) field.ErrorList {
	if len(params) > maxParameters {
		return field.ErrorList{field.TooMany(fld, len(params), maxParameters)}
	}
	var errs field.ErrorList
	size := 0
	for k, v := range params {
		if k == "" {
			errs = append(errs, field.Invalid(fld, k, "field can not be empty."))
		}
		size += len(k) + len(v)
	}
	if size > maxParametersSize {
		errs = append(errs, field.TooLong(fld, "", maxParametersSize))
	}
	return errs
}

func validateBindingMode(m *storagev1.VolumeBindingMode, fld *field.Path) field.ErrorList {
	if m == nil {
		return field.ErrorList{field.Required(fld, "")}
	}
	if *m != storagev1.VolumeBindingImmediate && *m != storagev1.VolumeBindingWaitForFirstConsumer {
		return field.ErrorList{field.NotSupported(fld, *m, []string{"Immediate", "WaitForFirstConsumer"})}
	}
	return nil
}

// validateTopologies checks each term's label keys and values and rejects
// a term repeated.
func validateTopologies(terms []corev1.TopologySelectorTerm, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, term := range terms {
		p := fld.Index(i)
		if len(term.MatchLabelExpressions) == 0 {
			errs = append(errs, field.Required(p, "must have at least one label selector"))
		}
		for j, req := range term.MatchLabelExpressions {
			rp := p.Child("matchLabelExpressions").Index(j)
			errs = append(errs, metav1validation.ValidateLabelName(req.Key, rp.Child("key"))...)
			if len(req.Values) == 0 {
				errs = append(errs, field.Required(rp.Child("values"), ""))
			}
		}
		for k := 0; k < i; k++ {
			if reflect.DeepEqual(terms[k], term) {
				errs = append(errs, field.Duplicate(p.Child("matchLabelExpressions"), ""))
				break
			}
		}
	}
	return errs
}

func (StorageClassStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Provisioner", "provisioner indicates the type of the provisioner.", 0),
		resource.Column("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.", 0),
		resource.Column("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.", 0),
		resource.Column("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand.", 0),
		resource.AgeColumn,
	}
}

func (StorageClassStrategy) Cells(obj runtime.Object) []interface{} {
	sc := obj.(*storagev1.StorageClass)
	reclaim := string(corev1.PersistentVolumeReclaimDelete)
	if sc.ReclaimPolicy != nil {
		reclaim = string(*sc.ReclaimPolicy)
	}
	mode := string(storagev1.VolumeBindingImmediate)
	if sc.VolumeBindingMode != nil {
		mode = string(*sc.VolumeBindingMode)
	}
	expand := sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion
	return []interface{}{sc.Provisioner, reclaim, mode, expand, resource.Age(sc)}
}

// NameCell is the NAME cell Kubernetes prints for a storage class: the
// name, with " (default)" appended for the cluster's default class. The
// store prints metadata.name unless told to use this.
func NameCell(obj runtime.Object) string {
	sc := obj.(*storagev1.StorageClass)
	if sc.Annotations[defaultClassAnnotation] == "true" || sc.Annotations[betaDefaultClassAnnotation] == "true" {
		return sc.Name + " (default)"
	}
	return sc.Name
}
