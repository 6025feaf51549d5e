package core

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// containerKind tells the rules apart: regular containers, init
// containers, and restartable init containers (sidecars).
type containerKind int

const (
	regularContainer containerKind = iota
	initContainer
	sidecarContainer
)

// validateContainerList checks a list of containers; names is shared
// between init and regular containers, which may not reuse each other's
// names.
func validateContainerList(cs []corev1.Container, kind containerKind, volumes sets.Set[string], names sets.Set[string], fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range cs {
		c := &cs[i]
		idx := fldPath.Index(i)
		k := kind
		if kind == initContainer && isSidecar(c) {
			k = sidecarContainer
		}
		errs = append(errs, validateContainerName(c.Name, names, idx.Child("name"))...)
		errs = append(errs, validateContainer(c, k, volumes, idx)...)
	}
	return errs
}

func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func validateContainerName(name string, names sets.Set[string], fldPath *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	errs := validateDNS1123Label(name, fldPath)
	if names.Has(name) {
		errs = append(errs, field.Duplicate(fldPath, name))
	}
	names.Insert(name)
	return errs
}

// validateContainer checks one container's fields.
func validateContainer(c *corev1.Container, kind containerKind, volumes sets.Set[string], fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Image == "" {
		errs = append(errs, field.Required(fldPath.Child("image"), ""))
	}
	errs = append(errs, validateContainerRestartPolicy(c, kind, fldPath.Child("restartPolicy"))...)
	errs = append(errs, validateContainerProbes(c, kind, fldPath)...)
	errs = append(errs, validateContainerPorts(c.Ports, fldPath.Child("ports"))...)
	errs = append(errs, validateEnv(c.Env, fldPath.Child("env"))...)
	errs = append(errs, validateEnvFrom(c.EnvFrom, fldPath.Child("envFrom"))...)
	errs = append(errs, validateVolumeMounts(c.VolumeMounts, volumes, fldPath.Child("volumeMounts"))...)
	errs = append(errs, validateResourceRequirements(&c.Resources, fldPath.Child("resources"))...)
	errs = append(errs, validateEnum(c.TerminationMessagePolicy,
		[]corev1.TerminationMessagePolicy{corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError},
		fldPath.Child("terminationMessagePolicy"))...)
	errs = append(errs, validateEnum(c.ImagePullPolicy,
		[]corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever},
		fldPath.Child("imagePullPolicy"))...)
	return errs
}

func validateContainerRestartPolicy(c *corev1.Container, kind containerKind, fldPath *field.Path) field.ErrorList {
	if c.RestartPolicy == nil {
		return nil
	}
	if kind == regularContainer {
		return field.ErrorList{field.Forbidden(fldPath, "may not be set for non-init containers")}
	}
	if *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		return field.ErrorList{field.NotSupported(fldPath, *c.RestartPolicy,
			[]corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways})}
	}
	return nil
}

func validateContainerPorts(ports []corev1.ContainerPort, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, p := range ports {
		idx := fldPath.Index(i)
		if p.Name != "" {
			if msgs := validation.IsValidPortName(p.Name); len(msgs) != 0 {
				errs = append(errs, invalidEach(idx.Child("name"), p.Name, msgs)...)
			} else if names.Has(p.Name) {
				errs = append(errs, field.Duplicate(idx.Child("name"), p.Name))
			}
			names.Insert(p.Name)
		}
		if p.ContainerPort == 0 {
			errs = append(errs, field.Required(idx.Child("containerPort"), ""))
		} else {
			errs = append(errs, invalidEach(idx.Child("containerPort"), p.ContainerPort, validation.IsValidPortNum(int(p.ContainerPort)))...)
		}
		if p.HostPort != 0 {
			errs = append(errs, invalidEach(idx.Child("hostPort"), p.HostPort, validation.IsValidPortNum(int(p.HostPort)))...)
		}
		errs = append(errs, validateProtocol(p.Protocol, idx.Child("protocol"))...)
	}
	return errs
}

// validateHostPorts rejects two containers of a pod claiming the same
// host port, and on the host network any hostPort unlike its
// containerPort.
func validateHostPorts(spec *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	check := func(cs []corev1.Container, path *field.Path) {
		for i := range cs {
			for j, p := range cs[i].Ports {
				idx := path.Index(i).Child("ports").Index(j)
				if spec.HostNetwork && p.HostPort != p.ContainerPort {
					errs = append(errs, field.Invalid(idx.Child("containerPort"), p.ContainerPort, "must match `hostPort` when `hostNetwork` is true"))
				}
				if p.HostPort == 0 {
					continue
				}
				key := fmt.Sprintf("%s/%s/%d", p.HostIP, p.Protocol, p.HostPort)
				if seen.Has(key) {
					errs = append(errs, field.Duplicate(idx.Child("hostPort"), key))
				}
				seen.Insert(key)
			}
		}
	}
	check(spec.InitContainers, fldPath.Child("initContainers"))
	check(spec.Containers, fldPath.Child("containers"))
	return errs
}
