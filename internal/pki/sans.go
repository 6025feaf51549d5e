package pki

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
)

// sans is the set of names the serving certificate must carry.
type sans struct {
	dns []string
	ips []net.IP
}

func (s *sans) add(host string) {
	host = strings.TrimSpace(host)
	if host == "" {
		return
	}
	if ip := net.ParseIP(host); ip != nil {
		// A wildcard bind address (0.0.0.0, ::) is no name a client dials.
		if !ip.IsUnspecified() && !slices.ContainsFunc(s.ips, ip.Equal) {
			s.ips = append(s.ips, ip)
		}
		return
	}
	host = strings.ToLower(host)
	if !slices.Contains(s.dns, host) {
		s.dns = append(s.dns, host)
	}
}

// servingSANs lists every name clients may use to reach the API server:
// loopback, this host, the caller's extras, the in-cluster service names
// and the first address of each service CIDR (the "kubernetes" Service IP).
func (o Options) servingSANs() (sans, error) {
	var s sans
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		s.add(h)
	}
	if name, err := os.Hostname(); err == nil {
		s.add(name)
	}
	for _, h := range o.Hosts {
		s.add(h)
	}
	domain := o.ClusterDomain
	if domain == "" {
		domain = DefaultClusterDomain
	}
	for _, h := range []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc." + domain} {
		s.add(h)
	}
	cidrs := o.ServiceCIDR
	if cidrs == "" {
		cidrs = DefaultServiceCIDR
	}
	for _, cidr := range strings.Split(cidrs, ",") {
		ip, err := firstIP(strings.TrimSpace(cidr))
		if err != nil {
			return sans{}, err
		}
		s.add(ip.String())
	}
	return s, nil
}

// firstIP returns the first host address of a CIDR (10.43.0.0/16 -> 10.43.0.1).
func firstIP(cidr string) (net.IP, error) {
	_, network, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, fmt.Errorf("service CIDR %q: %w", cidr, err)
	}
	ip := slices.Clone(network.IP)
	for i := len(ip) - 1; i >= 0; i-- {
		ip[i]++
		if ip[i] != 0 {
			break
		}
	}
	if !network.Contains(ip) {
		return nil, fmt.Errorf("service CIDR %q has no host addresses", cidr)
	}
	return ip, nil
}

// coveredBy reports whether every wanted name is already in the certificate's
// SANs; extra names in the certificate do no harm.
func (s sans) coveredBy(dns []string, ips []net.IP) bool {
	for _, d := range s.dns {
		if !slices.ContainsFunc(dns, func(have string) bool { return strings.EqualFold(have, d) }) {
			return false
		}
	}
	for _, ip := range s.ips {
		if !slices.ContainsFunc(ips, ip.Equal) {
			return false
		}
	}
	return true
}
