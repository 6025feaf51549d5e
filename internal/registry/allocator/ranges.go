package allocator

import (
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
)

// IPRange is the usable addresses of a CIDR: all but the network address
// and (for IPv4) the broadcast address.
type IPRange struct {
	base  netip.Addr
	size  int
	first netip.Addr
}

// NewIPRange returns the range of a CIDR such as "10.43.0.0/16". Ranges
// larger than 2^20 addresses are capped there, which is plenty.
func NewIPRange(cidr string) (*IPRange, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("service CIDR %q: %w", cidr, err)
	}
	p = p.Masked()
	hostBits := p.Addr().BitLen() - p.Bits()
	if hostBits < 2 {
		return nil, fmt.Errorf("service CIDR %q is too small", cidr)
	}
	size := 1 << min(hostBits, 20)
	if hostBits <= 20 {
		size-- // the network address
		if p.Addr().Is4() {
			size-- // and IPv4's broadcast address
		}
	}
	return &IPRange{base: p.Addr(), size: size, first: p.Addr().Next()}, nil
}

func (r *IPRange) Size() int { return r.size }

func (r *IPRange) Value(i int) string { return addOffset(r.first, i).String() }

func (r *IPRange) Offset(v string) (int, bool) {
	a, err := netip.ParseAddr(v)
	if err != nil || a.BitLen() != r.first.BitLen() {
		return 0, false
	}
	d := new(big.Int).Sub(new(big.Int).SetBytes(a.AsSlice()), new(big.Int).SetBytes(r.first.AsSlice()))
	if d.Sign() < 0 || !d.IsInt64() || d.Int64() >= int64(r.size) {
		return 0, false
	}
	return int(d.Int64()), true
}

// First is the range's first address: the kubernetes Service's IP.
func (r *IPRange) First() string { return r.first.String() }

func addOffset(a netip.Addr, i int) netip.Addr {
	n := new(big.Int).Add(new(big.Int).SetBytes(a.AsSlice()), big.NewInt(int64(i)))
	b := n.FillBytes(make([]byte, len(a.AsSlice())))
	out, _ := netip.AddrFromSlice(b)
	return out
}

// PortRange is a range of ports such as 30000-32767.
type PortRange struct{ Base, Count int }

func (r PortRange) Size() int { return r.Count }

func (r PortRange) Value(i int) string { return strconv.Itoa(r.Base + i) }

func (r PortRange) Offset(v string) (int, bool) {
	p, err := strconv.Atoi(v)
	if err != nil || p < r.Base || p >= r.Base+r.Count {
		return 0, false
	}
	return p - r.Base, true
}
