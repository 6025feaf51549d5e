package agent

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/skiff/skiff/internal/kubelet"
	"github.com/skiff/skiff/internal/kubelet/criconfig"
	"github.com/skiff/skiff/internal/kubelet/node"
	"github.com/skiff/skiff/internal/kubelet/probe"
	"github.com/skiff/skiff/internal/kubelet/runtime"
	"github.com/skiff/skiff/internal/kubelet/volume"
)

// The kubelet core names what it needs as small interfaces so that each
// part can be tested alone; these adapters plug the real packages in.

// podConfigs is kubelet.PodConfigs on package criconfig.
type podConfigs struct {
	objs    envObjects
	node    *node.Node
	runtime *runtime.Client
}

func (p podConfigs) Sandbox(pod *corev1.Pod, o kubelet.SandboxOptions) (*criapi.PodSandboxConfig, error) {
	return criconfig.Sandbox(pod, criconfig.SandboxOptions{LogDirectory: o.LogDirectory, Hostname: o.Hostname, PodCIDRs: o.PodCIDRs})
}

func (p podConfigs) Container(pod *corev1.Pod, c *corev1.Container, o kubelet.ContainerOptions) (*criapi.ContainerConfig, error) {
	mounts := make(map[string]criconfig.Mount, len(o.Volumes))
	for name, m := range o.Volumes {
		mounts[name] = criconfig.Mount{HostPath: m.HostPath, ReadOnly: m.ReadOnly}
	}
	return criconfig.Container(pod, c, criconfig.ContainerOptions{
		Volumes: mounts, Env: o.Env, RestartCount: o.RestartCount, LogPath: o.LogPath,
		TerminationLogPath: o.TerminationLogPath, EtcHostsPath: o.EtcHostsPath, Image: o.Image,
		ImageUser: p.imageUser(o.Image), NodeAllocatable: p.node.Allocatable(),
	})
}

// imageUser reads the user an image runs as, so that runAsNonRoot can be
// checked as the kubelet checks it; nil (unknown) counts as root.
func (p podConfigs) imageUser(ref string) *criconfig.ImageUser {
	img, err := p.runtime.ImageStatus(context.Background(), ref)
	if err != nil || img == nil {
		return nil
	}
	u := &criconfig.ImageUser{Username: img.Username}
	if img.Uid != nil {
		uid := img.Uid.Value
		u.UID = &uid
	}
	return u
}

func (p podConfigs) ResolveEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container, nodeIP string, podIPs []string) ([]corev1.EnvVar, error) {
	return criconfig.ResolveEnv(ctx, p.objs, pod, c, nodeIP, podIPs)
}

func (p podConfigs) QOSClass(pod *corev1.Pod) corev1.PodQOSClass { return criconfig.QOSClass(pod) }

// envObjects reads the ConfigMaps and Secrets a container's env names,
// and the node's allocatable for resourceFieldRefs to unset limits.
type envObjects struct {
	client kubernetes.Interface
	node   *node.Node
}

func (e envObjects) ConfigMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	return e.client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
}

func (e envObjects) Secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	return e.client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (e envObjects) NodeAllocatable() corev1.ResourceList { return e.node.Allocatable() }

// volumes is kubelet.Volumes on package volume.
type volumes struct{ m *volume.Manager }

func (v volumes) Setup(ctx context.Context, pod *corev1.Pod) (map[string]kubelet.Mount, error) {
	got, err := v.m.Setup(ctx, pod)
	if err != nil {
		return nil, err
	}
	out := make(map[string]kubelet.Mount, len(got))
	for name, m := range got {
		out[name] = kubelet.Mount{HostPath: m.HostPath, ReadOnly: m.ReadOnly}
	}
	return out, nil
}

func (v volumes) Teardown(ctx context.Context, uid types.UID) error { return v.m.Teardown(ctx, uid) }
func (v volumes) PodDirs() ([]types.UID, error)                     { return v.m.PodDirs() }

// probes is kubelet.Probes on package probe.
type probes struct {
	m  *probe.Manager
	rt probe.Runtime
}

func newProbes(rt probe.Runtime) func(rec record.EventRecorder, onChange func(types.UID)) kubelet.Probes {
	return func(rec record.EventRecorder, onChange func(types.UID)) kubelet.Probes {
		return probes{m: probe.NewManager(rt, rec, onChange), rt: rt}
	}
}

func (p probes) Run(ctx context.Context) { p.m.Run(ctx) }

func (p probes) Sync(uid types.UID, running []kubelet.ProbeTarget) {
	targets := make([]probe.Target, len(running))
	for i, t := range running {
		targets[i] = probe.Target{Pod: t.Pod, PodIP: t.PodIP, Container: t.Container, ContainerID: t.ContainerID, StartedAt: t.StartedAt}
	}
	p.m.Sync(uid, targets)
}

func (p probes) Remove(uid types.UID)                         { p.m.Remove(uid) }
func (p probes) Ready(uid types.UID, container string) bool   { return p.m.Ready(uid, container) }
func (p probes) Started(uid types.UID, container string) bool { return p.m.Started(uid, container) }
func (p probes) LivenessFailed(uid types.UID, c string) (string, string, bool) {
	return p.m.LivenessFailed(uid, c)
}

func (p probes) RunHandler(ctx context.Context, podIP, containerID string, h *corev1.LifecycleHandler) (string, error) {
	return probe.RunHandler(ctx, p.rt, podIP, containerID, h)
}

// execSync is probe.Runtime on the CRI client.
type execSync struct{ c *runtime.Client }

func (e execSync) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) ([]byte, []byte, int32, error) {
	resp, err := e.c.ExecSync(ctx, id, cmd, timeout)
	if err != nil {
		return nil, nil, 0, err
	}
	return resp.Stdout, resp.Stderr, resp.ExitCode, nil
}
