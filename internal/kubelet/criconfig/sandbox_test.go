package criconfig

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

func TestSandbox(t *testing.T) {
	pod := testPod(func(p *corev1.Pod) {
		p.Labels = map[string]string{"app": "web"}
		p.Annotations = map[string]string{"note": "x"}
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{
			{ContainerPort: 8080, HostPort: 80, Protocol: corev1.ProtocolTCP},
			{ContainerPort: 9090},
			{ContainerPort: 53, HostPort: 5353, Protocol: corev1.ProtocolUDP, HostIP: "10.0.0.5"},
		}
		p.Spec.Containers[0].Resources = resources("cpu=100m", "")
		p.Spec.InitContainers = []corev1.Container{{Name: "init", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}}
		p.Spec.SecurityContext = &corev1.PodSecurityContext{
			RunAsUser: ptr.To[int64](1000), RunAsGroup: ptr.To[int64](3000), FSGroup: ptr.To[int64](2000),
			Sysctls:        []corev1.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}, {Name: "kernel/shm_rmid_forced", Value: "1"}},
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		}
	})
	got, err := Sandbox(pod, SandboxOptions{LogDirectory: "/d/logs/ns_web_u-1", PodCIDRs: []string{"10.42.0.0/24"}, Attempt: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := &criapi.PodSandboxConfig{
		Metadata:     &criapi.PodSandboxMetadata{Name: "web", Namespace: "ns", Uid: "u-1", Attempt: 2},
		Hostname:     "web",
		LogDirectory: "/d/logs/ns_web_u-1",
		PortMappings: []*criapi.PortMapping{
			{Protocol: criapi.Protocol_TCP, ContainerPort: 8080, HostPort: 80},
			{Protocol: criapi.Protocol_UDP, ContainerPort: 53, HostPort: 5353, HostIp: "10.0.0.5"},
		},
		Labels:      map[string]string{"app": "web", LabelPodName: "web", LabelPodNamespace: "ns", LabelPodUID: "u-1"},
		Annotations: map[string]string{"note": "x"},
		Linux: &criapi.LinuxPodSandboxConfig{
			CgroupParent: "/skiff/kubepods/burstable/podu-1",
			SecurityContext: &criapi.LinuxSandboxSecurityContext{
				NamespaceOptions:   &criapi.NamespaceOption{Network: criapi.NamespaceMode_POD, Pid: criapi.NamespaceMode_CONTAINER, Ipc: criapi.NamespaceMode_POD},
				RunAsUser:          &criapi.Int64Value{Value: 1000},
				RunAsGroup:         &criapi.Int64Value{Value: 3000},
				SupplementalGroups: []int64{2000},
				Privileged:         true,
				Seccomp:            &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_RuntimeDefault},
			},
			Sysctls:   map[string]string{"net.ipv4.ip_unprivileged_port_start": "0", "kernel.shm_rmid_forced": "1"},
			Resources: &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuShares: 102},
		},
	}
	sameAs(t, got, want)
}

