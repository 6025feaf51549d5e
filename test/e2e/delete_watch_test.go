package e2e

import (
	"testing"
	"time"
)

// watchTimeout bounds how long a watch may take to show a change.
const watchTimeout = 15 * time.Second

// TestDelete deletes a configmap, deployments with each cascade mode, and
// configmaps by label.
func TestDelete(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "configmap", "cfg", "--from-literal=a=1", "-n", ns)
	wantEqual(t, "delete cm", k.ok("delete", "configmap", "cfg", "-n", ns), `configmap "cfg" deleted`)
	r := k.fail("get", "configmap", "cfg", "-n", ns)
	wantEqual(t, "get after delete", r.stderr, `Error from server (NotFound): configmaps "cfg" not found`)

	// Each cascade mode, as the garbage collector carries it out.
	for _, mode := range []string{"background", "foreground", "orphan"} {
		name := "d-" + mode
		k.ok("create", "deployment", name, "--image=busybox:1.36", "-n", ns)
		rs := replicaSetOf(t, k, ns, name)
		wantEqual(t, "delete "+mode, k.withTimeout(60*time.Second).ok("delete", "deployment", name, "--cascade="+mode, "-n", ns),
			`deployment.apps "`+name+`" deleted`)
		k.fail("get", "deployment", name, "-n", ns)
		if mode == "orphan" {
			// The ReplicaSet stays, released by its owner.
			wantEqual(t, "orphaned replica set owners", k.ok("get", "rs", rs, "-n", ns, "-o", "jsonpath={.metadata.ownerReferences}"), "")
			continue
		}
		eventually(t, 30*time.Second, func() string {
			if r := k.run("get", "rs", rs, "-n", ns); r.code == 0 {
				return "replica set " + rs + " of a " + mode + " deletion still there"
			}
			return ""
		})
	}

	k.ok("create", "configmap", "x1", "-n", ns)
	k.ok("create", "configmap", "x2", "-n", ns)
	k.ok("label", "configmap", "x1", "x2", "sel=yes", "-n", ns)
	out := k.ok("delete", "configmap", "-l", "sel=yes", "-n", ns)
	wantRows(t, out, `configmap "x1" deleted$`, `configmap "x2" deleted$`)
	r = k.run("delete", "configmap", "-l", "sel=yes", "-n", ns)
	wantEqual(t, "delete of nothing", r.stdout+r.stderr, "No resources found")
}

// replicaSetOf waits for the deployment controller to make the
// deployment's ReplicaSet and returns its name.
func replicaSetOf(t *testing.T, k kubectl, ns, deployment string) string {
	t.Helper()
	var name string
	eventually(t, 30*time.Second, func() string {
		name = k.ok("get", "rs", "-n", ns, "-l", "app="+deployment, "-o", "jsonpath={.items[*].metadata.name}")
		if name == "" {
			return "no ReplicaSet for deployment " + deployment
		}
		return ""
	})
	return name
}

// TestGetWatch has a `kubectl get -w` see changes another kubectl makes.
func TestGetWatch(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "configmap", "first", "-n", ns)

	w := k.watch("get", "configmaps", "-n", ns, "-w")
	w.waitFor(watchTimeout, "NAME", "DATA", "AGE")
	w.waitFor(watchTimeout, "first", "0")
	k.ok("create", "configmap", "second", "--from-literal=a=1", "-n", ns)
	line := w.waitFor(watchTimeout, "second")
	wantRows(t, line, `second\s+1\s+\d+s$`)

	one := k.watch("get", "configmap", "first", "-n", ns, "-w", "-o", `jsonpath={.data.k}{"\n"}`)
	one.waitFor(watchTimeout, "") // the object as it is
	k.ok("patch", "configmap", "first", "-n", ns, "--type=merge", "-p", `{"data":{"k":"changed"}}`)
	one.waitFor(watchTimeout, "changed")

	k.ok("delete", "configmap", "second", "-n", ns)
	events := k.watch("get", "configmaps", "-n", ns, "-w", "--output-watch-events")
	events.waitFor(watchTimeout, "ADDED", "first") // the list is in: the watch has its starting point
	k.ok("create", "configmap", "third", "-n", ns)
	events.waitFor(watchTimeout, "ADDED", "third")
	k.ok("delete", "configmap", "third", "-n", ns)
	events.waitFor(watchTimeout, "DELETED", "third")
}

// TestPodDelete deletes pods no node runs: at once, since no kubelet has
// to stop anything, and with --force (kubectl's own warning expected).
func TestPodDelete(t *testing.T) {
	k, ns := newNS(t)
	k.ok("run", "solo", "--image=busybox:1.36", "-n", ns)
	wantEqual(t, "delete unscheduled pod", k.withTimeout(10*time.Second).ok("delete", "pod", "solo", "-n", ns), `pod "solo" deleted`)
	k.ok("run", "forced", "--image=busybox:1.36", "-n", ns)
	out := k.expectWarning("Warning: Immediate deletion does not wait for confirmation").
		ok("delete", "pod", "forced", "-n", ns, "--grace-period=0", "--force")
	wantEqual(t, "force delete", out, `pod "forced" force deleted`)
	r := k.run("get", "pods", "-n", ns)
	wantEqual(t, "pods left", r.stdout+r.stderr, "No resources found in "+ns+" namespace.")
}

// TestGenerateName creates from a file with generateName: the server
// picks the name.
func TestGenerateName(t *testing.T) {
	k, ns := newNS(t)
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: gen-, namespace: " + ns + "}\n"
	first, second := k.stdin(doc).ok("create", "-f", "-"), k.stdin(doc).ok("create", "-f", "-")
	wantRows(t, first, `configmap/gen-[a-z0-9]{5} created$`)
	if first == second {
		t.Errorf("two creates with generateName made the same name: %s", first)
	}
}
