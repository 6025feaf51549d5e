package scheduler

import (
	"fmt"
	"sort"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// Cache is the scheduler's view of the cluster: nodes with the pods bound
// to them and the pods it has assumed (decided but not yet seen bound).
// Informer handlers update it one object at a time, and UpdateSnapshot
// copies only the nodes that changed since the last snapshot, so a cycle
// costs what changed, not the size of the cluster.
type Cache struct {
	mu    sync.Mutex
	nodes map[string]*NodeInfo // includes node-less entries for pods on nodes not (yet) seen
	pods  map[types.UID]*cachedPod
	// namespaces is replaced, never modified, so snapshots can share it.
	namespaces map[string]labels.Set
	dirty      map[string]struct{}
	nsChanged  bool
	generation int64
	groups     groupInterner
}

type cachedPod struct {
	info    *PodInfo
	node    string
	assumed bool
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{nodes: map[string]*NodeInfo{}, pods: map[types.UID]*cachedPod{},
		namespaces: map[string]labels.Set{}, dirty: map[string]struct{}{}}
}

// touch marks node name changed; the caller holds mu.
func (c *Cache) touch(name string) *NodeInfo {
	c.generation++
	c.dirty[name] = struct{}{}
	n := c.nodes[name]
	if n == nil {
		n = newNodeInfo(nil)
		c.nodes[name] = n
	}
	n.Generation = c.generation
	return n
}

// dropIfEmpty forgets a node-less entry once its last pod is gone.
func (c *Cache) dropIfEmpty(name string) {
	if n := c.nodes[name]; n != nil && n.Node == nil && len(n.Pods) == 0 {
		delete(c.nodes, name)
	}
}

// SetNode adds or updates a node.
func (c *Cache) SetNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.touch(node.Name).setNode(node)
}

// RemoveNode forgets a node; pods still bound to it are kept until they go.
func (c *Cache) RemoveNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.touch(name).setNode(nil)
	c.dropIfEmpty(name)
}

// SetNamespace records a namespace's labels, for namespaceSelector.
func (c *Cache) SetNamespace(ns *v1.Namespace) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[string]labels.Set, len(c.namespaces)+1)
	for k, v := range c.namespaces {
		next[k] = v
	}
	next[ns.Name] = labels.Set(ns.Labels)
	c.namespaces, c.nsChanged = next, true
}

// RemoveNamespace forgets a namespace.
func (c *Cache) RemoveNamespace(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[string]labels.Set, len(c.namespaces))
	for k, v := range c.namespaces {
		if k != name {
			next[k] = v
		}
	}
	c.namespaces, c.nsChanged = next, true
}

// AssumePod places pod (whose spec.nodeName the caller has set) on its node
// before the binding is confirmed, so the next cycle sees the room taken.
func (c *Cache) AssumePod(pod *v1.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[pod.UID]; ok {
		return fmt.Errorf("assume pod %s/%s: already in the cache", pod.Namespace, pod.Name)
	}
	c.place(pod, true)
	return nil
}

// ForgetPod undoes AssumePod after a failed binding.
func (c *Cache) ForgetPod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cp, ok := c.pods[pod.UID]; ok && cp.assumed {
		c.unplace(pod.UID)
	}
}

// AddPod records a bound pod, confirming an assumed one. Pods that have
// finished hold no resources and are treated as gone.
func (c *Cache) AddPod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unplace(pod.UID)
	if !isTerminal(pod) {
		c.place(pod, false)
	}
}

// RemovePod forgets a pod.
func (c *Cache) RemovePod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unplace(pod.UID)
}

// IsAssumed says whether pod is assumed and not yet seen bound.
func (c *Cache) IsAssumed(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, ok := c.pods[uid]
	return ok && cp.assumed
}

func (c *Cache) place(pod *v1.Pod, assumed bool) {
	pi := newPodInfo(pod)
	pi.group = c.groups.id(pod)
	c.touch(pod.Spec.NodeName).addPod(pi)
	c.pods[pod.UID] = &cachedPod{info: pi, node: pod.Spec.NodeName, assumed: assumed}
}

func (c *Cache) unplace(uid types.UID) {
	cp, ok := c.pods[uid]
	if !ok {
		return
	}
	delete(c.pods, uid)
	c.touch(cp.node).removePod(string(uid))
	c.dropIfEmpty(cp.node)
}

func isTerminal(pod *v1.Pod) bool {
	return pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed
}

// UpdateSnapshot brings s up to date, cloning only the nodes changed since
// s was last updated. The scheduling loop owns s; nothing else touches it.
func (c *Cache) UpdateSnapshot(s *Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.byName == nil {
		s.byName = map[string]*NodeInfo{}
	}
	setChanged := false
	for name := range c.dirty {
		n := c.nodes[name]
		_, had := s.byName[name]
		switch {
		case n == nil || n.Node == nil:
			delete(s.byName, name)
			setChanged = setChanged || had
		case had:
			s.byName[name] = n.clone()
			s.nodes[s.index[name]] = s.byName[name]
		default:
			s.byName[name] = n.clone()
			setChanged = true
		}
	}
	if setChanged {
		s.rebuildList()
	}
	if len(c.dirty) > 0 {
		s.rebuildAffinityLists()
		s.generation++
	}
	if c.nsChanged || s.namespaces == nil {
		s.namespaces = c.namespaces
		s.generation++
	}
	s.groups = c.groups.size()
	c.dirty, c.nsChanged = map[string]struct{}{}, false
}

// rebuildList orders the nodes by name, so that sampling is reproducible.
func (s *Snapshot) rebuildList() {
	s.nodes = s.nodes[:0]
	for _, n := range s.byName {
		s.nodes = append(s.nodes, n)
	}
	sort.Slice(s.nodes, func(i, j int) bool { return s.nodes[i].Node.Name < s.nodes[j].Node.Name })
	s.index = make(map[string]int, len(s.nodes))
	for i, n := range s.nodes {
		s.index[n.Node.Name] = i
	}
}