func TestSandboxVariants(t *testing.T) {
	long := strings.Repeat("a", 62) + "-b"
	cases := []struct {
		name  string
		mut   func(*corev1.Pod)
		opts  SandboxOptions
		check func(*testing.T, *criapi.PodSandboxConfig)
		err   string
	}{{
		name: "spec.hostname",
		mut:  func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "h1", "sub" },
		check: func(t *testing.T, c *criapi.PodSandboxConfig) {
			if c.Hostname != "h1" {
				t.Errorf("hostname %q, want h1", c.Hostname)
			}
		},
	}, {
		name: "the override wins",
		mut:  func(p *corev1.Pod) { p.Spec.Hostname = "h1" },
		opts: SandboxOptions{Hostname: "over"},
		check: func(t *testing.T, c *criapi.PodSandboxConfig) {
			if c.Hostname != "over" {
				t.Errorf("hostname %q, want over", c.Hostname)
			}
		},
	}, {
		name: "a long pod name is cut to a DNS label",
		mut:  func(p *corev1.Pod) { p.Name = long },
		check: func(t *testing.T, c *criapi.PodSandboxConfig) {
			if want := strings.Repeat("a", 62); c.Hostname != want {
				t.Errorf("hostname %q, want %q", c.Hostname, want)
			}
		},
	}, {
		name: "host network: the node's hostname, no port mappings, node namespaces",
		mut: func(p *corev1.Pod) {
			p.Spec.HostNetwork, p.Spec.HostPID, p.Spec.HostIPC = true, true, true
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 80}}
		},
		check: func(t *testing.T, c *criapi.PodSandboxConfig) {
			ns := c.Linux.SecurityContext.NamespaceOptions
			if c.Hostname != "" || c.PortMappings != nil || ns.Network != criapi.NamespaceMode_NODE ||
				ns.Pid != criapi.NamespaceMode_NODE || ns.Ipc != criapi.NamespaceMode_NODE {
				t.Errorf("hostname %q, ports %v, namespaces %v", c.Hostname, c.PortMappings, ns)
			}
		},
	}, {
		name: "runAsGroup alone is not given to the sandbox",
		mut:  func(p *corev1.Pod) { p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsGroup: ptr.To[int64](5)} },
		check: func(t *testing.T, c *criapi.PodSandboxConfig) {
			if sc := c.Linux.SecurityContext; sc.RunAsGroup != nil || sc.RunAsUser != nil {
				t.Errorf("user %v group %v, want neither", sc.RunAsUser, sc.RunAsGroup)
			}
		},
	}, {
		name: "overhead",
		mut:  func(p *corev1.Pod) { p.Spec.Overhead = list("memory=10Mi") },
		check: func(t *testing.T, c *criapi.PodSandboxConfig) {
			if o := c.Linux.Overhead; o == nil || o.MemoryLimitInBytes != 10<<20 {
				t.Errorf("overhead %v", o)
			}
		},
	}, {
		name: "an IPv6 hostIP on an IPv4 pod network",
		mut: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 80, HostIP: "::1"}}
		},
		opts: SandboxOptions{PodCIDRs: []string{"10.42.0.0/24"}},
		err:  "hostPort 80 on ::1 cannot be served: the node's pod network has no range of that IP family",
	}, {
		name: "a windows pod",
		mut:  func(p *corev1.Pod) { p.Spec.OS = &corev1.PodOS{Name: corev1.Windows} },
		err:  `pod's OS "windows" does not match the node's OS "linux"`,
	}, {
		name: "an unsafe sysctl",
		mut: func(p *corev1.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{{Name: "kernel.msgmax", Value: "1"}}}
		},
		err: `forbidden sysctl: "kernel.msgmax" not allowlisted`,
	}, {
		name: "pod seccomp Localhost without a directory",
		mut: func(p *corev1.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{
				Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("a.json")}}
		},
		err: "no directory of seccomp profiles",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Sandbox(testPod(tc.mut), tc.opts)
			if wantErr(t, err, tc.err) {
				return
			}
			tc.check(t, got)
		})
	}
}

func TestSandboxSysctls(t *testing.T) {
	cases := []struct {
		name string
		mut  func(*corev1.Pod)
		in   []corev1.Sysctl
		want map[string]string
		err  string
	}{
		{"slashes become dots", nil, []corev1.Sysctl{{Name: "net/ipv4/tcp_syncookies", Value: "1"}},
			map[string]string{"net.ipv4.tcp_syncookies": "1"}, ""},
		{"net with host network", func(p *corev1.Pod) { p.Spec.HostNetwork = true },
			[]corev1.Sysctl{{Name: "net.ipv4.tcp_fin_timeout", Value: "5"}}, nil, `"net.ipv4.tcp_fin_timeout" not allowed with host net enabled`},
		{"shm with host ipc", func(p *corev1.Pod) { p.Spec.HostIPC = true },
			[]corev1.Sysctl{{Name: "kernel.shm_rmid_forced", Value: "1"}}, nil, "not allowed with host ipc enabled"},
		{"kernel-wide", nil, []corev1.Sysctl{{Name: "kernel.panic_on_oops", Value: "1"}}, nil, "not allowlisted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := testPod(func(p *corev1.Pod) { p.Spec.SecurityContext = &corev1.PodSecurityContext{Sysctls: tc.in} })
			if tc.mut != nil {
				tc.mut(pod)
			}
			got, err := sandboxSysctls(pod)
			if wantErr(t, err, tc.err) {
				return
			}
			sameAs(t, got, tc.want)
		})
	}
}

func TestNormalizeSysctl(t *testing.T) {
	for in, want := range map[string]string{
		"net.ipv4.conf.eno2/100.rp_filter": "net.ipv4.conf.eno2/100.rp_filter",
		"net/ipv4/conf/eno2.100/rp_filter": "net.ipv4.conf.eno2/100.rp_filter",
		"kernel":                           "kernel",
	} {
		if got := normalizeSysctl(in); got != want {
			t.Errorf("normalizeSysctl(%q) = %q, want %q", in, got, want)
		}
	}
}
