package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxSteps bounds how many exits and restarts one sync replays (a sim that
// was down for hours catches up in one go; back-off caps the count).
const maxSteps = 64

// life is what one container's simulated life depends on besides its own
// status: when the pod's sandbox is up, the time now and the pod.
type life struct {
	pod    *corev1.Pod
	policy corev1.RestartPolicy
	runAt  time.Time
	now    time.Time
}

// advance moves a container's status forward to l.now: it starts at runAt,
// exits as its script says, and restarts under the pod's policy with the
// kubelet's back-off. It returns the new status and when it next changes
// (zero if it never does by itself).
func advance(cs corev1.ContainerStatus, c *corev1.Container, l life) (corev1.ContainerStatus, time.Time) {
	cs.Name, cs.Image, cs.ImageID = c.Name, c.Image, imageID(c.Image)
	sc, err := scriptOf(c)
	if err != nil {
		return waiting(cs, "CreateContainerConfigError", err.Error()), time.Time{}
	}
	for range maxSteps {
		st := cs.State
		switch {
		case st.Running != nil:
			if !sc.exits {
				return cs, time.Time{}
			}
			end := st.Running.StartedAt.Add(sc.run)
			if l.now.Before(end) {
				return cs, end
			}
			cs = exit(cs, sc.code, end, l)
		case st.Terminated != nil:
			return cs, time.Time{}
		case st.Waiting != nil && cs.LastTerminationState.Terminated != nil:
			at := cs.LastTerminationState.Terminated.FinishedAt.Add(restartBackoff(cs.RestartCount))
			if l.now.Before(at) {
				return cs, at
			}
			cs = start(cs, at, l)
		default: // never started
			if l.now.Before(l.runAt) {
				return waiting(cs, "ContainerCreating", ""), l.runAt
			}
			cs = start(cs, l.runAt, l)
		}
	}
	return cs, l.now.Add(time.Second)
}

// start runs the container from at, with a container ID of this attempt.
func start(cs corev1.ContainerStatus, at time.Time, l life) corev1.ContainerStatus {
	cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: stamp(at)}}
	cs.ContainerID = containerID(l.pod, cs.Name, cs.RestartCount)
	cs.Ready, cs.Started = true, ptrTo(true) // probes are taken as passing
	return cs
}

// exit ends the running attempt at end with code, then either keeps it
// terminated or counts a restart and waits out the back-off.
func exit(cs corev1.ContainerStatus, code int32, end time.Time, l life) corev1.ContainerStatus {
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	term := &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason,
		StartedAt: cs.State.Running.StartedAt, FinishedAt: stamp(end), ContainerID: cs.ContainerID}
	cs.Ready, cs.Started = false, ptrTo(false)
	if !restarts(l.policy, code) {
		cs.State = corev1.ContainerState{Terminated: term}
		return cs
	}
	cs.RestartCount++
	cs.LastTerminationState = corev1.ContainerState{Terminated: term}
	msg := fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
		restartBackoff(cs.RestartCount), cs.Name, l.pod.Name, l.pod.Namespace, l.pod.UID)
	return waiting(cs, "CrashLoopBackOff", msg)
}

func waiting(cs corev1.ContainerStatus, reason, msg string) corev1.ContainerStatus {
	cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
	cs.Ready, cs.Started = false, ptrTo(false)
	return cs
}

// stamp is t as the API stores it (whole seconds), so that what the sim
// computes equals what it reads back.
func stamp(t time.Time) metav1.Time { return metav1.NewTime(t.Truncate(time.Second)) }

func ptrTo[T any](v T) *T { return &v }

// containerID is a fake containerd ID, new for every attempt.
func containerID(pod *corev1.Pod, name string, attempt int32) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", pod.UID, name, attempt))
	return "containerd://" + hex.EncodeToString(sum[:])
}

// imageID is a fake digest reference for image.
func imageID(image string) string {
	if strings.Contains(image, "@") {
		return image // already a digest reference
	}
	repo := image
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	sum := sha256.Sum256([]byte(image))
	return repo + "@sha256:" + hex.EncodeToString(sum[:])
}
