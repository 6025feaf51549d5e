package scheduler

import (
	"math/rand/v2"
	"sort"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
)

// Sampling: with many nodes, stop filtering once this many fit, as
// Kubernetes' percentageOfNodesToScore does.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
	// filterChunk is how many nodes a worker takes at a time.
	filterChunk = 32
)

// algorithm decides placements. Its only state is where the next search
// starts and the equivalence memory, neither of which changes a verdict:
// given a snapshot and a pod, the answer is the same function of them.
type algorithm struct {
	filters     []filterStage
	scorers     []scoreStage
	parallelism int
	// percentage of nodes to score; 0 picks it from the cluster size.
	percentage int32
	nextStart  int
	eq         *equivalenceCache
	rng        *rand.Rand
}

func newAlgorithm(parallelism int, percentage int32, seed uint64) *algorithm {
	return &algorithm{filters: filterChain(), scorers: scoreChain(), parallelism: max(parallelism, 1),
		percentage: percentage, eq: newEquivalenceCache(), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Placement is where a pod goes and how much of the cluster was looked at.
type Placement struct {
	Node      string
	Evaluated int
	Feasible  int
}

// schedule picks a node for pod in snap, or says why none fits.
func (a *algorithm) schedule(snap *Snapshot, pod *v1.Pod, nominated Nominated) (Placement, *Diagnosis) {
	if len(snap.nodes) == 0 {
		return Placement{}, &Diagnosis{NodeToStatus: map[string]*status{}}
	}
	st := newCycleState(snap, pod, nominated)
	// A pod preemption made room for tries that node first.
	if n := snap.Get(pod.Status.NominatedNodeName); n != nil && a.runFilters(st, nil, -1, n) == nil {
		return Placement{Node: n.Node.Name, Evaluated: 1, Feasible: 1}, nil
	}
	class := a.eq.classFor(pod, st.pi.Requests, len(snap.nodes))
	feasible, diag := a.findFeasible(st, class)
	if len(feasible) == 0 {
		return Placement{}, diag
	}
	p := Placement{Evaluated: diag.NumAllNodes, Feasible: len(feasible)}
	if len(feasible) == 1 {
		p.Node = feasible[0].Node.Name
		return p, nil
	}
	p.Node = a.selectHost(feasible, a.score(st, feasible))
	return p, nil
}

// numFeasibleNodesToFind: all nodes in small clusters; otherwise a
// percentage that shrinks as the cluster grows (50% - nodes/125, at least
// 5%), and never fewer than 100.
func numFeasibleNodesToFind(percentage int32, all int) int {
	if all < minFeasibleNodesToFind || percentage >= 100 {
		return all
	}
	p := int(percentage)
	if p <= 0 {
		p = max(50-all/125, minFeasibleNodesPercentageToFind)
	}
	return max(all*p/100, minFeasibleNodesToFind)
}

type failedNode struct {
	idx int
	st  *status
}

// findFeasible filters nodes in parallel from a rotating start until enough
// fit. The Diagnosis it returns counts every node only when none fits
// (then every node has been looked at); otherwise only NumAllNodes is the
// number evaluated.
func (a *algorithm) findFeasible(st *cycleState, class *eqClass) ([]*NodeInfo, *Diagnosis) {
	nodes := st.snap.nodes
	n := len(nodes)
	want := int64(numFeasibleNodesToFind(a.percentage, n))
	start := a.nextStart % n
	var found, next atomic.Int64
	fits := make([][]int, a.parallelism)
	fails := make([][]failedNode, a.parallelism)
	parallelize(a.parallelism, func(w int) {
		for found.Load() < want {
			lo := int(next.Add(filterChunk)) - filterChunk
			if lo >= n {
				return
			}
			for i := lo; i < min(lo+filterChunk, n); i++ {
				idx := (start + i) % n
				if s := a.runFilters(st, class, idx, nodes[idx]); s != nil {
					fails[w] = append(fails[w], failedNode{idx, s})
					continue
				}
				fits[w] = append(fits[w], i)
				found.Add(1)
			}
		}
	})
	processed := min(int(next.Load()), n)
	a.nextStart = (start + processed) % n
	var order []int
	for _, f := range fits {
		order = append(order, f...)
	}
	diag := &Diagnosis{NumAllNodes: processed}
	if len(order) == 0 {
		diag.NumAllNodes = n
		diag.NodeToStatus = make(map[string]*status, n)
		for _, f := range fails {
			for _, fn := range f {
				diag.NodeToStatus[nodes[fn.idx].Node.Name] = fn.st
			}
		}
		return nil, diag
	}
	sort.Ints(order)
	feasible := make([]*NodeInfo, 0, min(len(order), int(want)))
	for _, i := range order[:min(len(order), int(want))] {
		feasible = append(feasible, nodes[(start+i)%n])
	}
	return feasible, diag
}

// runFilters runs the chain on one node and returns the first rejection.
// Node-local verdicts come from, and go to, the class memory when there is
// one and no nominated pod on the node makes the verdict special.
func (a *algorithm) runFilters(st *cycleState, class *eqClass, idx int, n *NodeInfo) *status {
	useClass := class != nil && idx >= 0 && len(st.nominatedOn(n.Node.Name)) == 0
	var local *status
	known := false
	if useClass {
		local, known = class.lookup(idx, n)
	}
	if !known {
		local = a.runLocal(st, n)
		if useClass {
			class.store(idx, n, local)
		}
	}
	if local != nil {
		return local
	}
	for _, f := range a.filters {
		if !f.local {
			if s := f.fn(st, n); s != nil {
				return s
			}
		}
	}
	return nil
}

func (a *algorithm) runLocal(st *cycleState, n *NodeInfo) *status {
	for _, f := range a.filters {
		if f.local {
			if s := f.fn(st, n); s != nil {
				return s
			}
		}
	}
	return nil
}

// score sums each scorer's normalized score times its weight.
func (a *algorithm) score(st *cycleState, feasible []*NodeInfo) []int64 {
	total := make([]int64, len(feasible))
	scores := make([]int64, len(feasible))
	for _, s := range a.scorers {
		if s.prepare != nil {
			s.prepare(st, feasible)
		}
		a.scoreNodes(st, s, feasible, scores)
		if s.normalize != nil {
			s.normalize(scores)
		}
		for i, v := range scores {
			total[i] += v * s.weight
		}
	}
	return total
}

// scoreNodes fills scores with one scorer's raw score of each node, split
// between the workers.
func (a *algorithm) scoreNodes(st *cycleState, s scoreStage, feasible []*NodeInfo, scores []int64) {
	workers := a.parallelism
	if len(feasible) < 4*filterChunk {
		workers = 1
	}
	parallelize(workers, func(w int) {
		for i := w; i < len(feasible); i += workers {
			scores[i] = s.score(st, feasible[i])
		}
	})
}

// selectHost picks the highest score, breaking ties uniformly at random.
func (a *algorithm) selectHost(feasible []*NodeInfo, scores []int64) string {
	best, ties := 0, 1
	for i := 1; i < len(scores); i++ {
		switch {
		case scores[i] > scores[best]:
			best, ties = i, 1
		case scores[i] == scores[best]:
			ties++
			if a.rng.IntN(ties) == 0 {
				best = i
			}
		}
	}
	return feasible[best].Node.Name
}
