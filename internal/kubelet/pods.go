package kubelet

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/skiff/skiff/internal/kubelet/server"
)

var _ server.Pods = (*Agent)(nil)

// Container finds the container instance that logs, exec and attach mean,
// by the pod's reported status as the kubelet does: the current instance
// (running, or the one that last ran while the next waits), or with
// previous, the one the status shows as lastState.
func (a *Agent) Container(ctx context.Context, namespace, name, container string, previous bool) (server.ContainerInfo, error) {
	pod, err := a.cachedPod(namespace, name)
	if err != nil {
		return server.ContainerInfo{}, err
	}
	if specOf(pod, container) == nil {
		return server.ContainerInfo{}, fmt.Errorf("container %q is not in pod %q: %w", container, name, server.ErrNotFound)
	}
	cs := findStatus(pod.Status.ContainerStatuses, container)
	if cs == nil {
		cs = findStatus(pod.Status.InitContainerStatuses, container)
	}
	if cs == nil {
		return server.ContainerInfo{}, nil
	}
	id := currentID(cs)
	if previous {
		id = ""
		if t := cs.LastTerminationState.Terminated; t != nil {
			id = t.ContainerID
		}
	}
	id = strings.TrimPrefix(id, runtimeName+"://")
	if id == "" {
		return server.ContainerInfo{}, nil
	}
	st, err := a.rt.ContainerStatus(ctx, id)
	if isNotFound(err) {
		return server.ContainerInfo{}, fmt.Errorf("container %q of pod %q was removed: %w", container, name, server.ErrNotFound)
	}
	if err != nil {
		return server.ContainerInfo{}, err
	}
	return server.ContainerInfo{ID: id, LogPath: st.LogPath, Running: st.State == criapi.ContainerState_CONTAINER_RUNNING}, nil
}

// currentID is the instance a status calls current: running or
// terminated, else (waiting to restart) the last one that ran.
func currentID(cs *corev1.ContainerStatus) string {
	switch {
	case cs.State.Running != nil:
		return cs.ContainerID
	case cs.State.Terminated != nil && cs.State.Terminated.ContainerID != "":
		return cs.State.Terminated.ContainerID
	case cs.LastTerminationState.Terminated != nil:
		return cs.LastTerminationState.Terminated.ContainerID
	}
	return ""
}

// Sandbox returns the ready sandbox of a pod (for port-forward).
func (a *Agent) Sandbox(ctx context.Context, namespace, name string) (string, error) {
	pod, err := a.cachedPod(namespace, name)
	if err != nil {
		return "", err
	}
	sbs, err := a.rt.ListPodSandbox(ctx, &criapi.PodSandboxFilter{
		LabelSelector: map[string]string{labelPodUID: string(pod.UID)},
		State:         &criapi.PodSandboxStateValue{State: criapi.PodSandboxState_SANDBOX_READY},
	})
	if err != nil {
		return "", err
	}
	if len(sbs) == 0 {
		return "", fmt.Errorf("pod %q has no running sandbox: %w", name, server.ErrNotFound)
	}
	newest := slices.MaxFunc(sbs, func(x, y *criapi.PodSandbox) int { return cmp.Compare(x.CreatedAt, y.CreatedAt) })
	return newest.Id, nil
}

func (a *Agent) cachedPod(namespace, name string) (*corev1.Pod, error) {
	pod, err := a.lister.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("pod %q does not exist on this node: %w", name, server.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return pod, nil
}
