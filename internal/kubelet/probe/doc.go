// Package probe runs a node's container health checks and lifecycle hooks
// the way the Kubernetes kubelet does.
//
// A Manager keeps one worker goroutine per running container and probe
// kind (liveness, readiness, startup). Each worker waits out the probe's
// initialDelaySeconds, then probes every periodSeconds with timeoutSeconds,
// counts consecutive results against successThreshold and
// failureThreshold, and publishes the container's state: started (startup
// probe passed), ready (readiness probe passed) and failed (liveness or
// startup probe failed past its threshold, so the container must be
// restarted). A startup probe holds back liveness and readiness probes
// until it passes. Failures become Warning events with reason Unhealthy,
// worded as the kubelet words them.
//
// Probes: httpGet (HTTP or HTTPS without certificate checks, redirects
// followed only to the same host, at most 10 KiB of body read), tcpSocket,
// exec (through the container runtime's ExecSync) and grpc
// (grpc.health.v1.Health/Check).
//
// RunHandler and RunHook run a postStart or preStop hook: exec, httpGet or
// sleep.
//
// The package does not start, stop or restart containers, and it does not
// write pod status: the caller (the agent's core) asks Ready, Started and
// LivenessFailed when its onChange callback fires and acts on the answers.
package probe
