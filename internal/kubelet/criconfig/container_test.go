package criconfig

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

func TestContainer(t *testing.T) {
	pod := testPod(func(p *corev1.Pod) {
		p.Spec.TerminationGracePeriodSeconds = ptr.To[int64](30)
		p.Spec.Containers[0] = corev1.Container{
			Name: "app", Image: "docker.io/library/busybox:1.36",
			Command:      []string{"sh", "-c", "echo $(GREETING) $$(HOME) $(NOPE)"},
			Args:         []string{"--name=$(POD)"},
			WorkingDir:   "/work",
			Ports:        []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
			Resources:    resources("cpu=250m,memory=64Mi", "cpu=500m,memory=128Mi"),
			VolumeMounts: []corev1.VolumeMount{{Name: "cfg", MountPath: "/etc/app", ReadOnly: true}},
			Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
				Exec: &corev1.ExecAction{Command: []string{"sleep", "1"}}}},
			TerminationMessagePath:   "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			Stdin:                    true, TTY: true,
		}
	})
	o := ContainerOptions{
		Volumes:            map[string]Mount{"cfg": {HostPath: "/d/pods/u-1/volumes/cfg"}},
		Env:                []corev1.EnvVar{{Name: "GREETING", Value: "hi"}, {Name: "POD", Value: "web"}},
		RestartCount:       3,
		LogPath:            "app/3.log",
		TerminationLogPath: "/d/pods/u-1/containers/app/3-termination-log",
		EtcHostsPath:       "/d/pods/u-1/etc-hosts",
		Image:              "sha256:abc",
		NodeAllocatable:    list("memory=1Gi"),
	}
	got, err := Container(pod, &pod.Spec.Containers[0], o)
	if err != nil {
		t.Fatal(err)
	}
	want := &criapi.ContainerConfig{
		Metadata:   &criapi.ContainerMetadata{Name: "app", Attempt: 3},
		Image:      &criapi.ImageSpec{Image: "sha256:abc", UserSpecifiedImage: "docker.io/library/busybox:1.36"},
		Command:    []string{"sh", "-c", "echo hi $(HOME) $(NOPE)"},
		Args:       []string{"--name=web"},
		WorkingDir: "/work",
		Envs:       []*criapi.KeyValue{{Key: "GREETING", Value: "hi"}, {Key: "POD", Value: "web"}},
		Mounts: []*criapi.Mount{
			{ContainerPath: "/etc/app", HostPath: "/d/pods/u-1/volumes/cfg", Readonly: true},
			{ContainerPath: "/etc/hosts", HostPath: "/d/pods/u-1/etc-hosts"},
			{ContainerPath: "/dev/termination-log", HostPath: "/d/pods/u-1/containers/app/3-termination-log"},
		},
		Labels: map[string]string{LabelPodName: "web", LabelPodNamespace: "ns", LabelPodUID: "u-1", LabelContainerName: "app"},
		Annotations: map[string]string{
			AnnotationHash:                      ContainerHash(&pod.Spec.Containers[0]),
			AnnotationRestartCount:              "3",
			AnnotationTerminationMessagePath:    "/dev/termination-log",
			AnnotationTerminationMessagePolicy:  "FallbackToLogsOnError",
			AnnotationPodTerminationGracePeriod: "30",
			AnnotationPreStopHandler:            `{"exec":{"command":["sleep","1"]}}`,
			AnnotationContainerPorts:            `[{"name":"http","containerPort":8080,"protocol":"TCP"}]`,
		},
		LogPath: "app/3.log",
		Stdin:   true,
		Tty:     true,
		Linux: &criapi.LinuxContainerConfig{
			Resources: &criapi.LinuxContainerResources{CpuPeriod: 100000, CpuQuota: 50000, CpuShares: 256,
				MemoryLimitInBytes: 128 << 20, OomScoreAdj: 938},
			SecurityContext: &criapi.LinuxContainerSecurityContext{
				NamespaceOptions: &criapi.NamespaceOption{Network: criapi.NamespaceMode_POD, Pid: criapi.NamespaceMode_CONTAINER, Ipc: criapi.NamespaceMode_POD},
				MaskedPaths:      defaultMaskedPaths, ReadonlyPaths: defaultReadonlyPaths,
				Seccomp: &criapi.SecurityProfile{ProfileType: criapi.SecurityProfile_Unconfined},
			},
		},
	}
	sameAs(t, got, want)
}

func TestContainerErrors(t *testing.T) {
	pod := testPod()
	cases := []struct {
		name string
		o    ContainerOptions
		mut  func(*corev1.Container)
		err  string
	}{
		{"no image", ContainerOptions{}, nil, `container "app": no image to run`},
		{"missing volume", ContainerOptions{Image: "x"}, func(c *corev1.Container) {
			c.VolumeMounts = []corev1.VolumeMount{{Name: "v", MountPath: "/v"}}
		}, `cannot find volume "v"`},
		{"runAsNonRoot", ContainerOptions{Image: "x"}, func(c *corev1.Container) {
			c.SecurityContext = &corev1.SecurityContext{RunAsNonRoot: ptr.To(true)}
		}, "container has runAsNonRoot and image will run as root"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := pod.Spec.Containers[0].DeepCopy()
			if tc.mut != nil {
				tc.mut(c)
			}
			_, err := Container(pod, c, tc.o)
			wantErr(t, err, tc.err)
		})
	}
}

func TestContainerHash(t *testing.T) {
	a := corev1.Container{Name: "app", Image: "busybox:1.36", Args: []string{"x"}}
	b := a
	b.Args = []string{"y"} // not a field a pod update can change
	c := a
	c.Image = "busybox:1.37"
	if ContainerHash(&a) != ContainerHash(&b) {
		t.Error("hash depends on args")
	}
	if ContainerHash(&a) == ContainerHash(&c) {
		t.Error("hash does not change with the image")
	}
}
