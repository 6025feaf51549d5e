// Package sim runs simulated nodes: it registers Nodes, keeps their Ready
// condition and node Leases fresh, and plays the kubelet for the pods bound
// to them (Running with an IP from the node's podCIDR, exits and restarts
// driven by the SKIFF_SIM_EXIT and SKIFF_SIM_RUN container env, graceful
// deletion) without running any container.
//
// It is a plain API client built on client-go: pointed at any Kubernetes API
// server it behaves the same. One process carries thousands of nodes, so
// nothing here is per-node goroutines: one pod informer is shared by all
// nodes, and every timed action (lease renewal, status report, a container
// exit) is a key in a delaying work queue drained by a bounded worker pool.
package sim
