package core

import (
	"fmt"
	"path"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	pathvalidation "k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func persistentVolumeResource() resource.Resource {
	r := newResource("persistentvolumes", "PersistentVolume", false,
		func() runtime.Object { return &corev1.PersistentVolume{} },
		func() runtime.Object { return &corev1.PersistentVolumeList{} },
		pvStrategy{})
	r.ShortNames = []string{"pv"}
	r.Status = true
	r.ValidateName = pathvalidation.ValidatePathSegmentName
	return r
}

// pvStrategy holds the rules of persistent volumes.
type pvStrategy struct{ resource.Base }

var _ resource.Strategy = pvStrategy{}

func (pvStrategy) Default(obj runtime.Object) {
	pv := obj.(*corev1.PersistentVolume)
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = defaultVolumeModePtr()
	}
	if pv.Spec.HostPath != nil && pv.Spec.HostPath.Type == nil {
		t := corev1.HostPathUnset
		pv.Spec.HostPath.Type = &t
	}
}

// PrepareForCreate: a new volume is Pending, as of now.
func (pvStrategy) PrepareForCreate(obj runtime.Object) {
	pv := obj.(*corev1.PersistentVolume)
	now := metav1.NewTime(time.Now())
	pv.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending, LastPhaseTransitionTime: &now}
}

func (pvStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validatePVSpec(&obj.(*corev1.PersistentVolume).Spec, field.NewPath("spec"))
}

// ValidateUpdate: the volume source and mode never change.
func (pvStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	pv, prev := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
	errs := validatePVSpec(&pv.Spec, field.NewPath("spec"))
	if !equality.Semantic.DeepEqual(pv.Spec.PersistentVolumeSource, prev.Spec.PersistentVolumeSource) {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "persistentvolumesource"),
			"spec.persistentvolumesource is immutable after creation"))
	}
	if !reflect.DeepEqual(pv.Spec.VolumeMode, prev.Spec.VolumeMode) {
		errs = append(errs, field.Invalid(field.NewPath("volumeMode"), pv.Spec.VolumeMode, "field is immutable"))
	}
	return errs
}

func validatePVSpec(spec *corev1.PersistentVolumeSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(fldPath.Child("accessModes"), ""))
	}
	errs = append(errs, validateAccessModes(spec.AccessModes, fldPath.Child("accessModes"))...)
	capPath := fldPath.Child("capacity")
	if len(spec.Capacity) == 0 {
		errs = append(errs, field.Required(capPath, ""))
	}
	if _, ok := spec.Capacity[corev1.ResourceStorage]; !ok || len(spec.Capacity) > 1 {
		errs = append(errs, field.NotSupported(capPath, spec.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	for name, q := range spec.Capacity {
		errs = append(errs, validatePositiveQuantity(q, capPath.Key(string(name)))...)
	}
	if spec.PersistentVolumeReclaimPolicy != "" {
		errs = append(errs, validateEnum(spec.PersistentVolumeReclaimPolicy, []corev1.PersistentVolumeReclaimPolicy{
			corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain},
			fldPath.Child("persistentVolumeReclaimPolicy"))...)
	}
	if spec.StorageClassName != "" {
		errs = append(errs, validateDNS1123Subdomain(spec.StorageClassName, fldPath.Child("storageClassName"))...)
	}
	errs = append(errs, validateVolumeMode(spec.VolumeMode, fldPath.Child("volumeMode"))...)
	errs = append(errs, validatePVSource(spec, fldPath)...)
	return errs
}

// validatePVSource requires exactly one volume source.
func validatePVSource(spec *corev1.PersistentVolumeSpec, fldPath *field.Path) field.ErrorList {
	set := setSources(&spec.PersistentVolumeSource)
	if len(set) == 0 {
		return field.ErrorList{field.Required(fldPath, "must specify a volume type")}
	}
	var errs field.ErrorList
	for _, name := range set[1:] {
		errs = append(errs, field.Forbidden(fldPath.Child(name), "may not specify more than 1 volume type"))
	}
	src := &spec.PersistentVolumeSource
	switch {
	case src.HostPath != nil:
		errs = append(errs, validateHostPath(src.HostPath, fldPath.Child("hostPath"))...)
		if path.Clean(src.HostPath.Path) == "/" && spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRecycle {
			errs = append(errs, field.Forbidden(fldPath.Child("persistentVolumeReclaimPolicy"), "may not be 'recycle' for a hostPath mount of '/'"))
		}
	case src.NFS != nil:
		errs = append(errs, validateNFS(src.NFS, fldPath.Child("nfs"))...)
	case src.Local != nil:
		if src.Local.Path == "" {
			errs = append(errs, field.Required(fldPath.Child("local", "path"), ""))
		}
	case src.CSI != nil:
		if src.CSI.Driver == "" {
			errs = append(errs, field.Required(fldPath.Child("csi", "driver"), ""))
		}
		if src.CSI.VolumeHandle == "" {
			errs = append(errs, field.Required(fldPath.Child("csi", "volumeHandle"), ""))
		}
	}
	return errs
}

func (pvStrategy) Columns() []metav1.TableColumnDefinition {
	spec := corev1.PersistentVolumeSpec{}.SwaggerDoc()
	status := corev1.PersistentVolumeStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		resource.Column("Capacity", spec["capacity"], 0),
		resource.Column("Access Modes", spec["accessModes"], 0),
		resource.Column("Reclaim Policy", spec["persistentVolumeReclaimPolicy"], 0),
		resource.Column("Status", status["phase"], 0),
		resource.Column("Claim", spec["claimRef"], 0),
		resource.Column("StorageClass", "StorageClass of the pv", 0),
		resource.Column("VolumeAttributesClass", "VolumeAttributesClass of the pv", 0),
		resource.Column("Reason", status["reason"], 0),
		resource.AgeColumn,
		resource.Column("VolumeMode", spec["volumeMode"], 1),
	}
}

func (pvStrategy) Cells(obj runtime.Object) []interface{} {
	pv := obj.(*corev1.PersistentVolume)
	claim := ""
	if r := pv.Spec.ClaimRef; r != nil {
		claim = fmt.Sprintf("%s/%s", r.Namespace, r.Name)
	}
	phase := string(pv.Status.Phase)
	if pv.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	class := pv.Spec.StorageClassName
	if c, ok := pv.Annotations[betaStorageClassAnnotation]; ok {
		class = c
	}
	return []interface{}{
		size.String(),
		accessModesString(pv.Spec.AccessModes),
		string(pv.Spec.PersistentVolumeReclaimPolicy),
		phase,
		claim,
		class,
		unsetIfNil(pv.Spec.VolumeAttributesClassName),
		pv.Status.Reason,
		resource.Age(pv),
		unsetIfNil(pv.Spec.VolumeMode),
	}
}
