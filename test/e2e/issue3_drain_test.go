package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// drainStartDelay is how long the sim keeps a new pod ContainerCreating:
// long enough that a replacement is still unready while a second drain
// runs into the budget, short enough to keep the test quick.
const drainStartDelay = 20 * time.Second

// TestDrainHonoursPDB drains sim nodes under a PodDisruptionBudget with
// the real kubectl: the first drain evicts (the budget allows one
// disruption), the second is refused while the replacement pod is not
// yet Ready and leaves its node cordoned, and goes through once the
// replacement is Ready; uncordon makes the nodes schedulable again.
func TestDrainHonoursPDB(t *testing.T) {
	s := newServer(t)
	k := s.kubectl(t)
	kl := k.withTimeout(150 * time.Second)
	startSim(t, s, "--nodes", "3", "--pod-start-delay", drainStartDelay.String())
	waitUntil(t, 30*time.Second, "3 Ready nodes", func() (bool, string) {
		out := k.ok("get", "nodes", "--no-headers")
		return strings.Count(out, " Ready ") == 3, out
	})
	k.ok("create", "namespace", "drain")
	k.stdin(drainWorkloadYAML).ok("-n", "drain", "apply", "-f", "-")
	kl.ok("-n", "drain", "rollout", "status", "deployment/web", "--timeout=120s")
	if got := podsPerNode(k, "drain"); got != "sim-0=1 sim-1=1 sim-2=1" {
		t.Fatalf("pods per node %q, want one on each node (preferred anti-affinity)\n%s", got,
			k.ok("-n", "drain", "get", "pods", "-o", "wide"))
	}
	waitPDB(t, k, "3 healthy, 1 allowed", "3/2/1")

	// The budget allows one disruption: sim-0's pod is evicted and the
	// drain completes.
	out := kl.ok("drain", "sim-0", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s")
	wantAll(t, "drain sim-0", out, "node/sim-0 cordoned", "evicted", "node/sim-0 drained")
	wantNodeStatus(t, k, "sim-0", "Ready,SchedulingDisabled")

	// The replacement is ContainerCreating for drainStartDelay: two
	// healthy pods, none may go.
	waitPDB(t, k, "2 healthy, 0 allowed", "2/2/0")
	r := kl.fail("drain", "sim-1", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=5s")
	t.Logf("refused drain of sim-1:\n%s", r.stderr)
	wantAll(t, "drain sim-1 under the budget", r.stderr,
		"Cannot evict pod as it would violate the pod's disruption budget.", "global timeout reached: 5s")
	wantNodeStatus(t, k, "sim-1", "Ready,SchedulingDisabled")
	if n := strings.Count(k.ok("-n", "drain", "get", "pods", "--field-selector", "spec.nodeName=sim-1", "--no-headers"), "1/1"); n != 1 {
		t.Errorf("sim-1 has %d ready pods after the refused drain, want its one pod kept", n)
	}
	notReady := k.ok("-n", "drain", "get", "pods", "-l", "app=web", "-o",
		`jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
	if !strings.Contains(notReady, "=False") {
		t.Errorf("every pod was Ready when the drain ended: the refusal was not the budget's\n%s", notReady)
	}

	// Once the replacement is Ready the budget allows one again and a
	// patient drain of sim-1 goes through.
	out = kl.ok("drain", "sim-1", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s")
	wantAll(t, "drain sim-1 after the replacement is ready", out, "node/sim-1 drained")
	kl.ok("-n", "drain", "rollout", "status", "deployment/web", "--timeout=90s")
	wantEqual(t, "pods per node after two drains", podsPerNode(k, "drain"), "sim-2=3")

	for _, n := range []string{"sim-0", "sim-1"} {
		wantAll(t, "uncordon", k.ok("uncordon", n), "node/"+n+" uncordoned")
		wantNodeStatus(t, k, n, "Ready")
	}
	wantEqual(t, "unschedulable after uncordon", k.ok("get", "nodes", "-o", "jsonpath={.items[*].spec.unschedulable}"), "")
	// A new pod may land on an uncordoned node again.
	k.ok("-n", "drain", "scale", "deployment/web", "--replicas=4")
	waitUntil(t, 30*time.Second, "the fourth pod on an uncordoned node", func() (bool, string) {
		got := podsPerNode(k, "drain")
		return strings.Contains(got, "sim-0=1") || strings.Contains(got, "sim-1=1"), got
	})
}

const drainWorkloadYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname
      containers:
      - name: web
        image: nginx:1
        resources: {requests: {cpu: 100m, memory: 64Mi}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
`

// podsPerNode counts the namespace's pods that are not being deleted by
// node, as "node=count" sorted by node.
func podsPerNode(k kubectl, ns string) string {
	k.t.Helper()
	out := k.ok("-n", ns, "get", "pods", "-o",
		`jsonpath={range .items[*]}{.spec.nodeName} {.metadata.deletionTimestamp}{"\n"}{end}`)
	count := map[string]int{}
	var nodes []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 1 { // unscheduled, or terminating
			continue
		}
		if count[f[0]] == 0 {
			nodes = append(nodes, f[0])
		}
		count[f[0]]++
	}
	slices.Sort(nodes)
	var b []string
	for _, n := range nodes {
		b = append(b, n+"="+strconv.Itoa(count[n]))
	}
	return strings.Join(b, " ")
}

// waitPDB waits until the budget "web" in namespace drain reports
// currentHealthy/desiredHealthy/disruptionsAllowed as want.
func waitPDB(t *testing.T, k kubectl, what, want string) {
	t.Helper()
	waitUntil(t, 60*time.Second, "pdb: "+what, func() (bool, string) {
		out := k.ok("-n", "drain", "get", "pdb", "web", "-o",
			"jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}")
		return out == want, out + "\n" + k.ok("-n", "drain", "get", "pods", "-o", "wide")
	})
}

// wantNodeStatus checks the STATUS column of `kubectl get node`.
func wantNodeStatus(t *testing.T, k kubectl, node, want string) {
	t.Helper()
	out := k.ok("get", "node", node, "--no-headers")
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(node) + `\s+` + regexp.QuoteMeta(want) + `\s`).MatchString(out) {
		t.Errorf("kubectl get node %s: want STATUS %s, got:\n%s", node, want, out)
	}
}

// TestDrainEvictsUnhealthyPod checks the budget's default
// unhealthyPodEvictionPolicy (IfHealthyBudget): a Running pod that is not
// Ready may be evicted while the budget's healthy pods are enough, even
// though it allows no disruption; a Ready pod may not. The pods are bound
// to a node without a kubelet and their status is set with kubectl, so
// nothing else changes it.
func TestDrainEvictsUnhealthyPod(t *testing.T) {
	k, ns := newNS(t)
	var yaml strings.Builder
	for _, name := range []string{"ready", "unready"} {
		fmt.Fprintf(&yaml, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, labels: {app: gate}}\n"+
			"spec: {nodeName: nowhere, containers: [{name: c, image: busybox:1.36}]}\n", name)
	}
	yaml.WriteString("---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: gate}\n" +
		"spec: {minAvailable: 1, selector: {matchLabels: {app: gate}}}\n")
	k.stdin(yaml.String()).ok("-n", ns, "apply", "-f", "-")
	for name, ready := range map[string]string{"ready": "True", "unready": "False"} {
		k.ok("-n", ns, "patch", "pod", name, "--subresource=status", "--type=merge", "-p",
			`{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"`+ready+`"}]}}`)
	}
	waitUntil(t, 30*time.Second, "pdb 1 healthy of 1, none allowed", func() (bool, string) {
		out := k.ok("-n", ns, "get", "pdb", "gate", "-o",
			"jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}")
		return out == "1/1/0", out
	})
	evict := func(pod string) result {
		body := fmt.Sprintf(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":%q,"namespace":%q}}`, pod, ns)
		return k.stdin(body).run("create", "--raw", "/api/v1/namespaces/"+ns+"/pods/"+pod+"/eviction", "-f", "-")
	}
	r := evict("ready")
	if r.code == 0 || !strings.Contains(r.stderr, "Cannot evict pod as it would violate the pod's disruption budget.") {
		t.Errorf("evict the Ready pod: exit %d, want the budget's refusal\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = evict("unready"); r.code != 0 {
		t.Errorf("evict the unready Running pod: exit %d, want it allowed (IfHealthyBudget, 1 healthy of 1 desired)\n%s%s",
			r.code, r.stdout, r.stderr)
	}
}
