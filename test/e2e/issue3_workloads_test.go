package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWorkloads drives the workload controllers with kubectl against a
// server of its own and three sim nodes: Deployments scale and roll out
// and back, a DaemonSet lands once per node it may run on, a StatefulSet
// starts its pods in order.
func TestWorkloads(t *testing.T) {
	s := newServer(t)
	k := s.kubectl(t)
	startSim(t, s, "--nodes", "3")
	waitUntil(t, 30*time.Second, "3 Ready nodes", func() (bool, string) {
		out := k.ok("get", "nodes", "--no-headers")
		return strings.Count(out, " Ready ") == 3, out
	})

	t.Run("deployment scales up and down", func(t *testing.T) {
		k := k.on(t)
		k.ok("create", "namespace", "scale")
		k.ok("-n", "scale", "create", "deployment", "web", "--image=nginx:1", "--replicas=2")
		k.withTimeout(90*time.Second).ok("-n", "scale", "rollout", "status", "deployment/web", "--timeout=60s")
		for _, n := range []int{5, 1} {
			k.ok("-n", "scale", "scale", "deployment/web", fmt.Sprintf("--replicas=%d", n))
			waitUntil(t, 60*time.Second, fmt.Sprintf("%d running pods", n), func() (bool, string) {
				out := k.ok("-n", "scale", "get", "pods", "-l", "app=web", "--no-headers")
				ready := k.ok("-n", "scale", "get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}")
				return strings.Count(out, "Running") == n && strings.Count(out, "\n") == n && ready == fmt.Sprintf("%d/%d", n, n), out + ready
			})
		}
	})

	t.Run("rollout, history and undo", func(t *testing.T) {
		k := k.on(t)
		k.ok("create", "namespace", "roll")
		k.ok("-n", "roll", "create", "deployment", "web", "--image=nginx:1", "--replicas=3")
		k.withTimeout(90*time.Second).ok("-n", "roll", "rollout", "status", "deployment/web", "--timeout=60s")
		k.ok("-n", "roll", "set", "image", "deployment/web", "nginx=nginx:2")
		out := k.withTimeout(90*time.Second).ok("-n", "roll", "rollout", "status", "deployment/web", "--timeout=60s")
		wantAll(t, "rollout status", out, `deployment "web" successfully rolled out`)
		wantAll(t, "rollout history", k.ok("-n", "roll", "rollout", "history", "deployment/web"), "REVISION", "1 ", "2 ")
		wantEqual(t, "replica sets", fmt.Sprint(strings.Count(k.ok("-n", "roll", "get", "rs", "--no-headers"), "\n")), "2")

		k.ok("-n", "roll", "rollout", "undo", "deployment/web")
		k.withTimeout(90*time.Second).ok("-n", "roll", "rollout", "status", "deployment/web", "--timeout=60s")
		wantEqual(t, "image after undo", k.ok("-n", "roll", "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"), "nginx:1")
		wantEqual(t, "revision after undo", k.ok("-n", "roll", "get", "deployment", "web", "-o", `jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}`), "3")
		waitUntil(t, 60*time.Second, "3 pods of nginx:1 only", func() (bool, string) {
			out := k.ok("-n", "roll", "get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}")
			return out == "nginx:1\nnginx:1\nnginx:1\n", out
		})
	})

	t.Run("daemonset skips a tainted node", func(t *testing.T) {
		k := k.on(t)
		k.ok("create", "namespace", "daemons")
		k.ok("taint", "node", "sim-2", "dedicated=db:NoSchedule")
		k.stdin(daemonSetYAML).ok("-n", "daemons", "apply", "-f", "-")
		waitUntil(t, 60*time.Second, "one ready pod on sim-0 and sim-1", func() (bool, string) {
			st := k.ok("-n", "daemons", "get", "ds", "agent", "-o", "jsonpath={.status.desiredNumberScheduled}/{.status.numberReady}")
			nodes := k.ok("-n", "daemons", "get", "pods", "-o", "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}")
			return st == "2/2" && sortedLines(nodes) == "sim-0\nsim-1", st + "\n" + nodes
		})
	})

	t.Run("statefulset starts pods in order", func(t *testing.T) {
		k := k.on(t)
		k.ok("create", "namespace", "sts")
		k.stdin(statefulSetYAML).ok("-n", "sts", "apply", "-f", "-")
		waitUntil(t, 90*time.Second, "web-0..2 ready", func() (bool, string) {
			out := k.ok("-n", "sts", "get", "sts", "web", "-o", "jsonpath={.status.readyReplicas}")
			return out == "3", out
		})
		// Each pod was created only after the one before it was Ready.
		for i := 1; i < 3; i++ {
			created := k.ok("-n", "sts", "get", "pod", fmt.Sprintf("web-%d", i), "-o", "jsonpath={.metadata.creationTimestamp}")
			prevReady := k.ok("-n", "sts", "get", "pod", fmt.Sprintf("web-%d", i-1), "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].lastTransitionTime}`)
			c, err1 := time.Parse(time.RFC3339, created)
			r, err2 := time.Parse(time.RFC3339, prevReady)
			if err1 != nil || err2 != nil || c.Before(r) {
				t.Errorf("web-%d created %s before web-%d was ready at %s", i, created, i-1, prevReady)
			}
		}
	})
}

func sortedLines(s string) string {
	lines := strings.Fields(s)
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

const daemonSetYAML = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: busybox:1.36}]
`

const statefulSetYAML = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1}]
`
