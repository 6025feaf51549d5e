package scheduler

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// TestScoresPickNode: each scorer, on its own scenario, makes the expected
// node win (parallelism 1 and a fixed seed: ties would be caught by
// running each case several times).
func TestScoresPickNode(t *testing.T) {
	zone := func(z string) nodeOpt { return nodeLabels("zone", z) }
	tests := []struct {
		name   string
		nodes  []*v1.Node
		placed []*v1.Pod
		pod    *v1.Pod
		want   string
	}{
		{"least allocated prefers the emptier node",
			[]*v1.Node{node("a"), node("b")}, []*v1.Pod{pod("x", on("a"), req("cpu", "2", "memory", "4Gi"))},
			pod("p", req("cpu", "100m", "memory", "100Mi")), "b"},
		{"balanced allocation prefers even use",
			[]*v1.Node{node("a"), node("b", alloc(v1.ResourceCPU, "8"))},
			[]*v1.Pod{pod("x", on("a"), req("cpu", "1", "memory", "2Gi")), pod("y", on("b"), req("cpu", "2", "memory", "6Gi"))},
			pod("p", req("cpu", "1", "memory", "2Gi")), "a"},
		{"preferred node affinity",
			[]*v1.Node{node("a"), node("b", nodeLabels("disk", "ssd"))}, nil,
			pod("p", preferredNode(50, expr("disk", v1.NodeSelectorOpIn, "ssd"))), "b"},
		{"PreferNoSchedule taints are avoided",
			[]*v1.Node{node("a", taint("k", "v", v1.TaintEffectPreferNoSchedule)), node("b")}, nil,
			pod("p"), "b"},
		{"preferred pod affinity draws to the domain",
			[]*v1.Node{node("a", zone("z1")), node("b", zone("z2"))}, []*v1.Pod{pod("db", on("b"), podLabels("app", "db"))},
			pod("p", preferredPodAffinity(100, podTerm("zone", "app", "db"), false)), "b"},
		{"preferred anti-affinity pushes away",
			[]*v1.Node{node("a"), node("b")}, []*v1.Pod{pod("w", on("a"), podLabels("app", "web"))},
			pod("p", preferredPodAffinity(100, podTerm(v1.LabelHostname, "app", "web"), true)), "b"},
		{"ScheduleAnyway spread prefers the emptier zone",
			[]*v1.Node{node("a", zone("z1")), node("b", zone("z2"))},
			[]*v1.Pod{pod("w1", on("a"), podLabels("app", "web")), pod("w2", on("a"), podLabels("app", "web"))},
			pod("p", podLabels("app", "web"), spread(1, "zone", v1.ScheduleAnyway, "app", "web")), "b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := NewSnapshot(tc.nodes, tc.placed, nil)
			for seed := uint64(1); seed <= 5; seed++ {
				p, diag := newAlgorithm(1, 0, seed).schedule(snap, tc.pod, nil)
				if diag != nil {
					t.Fatalf("unschedulable: %s", diag.Message())
				}
				if p.Node != tc.want {
					t.Fatalf("seed %d: placed on %s, want %s", seed, p.Node, tc.want)
				}
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		fn   func([]int64)
		in   []int64
		want []int64
	}{
		{"to max", normalizeToMax, []int64{0, 25, 50}, []int64{0, 50, 100}},
		{"to max, all zero", normalizeToMax, []int64{0, 0}, []int64{0, 0}},
		{"reverse", normalizeReverse, []int64{0, 1, 2}, []int64{100, 50, 0}},
		{"reverse, all zero", normalizeReverse, []int64{0, 0}, []int64{100, 100}},
		{"range with negatives", normalizeRange, []int64{-10, 0, 10}, []int64{0, 50, 100}},
		{"spread", normalizeSpread, []int64{2, 4}, []int64{100, 50}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := append([]int64(nil), tc.in...)
			tc.fn(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	tests := []struct {
		pct       int32
		all, want int
	}{
		{0, 50, 50},     // small clusters: all
		{0, 1000, 420},  // 50 - 1000/125 = 42%
		{0, 5000, 500},  // 50 - 40 = 10%
		{0, 10000, 500}, // floor of 5%
		{0, 150, 100},   // never fewer than 100
		{20, 1000, 200}, // configured
		{100, 1000, 1000},
	}
	for _, tc := range tests {
		if got := numFeasibleNodesToFind(tc.pct, tc.all); got != tc.want {
			t.Errorf("numFeasibleNodesToFind(%d, %d) = %d, want %d", tc.pct, tc.all, got, tc.want)
		}
	}
}
