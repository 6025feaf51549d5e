package sim

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// simPod is a pod whose one container c runs with env (name=value pairs).
func simPod(policy corev1.RestartPolicy, env ...string) *corev1.Pod {
	c := corev1.Container{Name: "c", Image: "busybox:1.36"}
	for i := 0; i+1 < len(env); i += 2 {
		c.Env = append(c.Env, corev1.EnvVar{Name: env[i], Value: env[i+1]})
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1"},
		Spec: corev1.PodSpec{NodeName: "sim-0", RestartPolicy: policy, Containers: []corev1.Container{c}}}
}

// replay runs podStatus at each of the given seconds after t0, feeding
// every result back as the pod's status, as the sim does through the API.
func replay(pod *corev1.Pod, delay time.Duration, at ...int) (corev1.PodStatus, time.Time) {
	in := podInput{startDelay: delay, podIP: netip.MustParseAddr("10.244.0.2"), hostIP: netip.MustParseAddr("172.16.0.1")}
	var wake time.Time
	for _, s := range at {
		in.now = t0.Add(time.Duration(s) * time.Second)
		pod.Status, wake = podStatus(pod, in)
	}
	return pod.Status, wake
}

// summary is "phase ip container-state restarts ready wake=+Ns".
func summary(st corev1.PodStatus, wake time.Time) string {
	parts := []string{string(st.Phase), "ip=" + st.PodIP}
	for _, cs := range st.ContainerStatuses {
		parts = append(parts, fmt.Sprintf("%s:%s/%d/%v", cs.Name, state(cs.State), cs.RestartCount, cs.Ready))
	}
	if !wake.IsZero() {
		parts = append(parts, fmt.Sprintf("wake=+%s", wake.Sub(t0)))
	}
	return strings.Join(parts, " ")
}

func state(s corev1.ContainerState) string {
	switch {
	case s.Running != nil:
		return fmt.Sprintf("running@%s", s.Running.StartedAt.Sub(t0))
	case s.Terminated != nil:
		return fmt.Sprintf("terminated(%d %s)@%s", s.Terminated.ExitCode, s.Terminated.Reason, s.Terminated.FinishedAt.Sub(t0))
	case s.Waiting != nil:
		return "waiting(" + s.Waiting.Reason + ")"
	}
	return "none"
}

