package criconfig

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ImageUser is the user an image runs as, from the runtime's ImageStatus
// (Image.Uid, Image.Username). With neither set the image runs as root.
type ImageUser struct {
	UID      *int64
	Username string
}

// Paths the runtime masks or makes read-only in every container that does
// not ask for an unmasked /proc: the kubelet's defaults.
var (
	defaultMaskedPaths = []string{
		"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/devices/virtual/powercap",
	}
	defaultReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

// errNoAppArmor is what the kubelet says when a pod asks for an AppArmor
// profile on a host without AppArmor: these kernels have none.
var errNoAppArmor = errors.New("Cannot enforce AppArmor: AppArmor is not enabled on the host")

// annotation keys the API still accepts for AppArmor.
const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

// effectiveSecurity is the container's security context with the pod's
// settings where the container sets none, as the kubelet merges them
// (AppArmor apart: see appArmorProfile).
func effectiveSecurity(pod *corev1.Pod, c *corev1.Container) corev1.SecurityContext {
	var sc corev1.SecurityContext
	if ps := pod.Spec.SecurityContext; ps != nil {
		sc.RunAsUser, sc.RunAsGroup, sc.RunAsNonRoot = ps.RunAsUser, ps.RunAsGroup, ps.RunAsNonRoot
		sc.SELinuxOptions, sc.SeccompProfile = ps.SELinuxOptions, ps.SeccompProfile
	}
	cs := c.SecurityContext
	if cs == nil {
		return sc
	}
	sc.Capabilities, sc.Privileged, sc.ReadOnlyRootFilesystem = cs.Capabilities, cs.Privileged, cs.ReadOnlyRootFilesystem
	sc.AllowPrivilegeEscalation, sc.ProcMount = cs.AllowPrivilegeEscalation, cs.ProcMount
	if cs.RunAsUser != nil {
		sc.RunAsUser = cs.RunAsUser
	}
	if cs.RunAsGroup != nil {
		sc.RunAsGroup = cs.RunAsGroup
	}
	if cs.RunAsNonRoot != nil {
		sc.RunAsNonRoot = cs.RunAsNonRoot
	}
	if cs.SELinuxOptions != nil {
		sc.SELinuxOptions = cs.SELinuxOptions
	}
	if cs.SeccompProfile != nil {
		sc.SeccompProfile = cs.SeccompProfile
	}
	return sc
}

// containerSecurity is the CRI security context of c. imageUser is the
// image's user (nil: not known).
func containerSecurity(pod *corev1.Pod, c *corev1.Container, imageUser *ImageUser, seccompRoot string) (*criapi.LinuxContainerSecurityContext, error) {
	sc := effectiveSecurity(pod, c)
	if err := verifyNonRoot(pod, c, sc, imageUser); err != nil {
		return nil, err
	}
	if sc.ProcMount != nil && *sc.ProcMount == corev1.UnmaskedProcMount {
		return nil, fmt.Errorf("container %q asks for an unmasked /proc, which needs user namespaces: this node has none", c.Name)
	}
	apparmor, err := appArmorProfile(pod, c)
	if err != nil {
		return nil, err
	}
	seccomp, err := seccompProfile(sc.SeccompProfile, seccompRoot)
	if err != nil {
		return nil, err
	}
	ns, err := namespaces(pod)
	if err != nil {
		return nil, err
	}
	groups, err := supplementalGroups(pod)
	if err != nil {
		return nil, err
	}
	out := &criapi.LinuxContainerSecurityContext{
		Capabilities:       capabilities(sc.Capabilities),
		Privileged:         sc.Privileged != nil && *sc.Privileged,
		NamespaceOptions:   ns,
		SelinuxOptions:     seLinux(sc.SELinuxOptions),
		ReadonlyRootfs:     sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem,
		SupplementalGroups: groups,
		// allowPrivilegeEscalation: false sets no_new_privs; unset leaves
		// the runtime's default (escalation allowed), as in Kubernetes.
		NoNewPrivs:    sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation,
		MaskedPaths:   defaultMaskedPaths,
		ReadonlyPaths: defaultReadonlyPaths,
		Seccomp:       seccomp,
		Apparmor:      apparmor,
	}
	if err := setUser(out, c, sc, imageUser); err != nil {
		return nil, err
	}
	return out, nil
}

// setUser sets the uid (and gid) to run as: the security context's, or
// else the image's user when the caller knows it, as the kubelet does; the
// runtime then needs no other source for runAsGroup's user.
func setUser(out *criapi.LinuxContainerSecurityContext, c *corev1.Container, sc corev1.SecurityContext, imageUser *ImageUser) error {
	switch {
	case sc.RunAsUser != nil:
		out.RunAsUser = &criapi.Int64Value{Value: *sc.RunAsUser}
	case imageUser != nil && imageUser.UID != nil:
		out.RunAsUser = &criapi.Int64Value{Value: *imageUser.UID}
	case imageUser != nil && imageUser.Username != "":
		out.RunAsUsername = imageUser.Username
	case imageUser != nil:
		out.RunAsUser = &criapi.Int64Value{} // the image names no user: root
	case sc.RunAsGroup != nil:
		return fmt.Errorf("container %q sets runAsGroup without runAsUser, and the image's user is not known", c.Name)
	}
	if sc.RunAsGroup != nil {
		out.RunAsGroup = &criapi.Int64Value{Value: *sc.RunAsGroup}
	}
	return nil
}

// verifyNonRoot enforces runAsNonRoot with the kubelet's messages. The
// runtime's own user resolution cannot be asked, so without runAsUser the
// image's user decides; an unknown image user counts as root, as an image
// without USER does.
func verifyNonRoot(pod *corev1.Pod, c *corev1.Container, sc corev1.SecurityContext, imageUser *ImageUser) error {
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		return nil
	}
	if sc.RunAsUser != nil {
		if *sc.RunAsUser == 0 {
			return fmt.Errorf("container's runAsUser breaks non-root policy (pod: %q, container: %s)", podRef(pod), c.Name)
		}
		return nil
	}
	switch {
	case imageUser != nil && imageUser.UID != nil && *imageUser.UID != 0:
		return nil
	case imageUser != nil && imageUser.UID == nil && imageUser.Username != "":
		return fmt.Errorf("container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root (pod: %q, container: %s)",
			imageUser.Username, podRef(pod), c.Name)
	}
	return fmt.Errorf("container has runAsNonRoot and image will run as root (pod: %q, container: %s)", podRef(pod), c.Name)
}

