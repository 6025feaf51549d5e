package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// jobYAML is a Job whose pods the sim ends with exit code after run.
func jobYAML(name string, completions, backoffLimit int, exit, run string) string {
	return `apiVersion: batch/v1
kind: Job
metadata: {name: ` + name + `}
spec:
  completions: ` + strconv.Itoa(completions) + `
  parallelism: ` + strconv.Itoa(completions) + `
  backoffLimit: ` + strconv.Itoa(backoffLimit) + `
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox:1.36
        env:
        - {name: SKIFF_SIM_EXIT, value: "` + exit + `"}
        - {name: SKIFF_SIM_RUN, value: "` + run + `"}
`
}

// TestBatchAndCleanup drives the Job, CronJob, garbage collector,
// namespace and endpoints controllers with kubectl against a server of
// its own and two sim nodes.
func TestBatchAndCleanup(t *testing.T) {
	s := newServer(t)
	k := s.kubectl(t)
	startSim(t, s, "--nodes", "2")
	waitUntil(t, 30*time.Second, "2 Ready nodes", func() (bool, string) {
		out := k.ok("get", "nodes", "--no-headers")
		return strings.Count(out, " Ready ") == 2, out
	})
	k.ok("create", "namespace", "batch")
	kb := k.withTimeout(120 * time.Second)

	t.Run("job completes", func(t *testing.T) {
		k := kb.on(t)
		k.stdin(jobYAML("ok", 2, 6, "0", "1s")).ok("-n", "batch", "apply", "-f", "-")
		k.ok("-n", "batch", "wait", "--for=condition=complete", "job/ok", "--timeout=90s")
		wantEqual(t, "succeeded", k.ok("-n", "batch", "get", "job", "ok", "-o", "jsonpath={.status.succeeded}/{.status.failed}"), "2/")
		wantAll(t, "events", k.ok("-n", "batch", "get", "events", "--field-selector", "involvedObject.name=ok"),
			"SuccessfulCreate", "Completed")
		// The tracking finalizer is gone from every finished pod.
		wantEqual(t, "finalizers", k.ok("-n", "batch", "get", "pods", "-l", "job-name=ok", "-o", "jsonpath={.items[*].metadata.finalizers}"), "")
	})

	t.Run("failing job stops at backoffLimit", func(t *testing.T) {
		k := kb.on(t)
		k.stdin(jobYAML("bad", 1, 1, "1", "0s")).ok("-n", "batch", "apply", "-f", "-")
		k.ok("-n", "batch", "wait", "--for=condition=failed", "job/bad", "--timeout=100s")
		wantEqual(t, "failed pods", k.ok("-n", "batch", "get", "job", "bad", "-o", "jsonpath={.status.failed}"), "2")
		wantEqual(t, "reason", k.ok("-n", "batch", "get", "job", "bad", "-o",
			`jsonpath={.status.conditions[?(@.type=="Failed")].reason}`), "BackoffLimitExceeded")
	})

	t.Run("cronjob creates jobs", func(t *testing.T) {
		k := kb.on(t)
		k.ok("-n", "batch", "create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=* * * * *")
		waitUntil(t, 90*time.Second, "a job of the cronjob", func() (bool, string) {
			out := k.ok("-n", "batch", "get", "jobs", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].kind}{\"\\n\"}{end}")
			return strings.Contains(out, "tick-") && strings.Contains(out, " CronJob"), out
		})
		waitUntil(t, 30*time.Second, "lastScheduleTime", func() (bool, string) {
			out := k.ok("-n", "batch", "get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime}")
			return out != "", out
		})
	})

	t.Run("deleting a deployment cascades", func(t *testing.T) {
		k := kb.on(t)
		k.ok("-n", "batch", "create", "deployment", "web", "--image=nginx:1", "--replicas=2")
		k.ok("-n", "batch", "rollout", "status", "deployment/web", "--timeout=60s")
		k.ok("-n", "batch", "delete", "deployment", "web")
		waitUntil(t, 60*time.Second, "replica sets and pods gone", func() (bool, string) {
			out := k.ok("-n", "batch", "get", "rs,pods", "-l", "app=web", "--no-headers")
			return strings.TrimSpace(out) == "", out
		})
	})

	t.Run("service endpoints and slices", func(t *testing.T) {
		k := kb.on(t)
		k.ok("-n", "batch", "create", "deployment", "api", "--image=nginx:1", "--replicas=2", "--port=80")
		k.ok("-n", "batch", "expose", "deployment", "api", "--port=8080", "--target-port=80")
		k.ok("-n", "batch", "rollout", "status", "deployment/api", "--timeout=60s")
		waitUntil(t, 30*time.Second, "two endpoints", func() (bool, string) {
			out := k.ok("-n", "batch", "get", "endpoints", "api", "-o", "jsonpath={.subsets[*].addresses[*].ip}")
			return len(strings.Fields(out)) == 2, out
		})
		out := k.ok("-n", "batch", "get", "endpointslices", "-l", "kubernetes.io/service-name=api", "-o",
			`jsonpath={.items[*].metadata.labels.endpointslice\.kubernetes\.io/managed-by} {.items[*].ports[0].port} {.items[*].endpoints[*].conditions.ready}`)
		wantEqual(t, "endpoint slice", out, "endpointslice-controller.k8s.io 80 true true")
	})

	t.Run("deleting a namespace completes", func(t *testing.T) {
		k := kb.on(t)
		k.ok("create", "namespace", "doomed")
		k.ok("-n", "doomed", "create", "configmap", "c", "--from-literal=a=b")
		k.ok("-n", "doomed", "create", "deployment", "d", "--image=nginx:1", "--replicas=2")
		k.ok("-n", "doomed", "rollout", "status", "deployment/d", "--timeout=60s")
		k.ok("delete", "namespace", "doomed", "--timeout=90s")
		r := k.fail("get", "namespace", "doomed")
		wantAll(t, "namespace after delete", r.stderr, `namespaces "doomed" not found`)
	})
}

