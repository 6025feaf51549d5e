package criconfig

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

func TestContainerMounts(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	for _, d := range []string{"data/logs/app", "data/real", "outside"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := filepath.EvalSymlinks(data) // subPaths come back resolved
	if err != nil {
		t.Fatal(err)
	}
	// A container could plant these in a shared volume.
	if err := os.Symlink(filepath.Join(root, "outside"), filepath.Join(data, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(data, "inside")); err != nil {
		t.Fatal(err)
	}
	opts := ContainerOptions{
		Volumes: map[string]Mount{"data": {HostPath: data}, "cfg": {HostPath: "/pods/u/volumes/cfg", ReadOnly: true}},
		Env:     []corev1.EnvVar{{Name: "POD", Value: "web-1"}, {Name: "EMPTY"}},
	}
	vm := func(m corev1.VolumeMount) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, m) }
	}
	privileged := func(p *corev1.Pod) {
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	}
	cases := []struct {
		name string
		mut  []func(*corev1.Pod)
		opts func(*ContainerOptions)
		want []*criapi.Mount
		err  string
	}{{
		name: "plain, read-only by mount or by volume",
		mut: []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/data"}),
			vm(corev1.VolumeMount{Name: "data", MountPath: "/ro", ReadOnly: true}),
			vm(corev1.VolumeMount{Name: "cfg", MountPath: "/etc/cfg"})},
		want: []*criapi.Mount{
			{ContainerPath: "/data", HostPath: data},
			{ContainerPath: "/ro", HostPath: data, Readonly: true},
			{ContainerPath: "/etc/cfg", HostPath: "/pods/u/volumes/cfg", Readonly: true},
		},
	}, {
		name: "subPath, existing and not yet existing",
		mut: []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/l", SubPath: "logs/app"}),
			vm(corev1.VolumeMount{Name: "data", MountPath: "/n", SubPath: "new/dir"})},
		want: []*criapi.Mount{
			{ContainerPath: "/l", HostPath: filepath.Join(data, "logs/app")},
			{ContainerPath: "/n", HostPath: filepath.Join(data, "new/dir")},
		},
	}, {
		name: "subPathExpr from the env",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/l", SubPathExpr: "logs/$(POD)"})},
		want: []*criapi.Mount{{ContainerPath: "/l", HostPath: filepath.Join(data, "logs/web-1")}},
	}, {
		name: "subPathExpr with an unset or empty variable",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/l", SubPathExpr: "$(NOPE)/$(EMPTY)"})},
		err:  "missing value for EMPTY, NOPE",
	}, {
		name: "a symlink inside the volume is resolved",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/i", SubPath: "inside/x"})},
		want: []*criapi.Mount{{ContainerPath: "/i", HostPath: filepath.Join(data, "real/x")}},
	}, {
		name: "a symlink out of the volume is refused",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/e", SubPath: "escape/etc"})},
		err:  `failed to prepare subPath for volumeMount "data" of container "app"`,
	}, {
		name: "absolute subPath",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/e", SubPath: "/etc"})},
		err:  "error SubPath `/etc` must not be an absolute path",
	}, {
		name: "subPath with ..",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/e", SubPathExpr: "a/../../$(POD)"})},
		err:  "unable to provision SubPath `a/../../web-1`: must not contain '..'",
	}, {
		name: "unknown volume",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "nope", MountPath: "/x"})},
		err:  `cannot find volume "nope" to mount into container "app"`,
	}, {
		name: "propagation",
		mut: []func(*corev1.Pod){privileged,
			vm(corev1.VolumeMount{Name: "data", MountPath: "/a", MountPropagation: ptr.To(corev1.MountPropagationNone)}),
			vm(corev1.VolumeMount{Name: "data", MountPath: "/b", MountPropagation: ptr.To(corev1.MountPropagationHostToContainer)}),
			vm(corev1.VolumeMount{Name: "data", MountPath: "/c", MountPropagation: ptr.To(corev1.MountPropagationBidirectional)})},
		want: []*criapi.Mount{
			{ContainerPath: "/a", HostPath: data},
			{ContainerPath: "/b", HostPath: data, Propagation: criapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER},
			{ContainerPath: "/c", HostPath: data, Propagation: criapi.MountPropagation_PROPAGATION_BIDIRECTIONAL},
		},
	}, {
		name: "Bidirectional needs a privileged container",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/c", MountPropagation: ptr.To(corev1.MountPropagationBidirectional)})},
		err:  "Bidirectional mount propagation is available only to privileged containers",
	}, {
		name: "recursive read-only if possible is read-only",
		mut: []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/a", ReadOnly: true,
			RecursiveReadOnly: ptr.To(corev1.RecursiveReadOnlyIfPossible)})},
		want: []*criapi.Mount{{ContainerPath: "/a", HostPath: data, Readonly: true}},
	}, {
		name: "recursive read-only is refused",
		mut: []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/a", ReadOnly: true,
			RecursiveReadOnly: ptr.To(corev1.RecursiveReadOnlyEnabled)})},
		err: "recursive read-only mount",
	}, {
		name: "hosts file and termination log come last",
		mut: []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "data", MountPath: "/data"}),
			func(p *corev1.Pod) { p.Spec.Containers[0].TerminationMessagePath = "/tmp/msg" }},
		opts: func(o *ContainerOptions) {
			o.EtcHostsPath, o.TerminationLogPath = "/pods/u/etc-hosts", "/pods/u/containers/app/0-termination-log"
		},
		want: []*criapi.Mount{
			{ContainerPath: "/data", HostPath: data},
			{ContainerPath: "/etc/hosts", HostPath: "/pods/u/etc-hosts"},
			{ContainerPath: "/tmp/msg", HostPath: "/pods/u/containers/app/0-termination-log"},
		},
	}, {
		name: "no hosts file on the node's network or over the container's own; default termination path",
		mut:  []func(*corev1.Pod){func(p *corev1.Pod) { p.Spec.HostNetwork = true }},
		opts: func(o *ContainerOptions) { o.EtcHostsPath, o.TerminationLogPath = "/pods/u/etc-hosts", "/t" },
		want: []*criapi.Mount{{ContainerPath: "/dev/termination-log", HostPath: "/t"}},
	}, {
		name: "a volume at /etc/hosts replaces the pod's hosts file",
		mut:  []func(*corev1.Pod){vm(corev1.VolumeMount{Name: "cfg", MountPath: "/etc/hosts", SubPath: "hosts"})},
		opts: func(o *ContainerOptions) {
			o.EtcHostsPath = "/pods/u/etc-hosts"
			o.Volumes = map[string]Mount{"cfg": {HostPath: data}}
		},
		want: []*criapi.Mount{{ContainerPath: "/etc/hosts", HostPath: filepath.Join(data, "hosts")}},
	}, {
		name: "volumeDevices are refused",
		mut: []func(*corev1.Pod){func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeDevices = []corev1.VolumeDevice{{Name: "blk", DevicePath: "/dev/xvda"}}
		}},
		err: "block volumes are not supported",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := testPod(tc.mut...)
			o := opts
			if tc.opts != nil {
				tc.opts(&o)
			}
			got, err := containerMounts(pod, &pod.Spec.Containers[0], o)
			if wantErr(t, err, tc.err) {
				return
			}
			sameAs(t, got, tc.want)
		})
	}
}
