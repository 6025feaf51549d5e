// Package server is the agent's HTTPS endpoint, the one the API server
// proxies pods/log, pods/exec, pods/attach, pods/portforward and
// nodes/proxy to. It serves the kubelet's paths:
//
//	GET      /healthz
//	GET      /containerLogs/{namespace}/{pod}/{container}
//	GET|POST /exec/{namespace}/{pod}/{container}
//	GET|POST /attach/{namespace}/{pod}/{container}
//	GET|POST /portForward/{namespace}/{pod}
//
// Only the API server may call it: every request needs a client
// certificate that chains to the cluster CA and names
// kube-apiserver-kubelet-client (401 without one, 403 for anyone else).
//
// Logs are read from the CRI log files containerd writes. Exec, attach and
// port-forward get a streaming URL from containerd through CRI; SPDY
// clients and the older WebSocket port-forward protocol are proxied to it
// byte for byte. WebSocket exec and attach (v5.channel.k8s.io, which
// containerd 1.6 does not speak, and the older channel protocols) end here
// and are relayed to containerd over SPDY, and kubectl's port-forward
// tunnel (SPDY frames inside WebSocket messages) is unwrapped onto a SPDY
// connection to containerd.
//
// It does not serve the kubelet's other read paths (/pods, /stats,
// /metrics, /logs, /runningpods): they answer 404.
package server
