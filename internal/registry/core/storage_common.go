package core

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// betaStorageClassAnnotation is the old way to name a storage class; it
// still wins over the field when present.
const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

func supportedAccessModes() []corev1.PersistentVolumeAccessMode {
	return []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany, corev1.ReadWriteMany,
		corev1.ReadWriteOnce, corev1.ReadWriteOncePod}
}

// validateAccessModes requires known modes, ReadWriteOncePod alone.
func validateAccessModes(modes []corev1.PersistentVolumeAccessMode, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	rwop := false
	for _, m := range modes {
		errs = append(errs, validateEnum(m, supportedAccessModes(), fldPath)...)
		rwop = rwop || m == corev1.ReadWriteOncePod
	}
	if rwop && len(modes) > 1 {
		errs = append(errs, field.Forbidden(fldPath, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

func validateVolumeMode(m *corev1.PersistentVolumeMode, fldPath *field.Path) field.ErrorList {
	if m == nil {
		return nil
	}
	return validateEnum(*m, []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}, fldPath)
}

func defaultVolumeModePtr() *corev1.PersistentVolumeMode {
	m := corev1.PersistentVolumeFilesystem
	return &m
}

// accessModesString prints modes as kubectl does: "RWO,ROX,RWX,RWOP" in
// that order.
func accessModesString(modes []corev1.PersistentVolumeAccessMode) string {
	has := map[corev1.PersistentVolumeAccessMode]bool{}
	for _, m := range modes {
		has[m] = true
	}
	var out []string
	for _, m := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{
		{corev1.ReadWriteOnce, "RWO"},
		{corev1.ReadOnlyMany, "ROX"},
		{corev1.ReadWriteMany, "RWX"},
		{corev1.ReadWriteOncePod, "RWOP"},
	} {
		if has[m.mode] {
			out = append(out, m.short)
		}
	}
	return strings.Join(out, ",")
}

func unsetIfNil[T ~string](p *T) string {
	if p == nil || *p == "" {
		return "<unset>"
	}
	return string(*p)
}
