package e2e

import (
	"strings"
	"testing"
	"time"
)

// watchTimeout bounds how long a watch may take to show a change.
const watchTimeout = 15 * time.Second

// TestDelete deletes a configmap and deployments with each cascade mode
// that needs no garbage collector to finish.
func TestDelete(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "configmap", "cfg", "--from-literal=a=1", "-n", ns)
	wantEqual(t, "delete cm", k.ok("delete", "configmap", "cfg", "-n", ns), `configmap "cfg" deleted`)
	r := k.fail("get", "configmap", "cfg", "-n", ns)
	wantEqual(t, "get after delete", r.stderr, `Error from server (NotFound): configmaps "cfg" not found`)

	k.ok("create", "deployment", "bg", "--image=busybox:1.36", "-n", ns)
	wantEqual(t, "delete background", k.ok("delete", "deployment", "bg", "--cascade=background", "-n", ns), `deployment.apps "bg" deleted`)
	k.fail("get", "deployment", "bg", "-n", ns)

	// Orphaning puts the "orphan" finalizer on the object; the garbage
	// collector would remove it once the dependents are released. Until
	// then the object stays, marked for deletion, and the request itself
	// must return at once.
	k.ok("create", "deployment", "orphan", "--image=busybox:1.36", "-n", ns)
	wantEqual(t, "delete orphan", k.withTimeout(10*time.Second).ok("delete", "deployment", "orphan", "--cascade=orphan", "--wait=false", "-n", ns),
		`deployment.apps "orphan" deleted`)
	r = k.run("get", "deployment", "orphan", "-n", ns, "-o", "jsonpath={.metadata.finalizers} {.metadata.deletionTimestamp}")
	if r.code == 0 && !(strings.Contains(r.stdout, `["orphan"]`) && strings.Contains(r.stdout, "Z")) {
		t.Errorf("orphaned deployment still there without the orphan finalizer and a deletionTimestamp: %q", r.stdout)
	}

	k.ok("create", "configmap", "x1", "-n", ns)
	k.ok("create", "configmap", "x2", "-n", ns)
	k.ok("label", "configmap", "x1", "x2", "sel=yes", "-n", ns)
	out := k.ok("delete", "configmap", "-l", "sel=yes", "-n", ns)
	wantRows(t, out, `configmap "x1" deleted$`, `configmap "x2" deleted$`)
	r = k.run("delete", "configmap", "-l", "sel=yes", "-n", ns)
	wantEqual(t, "delete of nothing", r.stdout+r.stderr, "No resources found")
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
	events := k.watch("get", "configmaps", "-n", ns, "-w", "--output-watch-events", "--watch-only")
	k.ok("create", "configmap", "third", "-n", ns)
	events.waitFor(watchTimeout, "ADDED", "third")
	k.ok("delete", "configmap", "third", "-n", ns)
	events.waitFor(watchTimeout, "DELETED", "third")
}
