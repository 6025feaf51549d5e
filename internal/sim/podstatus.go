package sim

import (
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// podInput is what a pod's simulated status depends on besides the pod.
type podInput struct {
	now        time.Time
	startDelay time.Duration
	// podIP is the pod's address (the node's for hostNetwork pods).
	podIP, hostIP netip.Addr
}

// podStatus is the status the kubelet would report for pod at in.now, and
// when it next changes by itself (zero: not until the pod changes). It
// depends only on the pod (its spec and the status reported so far) and
// in, so a restarted sim carries on where the last one stopped.
func podStatus(pod *corev1.Pod, in podInput) (corev1.PodStatus, time.Time) {
	st := *pod.Status.DeepCopy()
	start := in.now
	if st.StartTime != nil {
		start = st.StartTime.Time
	}
	st.StartTime = ptrTo(stamp(start))
	runAt := st.StartTime.Add(in.startDelay)
	st.HostIP, st.HostIPs = in.hostIP.String(), []corev1.HostIP{{IP: in.hostIP.String()}}
	if !in.now.Before(runAt) {
		st.PodIP, st.PodIPs = in.podIP.String(), []corev1.PodIP{{IP: in.podIP.String()}}
	}
	l := life{pod: pod, policy: pod.Spec.RestartPolicy, runAt: runAt, now: in.now}
	st.InitContainerStatuses = initStatuses(pod, l)
	var wake time.Time
	st.ContainerStatuses, wake = containerStatuses(pod, l)
	if in.now.Before(runAt) {
		wake = runAt
	}
	initDone := !in.now.Before(runAt)
	st.Phase = podPhase(st.ContainerStatuses, initDone)
	st.Conditions = podConditions(pod, st, initDone, in.now)
	return st, wake
}

func containerStatuses(pod *corev1.Pod, l life) ([]corev1.ContainerStatus, time.Time) {
	var wake time.Time
	out := make([]corev1.ContainerStatus, len(pod.Spec.Containers))
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cs, next := advance(findStatus(pod.Status.ContainerStatuses, c.Name), c, l)
		if len(pod.Spec.InitContainers) > 0 && cs.State.Waiting != nil && cs.State.Waiting.Reason == "ContainerCreating" {
			cs.State.Waiting.Reason = "PodInitializing"
		}
		out[i] = cs
		if !next.IsZero() && (wake.IsZero() || next.Before(wake)) {
			wake = next
		}
	}
	return out, wake
}

// initStatuses: init containers complete at once when the sandbox is up;
// sidecars (restartPolicy Always) keep running.
func initStatuses(pod *corev1.Pod, l life) []corev1.ContainerStatus {
	if len(pod.Spec.InitContainers) == 0 {
		return nil
	}
	out := make([]corev1.ContainerStatus, len(pod.Spec.InitContainers))
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := findStatus(pod.Status.InitContainerStatuses, c.Name)
		cs.Name, cs.Image, cs.ImageID = c.Name, c.Image, imageID(c.Image)
		switch {
		case l.now.Before(l.runAt):
			cs = waiting(cs, "PodInitializing", "")
		case c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways:
			if cs.State.Running == nil {
				cs = start(cs, l.runAt, l)
			}
		case cs.State.Terminated == nil:
			cs.ContainerID = containerID(l.pod, c.Name, 0)
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				Reason: "Completed", StartedAt: stamp(l.runAt), FinishedAt: stamp(l.runAt), ContainerID: cs.ContainerID}}
			cs.Ready, cs.Started = false, ptrTo(false)
		}
		out[i] = cs
	}
	return out
}

func findStatus(list []corev1.ContainerStatus, name string) corev1.ContainerStatus {
	for _, cs := range list {
		if cs.Name == name {
			return *cs.DeepCopy()
		}
	}
	return corev1.ContainerStatus{Name: name}
}

// podPhase follows the kubelet: Pending until every container has started
// once; Running while any runs or will restart; then Succeeded if all
// exited 0, else Failed.
func podPhase(statuses []corev1.ContainerStatus, initDone bool) corev1.PodPhase {
	if !initDone {
		return corev1.PodPending
	}
	var pending, running, failed int
	for _, cs := range statuses {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			if cs.State.Terminated.ExitCode != 0 {
				failed++
			}
		case cs.LastTerminationState.Terminated != nil:
			running++ // waiting out a restart back-off
		default:
			pending++
		}
	}
	switch {
	case pending > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case failed > 0:
		return corev1.PodFailed
	default:
		return corev1.PodSucceeded
	}
}
