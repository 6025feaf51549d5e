package kubelet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusRetries bounds the writes of one status that lose to other writers.
const statusRetries = 5

// knownStatus is the pod's status as the agent knows it: what it wrote
// last (the cache may not have caught up yet), with the conditions others
// own taken from the cache.
func (a *Agent) knownStatus(w *podWorker, pod *corev1.Pod) corev1.PodStatus {
	if w.written == nil {
		return *pod.Status.DeepCopy()
	}
	st := *w.written.DeepCopy()
	st.Conditions = withForeignConditions(st.Conditions, pod.Status.Conditions)
	return st
}

// withForeignConditions is the kubelet's conditions of mine followed by the
// conditions of others from theirs.
func withForeignConditions(mine, theirs []corev1.PodCondition) []corev1.PodCondition {
	out := make([]corev1.PodCondition, 0, len(mine)+len(theirs))
	for _, c := range mine {
		if kubeletCondition(c.Type) {
			out = append(out, c)
		}
	}
	for _, c := range theirs {
		if !kubeletCondition(c.Type) {
			out = append(out, c)
		}
	}
	return out
}

// writeStatus writes st unless it equals old (what the API has, as far as
// the agent knows). A conflict is retried on a fresh read of the pod,
// keeping the other writers' conditions; a pod gone, or replaced by
// another of the same name, is not written.
func (a *Agent) writeStatus(ctx context.Context, w *podWorker, pod *corev1.Pod, old, st corev1.PodStatus) error {
	if equality.Semantic.DeepEqual(old, st) {
		return nil
	}
	obj := pod.DeepCopy()
	if w.base != nil && w.base.UID == pod.UID {
		// The resourceVersion of the agent's last write is newer than the
		// cache's until the cache catches up.
		obj.ResourceVersion = w.base.ResourceVersion
	}
	obj.Status = st
	pods := a.cfg.Client.CoreV1().Pods(pod.Namespace)
	for range statusRetries {
		out, err := pods.UpdateStatus(ctx, obj, metav1.UpdateOptions{})
		switch {
		case err == nil:
			w.written, w.base = &st, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: out.UID, ResourceVersion: out.ResourceVersion}}
			return nil
		case apierrors.IsNotFound(err):
			return nil
		case !apierrors.IsConflict(err):
			return fmt.Errorf("pod %s status: %w", podKey(pod), err)
		}
		fresh, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("pod %s status: %w", podKey(pod), err)
		}
		if fresh.UID != pod.UID {
			return nil
		}
		obj = fresh
		if terminalPhase(fresh.Status.Phase) {
			st.Phase = fresh.Status.Phase // a terminal phase is final
		}
		st.Conditions = withForeignConditions(st.Conditions, fresh.Status.Conditions)
		obj.Status = st
	}
	return fmt.Errorf("pod %s status: still conflicting after %d tries", podKey(pod), statusRetries)
}
