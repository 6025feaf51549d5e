package cni

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
)

// Defaults for a node's network.
const (
	DefaultNetworkName = "skiff"
	DefaultBridge      = "skiff0"
	// Version is the CNI spec version of the conflist; Debian 12's plugins
	// (1.1.1) and containerd 1.6 both speak it.
	Version = "1.0.0"
	// maxIfName is the kernel's interface name limit (IFNAMSIZ - 1).
	maxIfName = 15
)

// Config is the node's pod network.
type Config struct {
	// PodCIDRs are the node's pod ranges (spec.podCIDRs): one per IP family.
	PodCIDRs []string
	// Name is the CNI network name; default "skiff".
	Name string
	// Bridge is the Linux bridge the pods attach to; default "skiff0".
	Bridge string
	// IPAMDataDir is where host-local records allocated IPs; empty means the
	// plugin's default, /var/lib/cni/networks.
	IPAMDataDir string
	// MTU of the bridge and pod interfaces; 0 lets the plugin choose.
	MTU int
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = DefaultNetworkName
	}
	if c.Bridge == "" {
		c.Bridge = DefaultBridge
	}
	return c
}

// Render returns the conflist JSON for cfg.
func Render(cfg Config) ([]byte, error) {
	cfg = cfg.withDefaults()
	ranges, routes, err := ipamRanges(cfg.PodCIDRs)
	if err != nil {
		return nil, err
	}
	if len(cfg.Bridge) > maxIfName {
		return nil, fmt.Errorf("cni: bridge name %q is longer than %d bytes", cfg.Bridge, maxIfName)
	}
	ipam := map[string]any{"type": "host-local", "ranges": ranges, "routes": routes}
	if cfg.IPAMDataDir != "" {
		ipam["dataDir"] = cfg.IPAMDataDir
	}
	bridge := map[string]any{
		"type": "bridge", "bridge": cfg.Bridge,
		// The bridge holds the gateway address, so pods reach the host; this
		// turns on net.ipv4.ip_forward. Masquerading to the world is the
		// node's one nftables rule (Masquerade), not a chain per pod.
		"isGateway": true, "ipMasq": false,
		// A pod can reach itself through a hostPort or Service address.
		"hairpinMode": true,
		"ipam":        ipam,
	}
	if cfg.MTU > 0 {
		bridge["mtu"] = cfg.MTU
	}
	list := map[string]any{
		"cniVersion": Version,
		"name":       cfg.Name,
		"plugins": []any{
			bridge,
			// hostPort: the runtime passes port mappings as a capability.
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}, "snat": true},
		},
	}
	return json.MarshalIndent(list, "", "  ")
}

// ipamRanges turns pod CIDRs into host-local ranges (one range set per
// family) and a default route per family.
func ipamRanges(cidrs []string) (ranges [][]map[string]string, routes []map[string]string, err error) {
	if len(cidrs) == 0 {
		return nil, nil, errors.New("cni: the node has no podCIDR")
	}
	seen := map[bool]bool{}
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, nil, fmt.Errorf("cni: podCIDR %q: %w", c, err)
		}
		if p.Masked() != p {
			return nil, nil, fmt.Errorf("cni: podCIDR %q has host bits set (want %s)", c, p.Masked())
		}
		v4 := p.Addr().Is4()
		if seen[v4] {
			return nil, nil, fmt.Errorf("cni: podCIDRs %v have two ranges of one IP family", cidrs)
		}
		seen[v4] = true
		ranges = append(ranges, []map[string]string{{"subnet": p.String()}})
		dst := "::/0"
		if v4 {
			dst = "0.0.0.0/0"
		}
		routes = append(routes, map[string]string{"dst": dst})
	}
	return ranges, routes, nil
}
