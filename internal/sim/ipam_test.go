package sim

import (
	"net/netip"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestPodIPs(t *testing.T) {
	a := netip.MustParsePrefix("10.244.1.0/24")
	b := netip.MustParsePrefix("10.244.2.0/24")
	tiny := netip.MustParsePrefix("10.9.0.0/30") // only .2 is handed out
	type step struct {
		op      string // "assign" or "release"
		key     string
		uid     types.UID
		cidr    netip.Prefix
		want    string // an IP the pod asks to keep
		wantIP  string
		wantErr string
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"lowest free, skipping network and gateway", []step{
			{op: "assign", key: "ns/a", uid: "1", cidr: a, wantIP: "10.244.1.2"},
			{op: "assign", key: "ns/b", uid: "2", cidr: a, wantIP: "10.244.1.3"},
			{op: "assign", key: "ns/c", uid: "3", cidr: b, wantIP: "10.244.2.2"},
		}},
		{"same pod, same IP", []step{
			{op: "assign", key: "ns/a", uid: "1", cidr: a, wantIP: "10.244.1.2"},
			{op: "assign", key: "ns/a", uid: "1", cidr: a, wantIP: "10.244.1.2"},
		}},
		{"released IP is reused", []step{
			{op: "assign", key: "ns/a", uid: "1", cidr: a, wantIP: "10.244.1.2"},
			{op: "assign", key: "ns/b", uid: "2", cidr: a, wantIP: "10.244.1.3"},
			{op: "release", key: "ns/a"},
			{op: "assign", key: "ns/c", uid: "3", cidr: a, wantIP: "10.244.1.2"},
		}},
		{"a pod recreated under its name gets a fresh hold", []step{
			{op: "assign", key: "ns/a", uid: "1", cidr: a, wantIP: "10.244.1.2"},
			{op: "assign", key: "ns/a", uid: "2", cidr: a, want: "10.244.1.9", wantIP: "10.244.1.9"},
			{op: "assign", key: "ns/b", uid: "3", cidr: a, wantIP: "10.244.1.2"},
		}},
		{"a wanted IP is kept if free and inside", []step{
			{op: "assign", key: "ns/a", uid: "1", cidr: a, want: "10.244.1.77", wantIP: "10.244.1.77"},
			{op: "assign", key: "ns/b", uid: "2", cidr: a, want: "10.244.1.77", wantIP: "10.244.1.2"},
			{op: "assign", key: "ns/c", uid: "3", cidr: a, want: "10.244.2.5", wantIP: "10.244.1.3"},
			{op: "assign", key: "ns/d", uid: "4", cidr: a, want: "10.244.1.255", wantIP: "10.244.1.4"},
		}},
		{"full range", []step{
			{op: "assign", key: "ns/a", uid: "1", cidr: tiny, wantIP: "10.9.0.2"},
			{op: "assign", key: "ns/b", uid: "2", cidr: tiny, wantErr: "no free IP in 10.9.0.0/30"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPodIPs()
			for i, s := range tc.steps {
				if s.op == "release" {
					p.release(s.key)
					continue
				}
				want, _ := netip.ParseAddr(s.want)
				ip, err := p.assign(s.key, s.uid, s.cidr, want)
				if s.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), s.wantErr) {
						t.Fatalf("step %d: err %v, want %q", i, err, s.wantErr)
					}
					continue
				}
				if err != nil || ip.String() != s.wantIP {
					t.Fatalf("step %d: assign %s = %v, %v; want %s", i, s.key, ip, err, s.wantIP)
				}
			}
		})
	}
}