// podRef names a pod the way the kubelet's messages do.
func podRef(pod *corev1.Pod) string {
	return fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
}

// capabilities passes the names through in the runtime's form. containerd
// 1.6 prefixes every name with "CAP_" itself, so a name the user wrote as
// "CAP_NET_ADMIN" (which Kubernetes accepts) loses its prefix here, and all
// names are upper-cased; "ALL" stays "ALL".
func capabilities(c *corev1.Capabilities) *criapi.Capability {
	if c == nil {
		return nil
	}
	norm := func(in []corev1.Capability) []string {
		var out []string
		for _, name := range in {
			s := strings.ToUpper(string(name))
			out = append(out, strings.TrimPrefix(s, "CAP_"))
		}
		return out
	}
	return &criapi.Capability{AddCapabilities: norm(c.Add), DropCapabilities: norm(c.Drop)}
}

func seLinux(o *corev1.SELinuxOptions) *criapi.SELinuxOption {
	if o == nil {
		return nil
	}
	return &criapi.SELinuxOption{User: o.User, Role: o.Role, Type: o.Type, Level: o.Level}
}

// seccompProfile maps a Kubernetes seccomp profile to the runtime's. No
// profile means Unconfined, the kubelet's default without SeccompDefault.
// A Localhost profile is a file under root (the kubelet's seccomp dir).
func seccompProfile(p *corev1.SeccompProfile, root string) (*criapi.SecurityProfile, error) {
	if p == nil {
		return &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Unconfined}, nil
	}
	switch p.Type {
	case corev1.SeccompProfileTypeUnconfined:
		return &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Unconfined}, nil
	case corev1.SeccompProfileTypeRuntimeDefault:
		return &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_RuntimeDefault}, nil
	case corev1.SeccompProfileTypeLocalhost:
		if p.LocalhostProfile == nil || *p.LocalhostProfile == "" {
			return nil, errors.New("localhostProfile must be set if seccompProfile type is Localhost")
		}
		rel := *p.LocalhostProfile
		if filepath.IsAbs(rel) || hasBackstep(rel) {
			return nil, fmt.Errorf("seccomp localhostProfile %q must be a relative path without '..'", rel)
		}
		if root == "" {
			return nil, fmt.Errorf("seccomp profile %q: this node has no directory of seccomp profiles", rel)
		}
		return &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Localhost,
			LocalhostRef: filepath.Join(root, rel)}, nil
	}
	return nil, fmt.Errorf("unknown seccomp profile type %q", p.Type)
}

