package kubelet

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// st builds container statuses for phase tables: "running",
// "started" (running, startup passed), "waiting", "crashloop" (waiting
// after an exit 1), "done:<code>".
func st(name, state string) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: name, Started: ptrTo(false)}
	switch {
	case state == "running":
		cs.State.Running = &corev1.ContainerStateRunning{}
	case state == "started":
		cs.State.Running = &corev1.ContainerStateRunning{}
		cs.Started = ptrTo(true)
	case state == "waiting":
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
	case state == "crashloop":
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}
		cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1}
	case state == "done:0":
		cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0}
	case strings.HasPrefix(state, "done:"):
		cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1}
	}
	return cs
}

func TestPodPhase(t *testing.T) {
	always, onFailure, never := corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever
	tests := []struct {
		name     string
		pod      *corev1.Pod
		init     []corev1.ContainerStatus
		ctrs     []corev1.ContainerStatus
		terminal bool
		want     corev1.PodPhase
	}{
		{"nothing started", podSpec(always, nil, "a"), nil, []corev1.ContainerStatus{st("a", "waiting")}, false, corev1.PodPending},
		{"no status yet", podSpec(always, nil, "a"), nil, nil, false, corev1.PodPending},
		{"one of two running", podSpec(always, nil, "a", "b"), nil, []corev1.ContainerStatus{st("a", "running"), st("b", "waiting")}, false, corev1.PodPending},
		{"all running", podSpec(always, nil, "a", "b"), nil, []corev1.ContainerStatus{st("a", "running"), st("b", "running")}, false, corev1.PodRunning},
		{"crash looping", podSpec(always, nil, "a"), nil, []corev1.ContainerStatus{st("a", "crashloop")}, false, corev1.PodRunning},
		{"init running", podSpec(always, []string{"i"}, "a"), []corev1.ContainerStatus{st("i", "running")}, []corev1.ContainerStatus{st("a", "waiting")}, false, corev1.PodPending},
		{"init failed, Never", podSpec(never, []string{"i"}, "a"), []corev1.ContainerStatus{st("i", "done:1")}, []corev1.ContainerStatus{st("a", "waiting")}, false, corev1.PodFailed},
		{"init failed, retrying", podSpec(onFailure, []string{"i"}, "a"), []corev1.ContainerStatus{st("i", "crashloop")}, []corev1.ContainerStatus{st("a", "waiting")}, false, corev1.PodPending},
		{"Always, all exited", podSpec(always, nil, "a"), nil, []corev1.ContainerStatus{st("a", "done:0")}, false, corev1.PodRunning},
		{"Never, all succeeded", podSpec(never, nil, "a", "b"), nil, []corev1.ContainerStatus{st("a", "done:0"), st("b", "done:0")}, false, corev1.PodSucceeded},
		{"Never, one failed", podSpec(never, nil, "a", "b"), nil, []corev1.ContainerStatus{st("a", "done:0"), st("b", "done:1")}, false, corev1.PodFailed},
		{"OnFailure, one failed restarting", podSpec(onFailure, nil, "a", "b"), nil, []corev1.ContainerStatus{st("a", "done:0"), st("b", "done:1")}, false, corev1.PodRunning},
		{"OnFailure, all succeeded", podSpec(onFailure, nil, "a"), nil, []corev1.ContainerStatus{st("a", "done:0")}, false, corev1.PodSucceeded},
		{"terminal, Always, exited 143", podSpec(always, nil, "a"), nil, []corev1.ContainerStatus{st("a", "done:1")}, true, corev1.PodFailed},
		{"terminal, Always, exited 0", podSpec(always, nil, "a"), nil, []corev1.ContainerStatus{st("a", "done:0")}, true, corev1.PodSucceeded},
		{"sidecar not started", podSpec(always, []string{"side"}, "a"), []corev1.ContainerStatus{st("side", "running")}, []corev1.ContainerStatus{st("a", "waiting")}, false, corev1.PodPending},
		{"sidecar and app running", podSpec(always, []string{"side"}, "a"), []corev1.ContainerStatus{st("side", "started")}, []corev1.ContainerStatus{st("a", "running")}, false, corev1.PodRunning},
		{"Never, app done, sidecar exited", podSpec(never, []string{"side"}, "a"), []corev1.ContainerStatus{st("side", "done:1")}, []corev1.ContainerStatus{st("a", "done:0")}, false, corev1.PodSucceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podPhase(tt.pod, tt.init, tt.ctrs, tt.terminal); got != tt.want {
				t.Errorf("phase = %s, want %s", got, tt.want)
			}
		})
	}
}

