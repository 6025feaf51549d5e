package core

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff/skiff/internal/registry/resource"
)

// nodeUnreachablePodReason is the reason the node controller sets on pods
// of a lost node.
const nodeUnreachablePodReason = "NodeLost"

func podColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Ready", "The aggregate readiness state of this pod for accepting traffic.", 0),
		resource.Column("Status", "The aggregate status of the containers in this pod.", 0),
		resource.Column("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0),
		resource.AgeColumn,
		resource.Column("IP", corev1.PodStatus{}.SwaggerDoc()["podIP"], 1),
		resource.Column("Node", corev1.PodSpec{}.SwaggerDoc()["nodeName"], 1),
		resource.Column("Nominated Node", corev1.PodStatus{}.SwaggerDoc()["nominatedNodeName"], 1),
		resource.Column("Readiness Gates", corev1.PodSpec{}.SwaggerDoc()["readinessGates"], 1),
	}
}

// podSummary is what kubectl prints about a pod's containers.
type podSummary struct {
	ready, total int
	reason       string
	restarts     int
	lastRestart  metav1.Time
}

func podCells(pod *corev1.Pod) []interface{} {
	s := summarizePod(pod)
	restarts := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, resource.Since(s.lastRestart))
	}
	podIP := ""
	if len(pod.Status.PodIPs) > 0 {
		podIP = pod.Status.PodIPs[0].IP
	}
	return []interface{}{
		fmt.Sprintf("%d/%d", s.ready, s.total),
		s.reason,
		restarts,
		resource.Age(pod),
		resource.NoneIfEmpty(podIP),
		resource.NoneIfEmpty(pod.Spec.NodeName),
		resource.NoneIfEmpty(pod.Status.NominatedNodeName),
		readinessGates(pod),
	}
}

// summarizePod derives the READY, STATUS and RESTARTS columns: the phase
// or reason, overridden by the first failing or waiting init container,
// then by the containers' own waiting or terminated reasons.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers), reason: string(pod.Status.Phase)}
	if pod.Status.Reason != "" {
		s.reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.reason = corev1.PodReasonSchedulingGated
		}
	}
	sidecars := map[string]bool{}
	for i := range pod.Spec.InitContainers {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			sidecars[pod.Spec.InitContainers[i].Name] = true
			s.total++
		}
	}
	initializing, sidecarRestarts, sidecarLast := summarizeInit(pod, sidecars, &s)
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		s.restarts, s.lastRestart = sidecarRestarts, sidecarLast
		summarizeContainers(pod, &s)
	}
	if pod.DeletionTimestamp != nil && pod.Status.Reason == nodeUnreachablePodReason {
		s.reason = "Unknown"
	} else if pod.DeletionTimestamp != nil && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
		s.reason = "Terminating"
	}
	return s
}

// summarizeInit walks init container statuses until the first one that
// has not finished, and returns whether the pod is still initializing and
// the restarts of sidecars alone.
func summarizeInit(pod *corev1.Pod, sidecars map[string]bool, s *podSummary) (bool, int, metav1.Time) {
	sidecarRestarts := 0
	var sidecarLast metav1.Time
	for i, c := range pod.Status.InitContainerStatuses {
		s.restarts += int(c.RestartCount)
		if t := c.LastTerminationState.Terminated; t != nil {
			s.lastRestart = later(s.lastRestart, t.FinishedAt)
			if sidecars[c.Name] {
				sidecarLast = later(sidecarLast, t.FinishedAt)
			}
		}
		if sidecars[c.Name] {
			sidecarRestarts += int(c.RestartCount)
		}
		term, wait := c.State.Terminated, c.State.Waiting
		switch {
		case term != nil && term.ExitCode == 0:
			continue
		case sidecars[c.Name] && c.Started != nil && *c.Started:
			if c.Ready {
				s.ready++
			}
			continue
		case term != nil:
			s.reason = "Init:" + terminatedReason(term)
		case wait != nil && wait.Reason != "" && wait.Reason != "PodInitializing":
			s.reason = "Init:" + wait.Reason
		default:
			s.reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		return true, sidecarRestarts, sidecarLast
	}
	return false, sidecarRestarts, sidecarLast
}

// summarizeContainers lets the containers' states override the reason;
// the first container in the list wins, as kubectl walks them backwards.
func summarizeContainers(pod *corev1.Pod, s *podSummary) {
	hasRunning := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		c := pod.Status.ContainerStatuses[i]
		s.restarts += int(c.RestartCount)
		if t := c.LastTerminationState.Terminated; t != nil {
			s.lastRestart = later(s.lastRestart, t.FinishedAt)
		}
		switch {
		case c.State.Waiting != nil && c.State.Waiting.Reason != "":
			s.reason = c.State.Waiting.Reason
		case c.State.Terminated != nil:
			s.reason = terminatedReason(c.State.Terminated)
		case c.Ready && c.State.Running != nil:
			hasRunning = true
			s.ready++
		}
	}
	if s.reason == "Completed" && hasRunning {
		if podConditionTrue(pod, corev1.PodReady) {
			s.reason = "Running"
		} else {
			s.reason = "NotReady"
		}
	}
}

// terminatedReason is the reason, else the signal, else the exit code.
func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	}
	return fmt.Sprintf("ExitCode:%d", t.ExitCode)
}

func later(a, b metav1.Time) metav1.Time {
	if a.Before(&b) {
		return b
	}
	return a
}

func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// readinessGates prints "true/total" for the pod's readiness gates.
func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	n := 0
	for _, g := range pod.Spec.ReadinessGates {
		if podConditionTrue(pod, g.ConditionType) {
			n++
		}
	}
	return fmt.Sprintf("%d/%d", n, len(pod.Spec.ReadinessGates))
}
