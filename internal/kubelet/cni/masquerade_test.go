package cni

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestRenderMasquerade(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		want    []string // lines the script must hold
		notWant []string
		err     string
	}{{
		name: "IPv4",
		cfg:  Config{PodCIDRs: []string{"10.42.7.0/24"}},
		want: []string{
			"add table ip skiff-nat-skiff0", "delete table ip6 skiff-nat-skiff0",
			"table ip skiff-nat-skiff0 {",
			"type nat hook postrouting priority srcnat; policy accept;",
			`ip saddr 10.42.7.0/24 ip daddr != { 10.42.7.0/24, 224.0.0.0/4 } oifname != "skiff0" masquerade`,
		},
		notWant: []string{"table ip6 skiff-nat-skiff0 {"},
	}, {
		name: "dual stack, own bridge",
		cfg:  Config{PodCIDRs: []string{"10.42.3.0/24", "fd00:42:3::/64"}, Bridge: "br.x"},
		want: []string{
			"table ip skiff-nat-br_x {", "table ip6 skiff-nat-br_x {",
			`ip6 saddr fd00:42:3::/64 ip6 daddr != { fd00:42:3::/64, ff00::/8 } oifname != "br.x" masquerade`,
		},
	}, {
		name: "no range", cfg: Config{}, err: "no podCIDR",
	}, {
		name: "bad range", cfg: Config{PodCIDRs: []string{"10.42.0.1/24"}}, err: "host bits",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := RenderMasquerade(c.cfg)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lines := map[string]bool{}
			for _, l := range strings.Split(got, "\n") {
				lines[strings.TrimSpace(l)] = true
			}
			for _, w := range c.want {
				if !lines[w] {
					t.Errorf("script lacks %q:\n%s", w, got)
				}
			}
			for _, w := range c.notWant {
				if lines[w] {
					t.Errorf("script has %q:\n%s", w, got)
				}
			}
		})
	}
}

// removeMasquerade deletes cfg's masquerade table, if there is one.
func removeMasquerade(ctx context.Context, cfg Config) error {
	table := MasqueradeTable(cfg)
	return nft(ctx, fmt.Sprintf("add table ip %s\ndelete table ip %s\nadd table ip6 %s\ndelete table ip6 %s\n", table, table, table, table))
}

// TestMasqueradeInstalls runs the script through the system's nft: the
// kernel takes it, a second run replaces the first, and removal leaves
// nothing behind.
func TestMasqueradeInstalls(t *testing.T) {
	if _, err := exec.LookPath("nft"); err != nil || os.Geteuid() != 0 {
		if os.Getenv("SKIFF_REQUIRE_CONTAINERD") == "1" {
			t.Fatal("needs nft (apt-get install nftables) and root")
		}
		t.Skip("needs nft (apt-get install nftables) and root")
	}
	ctx := context.Background()
	cfg := Config{PodCIDRs: []string{"10.199.3.0/24"}, Bridge: fmt.Sprintf("skt%d", os.Getpid()%100000)}
	table := MasqueradeTable(cfg)
	t.Cleanup(func() { _ = removeMasquerade(ctx, cfg) })
	list := func() string {
		out, _ := exec.Command("nft", "list", "table", "ip", table).CombinedOutput()
		return string(out)
	}
	for i := 0; i < 2; i++ {
		if err := Masquerade(ctx, cfg); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		got := list()
		if n := strings.Count(got, "masquerade"); n != 1 {
			t.Fatalf("run %d: %d masquerade rules, want 1:\n%s", i, n, got)
		}
		if !strings.Contains(got, "ip saddr 10.199.3.0/24") {
			t.Fatalf("run %d: rule for the wrong range:\n%s", i, got)
		}
	}
	cfg.PodCIDRs = []string{"10.199.4.0/24"}
	if err := Masquerade(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if got := list(); strings.Contains(got, "10.199.3.0") || !strings.Contains(got, "10.199.4.0/24") {
		t.Fatalf("a new range did not replace the old one:\n%s", got)
	}
	if err := removeMasquerade(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if got := list(); strings.Contains(got, "masquerade") {
		t.Fatalf("the table is still there:\n%s", got)
	}
}
