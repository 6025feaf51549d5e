package kubelet

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// runtimeName prefixes container IDs in the status ("containerd://<id>").
const runtimeName = "containerd"

// startError is why the last attempt to start a container failed: the
// waiting reason (ErrImagePull, CreateContainerConfigError, ...) and message.
type startError struct {
	reason, message string
}

// statusInput is everything podStatus reads.
type statusInput struct {
	pod *corev1.Pod
	// old is the status to start from: what the agent wrote last (or the
	// API's); fields the agent does not own are kept.
	old corev1.PodStatus
	rt  *podRuntime
	// plan is decide's answer for rt: which containers wait in back-off.
	plan      plan
	startErrs map[string]startError
	// ready and started are the probe manager's view of running containers.
	ready, started func(name string) bool
	nodeIP         string
	qos            corev1.PodQOSClass
	now            time.Time
	// terminal: the pod was stopped for good (deleted, or finished), so
	// the phase is final.
	terminal bool
}

// podStatus is the status the kubelet reports for a pod, computed from the
// runtime's state; a pure function so that it can be tested in tables.
func podStatus(in statusInput) corev1.PodStatus {
	st := *in.old.DeepCopy()
	if st.StartTime == nil {
		st.StartTime = stamp(in.now)
	}
	st.HostIP, st.HostIPs = in.nodeIP, []corev1.HostIP{{IP: in.nodeIP}}
	if ips := podIPs(in); len(ips) > 0 {
		st.PodIP, st.PodIPs = ips[0], nil
		for _, ip := range ips {
			st.PodIPs = append(st.PodIPs, corev1.PodIP{IP: ip})
		}
	}
	st.QOSClass = in.qos
	st.InitContainerStatuses = nil
	for i := range in.pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, containerStatus(in, &in.pod.Spec.InitContainers[i], true))
	}
	st.ContainerStatuses = nil
	for i := range in.pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, containerStatus(in, &in.pod.Spec.Containers[i], false))
	}
	if !terminalPhase(in.old.Phase) {
		st.Phase = podPhase(in.pod, st.InitContainerStatuses, st.ContainerStatuses, in.terminal)
	}
	st.Conditions = podConditions(in, st)
	return st
}

// podIPs are the current sandbox's addresses, or the node's for a
// hostNetwork pod; none while no sandbox is ready (the old ones are kept).
func podIPs(in statusInput) []string {
	if in.pod.Spec.HostNetwork {
		return []string{in.nodeIP}
	}
	if sb := currentSandbox(in.pod, in.rt); sb != nil {
		return sb.ips
	}
	return nil
}

// containerStatus reports one container: its newest instance's state, the
// one before as lastState, and a waiting reason while it is held back.
func containerStatus(in statusInput, c *corev1.Container, init bool) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Started: ptrTo(false)}
	insts := in.rt.instances(c.Name, "")
	if len(insts) == 0 {
		cs.State.Waiting = waitingFor(in, c, init)
		return cs
	}
	latest := insts[0]
	cs.ContainerID = runtimeName + "://" + latest.id
	cs.ImageID = latest.imageRef
	if latest.image != "" && !strings.HasPrefix(latest.image, "sha256:") {
		cs.Image = latest.image
	}
	cs.RestartCount = int32(latest.attempt)
	var previous *containerState
	if len(insts) > 1 && insts[1].exited() {
		previous = insts[1]
	}
	switch {
	case latest.running():
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: *stamp(latest.startedAt)}
		cs.Started = ptrTo(in.started(c.Name))
		cs.Ready = (!init || isSidecar(c)) && in.ready(c.Name)
	case latest.exited():
		if w := heldBack(in, c.Name); w != nil {
			cs.State.Waiting = w
			previous = latest
			break
		}
		cs.State.Terminated = terminated(latest)
		cs.Ready = init && !isSidecar(c) && latest.exitCode == 0
	case latest.state == stateCreated:
		cs.State.Waiting = waitingFor(in, c, init)
	default:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerStatusUnknown",
			Message: "The container's state could not be read from the runtime"}
	}
	if previous != nil {
		cs.LastTerminationState.Terminated = terminated(previous)
	}
	return cs
}

// waitingFor is the state of a container that has not run yet (or whose
// last start failed).
func waitingFor(in statusInput, c *corev1.Container, init bool) *corev1.ContainerStateWaiting {
	if w := heldBack(in, c.Name); w != nil {
		return w
	}
	if init || !in.plan.initDone {
		return &corev1.ContainerStateWaiting{Reason: "PodInitializing"}
	}
	return &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
}

