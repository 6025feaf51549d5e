package cni

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
)

// The node masquerades its pods' traffic to the world with one nftables
// table of its own, written once when the podCIDR is known, rather than
// the bridge plugin's ipMasq: that one runs iptables nine times for every
// pod (a chain and its rules per pod IP), which was ~8% of the CPU of
// starting 30 pods at once on two cores.

// MasqueradeTable is the nftables table name for cfg's bridge, one per
// bridge so several nodes' networks on one machine keep their own.
func MasqueradeTable(cfg Config) string {
	cfg = cfg.withDefaults()
	var b strings.Builder
	b.WriteString("skiff-nat-")
	for _, r := range cfg.Bridge {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// RenderMasquerade returns the nft script that (re)creates the node's
// masquerade table: traffic from a pod range to an address outside it,
// not multicast, leaving by any interface but the bridge, takes the
// node's address. Pods reaching each other and the node keep their own
// source address.
func RenderMasquerade(cfg Config) (string, error) {
	cfg = cfg.withDefaults()
	if _, _, err := ipamRanges(cfg.PodCIDRs); err != nil {
		return "", err
	}
	table := MasqueradeTable(cfg)
	var b strings.Builder
	for _, fam := range []string{"ip", "ip6"} {
		// add+delete first: one transaction replaces whatever an earlier
		// run left, and removes a family the node no longer has.
		fmt.Fprintf(&b, "add table %s %s\ndelete table %s %s\n", fam, table, fam, table)
	}
	for _, c := range cfg.PodCIDRs {
		p := netip.MustParsePrefix(c) // checked by ipamRanges
		fam, multicast := "ip", "224.0.0.0/4"
		if !p.Addr().Is4() {
			fam, multicast = "ip6", "ff00::/8"
		}
		fmt.Fprintf(&b, "table %s %s {\n", fam, table)
		b.WriteString("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n")
		fmt.Fprintf(&b, "\t\t%s saddr %s %s daddr != { %s, %s } oifname != %q masquerade\n",
			fam, p, fam, p, multicast, cfg.Bridge)
		b.WriteString("\t}\n}\n")
	}
	return b.String(), nil
}

// Masquerade installs the node's masquerade table with the system's nft.
func Masquerade(ctx context.Context, cfg Config) error {
	script, err := RenderMasquerade(cfg)
	if err != nil {
		return err
	}
	return nft(ctx, script)
}

func nft(ctx context.Context, script string) error {
	cmd := exec.CommandContext(ctx, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cni: nft (is the nftables package installed?): %w: %s", err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}
