package scheduler

import (
	"encoding/json"
	"hash/fnv"

	v1 "k8s.io/api/core/v1"
)

// Pods of one owner share work: pods whose scheduling-relevant spec is the
// same (a ReplicaSet's, a Job's) form an equivalence class, and the verdict
// of the node-local filters for one class against one node is remembered
// until that node changes. Placing a pod changes one node, so the next pod
// of the class re-checks only that one.

// maxClasses bounds the memory; past it everything is forgotten at once.
const maxClasses = 512

type equivalenceCache struct {
	classes map[uint64]*eqClass
}

// eqClass holds one verdict per snapshot position. Each position is written
// by the one worker filtering that node, so no lock is needed.
type eqClass struct {
	entries []eqEntry
}

// eqEntry is valid while the node's generation is gen; generations are
// unique across all nodes of a cache, so a stale or moved entry never
// matches.
type eqEntry struct {
	gen int64
	st  *status
}

func newEquivalenceCache() *equivalenceCache {
	return &equivalenceCache{classes: map[uint64]*eqClass{}}
}

// classFor returns the class of pod sized for a snapshot of n nodes, or nil
// if the pod's key cannot be computed.
func (e *equivalenceCache) classFor(pod *v1.Pod, requests Resources, n int) *eqClass {
	key, ok := equivalenceKey(pod, requests)
	if !ok {
		return nil
	}
	c := e.classes[key]
	if c == nil {
		if len(e.classes) >= maxClasses {
			e.classes = map[uint64]*eqClass{}
		}
		c = &eqClass{}
		e.classes[key] = c
	}
	if len(c.entries) != n {
		c.entries = make([]eqEntry, n)
	}
	return c
}

// equivalenceKey hashes what the node-local filters read from a pod.
func equivalenceKey(pod *v1.Pod, requests Resources) (uint64, bool) {
	var nodeAffinity *v1.NodeAffinity
	if pod.Spec.Affinity != nil {
		nodeAffinity = pod.Spec.Affinity.NodeAffinity
	}
	var ports [][]v1.ContainerPort
	for i := range pod.Spec.Containers {
		ports = append(ports, pod.Spec.Containers[i].Ports)
	}
	h := fnv.New64a()
	err := json.NewEncoder(h).Encode(struct {
		NodeName     string
		NodeSelector map[string]string
		NodeAffinity *v1.NodeAffinity
		Tolerations  []v1.Toleration
		Requests     Resources
		Ports        [][]v1.ContainerPort
	}{pod.Spec.NodeName, pod.Spec.NodeSelector, nodeAffinity, pod.Spec.Tolerations, requests, ports})
	return h.Sum64(), err == nil
}

// lookup returns the remembered verdict for node n at position i.
func (c *eqClass) lookup(i int, n *NodeInfo) (*status, bool) {
	e := c.entries[i]
	return e.st, e.gen == n.Generation && e.gen != 0
}

func (c *eqClass) store(i int, n *NodeInfo, st *status) {
	c.entries[i] = eqEntry{gen: n.Generation, st: st}
}