// heldBack is the waiting state of a container kept from (re)starting: a
// failed start (ErrImagePull, CreateContainerConfigError, ...) or a
// restart back-off (CrashLoopBackOff).
func heldBack(in statusInput, name string) *corev1.ContainerStateWaiting {
	if e, ok := in.startErrs[name]; ok {
		return &corev1.ContainerStateWaiting{Reason: e.reason, Message: e.message}
	}
	if msg, ok := in.plan.waiting[name]; ok {
		return &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: msg}
	}
	return nil
}

func terminated(c *containerState) *corev1.ContainerStateTerminated {
	t := &corev1.ContainerStateTerminated{
		ExitCode: c.exitCode, Reason: c.reason, Message: c.message,
		StartedAt: *stamp(c.startedAt), FinishedAt: *stamp(c.finishedAt), ContainerID: runtimeName + "://" + c.id,
	}
	if t.Reason == "" {
		t.Reason = "Error"
		if t.ExitCode == 0 {
			t.Reason = "Completed"
		}
	}
	return t
}

// podPhase follows the kubelet: Failed when an init container failed under
// restartPolicy Never; Pending while initialization or any container has
// not started; Running while one runs (or all will restart); once all
// stopped, Succeeded or Failed by their exit codes. terminal says the
// containers will not be restarted whatever the policy (the pod stops).
func podPhase(pod *corev1.Pod, initStatuses, statuses []corev1.ContainerStatus, terminal bool) corev1.PodPhase {
	initPending, initFailed, sidecarsPending := 0, 0, 0
	var running, waiting, stopped, succeeded, unknown int
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := findStatus(initStatuses, c.Name)
		if isSidecar(c) {
			switch {
			case cs == nil:
				unknown++
				sidecarsPending++
			case cs.State.Running != nil:
				running++
				if cs.Started == nil || !*cs.Started {
					sidecarsPending++
				}
			case cs.State.Waiting != nil:
				waiting++
				if cs.LastTerminationState.Terminated == nil {
					sidecarsPending++
				}
			}
			continue
		}
		switch {
		case cs == nil || cs.State.Running != nil:
			initPending++
		case cs.State.Terminated != nil:
			if cs.State.Terminated.ExitCode != 0 {
				initFailed++
			}
		case cs.LastTerminationState.Terminated != nil:
			if cs.LastTerminationState.Terminated.ExitCode != 0 {
				initFailed++
			}
		default:
			initPending++
		}
	}
	for i := range pod.Spec.Containers {
		cs := findStatus(statuses, pod.Spec.Containers[i].Name)
		switch {
		case cs == nil:
			unknown++
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	if initFailed > 0 && pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
		return corev1.PodFailed
	}
	switch {
	case initPending > 0, sidecarsPending > 0 && !anyRegularStarted(statuses), waiting > 0:
		return corev1.PodPending
	case running > 0 && unknown == 0:
		return corev1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		switch {
		case terminal && stopped == succeeded:
			return corev1.PodSucceeded
		case terminal:
			return corev1.PodFailed
		case pod.Spec.RestartPolicy == corev1.RestartPolicyAlways:
			return corev1.PodRunning // every container is restarting
		case stopped == succeeded:
			return corev1.PodSucceeded
		case pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return corev1.PodFailed
		}
		return corev1.PodRunning // OnFailure: the failed ones restart
	}
	return corev1.PodPending
}

func anyRegularStarted(statuses []corev1.ContainerStatus) bool {
	for _, cs := range statuses {
		if cs.State.Running != nil || cs.State.Terminated != nil || cs.LastTerminationState.Terminated != nil {
			return true
		}
	}
	return false
}

func findStatus(list []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func terminalPhase(p corev1.PodPhase) bool { return p == corev1.PodSucceeded || p == corev1.PodFailed }

// stamp is a time as the API keeps it: whole seconds, so that a status
// read back compares equal to the one computed. The zero time stays zero
// (serialised as null).
func stamp(t time.Time) *metav1.Time {
	if t.IsZero() {
		return &metav1.Time{}
	}
	return &metav1.Time{Time: time.Unix(t.Unix(), 0)}
}

func ptrTo[T any](v T) *T { return &v }
