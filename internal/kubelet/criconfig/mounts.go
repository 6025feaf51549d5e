package criconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Mount is one pod volume set up on the host (package volume makes them):
// the directory or file a volumeMount of that name binds into a container.
type Mount struct {
	HostPath string
	// ReadOnly volumes are mounted read-only whatever the volumeMount says.
	ReadOnly bool
}

// Paths inside every container.
const (
	etcHosts = "/etc/hosts"
	// DefaultTerminationMessagePath is where a container writes its
	// termination message unless it names another file.
	DefaultTerminationMessagePath = "/dev/termination-log"
)

// containerMounts are c's volume mounts in order, then /etc/hosts and the
// termination-log file, as the kubelet orders them.
func containerMounts(pod *corev1.Pod, c *corev1.Container, o ContainerOptions) ([]*criapi.Mount, error) {
	if len(c.VolumeDevices) > 0 {
		return nil, fmt.Errorf("container %q has volumeDevices: block volumes are not supported on this node", c.Name)
	}
	privileged := c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged
	var out []*criapi.Mount
	for i := range c.VolumeMounts {
		m, err := volumeMount(c, &c.VolumeMounts[i], o, privileged)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	// Containers on the node's network see the node's /etc/hosts, which
	// the runtime provides; others get the pod's file, naming the pod.
	if o.EtcHostsPath != "" && !pod.Spec.HostNetwork && !mountsAt(c, etcHosts) {
		out = append(out, &criapi.Mount{ContainerPath: etcHosts, HostPath: o.EtcHostsPath})
	}
	if o.TerminationLogPath != "" {
		target := c.TerminationMessagePath
		if target == "" {
			target = DefaultTerminationMessagePath
		}
		out = append(out, &criapi.Mount{ContainerPath: target, HostPath: o.TerminationLogPath})
	}
	return out, nil
}

func mountsAt(c *corev1.Container, target string) bool {
	return slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return filepath.Clean(m.MountPath) == target })
}

func volumeMount(c *corev1.Container, vm *corev1.VolumeMount, o ContainerOptions, privileged bool) (*criapi.Mount, error) {
	vol, ok := o.Volumes[vm.Name]
	if !ok {
		return nil, fmt.Errorf("cannot find volume %q to mount into container %q", vm.Name, c.Name)
	}
	hostPath := vol.HostPath
	sub, err := subPath(vm, o.Env)
	if err != nil {
		return nil, err
	}
	if sub != "" {
		if hostPath, err = safeSubPath(vol.HostPath, sub); err != nil {
			return nil, fmt.Errorf("failed to prepare subPath for volumeMount %q of container %q: %w", vm.Name, c.Name, err)
		}
	}
	prop, err := propagation(vm.MountPropagation, privileged)
	if err != nil {
		return nil, err
	}
	if vm.RecursiveReadOnly != nil && *vm.RecursiveReadOnly == corev1.RecursiveReadOnlyEnabled {
		return nil, fmt.Errorf("volumeMount %q of container %q asks for a recursive read-only mount, which this node's runtime cannot make", vm.Name, c.Name)
	}
	// recursiveReadOnly: IfPossible is a plain read-only mount here.
	return &criapi.Mount{
		ContainerPath: vm.MountPath,
		HostPath:      hostPath,
		Readonly:      vm.ReadOnly || vol.ReadOnly,
		Propagation:   prop,
	}, nil
}

// subPath is the mount's subPath, or its subPathExpr expanded from the
// container's env; every referenced variable must have a value.
func subPath(vm *corev1.VolumeMount, env []corev1.EnvVar) (string, error) {
	sub := vm.SubPath
	if vm.SubPathExpr != "" {
		lookup := envLookup(env)
		missing := map[string]bool{}
		sub = expand(vm.SubPathExpr, func(name string) (string, bool) {
			v, ok := lookup(name)
			if !ok || v == "" {
				missing[name] = true
			}
			return v, true
		})
		if len(missing) > 0 {
			names := make([]string, 0, len(missing))
			for n := range missing {
				names = append(names, n)
			}
			sort.Strings(names)
			return "", fmt.Errorf("missing value for %s", strings.Join(names, ", "))
		}
	}
	if sub == "" {
		return "", nil
	}
	if filepath.IsAbs(sub) {
		return "", fmt.Errorf("error SubPath `%s` must not be an absolute path", sub)
	}
	if hasBackstep(sub) {
		return "", fmt.Errorf("unable to provision SubPath `%s`: must not contain '..'", sub)
	}
	return sub, nil
}

func hasBackstep(p string) bool {
	return slices.Contains(strings.Split(filepath.ToSlash(p), "/"), "..")
}

// safeSubPath joins sub under root and makes sure it stays there: the
// runtime follows symlinks in a mount's source, and a container could have
// planted one in a shared volume that points anywhere on the host. It
// resolves the part of the path that exists and returns that resolved
// path plus the part that does not exist yet (the runtime creates it as a
// directory, as the kubelet would). A container that swaps a directory for
// a symlink between this check and the mount is not stopped: the kubelet
// closes that window with file-descriptor bind mounts, which skiff lacks.
func safeSubPath(root, sub string) (string, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("volume path: %w", err)
	}
	existing, rest := filepath.Join(realRoot, sub), ""
	for {
		_, err := os.Lstat(existing)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = filepath.Dir(existing)
	}
	resolved, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", err
	}
	if resolved != realRoot && !strings.HasPrefix(resolved, realRoot+string(filepath.Separator)) {
		return "", fmt.Errorf("subPath %q leaves its volume", sub)
	}
	return filepath.Join(resolved, rest), nil
}

// propagation maps mountPropagation; Bidirectional is for privileged
// containers only, as in Kubernetes.
func propagation(p *corev1.MountPropagationMode, privileged bool) (criapi.MountPropagation, error) {
	if p == nil {
		return criapi.MountPropagation_PROPAGATION_PRIVATE, nil
	}
	switch *p {
	case corev1.MountPropagationNone:
		return criapi.MountPropagation_PROPAGATION_PRIVATE, nil
	case corev1.MountPropagationHostToContainer:
		return criapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER, nil
	case corev1.MountPropagationBidirectional:
		if !privileged {
			return 0, errors.New("Bidirectional mount propagation is available only to privileged containers")
		}
		return criapi.MountPropagation_PROPAGATION_BIDIRECTIONAL, nil
	}
	return 0, fmt.Errorf("invalid MountPropagation mode: %q", *p)
}
