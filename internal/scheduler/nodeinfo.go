package scheduler

import (
	v1 "k8s.io/api/core/v1"
)

// NodeInfo is a node with the pods on it (bound or assumed) and the sums the
// filters need. A snapshot's NodeInfos are never modified: the cache clones
// the ones that changed.
type NodeInfo struct {
	Node *v1.Node
	Pods []*PodInfo
	// PodsWithAffinity have any inter-pod (anti-)affinity term;
	// PodsWithRequiredAntiAffinity a required anti-affinity term.
	PodsWithAffinity             []*PodInfo
	PodsWithRequiredAntiAffinity []*PodInfo

	Requested     Resources
	NonZeroCPU    int64
	NonZeroMemory int64
	Allocatable   Resources
	AllowedPods   int64
	UsedPorts     portSet

	// Generation changes whenever anything above does; the equivalence
	// cache keys its memory on it.
	Generation int64
}

func newNodeInfo(node *v1.Node) *NodeInfo {
	n := &NodeInfo{}
	n.setNode(node)
	return n
}

func (n *NodeInfo) setNode(node *v1.Node) {
	n.Node = node
	if node != nil {
		n.Allocatable, n.AllowedPods = allocatable(node)
	}
}

// addPod accounts for pi on this node.
func (n *NodeInfo) addPod(pi *PodInfo) {
	n.Pods = append(n.Pods, pi)
	if pi.hasAffinity() {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if len(pi.RequiredAntiAffinity) > 0 {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
	n.Requested.addResources(pi.Requests)
	n.NonZeroCPU += pi.NonZeroCPU
	n.NonZeroMemory += pi.NonZeroMemory
	n.UsedPorts.addPod(pi.Pod)
}

// removePod undoes addPod for the pod with uid; it reports whether it was
// there.
func (n *NodeInfo) removePod(uid string) bool {
	i := indexOf(n.Pods, uid)
	if i < 0 {
		return false
	}
	pi := n.Pods[i]
	n.Pods = without(n.Pods, i)
	if j := indexOf(n.PodsWithAffinity, uid); j >= 0 {
		n.PodsWithAffinity = without(n.PodsWithAffinity, j)
	}
	if j := indexOf(n.PodsWithRequiredAntiAffinity, uid); j >= 0 {
		n.PodsWithRequiredAntiAffinity = without(n.PodsWithRequiredAntiAffinity, j)
	}
	n.Requested.subResources(pi.Requests)
	n.NonZeroCPU -= pi.NonZeroCPU
	n.NonZeroMemory -= pi.NonZeroMemory
	n.UsedPorts = portSet{}
	for _, p := range n.Pods {
		n.UsedPorts.addPod(p.Pod)
	}
	return true
}

func indexOf(pods []*PodInfo, uid string) int {
	for i, p := range pods {
		if string(p.Pod.UID) == uid {
			return i
		}
	}
	return -1
}

// without removes element i, copying so that clones sharing the backing
// array are not disturbed.
func without(pods []*PodInfo, i int) []*PodInfo {
	out := make([]*PodInfo, 0, len(pods)-1)
	out = append(out, pods[:i]...)
	return append(out, pods[i+1:]...)
}

// clone is a copy that shares the PodInfos (which are immutable) but none of
// the slices or maps that addPod and removePod change.
func (n *NodeInfo) clone() *NodeInfo {
	c := *n
	c.Pods = append([]*PodInfo(nil), n.Pods...)
	c.PodsWithAffinity = append([]*PodInfo(nil), n.PodsWithAffinity...)
	c.PodsWithRequiredAntiAffinity = append([]*PodInfo(nil), n.PodsWithRequiredAntiAffinity...)
	c.Requested = n.Requested.clone()
	c.UsedPorts = n.UsedPorts.clone()
	return &c
}

// portSet holds the host ports in use on a node.
type portSet struct {
	used []hostPort
}

type hostPort struct {
	ip       string
	protocol v1.Protocol
	port     int32
}

func (s *portSet) addPod(pod *v1.Pod) {
	for _, p := range podHostPorts(pod) {
		s.used = append(s.used, p)
	}
}

func (s portSet) clone() portSet {
	return portSet{used: append([]hostPort(nil), s.used...)}
}

// conflicts says whether p collides with a port in use: same protocol and
// port, and the same IP or either side on every address.
func (s portSet) conflicts(p hostPort) bool {
	for _, u := range s.used {
		if u.port == p.port && u.protocol == p.protocol && (u.ip == p.ip || u.ip == "0.0.0.0" || p.ip == "0.0.0.0") {
			return true
		}
	}
	return false
}

// podHostPorts lists the host ports a pod's containers claim, with the
// defaults the API leaves implicit. Init containers are gone by the time
// ports matter, so only the regular containers count.
func podHostPorts(pod *v1.Pod) []hostPort {
	var out []hostPort
	add := func(cs []v1.Container) {
		for i := range cs {
			for _, p := range cs[i].Ports {
				if p.HostPort <= 0 {
					continue
				}
				hp := hostPort{ip: p.HostIP, protocol: p.Protocol, port: p.HostPort}
				if hp.ip == "" {
					hp.ip = "0.0.0.0"
				}
				if hp.protocol == "" {
					hp.protocol = v1.ProtocolTCP
				}
				out = append(out, hp)
			}
		}
	}
	add(pod.Spec.Containers)
	return out
}
