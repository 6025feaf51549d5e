package kubelet

import (
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
)

// event records an event about the pod, or about one of its containers
// (fieldPath spec.containers{name}, as `kubectl describe` shows them).
func (a *Agent) event(pod *corev1.Pod, container, typ, reason, msg string) {
	ref := &corev1.ObjectReference{
		Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
		ResourceVersion: pod.ResourceVersion,
	}
	if container != "" {
		ref.FieldPath = containerFieldPath(pod, container)
	}
	a.rec.Event(ref, typ, reason, msg)
}

func containerFieldPath(pod *corev1.Pod, name string) string {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return "spec.initContainers{" + name + "}"
		}
	}
	return "spec.containers{" + name + "}"
}

// grpcMessage is the runtime's own message of a CRI error, without the
// client's wrapping; users see it in statuses and events.
func grpcMessage(err error) string {
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		return se.GRPCStatus().Message()
	}
	return err.Error()
}

func isNotFound(err error) bool {
	return err != nil && status.Code(err) == codes.NotFound
}
