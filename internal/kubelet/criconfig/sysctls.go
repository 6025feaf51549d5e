package criconfig

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// safeSysctls are the sysctls the kubelet allows any pod by default: each
// is namespaced per pod and cannot touch other pods or the node. skiff has
// no --allowed-unsafe-sysctls, so these are all a pod may set.
var safeSysctls = map[string]bool{
	"kernel.shm_rmid_forced":              true,
	"net.ipv4.ip_local_port_range":        true,
	"net.ipv4.tcp_syncookies":             true,
	"net.ipv4.ping_group_range":           true,
	"net.ipv4.ip_unprivileged_port_start": true,
	"net.ipv4.ip_local_reserved_ports":    true,
	"net.ipv4.tcp_keepalive_time":         true,
	"net.ipv4.tcp_fin_timeout":            true,
	"net.ipv4.tcp_keepalive_intvl":        true,
	"net.ipv4.tcp_keepalive_probes":       true,
	"net.ipv4.tcp_rmem":                   true,
	"net.ipv4.tcp_wmem":                   true,
}

// sandboxSysctls are the pod's sysctls by their dotted names, refused with
// the kubelet's words when not allowlisted or when the pod shares the
// namespace they live in with the node.
func sandboxSysctls(pod *corev1.Pod) (map[string]string, error) {
	ps := pod.Spec.SecurityContext
	if ps == nil || len(ps.Sysctls) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(ps.Sysctls))
	for _, s := range ps.Sysctls {
		name := normalizeSysctl(s.Name)
		switch {
		case !safeSysctls[name]:
			return nil, fmt.Errorf("forbidden sysctl: %q not allowlisted", name)
		case pod.Spec.HostNetwork && strings.HasPrefix(name, "net."):
			return nil, fmt.Errorf("forbidden sysctl: %q not allowed with host net enabled", name)
		case pod.Spec.HostIPC && strings.HasPrefix(name, "kernel.shm"):
			return nil, fmt.Errorf("forbidden sysctl: %q not allowed with host ipc enabled", name)
		}
		out[name] = s.Value
	}
	return out, nil
}

// normalizeSysctl turns a slash-separated name (net/ipv4/conf/eth0.100/x)
// into the dotted form the runtime wants (net.ipv4.conf.eth0/100.x): when
// the first separator is '/', dots and slashes swap.
func normalizeSysctl(name string) string {
	i := strings.IndexAny(name, "./")
	if i < 0 || name[i] == '.' {
		return name
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, name)
}
