package sim

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name, cidr, ip string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{PodCIDR: cidr}}
	if ip != "" {
		n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}}
	}
	return n
}

func TestPlanNodes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		nodes    int
		cidr     string
		existing []corev1.Node
		want     []string // name cidr ip [set]
		wantErr  string
	}{
		{name: "empty cluster: node i gets the i-th /24", nodes: 3, want: []string{
			"sim-0 10.244.0.0/24 172.16.0.1 set", "sim-1 10.244.1.0/24 172.16.0.2 set", "sim-2 10.244.2.0/24 172.16.0.3 set"}},
		{name: "other nodes' CIDRs and IPs are skipped", nodes: 2,
			existing: []corev1.Node{node("other", "10.244.0.0/24", "172.16.0.2")}, want: []string{
				"sim-0 10.244.1.0/24 172.16.0.1 set", "sim-1 10.244.2.0/24 172.16.0.3 set"}},
		{name: "own nodes keep theirs after a restart", nodes: 2,
			existing: []corev1.Node{node("sim-1", "10.244.7.0/24", "172.16.9.9"), node("sim-0", "", "")}, want: []string{
				"sim-0 10.244.0.0/24 172.16.0.1 set", "sim-1 10.244.7.0/24 172.16.9.9"}},
		{name: "many nodes use the wide default", nodes: 300, want: []string{
			"sim-0 10.224.0.0/24 172.16.0.1 set", "sim-299 10.225.43.0/24 172.16.1.45 set"}},
		{name: "exhausted", nodes: 3, cidr: "10.1.0.0/23", wantErr: "podCIDR for node sim-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Nodes: tc.nodes, Prefix: "sim-"}
			if tc.cidr != "" {
				c.ClusterCIDR = netip.MustParsePrefix(tc.cidr)
			}
			c.defaults()
			plan, err := planNodes(&c, tc.existing)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, n := range plan {
				s := fmt.Sprintf("%s %s %s", n.name, n.podCIDR, n.ip)
				if n.setCIDR {
					s += " set"
				}
				got[n.name] = s
			}
			for _, w := range tc.want {
				if name := strings.Fields(w)[0]; got[name] != w {
					t.Errorf("got %q, want %q", got[name], w)
				}
			}
		})
	}
}
