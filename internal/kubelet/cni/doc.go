// Package cni sets up the node's pod network: one CNI conflist with a
// bridge (the node is the pods' gateway), host-local IP addresses from the
// node's podCIDR and portmap for hostPort, which the runtime (containerd's
// CRI plugin) reads and runs, bringing up each pod's loopback itself; and
// the node's nftables table that masquerades pod traffic leaving the node.
// It does not route between nodes.
package cni
