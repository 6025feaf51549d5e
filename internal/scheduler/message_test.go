package scheduler

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

// TestFailureMessage checks the FailedScheduling text end to end: filter
// verdicts counted and sorted, then preemption's verdict.
func TestFailureMessage(t *testing.T) {
	cp := taint("node-role.kubernetes.io/control-plane", "", v1.TaintEffectNoSchedule)
	never := v1.PreemptNever
	tests := []struct {
		name   string
		nodes  []*v1.Node
		placed []*v1.Pod
		pod    *v1.Pod
		want   string
	}{
		{"insufficient cpu and a taint",
			[]*v1.Node{node("cp", cp), node("w1"), node("w2")},
			[]*v1.Pod{pod("x1", on("w1"), req("cpu", "3")), pod("x2", on("w2"), req("cpu", "3"))},
			pod("p", req("cpu", "2")),
			"0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
				"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."},
		{"every resource short is counted",
			[]*v1.Node{node("a"), node("b"), node("c")}, nil,
			pod("p", req("cpu", "8", "memory", "1Gi")),
			"0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."},
		{"two reasons on one node count twice",
			[]*v1.Node{node("a")}, nil,
			pod("p", req("cpu", "8", "memory", "10Gi")),
			"0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."},
		{"selector mismatch is not helped by preemption",
			[]*v1.Node{node("a"), node("b")}, nil,
			pod("p", nodeSelector("disk", "ssd")),
			"0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."},
		{"preemptionPolicy Never",
			[]*v1.Node{node("a")}, nil,
			pod("p", req("cpu", "8"), func(p *v1.Pod) { p.Spec.PreemptionPolicy = &never }),
			"0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := NewSnapshot(tc.nodes, tc.placed, nil)
			a := newAlgorithm(2, 0, 1)
			_, diag := a.schedule(snap, tc.pod, nil)
			if diag == nil {
				t.Fatal("pod was placed; want a failure")
			}
			plan, msg := a.preempt(snap, tc.pod, diag, nil)
			if plan != nil {
				t.Fatalf("unexpected preemption plan %+v", plan)
			}
			diag.PostFilterMsg = msg
			if got := diag.Message(); got != tc.want {
				t.Errorf("message:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
