package criconfig

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Labels the kubelet puts on sandboxes and containers; the runtime returns
// them in List calls, which is how an agent finds its pods again.
const (
	LabelPodName       = "io.kubernetes.pod.name"
	LabelPodNamespace  = "io.kubernetes.pod.namespace"
	LabelPodUID        = "io.kubernetes.pod.uid"
	LabelContainerName = "io.kubernetes.container.name"
)

// Container annotations, with the kubelet's keys: what an agent that
// restarts needs to know of a container it did not create.
const (
	AnnotationHash                      = "io.kubernetes.container.hash"
	AnnotationRestartCount              = "io.kubernetes.container.restartCount"
	AnnotationTerminationMessagePath    = "io.kubernetes.container.terminationMessagePath"
	AnnotationTerminationMessagePolicy  = "io.kubernetes.container.terminationMessagePolicy"
	AnnotationPreStopHandler            = "io.kubernetes.container.preStopHandler"
	AnnotationContainerPorts            = "io.kubernetes.container.ports"
	AnnotationPodTerminationGracePeriod = "io.kubernetes.pod.terminationGracePeriod"
	AnnotationPodDeletionGracePeriod    = "io.kubernetes.pod.deletionGracePeriod"
)

// ContainerOptions is what the caller knows of a container's surroundings.
type ContainerOptions struct {
	// Volumes are the pod's volumes on the host by name (package volume).
	Volumes map[string]Mount
	// Env is the container's resolved environment (ResolveEnv); command,
	// args and subPathExpr are expanded from it.
	Env []corev1.EnvVar
	// RestartCount is the CRI attempt and the restartCount annotation.
	RestartCount int
	// LogPath is the log file relative to the sandbox's LogDirectory.
	LogPath string
	// TerminationLogPath is the host file mounted at the container's
	// terminationMessagePath; empty mounts none.
	TerminationLogPath string
	// EtcHostsPath is the pod's hosts file, mounted at /etc/hosts unless
	// the pod is on the node's network or mounts its own; empty mounts none.
	EtcHostsPath string
	// Image is the resolved image reference or ID to run.
	Image string

	// ImageUser is the image's user from the runtime's ImageStatus; nil
	// means unknown. It decides runAsNonRoot without runAsUser (unknown
	// counts as root, so such a container is refused) and gives
	// runAsGroup the user it needs.
	ImageUser *ImageUser
	// NodeAllocatable is the node's allocatable resources; its memory
	// scales a Burstable container's oom_score_adj as the kubelet's
	// formula does (skiff reserves nothing, so it equals capacity). Without
	// it Burstable containers get 999.
	NodeAllocatable corev1.ResourceList
	// SeccompProfileRoot is the directory of Localhost seccomp profiles;
	// empty refuses them.
	SeccompProfileRoot string
}

// Container translates container c of pod into the CRI config to create it
// with. The error says why it cannot run as asked (the kubelet's
// CreateContainerConfigError).
func Container(pod *corev1.Pod, c *corev1.Container, o ContainerOptions) (*criapi.ContainerConfig, error) {
	if o.Image == "" {
		return nil, fmt.Errorf("container %q: no image to run", c.Name)
	}
	mounts, err := containerMounts(pod, c, o)
	if err != nil {
		return nil, err
	}
	var nodeMemory int64
	if q, ok := o.NodeAllocatable[corev1.ResourceMemory]; ok {
		nodeMemory = q.Value()
	}
	res, err := containerResources(pod, c, nodeMemory)
	if err != nil {
		return nil, err
	}
	sec, err := containerSecurity(pod, c, o.ImageUser, o.SeccompProfileRoot)
	if err != nil {
		return nil, err
	}
	annotations, err := containerAnnotations(pod, c, o.RestartCount)
	if err != nil {
		return nil, err
	}
	lookup := envLookup(o.Env)
	return &criapi.ContainerConfig{
		Metadata: &criapi.ContainerMetadata{Name: c.Name, Attempt: uint32(o.RestartCount)},
		Image:    &criapi.ImageSpec{Image: o.Image, UserSpecifiedImage: c.Image},
		// command replaces the image's ENTRYPOINT and args its CMD; the
		// runtime applies that rule to what is set and what is not.
		Command:     expandAll(c.Command, lookup),
		Args:        expandAll(c.Args, lookup),
		WorkingDir:  c.WorkingDir,
		Envs:        keyValues(o.Env),
		Mounts:      mounts,
		Labels:      containerLabels(pod, c),
		Annotations: annotations,
		LogPath:     o.LogPath,
		Stdin:       c.Stdin,
		StdinOnce:   c.StdinOnce,
		Tty:         c.TTY,
		Linux:       &criapi.LinuxContainerConfig{Resources: res, SecurityContext: sec},
	}, nil
}

func keyValues(env []corev1.EnvVar) []*criapi.KeyValue {
	out := make([]*criapi.KeyValue, 0, len(env))
	for _, e := range env {
		out = append(out, &criapi.KeyValue{Key: e.Name, Value: e.Value})
	}
	return out
}

func containerLabels(pod *corev1.Pod, c *corev1.Container) map[string]string {
	return map[string]string{
		LabelPodName:       pod.Name,
		LabelPodNamespace:  pod.Namespace,
		LabelPodUID:        string(pod.UID),
		LabelContainerName: c.Name,
	}
}

func containerAnnotations(pod *corev1.Pod, c *corev1.Container, restartCount int) (map[string]string, error) {
	path := c.TerminationMessagePath
	if path == "" {
		path = DefaultTerminationMessagePath
	}
	policy := c.TerminationMessagePolicy
	if policy == "" {
		policy = corev1.TerminationMessageReadFile
	}
	a := map[string]string{
		AnnotationHash:                     ContainerHash(c),
		AnnotationRestartCount:             strconv.Itoa(restartCount),
		AnnotationTerminationMessagePath:   path,
		AnnotationTerminationMessagePolicy: string(policy),
	}
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		a[AnnotationPodTerminationGracePeriod] = strconv.FormatInt(*g, 10)
	}
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		a[AnnotationPodDeletionGracePeriod] = strconv.FormatInt(*g, 10)
	}
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		data, err := json.Marshal(c.Lifecycle.PreStop)
		if err != nil {
			return nil, fmt.Errorf("container %q: preStop: %w", c.Name, err)
		}
		a[AnnotationPreStopHandler] = string(data)
	}
	if len(c.Ports) > 0 {
		data, err := json.Marshal(c.Ports)
		if err != nil {
			return nil, fmt.Errorf("container %q: ports: %w", c.Name, err)
		}
		a[AnnotationContainerPorts] = string(data)
	}
	return a, nil
}

// ContainerHash identifies the parts of a container's spec that, changed,
// need a new container: its name and image, the only ones a pod update can
// change in place (resources aside, which are resized, not restarted). The
// kubelet hashes the same fields for the same reason.
func ContainerHash(c *corev1.Container) string {
	data, _ := json.Marshal(struct {
		Name  string `json:"name"`
		Image string `json:"image"`
	}{c.Name, c.Image}) // cannot fail: two strings
	h := fnv.New64a()
	h.Write(data)
	return strconv.FormatUint(h.Sum64(), 16)
}
