package core

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	pathvalidation "k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func persistentVolumeClaimResource() resource.Resource {
	r := newResource("persistentvolumeclaims", "PersistentVolumeClaim", true,
		func() runtime.Object { return &corev1.PersistentVolumeClaim{} },
		func() runtime.Object { return &corev1.PersistentVolumeClaimList{} },
		pvcStrategy{})
	r.ShortNames = []string{"pvc"}
	r.Status = true
	r.ValidateName = pathvalidation.ValidatePathSegmentName
	return r
}

// pvcStrategy holds the rules of persistent volume claims.
type pvcStrategy struct{ resource.Base }

var _ resource.Strategy = pvcStrategy{}

func (pvcStrategy) Default(obj runtime.Object) {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
	if pvc.Spec.VolumeMode == nil {
		pvc.Spec.VolumeMode = defaultVolumeModePtr()
	}
}

func (pvcStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*corev1.PersistentVolumeClaim).Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
}

func (pvcStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validatePVCSpec(&obj.(*corev1.PersistentVolumeClaim).Spec, field.NewPath("spec"))
}

// ValidateUpdate: the spec is fixed but for the volume name (set once, by
// the binder) and, once bound, a larger storage request.
func (pvcStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	pvc, prev := obj.(*corev1.PersistentVolumeClaim), old.(*corev1.PersistentVolumeClaim)
	errs := validatePVCSpec(&pvc.Spec, field.NewPath("spec"))
	cur, was := pvc.Spec.DeepCopy(), prev.Spec.DeepCopy()
	if was.VolumeName == "" {
		was.VolumeName = cur.VolumeName
	}
	if pvc.Status.Phase == corev1.ClaimBound && cur.Resources.Requests != nil {
		cur.Resources.Requests[corev1.ResourceStorage] = prev.Spec.Resources.Requests[corev1.ResourceStorage]
	}
	if !equality.Semantic.DeepEqual(cur, was) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), "spec is immutable after creation except resources.requests for bound claims"))
	}
	newSize := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	oldSize := prev.Spec.Resources.Requests[corev1.ResourceStorage]
	if newSize.Cmp(oldSize) < 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "resources", "requests", "storage"), "field can not be less than previous value"))
	}
	if !reflect.DeepEqual(pvc.Spec.VolumeMode, prev.Spec.VolumeMode) {
		errs = append(errs, field.Invalid(field.NewPath("volumeMode"), pvc.Spec.VolumeMode, "field is immutable"))
	}
	return errs
}

func validatePVCSpec(spec *corev1.PersistentVolumeClaimSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(fldPath.Child("accessModes"), "at least 1 access mode is required"))
	}
	if spec.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
	}
	errs = append(errs, validateAccessModes(spec.AccessModes, fldPath.Child("accessModes"))...)
	storagePath := fldPath.Child("resources").Key(string(corev1.ResourceStorage))
	if q, ok := spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(storagePath, ""))
	} else {
		errs = append(errs, validatePositiveQuantity(q, storagePath)...)
	}
	if spec.StorageClassName != nil && *spec.StorageClassName != "" {
		errs = append(errs, validateDNS1123Subdomain(*spec.StorageClassName, fldPath.Child("storageClassName"))...)
	}
	errs = append(errs, validateVolumeMode(spec.VolumeMode, fldPath.Child("volumeMode"))...)
	return errs
}

func (pvcStrategy) Columns() []metav1.TableColumnDefinition {
	spec := corev1.PersistentVolumeClaimSpec{}.SwaggerDoc()
	status := corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		resource.Column("Status", status["phase"], 0),
		resource.Column("Volume", spec["volumeName"], 0),
		resource.Column("Capacity", status["capacity"], 0),
		resource.Column("Access Modes", status["accessModes"], 0),
		resource.Column("StorageClass", "StorageClass of the pvc", 0),
		resource.Column("VolumeAttributesClass", "VolumeAttributesClass of the pvc", 0),
		resource.AgeColumn,
		resource.Column("VolumeMode", spec["volumeMode"], 1),
	}
}

// Cells: capacity and access modes show only once the claim is bound to
// a volume.
func (pvcStrategy) Cells(obj runtime.Object) []interface{} {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	phase := string(pvc.Status.Phase)
	if pvc.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	capacity, modes := "", ""
	if pvc.Spec.VolumeName != "" {
		modes = accessModesString(pvc.Status.AccessModes)
		q := pvc.Status.Capacity[corev1.ResourceStorage]
		capacity = q.String()
	}
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	if c, ok := pvc.Annotations[betaStorageClassAnnotation]; ok {
		class = c
	}
	return []interface{}{
		phase,
		pvc.Spec.VolumeName,
		capacity,
		modes,
		class,
		unsetIfNil(pvc.Spec.VolumeAttributesClassName),
		resource.Age(pvc),
		unsetIfNil(pvc.Spec.VolumeMode),
	}
}
