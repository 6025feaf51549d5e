package sim

import (
	"fmt"
	"net/netip"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// simNode is one simulated node: its place in the plan never changes while
// the sim runs, so the pod workers read it without locks.
type simNode struct {
	name  string
	index int
	// podCIDR is the node's spec.podCIDR: the server's, the one it had
	// before a restart of the sim, or one the sim picked.
	podCIDR netip.Prefix
	// setCIDR says the registered node lacks podCIDR and the sim sets it.
	setCIDR bool
	ip      netip.Addr
	// existing is the node as the server had it when the sim started.
	existing *corev1.Node
}

// planNodes decides every node's name, podCIDR and InternalIP from the
// nodes the cluster has. Nodes this sim ran before keep their podCIDR and
// IP; the others take, in index order, the next /24 of the cluster CIDR and
// the next address of the node IP range that no other node holds, so with
// no one else around node i gets the i-th /24.
func planNodes(c *Config, existing []corev1.Node) ([]*simNode, error) {
	byName := map[string]*corev1.Node{}
	usedCIDR, usedIP := map[netip.Prefix]bool{}, map[netip.Addr]bool{}
	for i := range existing {
		n := &existing[i]
		byName[n.Name] = n
		for _, s := range append([]string{n.Spec.PodCIDR}, n.Spec.PodCIDRs...) {
			if p, err := netip.ParsePrefix(s); err == nil {
				usedCIDR[p.Masked()] = true
			}
		}
		if ip := internalIP(n); ip.IsValid() {
			usedIP[ip] = true
		}
	}
	cidrs := newCursor(c.ClusterCIDR, 24, usedCIDR)
	ips := newCursor(c.NodeIPRange, 32, nil)
	nodes := make([]*simNode, c.Nodes)
	for i := range nodes {
		n := &simNode{name: c.Prefix + strconv.Itoa(i), index: i}
		n.existing = byName[n.name]
		if err := n.pickCIDR(cidrs); err != nil {
			return nil, err
		}
		if err := n.pickIP(ips, usedIP); err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	return nodes, nil
}

func (n *simNode) pickCIDR(cidrs *cursor) error {
	if n.existing != nil {
		if p, err := netip.ParsePrefix(n.existing.Spec.PodCIDR); err == nil && p.Addr().Is4() {
			n.podCIDR = p.Masked()
			return nil
		}
	}
	p, err := cidrs.next()
	if err != nil {
		return fmt.Errorf("podCIDR for node %s: %w", n.name, err)
	}
	n.podCIDR, n.setCIDR = p, true
	return nil
}

func (n *simNode) pickIP(ips *cursor, used map[netip.Addr]bool) error {
	if n.existing != nil {
		if ip := internalIP(n.existing); ip.IsValid() {
			n.ip = ip
			return nil
		}
	}
	for {
		p, err := ips.next()
		if err != nil {
			return fmt.Errorf("InternalIP for node %s: %w", n.name, err)
		}
		// the range's network address and .0 hosts look odd as node IPs
		if a := p.Addr().As4(); a[3] != 0 && !used[p.Addr()] {
			n.ip = p.Addr()
			return nil
		}
	}
}

func internalIP(n *corev1.Node) netip.Addr {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				return ip
			}
		}
	}
	return netip.Addr{}
}

// cursor walks the blocks of size /bits in a range, in order, skipping the
// ones in used and never returning one twice.
type cursor struct {
	base  uint32
	step  uint32
	count uint64
	pos   uint64
	used  map[netip.Prefix]bool
	bits  int
}

func newCursor(r netip.Prefix, bits int, used map[netip.Prefix]bool) *cursor {
	a := r.Masked().Addr().As4()
	return &cursor{
		base:  uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]),
		step:  uint32(1) << (32 - bits),
		count: uint64(1) << (bits - r.Bits()),
		used:  used,
		bits:  bits,
	}
}

func (c *cursor) next() (netip.Prefix, error) {
	for c.pos < c.count {
		v := c.base + uint32(c.pos)*c.step
		c.pos++
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), c.bits)
		if !c.used[p] {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("range exhausted after %d blocks of /%d", c.count, c.bits)
}
