package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// maxRetries is how often a probe that errored (could not be run at all)
// is tried again at once before the attempt counts as an error.
const maxRetries = 3

// target is what a worker needs of one running container, copied from a
// Target so that the caller may change its objects afterwards.
type target struct {
	podUID      types.UID
	ref         *corev1.ObjectReference // the container, for events
	podIP       string
	container   *corev1.Container
	containerID string
	startedAt   time.Time
}

func newTarget(podUID types.UID, t Target) *target {
	started := t.StartedAt
	if started.IsZero() {
		started = time.Now()
	}
	return &target{
		podUID: podUID, ref: containerRef(t.Pod, t.Container.Name), podIP: t.PodIP,
		container: t.Container.DeepCopy(), containerID: t.ContainerID, startedAt: started,
	}
}

// prober runs single probes.
type prober struct {
	rt        Runtime
	transport http.RoundTripper
	agent     string
}

// probe runs spec against t once, retrying a probe that could not be run
// at all, and classifies the outcome.
func (p *prober) probe(ctx context.Context, spec *corev1.Probe, t *target, timeout time.Duration) (result, string, error) {
	var (
		res result
		out string
		err error
	)
	for range maxRetries {
		if res, out, err = p.once(ctx, spec, t, timeout); err == nil || ctx.Err() != nil {
			break
		}
	}
	return res, out, err
}

func (p *prober) once(ctx context.Context, spec *corev1.Probe, t *target, timeout time.Duration) (result, string, error) {
	h := &spec.ProbeHandler
	switch {
	case h.HTTPGet != nil:
		req, err := newHTTPRequest(ctx, h.HTTPGet, t.podIP, t.container, p.agent)
		if err != nil {
			return unknown, "", err
		}
		// The client's own timeout, not a context deadline, so that the
		// message says what timed out, as the kubelet's does.
		return probeHTTP(newHTTPClient(p.transport, timeout), req)
	case h.TCPSocket != nil:
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return probeTCP(ctx, h.TCPSocket, t.podIP, t.container)
	case h.Exec != nil:
		return probeExec(ctx, p.rt, h.Exec, t.container, t.containerID, timeout)
	case h.GRPC != nil:
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return probeGRPC(ctx, h.GRPC, t.podIP, timeout)
	}
	return unknown, "", errors.New("probe has no handler (exec, httpGet, tcpSocket or grpc)")
}

// containerRef names a container of a pod as the kubelet's events do, so
// that `kubectl describe pod` lists them and says which container.
func containerRef(pod *corev1.Pod, name string) *corev1.ObjectReference {
	ref := &corev1.ObjectReference{Kind: "Pod", APIVersion: "v1"}
	if pod == nil {
		return ref
	}
	ref.Namespace, ref.Name, ref.UID, ref.ResourceVersion = pod.Namespace, pod.Name, pod.UID, pod.ResourceVersion
	ref.FieldPath = fmt.Sprintf("spec.containers{%s}", name)
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			ref.FieldPath = fmt.Sprintf("spec.initContainers{%s}", name)
		}
	}
	return ref
}
