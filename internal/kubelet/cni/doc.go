// Package cni writes the node's pod network configuration: one CNI conflist
// with a bridge (the node is the pods' gateway and masquerades their traffic
// out), host-local IP addresses from the node's podCIDR, and portmap for
// hostPort. The runtime (containerd's CRI plugin) reads it and runs the
// plugins; it also brings up each pod's loopback itself.
package cni