// statusFor computes a status for a pod on a runtime snapshot.
func statusFor(pod *corev1.Pod, rt *podRuntime, b *backoff, startErrs map[string]startError, notReady ...string) corev1.PodStatus {
	now := t0.Add(time.Hour)
	in := decideInput{pod: pod, rt: rt, now: now, backoff: b, started: func(string) bool { return true },
		liveness: func(string) (string, string, bool) { return "", "", false }}
	ready := func(name string) bool {
		for _, n := range notReady {
			if n == name {
				return false
			}
		}
		return true
	}
	return podStatus(statusInput{pod: pod, old: pod.Status, rt: rt, plan: decide(in), startErrs: startErrs,
		ready: ready, started: func(string) bool { return true }, nodeIP: "192.0.2.1", qos: corev1.PodQOSBestEffort, now: now})
}

func condStatus(st corev1.PodStatus, t corev1.PodConditionType) string {
	if c := findCondition(st.Conditions, t); c != nil {
		return string(c.Status) + "/" + c.Reason
	}
	return "missing"
}

func TestPodStatusRunning(t *testing.T) {
	pod := podSpec(corev1.RestartPolicyAlways, []string{"init"}, "app", "web")
	rt := newRT().sandbox("s1", true).ctr("init", "exited:0").ctr("app", "exited:1").ctr("app", "running").ctr("web", "running").rt
	s := statusFor(pod, rt, newBackoff(), nil, "web")
	if s.Phase != corev1.PodRunning || s.PodIP != "10.42.0.9" || s.HostIP != "192.0.2.1" || s.StartTime == nil || s.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("phase %s, podIP %q, hostIP %q, startTime %v, qos %q", s.Phase, s.PodIP, s.HostIP, s.StartTime, s.QOSClass)
	}
	app := findStatus(s.ContainerStatuses, "app")
	if app.State.Running == nil || app.RestartCount != 1 || !app.Ready || !*app.Started ||
		app.LastTerminationState.Terminated == nil || app.LastTerminationState.Terminated.ExitCode != 1 ||
		app.LastTerminationState.Terminated.Reason != "Error" || !strings.HasPrefix(app.ContainerID, "containerd://app-") {
		t.Errorf("app status = %+v", app)
	}
	if web := findStatus(s.ContainerStatuses, "web"); web.Ready {
		t.Error("web is ready though its readiness probe fails")
	}
	init := findStatus(s.InitContainerStatuses, "init")
	if init.State.Terminated == nil || init.State.Terminated.Reason != "Completed" || !init.Ready {
		t.Errorf("init status = %+v", init)
	}
	for typ, want := range map[corev1.PodConditionType]string{
		corev1.PodReadyToStartContainers: "True/", corev1.PodInitialized: "True/", corev1.PodScheduled: "True/",
		corev1.ContainersReady: "False/ContainersNotReady", corev1.PodReady: "False/ContainersNotReady",
	} {
		if got := condStatus(s, typ); got != want {
			t.Errorf("condition %s = %s, want %s", typ, got, want)
		}
	}
	if c := findCondition(s.Conditions, corev1.PodReady); c.Message != "containers with unready status: [web]" {
		t.Errorf("Ready message = %q", c.Message)
	}
}

func TestPodStatusWaiting(t *testing.T) {
	pod := podSpec(corev1.RestartPolicyAlways, []string{"init"}, "app")
	// Nothing ran yet: init containers and containers are PodInitializing.
	s := statusFor(pod, newRT().rt, newBackoff(), nil)
	if w := findStatus(s.InitContainerStatuses, "init").State.Waiting; w == nil || w.Reason != "PodInitializing" {
		t.Errorf("init waiting = %+v", w)
	}
	if w := findStatus(s.ContainerStatuses, "app").State.Waiting; w == nil || w.Reason != "PodInitializing" {
		t.Errorf("app waiting = %+v", w)
	}
	if s.Phase != corev1.PodPending || condStatus(s, corev1.PodInitialized) != "False/ContainersNotInitialized" ||
		condStatus(s, corev1.PodReadyToStartContainers) != "False/" {
		t.Errorf("phase %s, conditions %+v", s.Phase, s.Conditions)
	}

	// A failed start shows its reason.
	pod = podSpec(corev1.RestartPolicyAlways, nil, "app")
	s = statusFor(pod, newRT().sandbox("s1", true).rt, newBackoff(), map[string]startError{"app": {reason: "ErrImagePull", message: "no such image"}})
	if w := findStatus(s.ContainerStatuses, "app").State.Waiting; w == nil || w.Reason != "ErrImagePull" || w.Message != "no such image" {
		t.Errorf("app waiting = %+v", w)
	}

	// A crash loop: waiting CrashLoopBackOff, the exit as lastState.
	rt := newRT().sandbox("s1", true).ctr("app", "exited:1").ctr("app", "exited:1").rt
	b := newBackoff()
	b.next("app", t0.Add(time.Hour), t0.Add(time.Hour))
	rt.containers[0].finishedAt = t0.Add(time.Hour)
	s = statusFor(pod, rt, b, nil)
	app := findStatus(s.ContainerStatuses, "app")
	if app.State.Waiting == nil || app.State.Waiting.Reason != "CrashLoopBackOff" || app.RestartCount != 1 ||
		app.LastTerminationState.Terminated == nil || app.LastTerminationState.Terminated.ContainerID != "containerd://"+rt.containers[0].id {
		t.Errorf("crash-looping status = %+v", app)
	}
	if s.Phase != corev1.PodRunning {
		t.Errorf("phase = %s, want Running", s.Phase)
	}
}

