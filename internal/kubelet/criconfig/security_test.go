package criconfig

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

func TestContainerSecurity(t *testing.T) {
	podSC := func(sc corev1.PodSecurityContext) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.SecurityContext = &sc }
	}
	ctrSC := func(sc corev1.SecurityContext) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.Containers[0].SecurityContext = &sc }
	}
	base := func() *criapi.LinuxContainerSecurityContext {
		return &criapi.LinuxContainerSecurityContext{
			NamespaceOptions: &criapi.NamespaceOption{Network: criapi.NamespaceMode_POD, Pid: criapi.NamespaceMode_CONTAINER, Ipc: criapi.NamespaceMode_POD},
			MaskedPaths:      defaultMaskedPaths, ReadonlyPaths: defaultReadonlyPaths,
			Seccomp: &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Unconfined},
		}
	}
	with := func(f func(*criapi.LinuxContainerSecurityContext)) *criapi.LinuxContainerSecurityContext {
		sc := base()
		f(sc)
		return sc
	}
	uid := func(v int64) *criapi.Int64Value { return &criapi.Int64Value{Value: v} }
	cases := []struct {
		name      string
		mut       []func(*corev1.Pod)
		imageUser *ImageUser
		want      *criapi.LinuxContainerSecurityContext
		err       string
	}{{
		name: "defaults: unconfined seccomp, default masked paths, the runtime picks the user",
		want: base(),
	}, {
		name: "container overrides the pod's user and group",
		mut: []func(*corev1.Pod){podSC(corev1.PodSecurityContext{RunAsUser: ptr.To[int64](1), RunAsGroup: ptr.To[int64](2)}),
			ctrSC(corev1.SecurityContext{RunAsUser: ptr.To[int64](1000)})},
		want: with(func(s *criapi.LinuxContainerSecurityContext) { s.RunAsUser, s.RunAsGroup = uid(1000), uid(2) }),
	}, {
		name:      "the image's numeric user is set, so runAsGroup has a user",
		mut:       []func(*corev1.Pod){podSC(corev1.PodSecurityContext{RunAsGroup: ptr.To[int64](5)})},
		imageUser: &ImageUser{UID: ptr.To[int64](33)},
		want:      with(func(s *criapi.LinuxContainerSecurityContext) { s.RunAsUser, s.RunAsGroup = uid(33), uid(5) }),
	}, {
		name:      "the image's user name is passed on",
		imageUser: &ImageUser{Username: "www"},
		want:      with(func(s *criapi.LinuxContainerSecurityContext) { s.RunAsUsername = "www" }),
	}, {
		name:      "an image without a user runs as root",
		imageUser: &ImageUser{},
		want:      with(func(s *criapi.LinuxContainerSecurityContext) { s.RunAsUser = uid(0) }),
	}, {
		name: "runAsGroup with no user known is refused",
		mut:  []func(*corev1.Pod){podSC(corev1.PodSecurityContext{RunAsGroup: ptr.To[int64](5)})},
		err:  `container "app" sets runAsGroup without runAsUser, and the image's user is not known`,
	}, {
		name: "runAsNonRoot with runAsUser 0",
		mut:  []func(*corev1.Pod){ctrSC(corev1.SecurityContext{RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](0)})},
		err:  `container's runAsUser breaks non-root policy (pod: "web_ns(u-1)", container: app)`,
	}, {
		name: "runAsNonRoot with a non-root runAsUser",
		mut:  []func(*corev1.Pod){podSC(corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](7)})},
		want: with(func(s *criapi.LinuxContainerSecurityContext) { s.RunAsUser = uid(7) }),
	}, {
		name: "runAsNonRoot and an unknown image user counts as root",
		mut:  []func(*corev1.Pod){podSC(corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)})},
		err:  `container has runAsNonRoot and image will run as root (pod: "web_ns(u-1)", container: app)`,
	}, {
		name:      "runAsNonRoot and an image running as root",
		mut:       []func(*corev1.Pod){podSC(corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)})},
		imageUser: &ImageUser{UID: ptr.To[int64](0)},
		err:       "container has runAsNonRoot and image will run as root",
	}, {
		name:      "runAsNonRoot and an image with a user name cannot be verified",
		mut:       []func(*corev1.Pod){podSC(corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)})},
		imageUser: &ImageUser{Username: "nobody"},
		err:       "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root",
	}, {
		name:      "runAsNonRoot and an image with a numeric non-root user",
		mut:       []func(*corev1.Pod){podSC(corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)})},
		imageUser: &ImageUser{UID: ptr.To[int64](65534)},
		want:      with(func(s *criapi.LinuxContainerSecurityContext) { s.RunAsUser = uid(65534) }),
	}, {
		name: "capabilities lose a CAP_ prefix and are upper-cased; privileged; read-only root; no_new_privs",
		mut: []func(*corev1.Pod){ctrSC(corev1.SecurityContext{
			Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN", "cap_sys_time"}, Drop: []corev1.Capability{"ALL"}},
			Privileged:   ptr.To(true), ReadOnlyRootFilesystem: ptr.To(true), AllowPrivilegeEscalation: ptr.To(false),
		})},
		want: with(func(s *criapi.LinuxContainerSecurityContext) {
			s.Capabilities = &criapi.Capability{AddCapabilities: []string{"NET_ADMIN", "SYS_TIME"}, DropCapabilities: []string{"ALL"}}
			s.Privileged, s.ReadonlyRootfs, s.NoNewPrivs = true, true, true
		}),
	}, {
		name: "allowPrivilegeEscalation true leaves no_new_privs off",
		mut:  []func(*corev1.Pod){ctrSC(corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(true)})},
		want: base(),
	}, {
		name: "host namespaces, shared PID, fsGroup then supplemental groups, SELinux",
		mut: []func(*corev1.Pod){func(p *corev1.Pod) {
			p.Spec.HostNetwork, p.Spec.HostIPC, p.Spec.ShareProcessNamespace = true, true, ptr.To(true)
		}, podSC(corev1.PodSecurityContext{FSGroup: ptr.To[int64](2000), SupplementalGroups: []int64{3, 4},
			SupplementalGroupsPolicy: ptr.To(corev1.SupplementalGroupsPolicyMerge),
			SELinuxOptions:           &corev1.SELinuxOptions{Type: "spc_t"}})},
		want: with(func(s *criapi.LinuxContainerSecurityContext) {
			s.NamespaceOptions = &criapi.NamespaceOption{Network: criapi.NamespaceMode_NODE, Pid: criapi.NamespaceMode_POD, Ipc: criapi.NamespaceMode_NODE}
			s.SupplementalGroups = []int64{2000, 3, 4}
			s.SelinuxOptions = &criapi.SELinuxOption{Type: "spc_t"}
		}),
	}, {
		name: "hostPID",
		mut:  []func(*corev1.Pod){func(p *corev1.Pod) { p.Spec.HostPID = true }},
		want: with(func(s *criapi.LinuxContainerSecurityContext) { s.NamespaceOptions.Pid = criapi.NamespaceMode_NODE }),
	}, {
		name: "strict supplemental groups policy is refused",
		mut:  []func(*corev1.Pod){podSC(corev1.PodSecurityContext{SupplementalGroupsPolicy: ptr.To(corev1.SupplementalGroupsPolicyStrict)})},
		err:  "supplementalGroupsPolicy Strict is not supported",
	}, {
		name: "user namespaces are refused",
		mut:  []func(*corev1.Pod){func(p *corev1.Pod) { p.Spec.HostUsers = ptr.To(false) }},
		err:  "hostUsers: false",
	}, {
		name: "unmasked /proc is refused",
		mut:  []func(*corev1.Pod){ctrSC(corev1.SecurityContext{ProcMount: ptr.To(corev1.UnmaskedProcMount)})},
		err:  "unmasked /proc",
	}, {
		name: "pod seccomp RuntimeDefault, container keeps it",
		mut:  []func(*corev1.Pod){podSC(corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}})},
		want: with(func(s *criapi.LinuxContainerSecurityContext) {
			s.Seccomp = &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_RuntimeDefault}
		}),
	}, {
		name: "container seccomp Unconfined overrides the pod's",
		mut: []func(*corev1.Pod){podSC(corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}),
			ctrSC(corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}})},
		want: base(),
	}, {
		name: "Localhost seccomp needs the profile directory",
		mut: []func(*corev1.Pod){ctrSC(corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{
			Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("audit.json")}})},
		err: `seccomp profile "audit.json": this node has no directory of seccomp profiles`,
	}, {
		name: "AppArmor Unconfined is said to the runtime",
		mut:  []func(*corev1.Pod){podSC(corev1.PodSecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}})},
		want: with(func(s *criapi.LinuxContainerSecurityContext) {
			s.Apparmor = &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Unconfined}
		}),
	}, {
		name: "AppArmor RuntimeDefault cannot be enforced",
		mut:  []func(*corev1.Pod){ctrSC(corev1.SecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}})},
		err:  "Cannot enforce AppArmor: AppArmor is not enabled on the host",
	}, {
		name: "AppArmor by annotation",
		mut: []func(*corev1.Pod){func(p *corev1.Pod) {
			p.Annotations = map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "localhost/k8s-deny"}
		}},
		err: "Cannot enforce AppArmor",
	}, {
		name: "the container's Unconfined beats the pod's Localhost",
		mut: []func(*corev1.Pod){podSC(corev1.PodSecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: ptr.To("x")}}),
			ctrSC(corev1.SecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}})},
		want: with(func(s *criapi.LinuxContainerSecurityContext) {
			s.Apparmor = &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Unconfined}
		}),
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := testPod(tc.mut...)
			got, err := containerSecurity(pod, &pod.Spec.Containers[0], tc.imageUser, "")
			if wantErr(t, err, tc.err) {
				return
			}
			sameAs(t, got, tc.want)
		})
	}
}

func TestSeccompProfile(t *testing.T) {
	cases := []struct {
		name string
		p    *corev1.SeccompProfile
		root string
		want *criapi.SecurityProfile
		err  string
	}{
		{"none is unconfined", nil, "", &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Unconfined}, ""},
		{"localhost under the root", &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("p/a.json")},
			"/var/lib/skiff/seccomp", &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Localhost, LocalhostRef: "/var/lib/skiff/seccomp/p/a.json"}, ""},
		{"localhost escaping the root", &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("../a.json")},
			"/r", nil, "must be a relative path without '..'"},
		{"localhost without a profile", &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost}, "/r", nil, "localhostProfile must be set"},
		{"unknown type", &corev1.SeccompProfile{Type: "Odd"}, "", nil, `unknown seccomp profile type "Odd"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := seccompProfile(tc.p, tc.root)
			if wantErr(t, err, tc.err) {
				return
			}
			sameAs(t, got, tc.want)
		})
	}
}
