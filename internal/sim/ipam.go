package sim

import (
	"fmt"
	"k8s.io/apimachinery/pkg/types"
	"net/netip"
	"sync"
)

// podIPs hands out pod IPs from each node's podCIDR: unique per node, held
// by the pod (namespace/name and UID) until it finishes or goes away. The
// pod workers call it concurrently.
type podIPs struct {
	mu    sync.Mutex
	used  map[netip.Addr]string // ip -> pod key
	byPod map[string]ipHold
}

type ipHold struct {
	uid types.UID
	ip  netip.Addr
}

func newPodIPs() *podIPs {
	return &podIPs{used: map[netip.Addr]string{}, byPod: map[string]ipHold{}}
}

// assign returns the IP that pod key (with uid) holds in cidr, taking want
// if it is free and inside cidr (a pod that had an IP before a restart of
// the sim keeps it), else the lowest free address. A pod recreated under
// the same name with another UID gets a fresh hold.
func (p *podIPs) assign(key string, uid types.UID, cidr netip.Prefix, want netip.Addr) (netip.Addr, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h, ok := p.byPod[key]; ok {
		if h.uid == uid && cidr.Contains(h.ip) {
			return h.ip, nil
		}
		p.releaseLocked(key)
	}
	ip, err := p.pickLocked(cidr, want)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("pod %s: %w", key, err)
	}
	p.used[ip] = key
	p.byPod[key] = ipHold{uid: uid, ip: ip}
	return ip, nil
}

func (p *podIPs) pickLocked(cidr netip.Prefix, want netip.Addr) (netip.Addr, error) {
	first, last := hostRange(cidr)
	if want.IsValid() && cidr.Contains(want) && !want.Less(first) && !last.Less(want) {
		if _, taken := p.used[want]; !taken {
			return want, nil
		}
	}
	for ip := first; !last.Less(ip); ip = ip.Next() {
		if _, taken := p.used[ip]; !taken {
			return ip, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no free IP in %s", cidr)
}

// hostRange is the range pods get in cidr: the network address and the
// first host (the bridge's gateway, as with the CNI bridge plugin) and the
// broadcast address are never handed out.
func hostRange(cidr netip.Prefix) (first, last netip.Addr) {
	base := cidr.Masked().Addr()
	first = base.Next().Next()
	last = lastAddr(cidr).Prev()
	return first, last
}

func lastAddr(cidr netip.Prefix) netip.Addr {
	a := cidr.Masked().Addr().As4()
	host := uint32(1)<<(32-cidr.Bits()) - 1
	v := (uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// release frees the IP pod key holds, if any.
func (p *podIPs) release(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.releaseLocked(key)
}

func (p *podIPs) releaseLocked(key string) {
	if h, ok := p.byPod[key]; ok {
		delete(p.used, h.ip)
		delete(p.byPod, key)
	}
}
