package storagev1

import (
	"slices"
	"strings"

	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Token lifetimes a driver may ask for: ten minutes to 2^32 seconds.
const (
	minTokenSeconds = 10 * 60
	maxTokenSeconds = 1 << 32
)

var (
	fsGroupPolicies = []string{
		string(storagev1.FileFSGroupPolicy), string(storagev1.NoneFSGroupPolicy),
		string(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy),
	}
	lifecycleModes = []string{string(storagev1.VolumeLifecycleEphemeral), string(storagev1.VolumeLifecyclePersistent)}
)

// CSIDriverStrategy holds the rules of csidrivers.
type CSIDriverStrategy struct{ resource.Base }

func (CSIDriverStrategy) Default(obj runtime.Object) {
	spec := &obj.(*storagev1.CSIDriver).Spec
	setBool(&spec.AttachRequired, true)
	setBool(&spec.PodInfoOnMount, false)
	setBool(&spec.StorageCapacity, false)
	setBool(&spec.RequiresRepublish, false)
	setBool(&spec.SELinuxMount, false)
	if spec.FSGroupPolicy == nil {
		p := storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy
		spec.FSGroupPolicy = &p
	}
	if len(spec.VolumeLifecycleModes) == 0 {
		spec.VolumeLifecycleModes = []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent}
	}
}

func setBool(p **bool, v bool) {
	if *p == nil {
		*p = &v
	}
}

func (CSIDriverStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*storagev1.CSIDriver).Spec
	fld := field.NewPath("spec")
	var errs field.ErrorList
	// Kubernetes reports a missing attachRequired under this misspelt path.
	errs = append(errs, requireBool(spec.AttachRequired, fld.Child("attachedRequired"))...)
	errs = append(errs, requireBool(spec.PodInfoOnMount, fld.Child("podInfoOnMount"))...)
	errs = append(errs, requireBool(spec.StorageCapacity, fld.Child("storageCapacity"))...)
	errs = append(errs, requireBool(spec.SELinuxMount, fld.Child("seLinuxMount"))...)
	if p := spec.FSGroupPolicy; p != nil && !slices.Contains(fsGroupPolicies, string(*p)) {
		errs = append(errs, field.NotSupported(fld.Child("fsGroupPolicy"), *p, fsGroupPolicies))
	}
	errs = append(errs, validateTokenRequests(spec.TokenRequests, fld.Child("tokenRequests"))...)
	for _, m := range spec.VolumeLifecycleModes {
		if !slices.Contains(lifecycleModes, string(m)) {
			errs = append(errs, field.NotSupported(fld.Child("volumeLifecycleModes"), m, lifecycleModes))
		}
	}
	return errs
}

func (s CSIDriverStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	spec, prev := obj.(*storagev1.CSIDriver).Spec, old.(*storagev1.CSIDriver).Spec
	errs := s.Validate(obj)
	errs = append(errs, apivalidation.ValidateImmutableField(spec.AttachRequired, prev.AttachRequired, field.NewPath("spec", "attachRequired"))...)
	return append(errs, apivalidation.ValidateImmutableField(spec.VolumeLifecycleModes, prev.VolumeLifecycleModes, field.NewPath("spec", "volumeLifecycleModes"))...)
}

func requireBool(b *bool, fld *field.Path) field.ErrorList {
	if b == nil {
		return field.ErrorList{field.Required(fld, "")}
	}
	return nil
}

func validateTokenRequests(reqs []storagev1.TokenRequest, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, r := range reqs {
		p := fld.Index(i)
		if seen[r.Audience] {
			errs = append(errs, field.Duplicate(p.Child("audience"), r.Audience))
		}
		seen[r.Audience] = true
		if r.ExpirationSeconds == nil {
			continue
		}
		if *r.ExpirationSeconds < minTokenSeconds {
			errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *r.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
		}
		if *r.ExpirationSeconds > maxTokenSeconds {
			errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *r.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"))
		}
	}
	return errs
}

func (CSIDriverStrategy) Columns() []metav1.TableColumnDefinition {
	boolean := func(name, desc string) metav1.TableColumnDefinition {
		return metav1.TableColumnDefinition{Name: name, Type: "boolean", Description: desc}
	}
	return []metav1.TableColumnDefinition{
		boolean("AttachRequired", "attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting."),
		boolean("PodInfoOnMount", "podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations."),
		boolean("StorageCapacity", "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true."),
		resource.Column("TokenRequests", "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication.", 0),
		boolean("RequiresRepublish", "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume."),
		resource.Column("Modes", "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.", 0),
		resource.AgeColumn,
	}
}

// Cells prints unset booleans as their defaults, and "<unset>" for a
// driver that asks for no tokens.
func (CSIDriverStrategy) Cells(obj runtime.Object) []interface{} {
	d := obj.(*storagev1.CSIDriver)
	tokens := "<unset>"
	if d.Spec.TokenRequests != nil {
		var auds []string
		for _, t := range d.Spec.TokenRequests {
			auds = append(auds, t.Audience)
		}
		tokens = strings.Join(auds, ",")
	}
	var modes []string
	for _, m := range d.Spec.VolumeLifecycleModes {
		modes = append(modes, string(m))
	}
	return []interface{}{
		boolOr(d.Spec.AttachRequired, true), boolOr(d.Spec.PodInfoOnMount, false),
		boolOr(d.Spec.StorageCapacity, false), tokens, boolOr(d.Spec.RequiresRepublish, false),
		resource.NoneIfEmpty(strings.Join(modes, ",")), resource.Age(d),
	}
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}
