package scheduler

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// assumeAndBind records the decision in the cache at once, so the next
// cycle sees the room taken, and binds in the background.
func (s *Scheduler) assumeAndBind(ctx context.Context, qp *queuedPod, node string) {
	pod := qp.pod
	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = node
	if err := s.cache.AssumePod(assumed); err != nil {
		s.log.Error("assume pod", "pod", klogRef(pod), "err", err)
		s.queue.Retry(qp)
		return
	}
	s.nominator.remove(pod)
	s.goAsync(ctx, func(ctx context.Context) {
		if err := s.bind(ctx, pod, node); err != nil {
			s.cache.ForgetPod(assumed)
			s.queue.Retry(qp)
			s.log.Info("binding failed", "pod", klogRef(pod), "node", node, "err", err)
			if !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				s.recorder.Eventf(pod, v1.EventTypeWarning, "FailedScheduling", "Binding rejected: %v", err)
			}
			return
		}
		s.queue.Done(qp)
		s.recorder.Eventf(pod, v1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, node)
	})
}

// bind POSTs pods/binding, naming the pod's UID so that a pod deleted and
// re-created under the same name is not bound by mistake.
func (s *Scheduler) bind(ctx context.Context, pod *v1.Pod, node string) error {
	b := &v1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     v1.ObjectReference{Kind: "Node", Name: node},
	}
	if err := s.client.CoreV1().Pods(pod.Namespace).Bind(ctx, b, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("bind %s/%s to %s: %w", pod.Namespace, pod.Name, node, err)
	}
	return nil
}

func klogRef(pod *v1.Pod) string { return pod.Namespace + "/" + pod.Name }
