// Package node keeps this machine's Node object in the API: it registers
// the Node (labels, capacity and allocatable measured on the host, node
// info, addresses, the agent's endpoint and the kubelet's four conditions),
// waits for the control plane to assign the node's podCIDR and writes the
// CNI conflist from it, then renews the node's Lease and posts its status
// for as long as the agent runs.
//
// It talks to the API server only, through client-go, and is level-based:
// each renewal and status post writes the whole wanted state, a failed one
// is retried with back-off, and a Node deleted under a running agent is
// registered again. It does not run pods, watch them or report their
// resources; nothing is reserved for the system, so allocatable equals
// capacity.
package node
