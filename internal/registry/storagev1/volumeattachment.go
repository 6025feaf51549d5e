package storagev1

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Bounds on what attachers report in the status.
const (
	maxAttachmentMetadataSize = 256 * (1 << 10)
	maxVolumeErrorMessageSize = 1024
)

// VolumeAttachmentStrategy holds the rules of volumeattachments; the
// status belongs to the external attacher.
type VolumeAttachmentStrategy struct{ resource.Base }

func (VolumeAttachmentStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*storagev1.VolumeAttachment).Status = storagev1.VolumeAttachmentStatus{}
}

func (VolumeAttachmentStrategy) Validate(obj runtime.Object) field.ErrorList {
	va := obj.(*storagev1.VolumeAttachment)
	spec := field.NewPath("spec")
	errs := validateDriverName(va.Spec.Attacher, spec.Child("attacher"))
	errs = append(errs, validateAttachmentSource(&va.Spec.Source, spec.Child("source"))...)
	if va.Spec.NodeName == "" {
		errs = append(errs, field.Required(spec.Child("nodeName"), ""))
	} else {
		errs = append(errs, validateSubdomain(va.Spec.NodeName, spec.Child("nodeName"))...)
	}
	return append(errs, validateAttachmentStatus(&va.Status, field.NewPath("status"))...)
}

// ValidateUpdate: the spec of an attachment never changes.
func (s VolumeAttachmentStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	va, prev := obj.(*storagev1.VolumeAttachment), old.(*storagev1.VolumeAttachment)
	errs := s.Validate(obj)
	if !equality.Semantic.DeepEqual(va.Spec, prev.Spec) {
		errs = append(errs, field.Invalid(field.NewPath("spec"), va.Spec, "field is immutable"))
	}
	return errs
}

func (VolumeAttachmentStrategy) ValidateStatusUpdate(obj, _ runtime.Object) field.ErrorList {
	return validateAttachmentStatus(&obj.(*storagev1.VolumeAttachment).Status, field.NewPath("status"))
}

func validateAttachmentSource(src *storagev1.VolumeAttachmentSource, fld *field.Path) field.ErrorList {
	const exactlyOne = "must specify exactly one of inlineVolumeSpec and persistentVolumeName"
	switch {
	case src.InlineVolumeSpec == nil && src.PersistentVolumeName == nil:
		return field.ErrorList{field.Required(fld, exactlyOne)}
	case src.InlineVolumeSpec != nil && src.PersistentVolumeName != nil:
		return field.ErrorList{field.Forbidden(fld, exactlyOne)}
	case src.PersistentVolumeName != nil && *src.PersistentVolumeName == "":
		return field.ErrorList{field.Required(fld.Child("persistentVolumeName"), "must specify non empty persistentVolumeName")}
	case src.PersistentVolumeName != nil:
		return validateSubdomain(*src.PersistentVolumeName, fld.Child("persistentVolumeName"))
	}
	return nil
}

func validateAttachmentStatus(st *storagev1.VolumeAttachmentStatus, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range st.AttachmentMetadata {
		size += len(k) + len(v)
	}
	if size > maxAttachmentMetadataSize {
		errs = append(errs, field.TooLong(fld.Child("attachmentMetadata"), "", maxAttachmentMetadataSize))
	}
	if e := st.AttachError; e != nil && len(e.Message) > maxVolumeErrorMessageSize {
		errs = append(errs, field.TooLong(fld.Child("attachError", "message"), e.Message, maxVolumeErrorMessageSize))
	}
	if e := st.DetachError; e != nil && len(e.Message) > maxVolumeErrorMessageSize {
		errs = append(errs, field.TooLong(fld.Child("detachError", "message"), e.Message, maxVolumeErrorMessageSize))
	}
	return errs
}

func (VolumeAttachmentStrategy) Columns() []metav1.TableColumnDefinition {
	attacher := resource.Column("Attacher", "attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().", 0)
	attacher.Format = "name"
	return []metav1.TableColumnDefinition{
		attacher,
		resource.Column("PV", "persistentVolumeName represents the name of the persistent volume to attach.", 0),
		resource.Column("Node", "nodeName represents the node that the volume should be attached to.", 0),
		{Name: "Attached", Type: "boolean", Description: "attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher."},
		resource.AgeColumn,
	}
}

func (VolumeAttachmentStrategy) Cells(obj runtime.Object) []interface{} {
	va := obj.(*storagev1.VolumeAttachment)
	pv := ""
	if va.Spec.Source.PersistentVolumeName != nil {
		pv = *va.Spec.Source.PersistentVolumeName
	}
	return []interface{}{va.Spec.Attacher, pv, va.Spec.NodeName, va.Status.Attached, resource.Age(va)}
}