func TestPodStatusLifecycle(t *testing.T) {
	never, onFailure, always := corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure, corev1.RestartPolicyAlways
	for _, tc := range []struct {
		name  string
		pod   *corev1.Pod
		delay time.Duration
		at    []int // seconds after t0 at which the sim syncs
		want  string
	}{
		{"runs at once", simPod(always), 0, []int{0},
			"Running ip=10.244.0.2 c:running@0s/0/true"},
		{"pending while starting", simPod(always), 3 * time.Second, []int{0, 2},
			"Pending ip= c:waiting(ContainerCreating)/0/false wake=+3s"},
		{"running after the delay", simPod(always), 3 * time.Second, []int{0, 3},
			"Running ip=10.244.0.2 c:running@3s/0/true"},
		{"exits later", simPod(never, EnvExit, "1", EnvRun, "5s"), 0, []int{0, 4},
			"Running ip=10.244.0.2 c:running@0s/0/true wake=+5s"},
		{"Never: failure fails the pod", simPod(never, EnvExit, "1", EnvRun, "5s"), 0, []int{0, 5},
			"Failed ip=10.244.0.2 c:terminated(1 Error)@5s/0/false"},
		{"Never: exit 0 succeeds, caught up in one sync", simPod(never, EnvExit, "0", EnvRun, "5s"), 0, []int{0, 60},
			"Succeeded ip=10.244.0.2 c:terminated(0 Completed)@5s/0/false"},
		{"OnFailure: exit 0 succeeds", simPod(onFailure, EnvExit, "0"), 0, []int{0},
			"Succeeded ip=10.244.0.2 c:terminated(0 Completed)@0s/0/false"},
		{"OnFailure: failure restarts at once, then backs off", simPod(onFailure, EnvExit, "2", EnvRun, "1s"), 0, []int{0, 1},
			"Running ip=10.244.0.2 c:running@1s/1/true wake=+2s"},
		{"OnFailure: second failure waits 10s", simPod(onFailure, EnvExit, "2", EnvRun, "1s"), 0, []int{0, 1, 2},
			"Running ip=10.244.0.2 c:waiting(CrashLoopBackOff)/2/false wake=+12s"},
		{"Always: exit 0 restarts too", simPod(always, EnvExit, "0", EnvRun, "1s"), 0, []int{0, 1, 2, 12},
			"Running ip=10.244.0.2 c:running@12s/2/true wake=+13s"},
		// starts at 0, 10, 30, 70, 150, 310, 610, 910: the 9th crash waits 300s
		{"Always: catch-up after a long pause", simPod(always, EnvExit, "1"), 0, []int{0, 1000},
			"Running ip=10.244.0.2 c:waiting(CrashLoopBackOff)/9/false wake=+20m10s"},
		{"bad env", simPod(always, EnvExit, "x"), 0, []int{0},
			"Pending ip=10.244.0.2 c:waiting(CreateContainerConfigError)/0/false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := summary(replay(tc.pod, tc.delay, tc.at...)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// conds is "Type=Status(Reason)" for each condition, in order.
func conds(st corev1.PodStatus) string {
	var out []string
	for _, c := range st.Conditions {
		s := fmt.Sprintf("%s=%s", c.Type, c.Status)
		if c.Reason != "" {
			s += "(" + c.Reason + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestPodConditions(t *testing.T) {
	withInit := simPod(corev1.RestartPolicyAlways)
	withInit.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
	gated := simPod(corev1.RestartPolicyAlways)
	gated.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
	for _, tc := range []struct {
		name  string
		pod   *corev1.Pod
		delay time.Duration
		at    []int
		want  string
	}{
		{"running", simPod(corev1.RestartPolicyAlways), 0, []int{0},
			"PodReadyToStartContainers=True Initialized=True Ready=True ContainersReady=True PodScheduled=True"},
		{"init pending", withInit, 5 * time.Second, []int{0},
			"PodReadyToStartContainers=False Initialized=False(ContainersNotInitialized) Ready=False(ContainersNotReady) ContainersReady=False(ContainersNotReady) PodScheduled=True"},
		{"succeeded", simPod(corev1.RestartPolicyNever, EnvExit, "0"), 0, []int{0},
			"PodReadyToStartContainers=False Initialized=True Ready=False(PodCompleted) ContainersReady=False(PodCompleted) PodScheduled=True"},
		{"crash looping", simPod(corev1.RestartPolicyAlways, EnvExit, "1"), 0, []int{0},
			"PodReadyToStartContainers=True Initialized=True Ready=False(ContainersNotReady) ContainersReady=False(ContainersNotReady) PodScheduled=True"},
		{"other conditions are kept", gated, 0, []int{0},
			"PodReadyToStartContainers=True Initialized=True Ready=True ContainersReady=True PodScheduled=True DisruptionTarget=True"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := replay(tc.pod, tc.delay, tc.at...)
			if got := conds(st); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A condition keeps its transition time while its status holds, and a
// status that is already reported is computed again unchanged (so the sim
// writes nothing).
func TestPodStatusIsStable(t *testing.T) {
	pod := simPod(corev1.RestartPolicyNever, EnvExit, "0", EnvRun, "10s")
	st, _ := replay(pod, 0, 0, 3)
	if again, _ := replay(pod, 0, 4); !equalStatus(st, again) {
		t.Fatalf("status changed with nothing to change:\n%+v\n%+v", st, again)
	}
	for _, c := range st.Conditions {
		if !c.LastTransitionTime.Time.Equal(t0) {
			t.Errorf("%s transitioned at %s, want t0", c.Type, c.LastTransitionTime)
		}
	}
	st, _ = replay(pod, 0, 10)
	for _, c := range st.Conditions {
		moved := !c.LastTransitionTime.Time.Equal(t0)
		if want := c.Type == corev1.PodReady || c.Type == corev1.ContainersReady || c.Type == corev1.PodReadyToStartContainers; moved != want {
			t.Errorf("%s moved=%v at the exit, want %v", c.Type, moved, want)
		}
	}
}

func TestInitContainers(t *testing.T) {
	pod := simPod(corev1.RestartPolicyAlways)
	always := corev1.ContainerRestartPolicyAlways
	pod.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}, {Name: "side", Image: "busybox", RestartPolicy: &always}}
	st, _ := replay(pod, 2*time.Second, 0)
	if got := state(st.InitContainerStatuses[0].State) + " " + state(st.ContainerStatuses[0].State); got != "waiting(PodInitializing) waiting(PodInitializing)" {
		t.Errorf("before the delay: %s", got)
	}
	st, _ = replay(pod, 2*time.Second, 2)
	if got := state(st.InitContainerStatuses[0].State) + " " + state(st.InitContainerStatuses[1].State); got != "terminated(0 Completed)@2s running@2s" {
		t.Errorf("after the delay: %s", got)
	}
}

// equalStatus is the sim's own test for "nothing to write".
func equalStatus(a, b corev1.PodStatus) bool { return equality.Semantic.DeepEqual(a, b) }

func TestReadinessGatesHoldReady(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}}}}
	containers := corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}
	if got := podReadyCondition(pod, containers); got.Status != corev1.ConditionFalse || got.Reason != "ReadinessGatesNotReady" {
		t.Fatalf("gate unset: Ready %s %s, want False ReadinessGatesNotReady", got.Status, got.Reason)
	}
	pod.Status.Conditions = []corev1.PodCondition{{Type: "example.com/lb", Status: corev1.ConditionTrue}}
	if got := podReadyCondition(pod, containers); got.Status != corev1.ConditionTrue {
		t.Fatalf("gate True: Ready %s, want True", got.Status)
	}
}
