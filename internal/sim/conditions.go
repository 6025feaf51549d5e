package sim

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podConditions are the kubelet's five conditions for st, in its order,
// followed by any other condition the pod carries (DisruptionTarget and
// readiness gates are other components' to set). A condition keeps its
// lastTransitionTime while its status stays the same.
func podConditions(pod *corev1.Pod, st corev1.PodStatus, initDone bool, now time.Time) []corev1.PodCondition {
	terminal := st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed
	ready := readyCondition(st)
	mine := []corev1.PodCondition{
		boolCondition(corev1.PodReadyToStartContainers, initDone && !terminal, "", ""),
		initializedCondition(pod, initDone),
		podReadyCondition(pod, ready),
		withType(ready, corev1.ContainersReady),
		scheduledCondition(pod),
	}
	out := make([]corev1.PodCondition, 0, len(mine)+len(pod.Status.Conditions))
	for _, c := range mine {
		out = append(out, keepTransition(pod.Status.Conditions, c, now))
	}
	for _, c := range pod.Status.Conditions {
		if !isKubeletCondition(c.Type) {
			out = append(out, c)
		}
	}
	return out
}

func isKubeletCondition(t corev1.PodConditionType) bool {
	switch t {
	case corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled:
		return true
	}
	return false
}

func boolCondition(t corev1.PodConditionType, ok bool, reason, msg string) corev1.PodCondition {
	s := corev1.ConditionFalse
	if ok {
		s = corev1.ConditionTrue
	}
	return corev1.PodCondition{Type: t, Status: s, Reason: reason, Message: msg}
}

func initializedCondition(pod *corev1.Pod, initDone bool) corev1.PodCondition {
	if initDone || len(pod.Spec.InitContainers) == 0 {
		return boolCondition(corev1.PodInitialized, true, "", "")
	}
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	return boolCondition(corev1.PodInitialized, false, "ContainersNotInitialized",
		fmt.Sprintf("containers with incomplete status: %v", names))
}

// readyCondition is the kubelet's ContainersReady (and Ready, as readiness
// probes pass at once): a succeeded pod is PodCompleted, otherwise every
// container must be ready.
func readyCondition(st corev1.PodStatus) corev1.PodCondition {
	if st.Phase == corev1.PodSucceeded {
		return boolCondition(corev1.ContainersReady, false, "PodCompleted", "")
	}
	var unready []string
	for _, cs := range st.ContainerStatuses {
		if !cs.Ready {
			unready = append(unready, cs.Name)
		}
	}
	if len(unready) == 0 {
		return boolCondition(corev1.ContainersReady, true, "", "")
	}
	return boolCondition(corev1.ContainersReady, false, "ContainersNotReady",
		fmt.Sprintf("containers with unready status: %v", unready))
}

// podReadyCondition is ContainersReady, held False while a readiness gate's
// condition is not True, as the kubelet does.
func podReadyCondition(pod *corev1.Pod, containers corev1.PodCondition) corev1.PodCondition {
	ready := withType(containers, corev1.PodReady)
	if ready.Status != corev1.ConditionTrue {
		return ready
	}
	var missing []string
	for _, g := range pod.Spec.ReadinessGates {
		if !conditionTrue(pod.Status.Conditions, g.ConditionType) {
			missing = append(missing, string(g.ConditionType))
		}
	}
	if len(missing) == 0 {
		return ready
	}
	return boolCondition(corev1.PodReady, false, "ReadinessGatesNotReady",
		fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", missing[0]))
}

func conditionTrue(conds []corev1.PodCondition, t corev1.PodConditionType) bool {
	for _, c := range conds {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func withType(c corev1.PodCondition, t corev1.PodConditionType) corev1.PodCondition {
	c.Type = t
	return c
}

// scheduledCondition keeps the scheduler's PodScheduled and says True for a
// pod bound by spec.nodeName, as the kubelet does.
func scheduledCondition(pod *corev1.Pod) corev1.PodCondition {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return boolCondition(corev1.PodScheduled, true, "", "")
}

func keepTransition(old []corev1.PodCondition, c corev1.PodCondition, now time.Time) corev1.PodCondition {
	for _, o := range old {
		if o.Type == c.Type && o.Status == c.Status {
			c.LastTransitionTime, c.LastProbeTime = o.LastTransitionTime, o.LastProbeTime
			return c
		}
	}
	c.LastTransitionTime, c.LastProbeTime = stamp(now), metav1.Time{}
	return c
}
