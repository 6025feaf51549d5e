package scheduler

import (
	"reflect"
	"sort"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestPreemption(t *testing.T) {
	tests := []struct {
		name        string
		nodes       []*v1.Node
		placed      []*v1.Pod
		pod         *v1.Pod
		wantNode    string
		wantVictims []string
	}{
		{"evicts only as much as needed, lowest priority first",
			[]*v1.Node{node("a")},
			[]*v1.Pod{pod("low1", on("a"), req("cpu", "1"), priority(1)), pod("low2", on("a"), req("cpu", "1"), priority(2)), pod("mid", on("a"), req("cpu", "2"), priority(5))},
			pod("p", req("cpu", "1"), priority(10)),
			"a", []string{"low1"}},
		{"prefers the node whose victims matter least",
			[]*v1.Node{node("a"), node("b")},
			[]*v1.Pod{pod("a1", on("a"), req("cpu", "4"), priority(5)), pod("b1", on("b"), req("cpu", "4"), priority(1))},
			pod("p", req("cpu", "1"), priority(10)),
			"b", []string{"b1"}},
		{"prefers fewer victims at equal priority",
			[]*v1.Node{node("a"), node("b")},
			[]*v1.Pod{pod("a1", on("a"), req("cpu", "2"), priority(1)), pod("a2", on("a"), req("cpu", "2"), priority(1)), pod("b1", on("b"), req("cpu", "4"), priority(1))},
			pod("p", req("cpu", "3"), priority(10)),
			"b", []string{"b1"}}, // a would need both its pods gone
		{"no lower-priority pods, no plan",
			[]*v1.Node{node("a")},
			[]*v1.Pod{pod("a1", on("a"), req("cpu", "4"), priority(10))},
			pod("p", req("cpu", "1"), priority(10)),
			"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := NewSnapshot(tc.nodes, tc.placed, nil)
			a := newAlgorithm(1, 0, 1)
			_, diag := a.schedule(snap, tc.pod, nil)
			if diag == nil {
				t.Fatal("pod fits without preemption")
			}
			plan, _ := a.preempt(snap, tc.pod, diag, nil)
			if tc.wantNode == "" {
				if plan != nil {
					t.Fatalf("plan %+v, want none", plan)
				}
				return
			}
			if plan == nil || plan.Node != tc.wantNode {
				t.Fatalf("plan %+v, want node %s", plan, tc.wantNode)
			}
			var got []string
			for _, v := range plan.Victims {
				got = append(got, v.Name)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.wantVictims) {
				t.Errorf("victims %v, want %v", got, tc.wantVictims)
			}
		})
	}
}

// TestNominatedRoomIsKept: a lower-priority pod may not take room
// preemption freed for a nominated pod; an equal or higher one may.
func TestNominatedRoomIsKept(t *testing.T) {
	snap := NewSnapshot([]*v1.Node{node("a")}, nil, nil)
	nominated := Nominated{"a": {newPodInfo(pod("big", req("cpu", "3"), priority(10)))}}
	a := newAlgorithm(1, 0, 1)
	if _, diag := a.schedule(snap, pod("low", req("cpu", "2"), priority(1)), nominated); diag == nil {
		t.Error("a lower-priority pod took the nominated room")
	}
	if p, diag := a.schedule(snap, pod("high", req("cpu", "2"), priority(20)), nominated); diag != nil || p.Node != "a" {
		t.Errorf("a higher-priority pod was refused: %v", diag)
	}
}
