package scheduler

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestSnapshotIsIncremental(t *testing.T) {
	c := NewCache()
	for _, n := range []string{"a", "b", "c"} {
		c.SetNode(node(n))
	}
	s := &Snapshot{}
	c.UpdateSnapshot(s)
	before := map[string]*NodeInfo{}
	for _, n := range s.Nodes() {
		before[n.Node.Name] = n
	}
	p := pod("p", on("b"), req("cpu", "1"))
	if err := c.AssumePod(p); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(s)
	if s.Get("a") != before["a"] || s.Get("c") != before["c"] {
		t.Error("unchanged nodes were copied")
	}
	if s.Get("b") == before["b"] || s.Get("b").Requested.MilliCPU != 1000 {
		t.Errorf("node b not refreshed: %+v", s.Get("b").Requested)
	}
	if before["b"].Requested.MilliCPU != 0 {
		t.Error("the old snapshot's node changed under its reader")
	}
	// The bound pod confirms the assumed one without counting it twice.
	c.AddPod(p)
	c.UpdateSnapshot(s)
	if got := s.Get("b").Requested.MilliCPU; got != 1000 || len(s.Get("b").Pods) != 1 || c.IsAssumed(p.UID) {
		t.Errorf("after confirmation: %dm, %d pods", got, len(s.Get("b").Pods))
	}
	// A forgotten assumption frees the room; a removed node leaves.
	c.RemovePod(p)
	c.RemoveNode("c")
	c.UpdateSnapshot(s)
	if s.Get("b").Requested.MilliCPU != 0 || s.Get("c") != nil || len(s.Nodes()) != 2 {
		t.Errorf("after removal: %d nodes, b has %dm", len(s.Nodes()), s.Get("b").Requested.MilliCPU)
	}
}

func TestCachePodMovesAndFinishes(t *testing.T) {
	c := NewCache()
	c.SetNode(node("a"))
	p := pod("p", on("a"), req("cpu", "1"))
	c.AddPod(p)
	done := p.DeepCopy()
	done.Status.Phase = v1.PodFailed
	c.AddPod(done)
	s := &Snapshot{}
	c.UpdateSnapshot(s)
	if s.Get("a").Requested.MilliCPU != 0 || len(s.Get("a").Pods) != 0 {
		t.Error("a failed pod still holds resources")
	}
	// A pod on a node not yet seen waits for the node.
	c.AddPod(pod("q", on("later"), req("cpu", "2")))
	c.UpdateSnapshot(s)
	if s.Get("later") != nil {
		t.Error("a node-less entry appeared in the snapshot")
	}
	c.SetNode(node("later"))
	c.UpdateSnapshot(s)
	if s.Get("later") == nil || s.Get("later").Requested.MilliCPU != 2000 {
		t.Error("the pod placed before its node was seen is not counted")
	}
}

// TestEquivalenceAndRotation: pods of one class reuse node-local verdicts
// until the node changes, and the search start rotates.
func TestEquivalenceAndRotation(t *testing.T) {
	c := NewCache()
	var nodes []*v1.Node
	for i := range 300 {
		n := node(string(rune('a'+i/26)) + string(rune('a'+i%26)))
		nodes = append(nodes, n)
		c.SetNode(n)
	}
	s := &Snapshot{}
	c.UpdateSnapshot(s)
	a := newAlgorithm(2, 0, 1)
	want := numFeasibleNodesToFind(0, 300)
	p1, diag := a.schedule(s, pod("p1", req("cpu", "3")), nil)
	if diag != nil || p1.Feasible != want {
		t.Fatalf("first pod: %+v %v", p1, diag)
	}
	if a.nextStart == 0 {
		t.Error("the search start did not move")
	}
	// place it, then a second pod of the same class must not fit there
	placed := pod("p1", on(p1.Node), req("cpu", "3"))
	if err := c.AssumePod(placed); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(s)
	a.nextStart = s.index[p1.Node] // start the search at the full node
	p2, diag := a.schedule(s, pod("p2", req("cpu", "3")), nil)
	if diag != nil || p2.Node == p1.Node {
		t.Fatalf("second pod went to %s (first was on %s): stale verdict reused", p2.Node, p1.Node)
	}
	class := a.eq.classFor(pod("p3", req("cpu", "3")), podRequests(pod("p3", req("cpu", "3"))), 300)
	st, ok := class.lookup(s.index[p1.Node], s.Get(p1.Node))
	if !ok || st == nil {
		t.Errorf("the class did not remember the full node: ok=%v status=%v", ok, st)
	}
}
