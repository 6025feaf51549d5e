package core

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func running(ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "app", Ready: ready,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func TestPodCells(t *testing.T) {
	now := metav1.Now()
	fiveMinAgo := metav1.NewTime(time.Now().Add(-5 * time.Minute))
	tests := []struct {
		name                    string
		pod                     func(*corev1.Pod)
		ready, status, restarts string
	}{
		{"pending", func(p *corev1.Pod) {}, "0/1", "Pending", "0"},
		{"container creating", func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app",
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}
		}, "0/1", "ContainerCreating", "0"},
		{"running", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true)}
		}, "1/1", "Running", "0"},
		{"crash loop", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", RestartCount: 4,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 1, Reason: "Error", FinishedAt: fiveMinAgo}}}}
		}, "0/1", "CrashLoopBackOff", "4 (5m ago)"},
		{"terminating", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.DeletionTimestamp = &now
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true)}
		}, "1/1", "Terminating", "0"},
		{"node lost", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.Reason = "NodeLost"
			p.DeletionTimestamp = &now
		}, "0/1", "Unknown", "0"},
		{"completed", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.DeletionTimestamp = &now
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}}
		}, "0/1", "Completed", "0"},
		{"exit code without reason", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137}}}}
		}, "0/1", "ExitCode:137", "0"},
		{"init waiting", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "init"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init",
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
		}, "0/1", "Init:0/1", "0"},
		{"init failed", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "init"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init", RestartCount: 2,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
		}, "0/1", "Init:CrashLoopBackOff", "2"},
		{"sidecar counted", func(p *corev1.Pod) {
			always := corev1.ContainerRestartPolicyAlways
			p.Status.Phase = corev1.PodRunning
			p.Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: &always}}
			started := true
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "proxy", Ready: true, Started: &started,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true)}
		}, "2/2", "Running", "0"},
		{"scheduling gated", func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Reason: corev1.PodReasonSchedulingGated}}
		}, "0/1", "SchedulingGated", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "p", CreationTimestamp: metav1.NewTime(time.Now().Add(-time.Hour))},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
				Status:     corev1.PodStatus{Phase: corev1.PodPending},
			}
			tt.pod(pod)
			cells := podStrategy{}.Cells(pod)
			if len(cells) != len(podStrategy{}.Columns()) {
				t.Fatalf("%d cells for %d columns", len(cells), len(podStrategy{}.Columns()))
			}
			if cells[0] != tt.ready || cells[1] != tt.status || cells[2] != tt.restarts {
				t.Errorf("got READY %v STATUS %v RESTARTS %v, want %s %s %s", cells[0], cells[1], cells[2], tt.ready, tt.status, tt.restarts)
			}
			if cells[3] != "60m" {
				t.Errorf("AGE = %v, want 60m", cells[3])
			}
		})
	}
}

func TestPodWideCells(t *testing.T) {
	pod := &corev1.Pod{
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "a"}},
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example.com/ready"}, {ConditionType: "example.com/lb"}}},
		Status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "10.244.0.5"}},
			Conditions: []corev1.PodCondition{{Type: "example.com/ready", Status: corev1.ConditionTrue}}},
	}
	cells := podCells(pod)
	got := []interface{}{cells[4], cells[5], cells[6], cells[7]}
	want := []interface{}{"10.244.0.5", "node-1", "<none>", "1/2"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("wide cell %d = %v, want %v", i, got[i], want[i])
		}
	}
	cols := podColumns()
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	if strings.Join(names, "|") != "Ready|Status|Restarts|Age|IP|Node|Nominated Node|Readiness Gates" {
		t.Errorf("columns = %v", names)
	}
	if cols[4].Priority != 1 || cols[0].Priority != 0 {
		t.Errorf("wide columns need priority 1")
	}
}
