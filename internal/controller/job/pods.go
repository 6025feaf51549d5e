package job

import (
	"slices"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// podClass is where a pod stands for its job.
type podClass int

const (
	podActive      podClass = iota // running or pending, not being deleted
	podTerminating                 // being deleted, not yet terminal
	podSucceeded
	podFailed
)

// classify places a pod. A pod being deleted counts as failed at once
// when the job replaces terminating pods (the default), as Kubernetes
// does; with podReplacementPolicy Failed or a pod failure policy it is
// only terminating until its phase says how it ended.
func classify(job *batchv1.Job, pod *corev1.Pod) podClass {
	switch {
	case pod.Status.Phase == corev1.PodSucceeded:
		return podSucceeded
	case pod.Status.Phase == corev1.PodFailed:
		return podFailed
	case pod.DeletionTimestamp == nil:
		return podActive
	case onlyReplaceFailed(job):
		return podTerminating
	}
	return podFailed
}

func onlyReplaceFailed(job *batchv1.Job) bool {
	return job.Spec.PodFailurePolicy != nil ||
		ptr.Deref(job.Spec.PodReplacementPolicy, batchv1.TerminatingOrFailed) == batchv1.Failed
}

func terminating(pod *corev1.Pod) bool {
	return pod.DeletionTimestamp != nil && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

func tracked(pod *corev1.Pod) bool {
	return slices.Contains(pod.Finalizers, batchv1.JobTrackingFinalizer)
}

func ready(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// completionIndex reads a pod's index, or -1.
func completionIndex(pod *corev1.Pod) int {
	v, ok := pod.Annotations[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		v, ok = pod.Labels[batchv1.JobCompletionIndexAnnotation]
	}
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return -1
	}
	return i
}

// finishedAt is when a failed pod ended, for the re-creation back-off.
func finishedAt(pod *corev1.Pod) time.Time {
	var t time.Time
	for _, s := range pod.Status.ContainerStatuses {
		if s.State.Terminated != nil && s.State.Terminated.FinishedAt.After(t) {
			t = s.State.Terminated.FinishedAt.Time
		}
	}
	if t.IsZero() && pod.DeletionTimestamp != nil {
		t = pod.DeletionTimestamp.Time
	}
	if t.IsZero() {
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady && c.LastTransitionTime.After(t) {
				t = c.LastTransitionTime.Time
			}
		}
	}
	if t.IsZero() {
		t = pod.CreationTimestamp.Time
	}
	return t
}

// deletionOrder puts the pods to remove first: not ready before ready,
// pending before running, newest first, so the least work is lost.
func deletionOrder(a, b *corev1.Pod) int {
	if ra, rb := ready(a), ready(b); ra != rb {
		if !ra {
			return -1
		}
		return 1
	}
	if pa, pb := a.Status.Phase == corev1.PodPending, b.Status.Phase == corev1.PodPending; pa != pb {
		if pa {
			return -1
		}
		return 1
	}
	return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
}
