package core

import (
	"path"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive"

// validateVolumes checks pod volumes and returns the names of the valid
// ones, which volume mounts may refer to.
func validateVolumes(volumes []corev1.Volume, fldPath *field.Path) (sets.Set[string], field.ErrorList) {
	var errs field.ErrorList
	names := sets.New[string]()
	for i := range volumes {
		v := &volumes[i]
		idx := fldPath.Index(i)
		namePath := idx.Child("name")
		el := validateVolumeSource(&v.VolumeSource, idx)
		if v.Name == "" {
			el = append(el, field.Required(namePath, ""))
		} else {
			el = append(el, validateDNS1123Label(v.Name, namePath)...)
		}
		if names.Has(v.Name) {
			el = append(el, field.Duplicate(namePath, v.Name))
		}
		if len(el) == 0 {
			names.Insert(v.Name)
		}
		errs = append(errs, el...)
	}
	return names, errs
}

// setSources lists, by JSON name, the sources set in a volume source
// struct (every source is a pointer field).
func setSources(src interface{}) []string {
	var set []string
	v := reflect.ValueOf(src).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Ptr && !f.IsNil() {
			set = append(set, strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0])
		}
	}
	return set
}

// validateVolumeSource requires exactly one source and checks the common
// ones in depth.
func validateVolumeSource(src *corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	set := setSources(src)
	if len(set) == 0 {
		return field.ErrorList{field.Required(fldPath, "must specify a volume type")}
	}
	var errs field.ErrorList
	for _, name := range set[1:] {
		errs = append(errs, field.Forbidden(fldPath.Child(name), "may not specify more than 1 volume type"))
	}
	p := fldPath.Child(set[0])
	switch {
	case src.HostPath != nil:
		errs = append(errs, validateHostPath(src.HostPath, p)...)
	case src.EmptyDir != nil:
		if l := src.EmptyDir.SizeLimit; l != nil {
			errs = append(errs, validateNonnegativeQuantity(*l, p.Child("sizeLimit"))...)
		}
	case src.Secret != nil:
		if src.Secret.SecretName == "" {
			errs = append(errs, field.Required(p.Child("secretName"), ""))
		}
		errs = append(errs, validateMode(src.Secret.DefaultMode, p.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(src.Secret.Items, p.Child("items"))...)
	case src.ConfigMap != nil:
		if src.ConfigMap.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		errs = append(errs, validateMode(src.ConfigMap.DefaultMode, p.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(src.ConfigMap.Items, p.Child("items"))...)
	case src.PersistentVolumeClaim != nil:
		if src.PersistentVolumeClaim.ClaimName == "" {
			errs = append(errs, field.Required(p.Child("claimName"), ""))
		}
	case src.DownwardAPI != nil:
		errs = append(errs, validateMode(src.DownwardAPI.DefaultMode, p.Child("defaultMode"))...)
		errs = append(errs, validateDownwardAPIFiles(src.DownwardAPI.Items, p.Child("items"))...)
	case src.Projected != nil:
		errs = append(errs, validateProjected(src.Projected, p)...)
	case src.NFS != nil:
		errs = append(errs, validateNFS(src.NFS, p)...)
	case src.CSI != nil:
		if src.CSI.Driver == "" {
			errs = append(errs, field.Required(p.Child("driver"), ""))
		}
	case src.Ephemeral != nil:
		if src.Ephemeral.VolumeClaimTemplate == nil {
			errs = append(errs, field.Required(p.Child("volumeClaimTemplate"), ""))
		}
	}
	return errs
}

func validateHostPath(h *corev1.HostPathVolumeSource, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(fldPath.Child("path"), ""))
	}
	if h.Type != nil {
		valid := []corev1.HostPathType{corev1.HostPathUnset, corev1.HostPathDirectoryOrCreate, corev1.HostPathDirectory,
			corev1.HostPathFileOrCreate, corev1.HostPathFile, corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev}
		if !sets.New(valid...).Has(*h.Type) {
			errs = append(errs, field.NotSupported(fldPath.Child("type"), *h.Type, valid))
		}
	}
	return errs
}

func validateNFS(n *corev1.NFSVolumeSource, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n.Server == "" {
		errs = append(errs, field.Required(fldPath.Child("server"), ""))
	}
	if n.Path == "" {
		errs = append(errs, field.Required(fldPath.Child("path"), ""))
	} else if !path.IsAbs(n.Path) {
		errs = append(errs, field.Invalid(fldPath.Child("path"), n.Path, "must be an absolute path"))
	}
	return errs
}

func validateMode(mode *int32, fldPath *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0o777 || *mode < 0) {
		return field.ErrorList{field.Invalid(fldPath, *mode, fileModeErrorMsg)}
	}
	return nil
}

func validateKeyToPaths(items []corev1.KeyToPath, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, kp := range items {
		idx := fldPath.Index(i)
		if kp.Key == "" {
			errs = append(errs, field.Required(idx.Child("key"), ""))
		}
		errs = append(errs, validateRelativePath(kp.Path, idx.Child("path"))...)
		errs = append(errs, validateMode(kp.Mode, idx.Child("mode"))...)
	}
	return errs
}

