package nodeipam

import (
	"errors"
	"fmt"
	"net/netip"
)

// errFull is returned when every subnet of a cluster CIDR is taken.
var errFull = errors.New("no CIDR left")

// maxSubnetBits bounds how many subnets one cluster CIDR splits into
// (2^16), as kube-controller-manager does.
const maxSubnetBits = 16

// cidrSet hands out the subnets of mask size maskSize of one cluster
// CIDR, in address order, wrapping around after the last one so that a
// freed subnet is not handed out again at once. It is not safe for
// concurrent use.
type cidrSet struct {
	cluster  netip.Prefix
	maskSize int
	used     []bool
	inUse    int
	next     int
}

func newCIDRSet(cluster netip.Prefix, maskSize int) (*cidrSet, error) {
	cluster = cluster.Masked()
	if maskSize < cluster.Bits() || maskSize > cluster.Addr().BitLen() {
		return nil, fmt.Errorf("node mask size /%d does not fit cluster CIDR %s", maskSize, cluster)
	}
	if maskSize-cluster.Bits() > maxSubnetBits {
		return nil, fmt.Errorf("node mask size /%d splits cluster CIDR %s into more than 2^%d subnets", maskSize, cluster, maxSubnetBits)
	}
	return &cidrSet{cluster: cluster, maskSize: maskSize, used: make([]bool, 1<<(maskSize-cluster.Bits()))}, nil
}

// allocateNext takes the next free subnet.
func (s *cidrSet) allocateNext() (netip.Prefix, error) {
	if s.inUse == len(s.used) {
		return netip.Prefix{}, fmt.Errorf("%w in %s", errFull, s.cluster)
	}
	for i := range s.used {
		idx := (s.next + i) % len(s.used)
		if !s.used[idx] {
			s.used[idx], s.next = true, (idx+1)%len(s.used)
			s.inUse++
			return s.subnet(idx), nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("%w in %s", errFull, s.cluster)
}

// owns is true when p lies in this set's family and overlaps its range.
func (s *cidrSet) owns(p netip.Prefix) bool {
	return p.Addr().Is4() == s.cluster.Addr().Is4() && p.Overlaps(s.cluster)
}

// occupy marks every subnet p overlaps as used; it reports whether any
// was free before (false means p was taken already: a duplicate).
func (s *cidrSet) occupy(p netip.Prefix) bool {
	fresh := false
	for _, idx := range s.indexes(p) {
		if !s.used[idx] {
			s.used[idx], fresh = true, true
			s.inUse++
		}
	}
	return fresh
}

// release frees every subnet p overlaps.
func (s *cidrSet) release(p netip.Prefix) {
	for _, idx := range s.indexes(p) {
		if s.used[idx] {
			s.used[idx] = false
			s.inUse--
		}
	}
}

// indexes are the subnets p overlaps; none when it is outside the set.
func (s *cidrSet) indexes(p netip.Prefix) []int {
	if !s.owns(p) {
		return nil
	}
	p = p.Masked()
	if p.Bits() <= s.cluster.Bits() {
		all := make([]int, len(s.used))
		for i := range all {
			all[i] = i
		}
		return all
	}
	first := s.index(p.Addr())
	if p.Bits() >= s.maskSize {
		return []int{first}
	}
	out := make([]int, 1<<(s.maskSize-p.Bits()))
	for i := range out {
		out[i] = first + i
	}
	return out
}

// index is the number of the subnet holding a: the address bits between
// the cluster's prefix and the node mask.
func (s *cidrSet) index(a netip.Addr) int {
	b, off := a.As16(), bitOffset(a)
	idx := 0
	for i := off + s.cluster.Bits(); i < off+s.maskSize; i++ {
		idx = idx<<1 | int(b[i/8]>>(7-i%8)&1)
	}
	return idx
}

// subnet is the idx-th subnet of the cluster CIDR.
func (s *cidrSet) subnet(idx int) netip.Prefix {
	a := s.cluster.Addr()
	b, off := a.As16(), bitOffset(a)
	for i := off + s.maskSize - 1; i >= off+s.cluster.Bits(); i-- {
		if idx&1 == 1 {
			b[i/8] |= 1 << (7 - i%8)
		}
		idx >>= 1
	}
	addr := netip.AddrFrom16(b)
	if a.Is4() {
		addr = addr.Unmap()
	}
	return netip.PrefixFrom(addr, s.maskSize)
}

// bitOffset is where an address's own bits start in its 16-byte form.
func bitOffset(a netip.Addr) int {
	if a.Is4() {
		return 96
	}
	return 0
}
