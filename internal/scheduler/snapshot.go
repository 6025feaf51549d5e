package scheduler

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Snapshot is the cluster as one scheduling cycle sees it. It does not change
// during the cycle; the cache refreshes it between cycles.
type Snapshot struct {
	nodes  []*NodeInfo
	byName map[string]*NodeInfo
	index  map[string]int
	// nodes that carry pods with any affinity term, and with a required
	// anti-affinity term: the inter-pod filter looks at these only.
	withAffinity     []*NodeInfo
	withRequiredAnti []*NodeInfo
	namespaces       map[string]labels.Set
	// groups is how many label groups its pods may belong to.
	groups int
	// generation changes with every refresh that changed anything.
	generation int64
}

// NewSnapshot builds a snapshot directly, for tests and benchmarks.
func NewSnapshot(nodes []*v1.Node, pods []*v1.Pod, namespaces []*v1.Namespace) *Snapshot {
	c := NewCache()
	for _, n := range nodes {
		c.SetNode(n)
	}
	for _, p := range pods {
		c.AddPod(p)
	}
	for _, ns := range namespaces {
		c.SetNamespace(ns)
	}
	s := &Snapshot{}
	c.UpdateSnapshot(s)
	return s
}

// Nodes is every node of the snapshot, ordered by name.
func (s *Snapshot) Nodes() []*NodeInfo { return s.nodes }

// Get returns the named node or nil.
func (s *Snapshot) Get(name string) *NodeInfo { return s.byName[name] }

func (s *Snapshot) nsLabels(ns string) labels.Set { return s.namespaces[ns] }

func (s *Snapshot) rebuildAffinityLists() {
	s.withAffinity, s.withRequiredAnti = s.withAffinity[:0], s.withRequiredAnti[:0]
	for _, n := range s.nodes {
		if len(n.PodsWithAffinity) > 0 {
			s.withAffinity = append(s.withAffinity, n)
		}
		if len(n.PodsWithRequiredAntiAffinity) > 0 {
			s.withRequiredAnti = append(s.withRequiredAnti, n)
		}
	}
}
