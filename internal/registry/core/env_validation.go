package core

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// envFieldPaths are the pod fields an env var may read through fieldRef.
func envFieldPaths() sets.Set[string] {
	return sets.New("metadata.name", "metadata.namespace", "metadata.uid",
		"spec.nodeName", "spec.serviceAccountName", "status.hostIP",
		"status.hostIPs", "status.podIP", "status.podIPs")
}

// volumeFieldPaths are the pod fields a downward API volume may expose.
func volumeFieldPaths() sets.Set[string] {
	return sets.New("metadata.name", "metadata.namespace", "metadata.uid",
		"metadata.labels", "metadata.annotations")
}

// validateEnv checks env var names (the relaxed rule, on by default in
// 1.32: any printable ASCII but "=") and their sources.
func validateEnv(env []corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range env {
		idx := fldPath.Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(idx.Child("name"), ""))
		} else {
			errs = append(errs, invalidEach(idx.Child("name"), ev.Name, validation.IsRelaxedEnvVarName(ev.Name))...)
		}
		errs = append(errs, validateEnvValueFrom(ev, idx.Child("valueFrom"))...)
	}
	return errs
}

func validateEnvValueFrom(ev corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	vf := ev.ValueFrom
	if vf == nil {
		return nil
	}
	var errs field.ErrorList
	n := 0
	if vf.FieldRef != nil {
		n++
		errs = append(errs, validateObjectFieldSelector(vf.FieldRef, envFieldPaths(), fldPath.Child("fieldRef"))...)
	}
	if vf.ResourceFieldRef != nil {
		n++
		errs = append(errs, validateResourceFieldSelector(vf.ResourceFieldRef, fldPath.Child("resourceFieldRef"))...)
	}
	if vf.ConfigMapKeyRef != nil {
		n++
		errs = append(errs, validateKeySelector(vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key, fldPath.Child("configMapKeyRef"))...)
	}
	if vf.SecretKeyRef != nil {
		n++
		errs = append(errs, validateKeySelector(vf.SecretKeyRef.Name, vf.SecretKeyRef.Key, fldPath.Child("secretKeyRef"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Invalid(fldPath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case ev.Value != "":
		errs = append(errs, field.Invalid(fldPath, "", "may not be specified when `value` is not empty"))
	case n > 1:
		errs = append(errs, field.Invalid(fldPath, "", "may not have more than one field specified at a time"))
	}
	return errs
}

// validateObjectFieldSelector checks a downward API field reference:
// plain paths from allowed, or metadata.labels['k'] / annotations['k'].
func validateObjectFieldSelector(fs *corev1.ObjectFieldSelector, allowed sets.Set[string], fldPath *field.Path) field.ErrorList {
	if fs.APIVersion == "" {
		return field.ErrorList{field.Required(fldPath.Child("apiVersion"), "")}
	}
	if fs.FieldPath == "" {
		return field.ErrorList{field.Required(fldPath.Child("fieldPath"), "")}
	}
	path, sub, ok := splitSubscript(fs.FieldPath)
	if !ok {
		if allowed.Has(fs.FieldPath) {
			return nil
		}
		return field.ErrorList{field.NotSupported(fldPath.Child("fieldPath"), fs.FieldPath, sets.List(allowed.Union(sets.New("metadata.annotations", "metadata.labels"))))}
	}
	switch path {
	case "metadata.annotations":
		return validateQualifiedName(strings.ToLower(sub), fldPath)
	case "metadata.labels":
		return validateQualifiedName(sub, fldPath)
	}
	return field.ErrorList{field.Invalid(fldPath, path, "does not support subscript")}
}

// splitSubscript splits "metadata.labels['app']" into its path and key.
func splitSubscript(p string) (string, string, bool) {
	if !strings.HasSuffix(p, "']") {
		return p, "", false
	}
	open := strings.Index(p, "['")
	if open < 0 {
		return p, "", false
	}
	return p[:open], p[open+2 : len(p)-2], true
}

func validateResourceFieldSelector(rf *corev1.ResourceFieldSelector, fldPath *field.Path) field.ErrorList {
	if rf.Resource == "" {
		return field.ErrorList{field.Required(fldPath.Child("resource"), "")}
	}
	valid := []string{"limits.cpu", "limits.ephemeral-storage", "limits.memory",
		"requests.cpu", "requests.ephemeral-storage", "requests.memory"}
	for _, v := range valid {
		if rf.Resource == v {
			return nil
		}
	}
	if strings.HasPrefix(rf.Resource, "limits.hugepages-") || strings.HasPrefix(rf.Resource, "requests.hugepages-") {
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath.Child("resource"), rf.Resource, valid)}
}

// validateKeySelector checks a config map or secret key reference.
func validateKeySelector(name, key string, fldPath *field.Path) field.ErrorList {
	errs := invalidEach(fldPath.Child("name"), name, apivalidation.NameIsDNSSubdomain(name, false))
	if key == "" {
		return append(errs, field.Required(fldPath.Child("key"), ""))
	}
	return append(errs, invalidEach(fldPath.Child("key"), key, validation.IsConfigMapKey(key))...)
}

func validateEnvFrom(sources []corev1.EnvFromSource, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ef := range sources {
		idx := fldPath.Index(i)
		if ef.Prefix != "" {
			errs = append(errs, invalidEach(idx.Child("prefix"), ef.Prefix, validation.IsRelaxedEnvVarName(ef.Prefix))...)
		}
		n := 0
		if ef.ConfigMapRef != nil {
			n++
			name := ef.ConfigMapRef.Name
			errs = append(errs, invalidEach(idx.Child("configMapRef", "name"), name, apivalidation.NameIsDNSSubdomain(name, false))...)
		}
		if ef.SecretRef != nil {
			n++
			name := ef.SecretRef.Name
			errs = append(errs, invalidEach(idx.Child("secretRef", "name"), name, apivalidation.NameIsDNSSubdomain(name, false))...)
		}
		if n == 0 {
			errs = append(errs, field.Invalid(fldPath, "", "must specify one of: `configMapRef` or `secretRef`"))
		} else if n > 1 {
			errs = append(errs, field.Invalid(fldPath, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}