// TestNodeLoss kills one of two sim processes: its node turns NotReady
// with the unreachable taint and the pods move to the other node.
func TestNodeLoss(t *testing.T) {
	s := newServer(t)
	k := s.kubectl(t).withTimeout(120 * time.Second)
	startSim(t, s, "--nodes", "1", "--node-prefix", "stay-")
	doomed := startSim(t, s, "--nodes", "1", "--node-prefix", "lost-")
	waitUntil(t, 30*time.Second, "2 Ready nodes", func() (bool, string) {
		out := k.ok("get", "nodes", "--no-headers")
		return strings.Count(out, " Ready ") == 2, out
	})
	k.stdin(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - {name: c, image: nginx:1}
`).ok("apply", "-f", "-")
	k.ok("rollout", "status", "deployment/web", "--timeout=60s")
	onLost := k.ok("get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=lost-0", "--no-headers")
	if strings.Count(onLost, "Running") == 0 {
		t.Fatalf("no pod landed on lost-0, nothing to move:\n%s", k.ok("get", "pods", "-o", "wide"))
	}
	doomed.kill()
	waitUntil(t, 90*time.Second, "lost-0 NotReady and tainted", func() (bool, string) {
		out := k.ok("get", "node", "lost-0", "--no-headers")
		taints := k.ok("get", "node", "lost-0", "-o", "jsonpath={.spec.taints[*].key}")
		return strings.Contains(out, "NotReady") && strings.Contains(taints, "node.kubernetes.io/unreachable"), out + taints
	})
	wantEqual(t, "ready reason", k.ok("get", "node", "lost-0", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].reason}`), "NodeStatusUnknown")
	waitUntil(t, 60*time.Second, "4 running pods on stay-0", func() (bool, string) {
		out := k.ok("get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=stay-0", "--no-headers")
		return strings.Count(out, "Running") == 4, out
	})
}
