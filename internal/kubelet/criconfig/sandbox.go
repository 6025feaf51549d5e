package criconfig

import (
	"fmt"
	"maps"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// SandboxOptions is what the caller knows of a pod's sandbox.
type SandboxOptions struct {
	// LogDirectory holds the pod's container logs (DIR/logs/<ns>_<pod>_<uid>).
	LogDirectory string
	// Hostname overrides the pod's hostname (default: spec.hostname, or
	// the pod's name). Pods on the node's network keep the node's.
	Hostname string
	// PodCIDRs are the node's pod ranges: a hostPort bound to an address of
	// a family the pod network does not serve is refused here, where the
	// portmap plugin would skip it without a word.
	PodCIDRs []string
	// Attempt counts the pod's sandboxes before this one: the runtime
	// names a sandbox by its metadata, and refuses a name in use.
	Attempt uint32
	// SeccompProfileRoot is the directory of Localhost seccomp profiles;
	// empty refuses them.
	SeccompProfileRoot string
}

// Sandbox translates pod into the CRI config of its sandbox. The error
// says why the pod cannot run on this node.
func Sandbox(pod *corev1.Pod, o SandboxOptions) (*criapi.PodSandboxConfig, error) {
	if pod.Spec.OS != nil && pod.Spec.OS.Name != corev1.Linux {
		return nil, fmt.Errorf("pod's OS %q does not match the node's OS %q", pod.Spec.OS.Name, corev1.Linux)
	}
	ports, err := portMappings(pod, o.PodCIDRs)
	if err != nil {
		return nil, err
	}
	linux, err := sandboxLinux(pod, o.SeccompProfileRoot)
	if err != nil {
		return nil, err
	}
	labels := maps.Clone(pod.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelPodName], labels[LabelPodNamespace], labels[LabelPodUID] = pod.Name, pod.Namespace, string(pod.UID)
	annotations := maps.Clone(pod.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	return &criapi.PodSandboxConfig{
		Metadata: &criapi.PodSandboxMetadata{Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID), Attempt: o.Attempt},
		Hostname: hostname(pod, o.Hostname),
		// DnsConfig stays nil until the cluster has DNS: the runtime then
		// gives the pod the node's /etc/resolv.conf. dnsPolicy and
		// dnsConfig take effect with cluster DNS.
		LogDirectory: o.LogDirectory,
		PortMappings: ports,
		Labels:       labels,
		Annotations:  annotations,
		Linux:        linux,
	}, nil
}

// hostname is the pod's hostname: the override, spec.hostname or the pod's
// name cut to a DNS label (63 bytes, no trailing '-' or '.'), as the kubelet
// does; "" on the node's network, where the runtime uses the node's.
// subdomain and setHostnameAsFQDN wait for cluster DNS.
func hostname(pod *corev1.Pod, override string) string {
	if pod.Spec.HostNetwork {
		return ""
	}
	name := override
	if name == "" {
		name = pod.Spec.Hostname
	}
	if name == "" {
		name = pod.Name
	}
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-.")
	}
	return name
}

// portMappings are the regular containers' hostPorts. Pods on the node's
// network bind the node's ports themselves and need none.
func portMappings(pod *corev1.Pod, podCIDRs []string) ([]*criapi.PortMapping, error) {
	if pod.Spec.HostNetwork {
		return nil, nil
	}
	families, err := cidrFamilies(podCIDRs)
	if err != nil {
		return nil, err
	}
	var out []*criapi.PortMapping
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			if err := servedFamily(p, families, podCIDRs); err != nil {
				return nil, err
			}
			proto, err := protocol(p.Protocol)
			if err != nil {
				return nil, err
			}
			out = append(out, &criapi.PortMapping{Protocol: proto, ContainerPort: p.ContainerPort, HostPort: p.HostPort, HostIp: p.HostIP})
		}
	}
	return out, nil
}

// cidrFamilies says which IP families (true: IPv4) the pod network serves;
// nil when the caller named no CIDRs and anything goes.
func cidrFamilies(cidrs []string) (map[bool]bool, error) {
	if len(cidrs) == 0 {
		return nil, nil
	}
	fam := map[bool]bool{}
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("podCIDR %q: %w", c, err)
		}
		fam[p.Addr().Is4()] = true
	}
	return fam, nil
}

func servedFamily(p corev1.ContainerPort, families map[bool]bool, cidrs []string) error {
	if families == nil || p.HostIP == "" {
		return nil
	}
	ip, err := netip.ParseAddr(p.HostIP)
	if err != nil {
		return fmt.Errorf("hostIP %q of hostPort %d: %w", p.HostIP, p.HostPort, err)
	}
	if !families[ip.Unmap().Is4()] {
		return fmt.Errorf("hostPort %d on %s cannot be served: the node's pod network has no range of that IP family (podCIDRs %v)",
			p.HostPort, p.HostIP, cidrs)
	}
	return nil
}

func protocol(p corev1.Protocol) (criapi.Protocol, error) {
	switch p {
	case corev1.ProtocolTCP, "":
		return criapi.Protocol_TCP, nil
	case corev1.ProtocolUDP:
		return criapi.Protocol_UDP, nil
	case corev1.ProtocolSCTP:
		return criapi.Protocol_SCTP, nil
	}
	return 0, fmt.Errorf("unknown port protocol %q", p)
}

func sandboxLinux(pod *corev1.Pod, seccompRoot string) (*criapi.LinuxPodSandboxConfig, error) {
	ns, err := namespaces(pod)
	if err != nil {
		return nil, err
	}
	groups, err := supplementalGroups(pod)
	if err != nil {
		return nil, err
	}
	sysctls, err := sandboxSysctls(pod)
	if err != nil {
		return nil, err
	}
	sc := &criapi.LinuxSandboxSecurityContext{
		NamespaceOptions:   ns,
		SupplementalGroups: groups,
		// The runtime lets a sandbox hold privileged containers only if it
		// says so up front.
		Privileged: hasPrivileged(pod),
	}
	var seccomp *corev1.SeccompProfile
	if ps := pod.Spec.SecurityContext; ps != nil {
		seccomp = ps.SeccompProfile
		sc.SelinuxOptions = seLinux(ps.SELinuxOptions)
		if ps.RunAsUser != nil {
			sc.RunAsUser = &criapi.Int64Value{Value: *ps.RunAsUser}
			// containerd refuses a sandbox group without a user, and the
			// pause process's group matters to no one: it is set only
			// with the user.
			if ps.RunAsGroup != nil {
				sc.RunAsGroup = &criapi.Int64Value{Value: *ps.RunAsGroup}
			}
		}
	}
	if sc.Seccomp, err = seccompProfile(seccomp, seccompRoot); err != nil {
		return nil, err
	}
	return &criapi.LinuxPodSandboxConfig{
		CgroupParent:    CgroupParent(pod),
		SecurityContext: sc,
		Sysctls:         sysctls,
		Overhead:        overheadResources(pod),
		Resources:       sandboxResources(pod),
	}, nil
}
