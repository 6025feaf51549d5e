package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestScheduler drives the scheduler inside `skiff server` over three sim
// nodes with kubectl: pods spread, a nodeSelector lands on its node, a
// tainted node is skipped, and a pod that fits nowhere says why in
// `kubectl describe pod`.
func TestScheduler(t *testing.T) {
	s := newServer(t)
	k := s.kubectl(t)
	startSim(t, s, "--nodes", "3")
	waitUntil(t, 30*time.Second, "3 Ready nodes", func() (bool, string) {
		out := k.ok("get", "nodes", "--no-headers")
		return strings.Count(out, " Ready ") == 3, out
	})

	t.Run("pods spread over the nodes", func(t *testing.T) {
		var yaml strings.Builder
		for i := range 6 {
			yaml.WriteString(schedPodYAML(fmt.Sprintf("spread-%d", i), "app: spread", "", "1"))
		}
		k.stdin(yaml.String()).ok("apply", "-f", "-")
		k.withTimeout(90*time.Second).ok("wait", "--for=jsonpath={.status.phase}=Running", "pod", "-l", "app=spread", "--timeout=60s")
		perNode := map[string]int{}
		for _, n := range strings.Fields(k.ok("get", "pods", "-l", "app=spread", "-o", "jsonpath={.items[*].spec.nodeName}")) {
			perNode[n]++
		}
		if len(perNode) != 3 || perNode["sim-0"] != 2 || perNode["sim-1"] != 2 || perNode["sim-2"] != 2 {
			t.Errorf("pods per node %v, want 2 on each of sim-0, sim-1, sim-2", perNode)
		}
		wantAll(t, "events", k.ok("get", "events", "--field-selector", "reason=Scheduled"),
			"Successfully assigned default/spread-0 to sim-")
	})

	t.Run("a nodeSelector pod lands on the labelled node", func(t *testing.T) {
		k.ok("label", "node", "sim-1", "disk=ssd")
		k.stdin(schedPodYAML("ssd", "app: ssd", "disk: ssd", "100m")).ok("apply", "-f", "-")
		k.ok("wait", "--for=jsonpath={.spec.nodeName}=sim-1", "pod/ssd", "--timeout=30s")
	})

	t.Run("a tainted node is skipped", func(t *testing.T) {
		k.ok("taint", "node", "sim-2", "dedicated=batch:NoSchedule")
		var yaml strings.Builder
		for i := range 4 {
			yaml.WriteString(schedPodYAML(fmt.Sprintf("taint-%d", i), "app: taint", "", "100m"))
		}
		k.stdin(yaml.String()).ok("apply", "-f", "-")
		k.withTimeout(60*time.Second).ok("wait", "--for=jsonpath={.status.phase}=Running", "pod", "-l", "app=taint", "--timeout=45s")
		nodes := k.ok("get", "pods", "-l", "app=taint", "-o", "jsonpath={.items[*].spec.nodeName}")
		if strings.Contains(nodes, "sim-2") {
			t.Errorf("a pod landed on the tainted node: %s", nodes)
		}
	})

	t.Run("an unschedulable pod says why in describe", func(t *testing.T) {
		k.stdin(schedPodYAML("huge", "app: huge", "", "1000")).ok("apply", "-f", "-")
		want := "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: batch}, 2 Insufficient cpu. " +
			"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
		waitUntil(t, 30*time.Second, "the PodScheduled condition", func() (bool, string) {
			out := k.ok("get", "pod", "huge", "-o", `jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}`)
			return out == want, out
		})
		out := k.ok("describe", "pod", "huge")
		wantAll(t, "describe pod", out, "FailedScheduling", "default-scheduler",
			"0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: batch}, 2 Insufficient cpu.")
		for _, re := range []string{`(?m)^Status:\s+Pending$`, `(?m)^\s+PodScheduled\s+False\s*$`} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("describe pod: no line matching %s in:\n%s", re, out)
			}
		}
		wantAll(t, "get pod", k.ok("get", "pod", "huge", "-o", "wide"), "Pending", "<none>")
	})
}

// schedPodYAML is a pod for the scheduler to place (no nodeName), with one
// label line, an optional nodeSelector line and a cpu request.
func schedPodYAML(name, label, selector, cpu string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  labels: {%s}\nspec:\n", name, label)
	if selector != "" {
		fmt.Fprintf(&b, "  nodeSelector: {%s}\n", selector)
	}
	fmt.Fprintf(&b, "  containers:\n  - name: c\n    image: busybox:1.36\n    resources: {requests: {cpu: %q}}\n", cpu)
	return b.String()
}
