// Package kubelet is the core of `skiff agent`: it runs the pods bound to
// this node on a CRI runtime and reports their status, as the Kubernetes
// kubelet does.
//
// It owns the pod workers (one goroutine per pod, so a pod's syncs are
// serialised and pods progress in parallel), the decision of what to do
// next for a pod (sandbox, images, init containers in order, containers,
// restarts with back-off, liveness kills), the pod status written to the API
// (phase, conditions, container states), events, graceful termination, the
// exit watcher on containerd's event stream (with a slow relist as a safety
// net) and the adoption of running pods after the agent restarts.
//
// It does not build CRI configs (criconfig), make volumes (volume), run
// probes or hooks (probe), register the Node (node) or serve logs and exec
// (server): it uses them through the small interfaces in config.go.
package kubelet