func validateDownwardAPIFiles(items []corev1.DownwardAPIVolumeFile, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, f := range items {
		idx := fldPath.Index(i)
		errs = append(errs, validateRelativePath(f.Path, idx.Child("path"))...)
		errs = append(errs, validateMode(f.Mode, idx.Child("mode"))...)
		switch {
		case f.FieldRef != nil && f.ResourceFieldRef != nil:
			errs = append(errs, field.Invalid(idx, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		case f.FieldRef != nil:
			errs = append(errs, validateObjectFieldSelector(f.FieldRef, volumeFieldPaths(), idx.Child("fieldRef"))...)
		case f.ResourceFieldRef != nil:
			errs = append(errs, validateResourceFieldSelector(f.ResourceFieldRef, idx.Child("resourceFieldRef"))...)
		default:
			errs = append(errs, field.Required(idx, "one of fieldRef and resourceFieldRef is required"))
		}
	}
	return errs
}

func validateProjected(p *corev1.ProjectedVolumeSource, fldPath *field.Path) field.ErrorList {
	errs := validateMode(p.DefaultMode, fldPath.Child("defaultMode"))
	for i := range p.Sources {
		s := &p.Sources[i]
		idx := fldPath.Child("sources").Index(i)
		set := setSources(s)
		if len(set) == 0 {
			errs = append(errs, field.Required(idx, "must specify exactly 1 of: configMap, downwardAPI, secret, serviceAccountToken, clusterTrustBundle"))
		}
		for _, name := range set[min(1, len(set)):] {
			errs = append(errs, field.Forbidden(idx.Child(name), "may not specify more than 1 volume type per source"))
		}
		if s.ServiceAccountToken != nil {
			errs = append(errs, validateTokenProjection(s.ServiceAccountToken, idx.Child("serviceAccountToken"))...)
		}
		if s.Secret != nil {
			errs = append(errs, validateKeyToPaths(s.Secret.Items, idx.Child("secret", "items"))...)
		}
		if s.ConfigMap != nil {
			errs = append(errs, validateKeyToPaths(s.ConfigMap.Items, idx.Child("configMap", "items"))...)
		}
		if s.DownwardAPI != nil {
			errs = append(errs, validateDownwardAPIFiles(s.DownwardAPI.Items, idx.Child("downwardAPI", "items"))...)
		}
	}
	return errs
}

func validateTokenProjection(t *corev1.ServiceAccountTokenProjection, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if e := t.ExpirationSeconds; e != nil {
		if *e < 600 {
			errs = append(errs, field.Invalid(fldPath.Child("expirationSeconds"), *e, "may not specify a duration less than 10 minutes"))
		} else if *e > 1<<32 {
			errs = append(errs, field.Invalid(fldPath.Child("expirationSeconds"), *e, "may not specify a duration larger than 2^32 seconds"))
		}
	}
	if t.Path == "" {
		errs = append(errs, field.Required(fldPath.Child("path"), ""))
	}
	return errs
}

// validateRelativePath requires a non-empty path below the volume root.
func validateRelativePath(p string, fldPath *field.Path) field.ErrorList {
	if p == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	return validateLocalDescendingPath(p, fldPath)
}

// validateLocalDescendingPath rejects absolute paths and "..".
func validateLocalDescendingPath(p string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(p) {
		errs = append(errs, field.Invalid(fldPath, p, "must be a relative path"))
	}
	for _, part := range strings.Split(strings.ReplaceAll(p, `\`, "/"), "/") {
		if part == ".." {
			errs = append(errs, field.Invalid(fldPath, p, "must not contain '..'"))
			break
		}
	}
	return errs
}

// validateVolumeMounts checks a container's mounts against the pod's
// volumes.
func validateVolumeMounts(mounts []corev1.VolumeMount, volumes sets.Set[string], fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	points := sets.New[string]()
	for i, m := range mounts {
		idx := fldPath.Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(idx.Child("name"), ""))
		}
		if !volumes.Has(m.Name) {
			errs = append(errs, field.NotFound(idx.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(idx.Child("mountPath"), ""))
		}
		if points.Has(m.MountPath) {
			errs = append(errs, field.Invalid(idx.Child("mountPath"), m.MountPath, "must be unique"))
		}
		points.Insert(m.MountPath)
		if m.SubPath != "" {
			errs = append(errs, validateLocalDescendingPath(m.SubPath, idx.Child("subPath"))...)
		}
		if m.SubPathExpr != "" && m.SubPath != "" {
			errs = append(errs, field.Invalid(idx.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
		}
		if mp := m.MountPropagation; mp != nil {
			errs = append(errs, validateEnum(*mp, []corev1.MountPropagationMode{corev1.MountPropagationBidirectional,
				corev1.MountPropagationHostToContainer, corev1.MountPropagationNone}, idx.Child("mountPropagation"))...)
		}
	}
	return errs
}

// validateHostnameLabel is used for pod hostname and subdomain.
func validateHostnameLabel(v string, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return nil
	}
	return invalidEach(fldPath, v, validation.IsDNS1123Label(v))
}
