package node

import (
	"slices"
	"sync"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Node registers this machine's Node and keeps it fresh.
type Node struct {
	cfg   Config
	files hostFiles
	// kick asks Run for a status post now: readiness changed.
	kick chan struct{}
	// hook, set by tests, hears of every renewal and post Run made (after
	// it set its next timer).
	hook func(event string, err error)

	mu         sync.Mutex
	registered bool
	host       hostInfo
	uid        types.UID
	cidrs      []string
	ready      readiness
	since      map[corev1.NodeConditionType]sinceStatus
	lease      *coordinationv1.Lease // as the last renewal returned it
}

// New returns a Node for cfg; Register checks cfg.
func New(cfg Config) *Node {
	return &Node{
		cfg:   cfg.withDefaults(),
		files: linuxHost,
		kick:  make(chan struct{}, 1),
		since: map[corev1.NodeConditionType]sinceStatus{},
	}
}

// PodCIDRs are the node's pod ranges, known once Register returned.
func (n *Node) PodCIDRs() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.cidrs)
}

// Allocatable is what the node offers pods (cpu, memory,
// ephemeral-storage, pods, hugepages), known once Register returned. It is
// also what the downward API gives for a limit a container does not set.
func (n *Node) Allocatable() corev1.ResourceList {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.host.capacity.DeepCopy()
}

// SetRuntimeReady feeds the Ready condition: ok says the runtime (and its
// pod network) works; msg says why not, as the node's Ready message. A
// change is posted at once.
func (n *Node) SetRuntimeReady(ok bool, msg string) {
	if ok {
		msg = ""
	}
	n.mu.Lock()
	changed := n.ready != readiness{ready: ok, message: msg}
	n.ready = readiness{ready: ok, message: msg}
	n.mu.Unlock()
	if changed {
		select {
		case n.kick <- struct{}{}:
		default:
		}
	}
}

func (n *Node) notify(event string, err error) {
	if n.hook != nil {
		n.hook(event, err)
	}
}