// appArmorProfile is the container's AppArmor profile: its own field, else
// the annotation the API still accepts, else the pod's field. Only
// Unconfined is accepted: the kernels skiff runs on have no AppArmor, and a
// profile that is not enforced must not look as if it were (the kubelet
// refuses such pods the same way). No profile leaves the runtime to its
// default, which on a kernel without AppArmor is none.
func appArmorProfile(pod *corev1.Pod, c *corev1.Container) (*criapi.SecurityProfile, error) {
	var unconfined bool
	if cs := c.SecurityContext; cs != nil && cs.AppArmorProfile != nil {
		unconfined = cs.AppArmorProfile.Type == corev1.AppArmorProfileTypeUnconfined
	} else if a, ok := pod.Annotations[appArmorAnnotationPrefix+c.Name]; ok {
		unconfined = a == "unconfined"
	} else if ps := pod.Spec.SecurityContext; ps != nil && ps.AppArmorProfile != nil {
		unconfined = ps.AppArmorProfile.Type == corev1.AppArmorProfileTypeUnconfined
	} else {
		return nil, nil
	}
	if !unconfined {
		return nil, errNoAppArmor
	}
	return &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Unconfined}, nil
}

// namespaces are the pod's Linux namespaces: the node's network, PID and
// IPC for hostNetwork, hostPID and hostIPC; one PID namespace per container
// unless the pod shares it.
func namespaces(pod *corev1.Pod) (*criapi.NamespaceOption, error) {
	if pod.Spec.HostUsers != nil && !*pod.Spec.HostUsers {
		return nil, errors.New("pod asks for a user namespace (hostUsers: false): this node's runtime has no user namespace support")
	}
	ns := &criapi.NamespaceOption{Network: criapi.NamespaceMode_POD, Pid: criapi.NamespaceMode_CONTAINER, Ipc: criapi.NamespaceMode_POD}
	if pod.Spec.HostNetwork {
		ns.Network = criapi.NamespaceMode_NODE
	}
	if pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace {
		ns.Pid = criapi.NamespaceMode_POD
	}
	if pod.Spec.HostPID {
		ns.Pid = criapi.NamespaceMode_NODE
	}
	if pod.Spec.HostIPC {
		ns.Ipc = criapi.NamespaceMode_NODE
	}
	return ns, nil
}

// supplementalGroups are fsGroup and then the pod's supplementalGroups, in
// the kubelet's order. Only the Merge policy (the image's groups too) is
// what containerd 1.6 does.
func supplementalGroups(pod *corev1.Pod) ([]int64, error) {
	ps := pod.Spec.SecurityContext
	if ps == nil {
		return nil, nil
	}
	if ps.SupplementalGroupsPolicy != nil && *ps.SupplementalGroupsPolicy != corev1.SupplementalGroupsPolicyMerge {
		return nil, fmt.Errorf("supplementalGroupsPolicy %s is not supported by this node's runtime", *ps.SupplementalGroupsPolicy)
	}
	var groups []int64
	if ps.FSGroup != nil {
		groups = append(groups, *ps.FSGroup)
	}
	return append(groups, ps.SupplementalGroups...), nil
}

func hasPrivileged(pod *corev1.Pod) bool {
	for _, c := range allContainers(pod) {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
			return true
		}
	}
	return false
}
