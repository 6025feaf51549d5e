package nodeipam

import (
	"errors"
	"net/netip"
	"testing"
)

func mustSet(t *testing.T, cidr string, mask int) *cidrSet {
	t.Helper()
	s, err := newCIDRSet(netip.MustParsePrefix(cidr), mask)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func next(t *testing.T, s *cidrSet) string {
	t.Helper()
	p, err := s.allocateNext()
	if err != nil {
		t.Fatal(err)
	}
	return p.String()
}

func TestCIDRSetAllocatesInOrderAndWraps(t *testing.T) {
	s := mustSet(t, "10.42.0.0/22", 24)
	for _, want := range []string{"10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24"} {
		if got := next(t, s); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	s.release(netip.MustParsePrefix("10.42.1.0/24"))
	// The cursor moves on before it comes back to a freed range.
	if got := next(t, s); got != "10.42.3.0/24" {
		t.Fatalf("got %s", got)
	}
	if got := next(t, s); got != "10.42.1.0/24" {
		t.Fatalf("after wrap got %s", got)
	}
	if _, err := s.allocateNext(); !errors.Is(err, errFull) {
		t.Fatalf("err = %v, want errFull", err)
	}
}

func TestCIDRSetOccupy(t *testing.T) {
	tests := []struct {
		name     string
		occupy   string
		want     string // next allocation after occupying
		wantOwns bool
	}{
		{"exact subnet", "10.42.0.0/24", "10.42.1.0/24", true},
		{"smaller range inside a subnet", "10.42.0.128/25", "10.42.1.0/24", true},
		{"larger range covers two", "10.42.0.0/23", "10.42.2.0/24", true},
		{"outside the cluster", "10.244.0.0/24", "10.42.0.0/24", false},
		{"other family", "fd00::/64", "10.42.0.0/24", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSet(t, "10.42.0.0/16", 24)
			p := netip.MustParsePrefix(tt.occupy)
			if s.owns(p) != tt.wantOwns {
				t.Fatalf("owns = %v", !tt.wantOwns)
			}
			s.occupy(p)
			if got := next(t, s); got != tt.want {
				t.Errorf("next = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCIDRSetDuplicateOccupy(t *testing.T) {
	s := mustSet(t, "10.42.0.0/16", 24)
	p := netip.MustParsePrefix("10.42.7.0/24")
	if !s.occupy(p) || s.occupy(p) {
		t.Error("second occupy of the same range was not reported as a duplicate")
	}
	s.release(p)
	if s.inUse != 0 {
		t.Errorf("inUse = %d after release", s.inUse)
	}
}

func TestCIDRSetIPv6(t *testing.T) {
	s := mustSet(t, "fd00:10:42::/56", 64)
	if got := next(t, s); got != "fd00:10:42::/64" {
		t.Fatalf("got %s", got)
	}
	if got := next(t, s); got != "fd00:10:42:1::/64" {
		t.Fatalf("got %s", got)
	}
	s.occupy(netip.MustParsePrefix("fd00:10:42:2::/64"))
	if got := next(t, s); got != "fd00:10:42:3::/64" {
		t.Fatalf("got %s", got)
	}
}

func TestCIDRSetIndexRoundTrip(t *testing.T) {
	s := mustSet(t, "10.0.0.0/8", 24)
	for _, idx := range []int{0, 1, 255, 256, 65535} {
		p := s.subnet(idx)
		if got := s.index(p.Addr()); got != idx {
			t.Errorf("index(subnet(%d) = %s) = %d", idx, p, got)
		}
	}
	if got := s.subnet(258).String(); got != "10.1.2.0/24" {
		t.Errorf("subnet(258) = %s", got)
	}
}

func TestNewCIDRSetRejects(t *testing.T) {
	tests := map[string]struct {
		cidr string
		mask int
	}{
		"mask shorter than the cluster": {"10.42.0.0/16", 15},
		"mask beyond the address":       {"10.42.0.0/16", 33},
		"too many subnets":              {"10.0.0.0/8", 26},
	}
	for name, tt := range tests {
		if _, err := newCIDRSet(netip.MustParsePrefix(tt.cidr), tt.mask); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseClusterCIDR(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", 1, false},
		{"10.42.0.0/16", 1, false},
		{"10.42.0.0/16,fd00:42::/56", 2, false},
		{"10.42.0.1/16", 0, true},
		{"10.42.0.0/16,10.43.0.0/16", 0, true},
		{"banana", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseClusterCIDR(tt.in)
		if (err != nil) != tt.wantErr || len(got) != tt.want {
			t.Errorf("%q: %v, %v", tt.in, got, err)
		}
	}
}
