package bench

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestPodRunningAndProblem(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	waiting := func(reason string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: "m"}}
	}
	pod := func(phase corev1.PodPhase, containers int, states ...corev1.ContainerState) *corev1.Pod {
		p := &corev1.Pod{Status: corev1.PodStatus{Phase: phase}}
		for range containers {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{})
		}
		for i, s := range states {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: string(rune('a' + i)), State: s})
		}
		return p
	}
	tests := []struct {
		name        string
		pod         *corev1.Pod
		running     bool
		wantProblem string
	}{
		{"pending", pod(corev1.PodPending, 1), false, ""},
		{"running", pod(corev1.PodRunning, 1, running), true, ""},
		{"running, one of two containers", pod(corev1.PodRunning, 2, running), false, ""},
		{"running, one waiting", pod(corev1.PodRunning, 2, running, waiting("ContainerCreating")), false, ""},
		{"image pull", pod(corev1.PodPending, 1, waiting("ErrImagePull")), false, "container a: ErrImagePull: m"},
		{"crash loop", pod(corev1.PodRunning, 1, waiting("CrashLoopBackOff")), false, "CrashLoopBackOff"},
		{"failed", pod(corev1.PodFailed, 1), false, "phase Failed"},
		{"succeeded", pod(corev1.PodSucceeded, 1), false, "phase Succeeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podRunning(tt.pod); got != tt.running {
				t.Errorf("podRunning = %v", got)
			}
			got := podProblem(tt.pod)
			if (tt.wantProblem == "") != (got == "") || !strings.Contains(got, tt.wantProblem) {
				t.Errorf("podProblem = %q, want %q", got, tt.wantProblem)
			}
		})
	}
}

func TestWaitConditions(t *testing.T) {
	at := time.Now()
	state := map[string]*watchedPod{
		"up":    {present: true, running: at},
		"slow":  {present: true},
		"stuck": {present: true, problem: "container c: ErrImagePull: m"},
		"gone":  {present: false, running: at},
	}
	tests := []struct {
		name    string
		cond    func(map[string]*watchedPod) (bool, error)
		done    bool
		wantErr string
	}{
		{"all running", allRunning([]string{"up", "gone"}), true, ""},
		{"one still starting", allRunning([]string{"up", "slow"}), false, ""},
		{"one not seen yet", allRunning([]string{"up", "new"}), false, ""},
		{"one stuck", allRunning([]string{"up", "slow", "stuck"}), false, "pod stuck: container c: ErrImagePull"},
		{"none of no pods", allRunning(nil), true, ""},
		{"all gone", allGone([]string{"gone", "never"}), true, ""},
		{"one left", allGone([]string{"gone", "up"}), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done, err := tt.cond(state)
			if done != tt.done || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, %v; want %v, %q", done, err, tt.done, tt.wantErr)
			}
		})
	}
}
