package kubelet

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Runtime is the part of the CRI the agent uses; *runtime.Client is one.
// Errors wrap the gRPC status of the runtime.
type Runtime interface {
	RunPodSandbox(ctx context.Context, cfg *criapi.PodSandboxConfig, handler string) (string, error)
	StopPodSandbox(ctx context.Context, id string) error
	RemovePodSandbox(ctx context.Context, id string) error
	PodSandboxStatus(ctx context.Context, id string) (*criapi.PodSandboxStatus, error)
	ListPodSandbox(ctx context.Context, filter *criapi.PodSandboxFilter) ([]*criapi.PodSandbox, error)
	CreateContainer(ctx context.Context, sandboxID string, cfg *criapi.ContainerConfig, sandboxCfg *criapi.PodSandboxConfig) (string, error)
	StartContainer(ctx context.Context, id string) error
	// StopContainer signals the container and kills it after timeout.
	StopContainer(ctx context.Context, id string, timeout time.Duration) error
	RemoveContainer(ctx context.Context, id string) error
	ContainerStatus(ctx context.Context, id string) (*criapi.ContainerStatus, error)
	ListContainers(ctx context.Context, filter *criapi.ContainerFilter) ([]*criapi.Container, error)
	// PullImage returns the image reference the runtime stored.
	PullImage(ctx context.Context, ref string, auth *criapi.AuthConfig, sandboxCfg *criapi.PodSandboxConfig) (string, error)
	// ImageStatus returns nil and no error for an image the runtime lacks.
	ImageStatus(ctx context.Context, ref string) (*criapi.Image, error)
}

// Mount is one pod volume on the host (criconfig.Mount).
type Mount struct {
	HostPath string
	ReadOnly bool
}

// SandboxOptions are the agent's inputs to a sandbox config
// (criconfig.SandboxOptions).
type SandboxOptions struct {
	// LogDirectory is DIR/logs/<namespace>_<pod>_<uid>.
	LogDirectory string
	// Hostname is spec.hostname; empty means the pod's name.
	Hostname string
	PodCIDRs []string
}

// ContainerOptions are the agent's inputs to a container config
// (criconfig.ContainerOptions).
type ContainerOptions struct {
	Volumes map[string]Mount
	// Env is the container's environment, already resolved (ResolveEnv).
	Env          []corev1.EnvVar
	RestartCount int
	// LogPath is relative to the sandbox's LogDirectory:
	// "<container>/<restartCount>.log".
	LogPath string
	// TerminationLogPath is the host file mounted at the container's
	// terminationMessagePath; empty when the container has none.
	TerminationLogPath string
	// EtcHostsPath is the host file to mount at /etc/hosts.
	EtcHostsPath string
	// Image is the image ID to run (the runtime's reference).
	Image string
}

// PodConfigs makes CRI configs from pods: package criconfig behind a thin
// adapter. The configs it returns must carry the pod labels
// (io.kubernetes.pod.uid, .name, .namespace) and, for containers,
// io.kubernetes.container.name; the agent adds any that are missing,
// because it finds a pod's sandboxes and containers by them.
type PodConfigs interface {
	Sandbox(pod *corev1.Pod, o SandboxOptions) (*criapi.PodSandboxConfig, error)
	Container(pod *corev1.Pod, c *corev1.Container, o ContainerOptions) (*criapi.ContainerConfig, error)
	// ResolveEnv resolves env and envFrom (configMap, secret, fieldRef,
	// resourceFieldRef). Its error becomes the container's
	// CreateContainerConfigError message, so it is worded for users
	// (`configmap "x" not found`).
	ResolveEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container, nodeIP string, podIPs []string) ([]corev1.EnvVar, error)
	QOSClass(pod *corev1.Pod) corev1.PodQOSClass
}

// Volumes sets up and tears down pod volumes (package volume).
type Volumes interface {
	// Setup makes or refreshes every volume of the pod; idempotent, called
	// on every sync of a running pod.
	Setup(ctx context.Context, pod *corev1.Pod) (map[string]Mount, error)
	// Teardown unmounts and removes the pod's volumes.
	Teardown(ctx context.Context, podUID types.UID) error
	// PodDirs lists the pods that have volume directories, so the agent
	// can tear down those of pods that are gone.
	PodDirs() ([]types.UID, error)
}

// ProbeTarget is a running container to probe (probe.Target).
type ProbeTarget struct {
	Pod         *corev1.Pod
	PodIP       string
	Container   *corev1.Container
	ContainerID string
	StartedAt   time.Time
}

// Probes runs liveness, readiness and startup probes and lifecycle hooks
// (package probe). It calls the onChange it was made with when a result
// changes, and the agent then syncs that pod.
type Probes interface {
	// Run runs the probe workers until ctx ends.
	Run(ctx context.Context)
	// Sync tells which containers of the pod run now; probing of others stops.
	Sync(podUID types.UID, running []ProbeTarget)
	Remove(podUID types.UID)
	// Ready is the container's readiness (true without a readiness probe
	// once started).
	Ready(podUID types.UID, container string) bool
	// Started is true once the startup probe passed (at once without one).
	Started(podUID types.UID, container string) bool
	// LivenessFailed reports a container whose liveness (or startup)
	// probe failed, so the agent restarts it: the ID of the container
	// instance that failed and the Killing event's message ("" for the
	// agent's default "Container X failed liveness probe, will be
	// restarted").
	LivenessFailed(podUID types.UID, container string) (containerID, msg string, failed bool)
	// RunHandler runs a postStart or preStop handler (exec, httpGet,
	// sleep) and returns a message for the FailedPostStartHook or
	// FailedPreStopHook event when it fails.
	RunHandler(ctx context.Context, podIP, containerID string, h *corev1.LifecycleHandler) (msg string, err error)
}
