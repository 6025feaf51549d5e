package kubelet

import (
	"context"
	"os"

	corev1 "k8s.io/api/core/v1"
)

// garbage is what a pod no longer needs in the runtime: of each container
// the newest instance stays, and the newest exited one (the one `kubectl
// logs --previous` reads); older exited instances go, and so do dead
// sandboxes, other than the newest, that hold nothing kept.
func garbage(rt *podRuntime) (containers []*containerState, sandboxes []string) {
	kept := map[string]bool{}  // container IDs
	holds := map[string]bool{} // sandbox IDs with kept containers
	seen := map[string]bool{}  // container names with a newest instance
	exited := map[string]bool{}
	for _, c := range rt.containers { // newest first
		keep := false
		if !seen[c.name] {
			seen[c.name], keep = true, true
		}
		if c.exited() && !exited[c.name] {
			exited[c.name], keep = true, true
		}
		if keep || !c.exited() {
			kept[c.id], holds[c.sandboxID] = true, true
			continue
		}
		containers = append(containers, c)
	}
	for i, sb := range rt.sandboxes {
		if i > 0 && !sb.ready && !holds[sb.id] {
			sandboxes = append(sandboxes, sb.id)
		}
	}
	return containers, sandboxes
}

// collectGarbage removes the pod's garbage and the removed containers'
// logs; failures are logged and retried at the next sync.
func (a *Agent) collectGarbage(ctx context.Context, pod *corev1.Pod, rt *podRuntime) {
	containers, sandboxes := garbage(rt)
	for _, c := range containers {
		if err := a.rt.RemoveContainer(ctx, c.id); err != nil && !isNotFound(err) {
			a.log.Warn("remove old container", "pod", podKey(pod), "container", c.name, "id", c.id, "err", err)
			continue
		}
		a.obs.forget(c.id)
		if c.logPath != "" {
			if err := os.Remove(c.logPath); err != nil && !os.IsNotExist(err) {
				a.log.Warn("remove old container log", "path", c.logPath, "err", err)
			}
		}
		_ = os.Remove(a.terminationLogPath(pod.UID, c.name, c.attempt))
	}
	for _, id := range sandboxes {
		if err := a.rt.RemovePodSandbox(ctx, id); err != nil && !isNotFound(err) {
			a.log.Warn("remove old sandbox", "pod", podKey(pod), "id", id, "err", err)
			continue
		}
		a.obs.forget(id)
	}
}
