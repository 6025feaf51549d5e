package kubelet

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// podConditions are the kubelet's conditions in its order
// (PodReadyToStartContainers, Initialized, Ready, ContainersReady,
// PodScheduled), then the conditions others own (DisruptionTarget,
// readiness gates), kept as they are. A condition keeps its
// lastTransitionTime while its status stays.
func podConditions(in statusInput, st corev1.PodStatus) []corev1.PodCondition {
	sandboxUp := currentSandbox(in.pod, in.rt) != nil && !in.terminal
	containersReady := containersReadyCondition(in.pod, st)
	mine := []corev1.PodCondition{
		condition(corev1.PodReadyToStartContainers, sandboxUp, "", ""),
		initializedCondition(in.pod, st),
		podReadyCondition(in.pod, in.old.Conditions, containersReady),
		containersReady,
		scheduledCondition(in.old.Conditions),
	}
	out := make([]corev1.PodCondition, 0, len(mine)+len(in.old.Conditions))
	for _, c := range mine {
		out = append(out, keepTransition(in.old.Conditions, c, in.now))
	}
	for _, c := range in.old.Conditions {
		if !kubeletCondition(c.Type) {
			out = append(out, c)
		}
	}
	return out
}

func kubeletCondition(t corev1.PodConditionType) bool {
	switch t {
	case corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled:
		return true
	}
	return false
}

func condition(t corev1.PodConditionType, ok bool, reason, msg string) corev1.PodCondition {
	s := corev1.ConditionFalse
	if ok {
		s = corev1.ConditionTrue
	}
	return corev1.PodCondition{Type: t, Status: s, Reason: reason, Message: msg}
}

// initializedCondition: every init container completed (a sidecar:
// started), or a regular container already ran.
func initializedCondition(pod *corev1.Pod, st corev1.PodStatus) corev1.PodCondition {
	if len(pod.Spec.InitContainers) == 0 || anyRegularStarted(st.ContainerStatuses) {
		return condition(corev1.PodInitialized, true, "", "")
	}
	if st.Phase == corev1.PodSucceeded {
		return condition(corev1.PodInitialized, true, "PodCompleted", "")
	}
	var incomplete []string
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := findStatus(st.InitContainerStatuses, c.Name)
		switch {
		case cs == nil:
			incomplete = append(incomplete, c.Name)
		case isSidecar(c):
			if cs.Started == nil || !*cs.Started {
				incomplete = append(incomplete, c.Name)
			}
		case cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0:
			incomplete = append(incomplete, c.Name)
		}
	}
	if len(incomplete) == 0 {
		return condition(corev1.PodInitialized, true, "", "")
	}
	return condition(corev1.PodInitialized, false, "ContainersNotInitialized",
		fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " ")))
}

// containersReadyCondition: every container and sidecar is ready; a pod
// that succeeded is PodCompleted.
func containersReadyCondition(pod *corev1.Pod, st corev1.PodStatus) corev1.PodCondition {
	if st.Phase == corev1.PodSucceeded {
		return condition(corev1.ContainersReady, false, "PodCompleted", "")
	}
	var unready []string
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if cs := findStatus(st.InitContainerStatuses, c.Name); isSidecar(c) && (cs == nil || !cs.Ready) {
			unready = append(unready, c.Name)
		}
	}
	for i := range pod.Spec.Containers {
		if cs := findStatus(st.ContainerStatuses, pod.Spec.Containers[i].Name); cs == nil || !cs.Ready {
			unready = append(unready, pod.Spec.Containers[i].Name)
		}
	}
	if len(unready) == 0 {
		return condition(corev1.ContainersReady, true, "", "")
	}
	return condition(corev1.ContainersReady, false, "ContainersNotReady",
		fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " ")))
}

// podReadyCondition is ContainersReady, held False while a readiness
// gate's condition is not True.
func podReadyCondition(pod *corev1.Pod, old []corev1.PodCondition, containers corev1.PodCondition) corev1.PodCondition {
	ready := containers
	ready.Type = corev1.PodReady
	if ready.Status != corev1.ConditionTrue {
		return ready
	}
	var missing, notTrue []string
	for _, g := range pod.Spec.ReadinessGates {
		switch c := findCondition(old, g.ConditionType); {
		case c == nil:
			missing = append(missing, string(g.ConditionType))
		case c.Status != corev1.ConditionTrue:
			notTrue = append(notTrue, string(g.ConditionType))
		}
	}
	var msgs []string
	if len(missing) > 0 {
		msgs = append(msgs, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", strings.Join(missing, " ")))
	}
	if len(notTrue) > 0 {
		msgs = append(msgs, fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but False", strings.Join(notTrue, " ")))
	}
	if len(msgs) == 0 {
		return ready
	}
	return condition(corev1.PodReady, false, "ReadinessGatesNotReady", strings.Join(msgs, ", "))
}

// scheduledCondition keeps the scheduler's PodScheduled, and says True for
// a pod bound directly by spec.nodeName.
func scheduledCondition(old []corev1.PodCondition) corev1.PodCondition {
	if c := findCondition(old, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionTrue {
		return *c
	}
	return condition(corev1.PodScheduled, true, "", "")
}

func findCondition(list []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range list {
		if list[i].Type == t {
			return &list[i]
		}
	}
	return nil
}

func keepTransition(old []corev1.PodCondition, c corev1.PodCondition, now time.Time) corev1.PodCondition {
	if o := findCondition(old, c.Type); o != nil && o.Status == c.Status {
		c.LastTransitionTime, c.LastProbeTime = o.LastTransitionTime, o.LastProbeTime
		return c
	}
	c.LastTransitionTime = *stamp(now)
	return c
}