func TestPodStatusFinished(t *testing.T) {
	pod := podSpec(corev1.RestartPolicyNever, nil, "app")
	rt := newRT().sandbox("s1", true).ctr("app", "exited:0").rt
	rt.containers[0].reason = "Completed"
	s := statusFor(pod, rt, newBackoff(), nil)
	if s.Phase != corev1.PodSucceeded || condStatus(s, corev1.ContainersReady) != "False/PodCompleted" {
		t.Errorf("phase %s, conditions %+v", s.Phase, s.Conditions)
	}
	if term := findStatus(s.ContainerStatuses, "app").State.Terminated; term == nil || term.Reason != "Completed" {
		t.Errorf("terminated = %+v", term)
	}
	// A terminal phase never changes, whatever the runtime says.
	pod.Status = s
	rt = newRT().sandbox("s1", true).ctr("app", "running").rt
	if s = statusFor(pod, rt, newBackoff(), nil); s.Phase != corev1.PodSucceeded {
		t.Errorf("phase after Succeeded = %s", s.Phase)
	}
}

func TestConditionsKeepTransitions(t *testing.T) {
	pod := podSpec(corev1.RestartPolicyAlways, nil, "app")
	rt := newRT().sandbox("s1", true).ctr("app", "running").rt
	pod.Status = statusFor(pod, rt, newBackoff(), nil)
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: "DisruptionTarget", Status: corev1.ConditionTrue})
	before := findCondition(pod.Status.Conditions, corev1.PodReady).LastTransitionTime
	in := statusInput{pod: pod, old: pod.Status, rt: rt, plan: plan{initDone: true}, ready: func(string) bool { return true },
		started: func(string) bool { return true }, nodeIP: "192.0.2.1", now: t0.Add(2 * time.Hour)}
	s := podStatus(in)
	if got := findCondition(s.Conditions, corev1.PodReady).LastTransitionTime; !got.Equal(&before) {
		t.Errorf("Ready's transition time moved from %v to %v though it stayed True", before, got)
	}
	if c := findCondition(s.Conditions, "DisruptionTarget"); c == nil || c.Status != corev1.ConditionTrue {
		t.Errorf("another component's condition was lost: %+v", s.Conditions)
	}
	in.ready = func(string) bool { return false }
	s = podStatus(in)
	if got := findCondition(s.Conditions, corev1.PodReady); got.Status != corev1.ConditionFalse || !got.LastTransitionTime.Time.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("Ready = %+v, want False since %v", got, t0.Add(2*time.Hour))
	}
}

func TestReadinessGates(t *testing.T) {
	pod := podSpec(corev1.RestartPolicyAlways, nil, "app")
	pod.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}}
	rt := newRT().sandbox("s1", true).ctr("app", "running").rt
	s := statusFor(pod, rt, newBackoff(), nil)
	if got := condStatus(s, corev1.PodReady); got != "False/ReadinessGatesNotReady" {
		t.Errorf("Ready without the gate's condition = %s", got)
	}
	pod.Status.Conditions = []corev1.PodCondition{{Type: "example.com/lb", Status: corev1.ConditionTrue}}
	if s = statusFor(pod, rt, newBackoff(), nil); condStatus(s, corev1.PodReady) != "True/" {
		t.Errorf("Ready with the gate True = %s", condStatus(s, corev1.PodReady))
	}
}
