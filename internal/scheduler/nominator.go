package scheduler

import (
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// nominator remembers which pending pods preemption made room for, and on
// which node, so that lower-priority pods do not take that room meanwhile.
type nominator struct {
	mu   sync.Mutex
	pods map[types.UID]*PodInfo
	node map[types.UID]string
}

func newNominator() *nominator {
	return &nominator{pods: map[types.UID]*PodInfo{}, node: map[types.UID]string{}}
}

// set records pod as nominated to node.
func (n *nominator) set(pod *v1.Pod, node string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pods[pod.UID], n.node[pod.UID] = newPodInfo(pod), node
}

// observe takes a nomination from a pod's status (a restart, or another
// scheduler instance, may have made it).
func (n *nominator) observe(pod *v1.Pod) {
	if pod.Status.NominatedNodeName != "" {
		n.set(pod, pod.Status.NominatedNodeName)
	}
}

func (n *nominator) remove(pod *v1.Pod) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.pods, pod.UID)
	delete(n.node, pod.UID)
}

// all returns the nominations grouped by node; nil when there are none.
func (n *nominator) all() Nominated {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.pods) == 0 {
		return nil
	}
	out := Nominated{}
	for uid, pi := range n.pods {
		out[n.node[uid]] = append(out[n.node[uid]], pi)
	}
	return out
}
