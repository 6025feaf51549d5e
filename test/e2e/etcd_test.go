package e2e

import (
	"testing"

	"github.com/skiff/skiff/internal/storage/etcdtest"
)

// TestExternalEtcd35 runs skiff on an external etcd 3.5 built from the
// etcd module.
func TestExternalEtcd35(t *testing.T) {
	etcd := etcdtest.Start(t, etcdtest.Build(t))
	externalEtcdScenario(t, etcd)
}

// TestExternalEtcd34 runs skiff on Debian's etcd 3.4, which lacks the
// watch progress requests skiff prefers for consistent reads.
func TestExternalEtcd34(t *testing.T) {
	etcd := etcdtest.Start(t, etcdtest.Etcd34(t))
	externalEtcdScenario(t, etcd)
}

// externalEtcdScenario applies the examples, reads, watches, deletes, and
// restarts skiff against the same etcd.
func externalEtcdScenario(t *testing.T, etcd *etcdtest.Server) {
	s := newServer(t, "--etcd-servers", etcd.Endpoint)
	k := s.kubectl(t)
	applyExamples(t, k)
	wantRows(t, k.ok("get", "deployments,services", "-n", "demo"),
		`deployment\.apps/web\s+0/2\s+\d+\s+0\s+\d+s$`,
		`service/web\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80/TCP\s+\d+s$`)
	wantEqual(t, "jsonpath", k.ok("get", "configmap", "web-config", "-n", "demo", "-o", "jsonpath={.data.greeting}"), "hello from skiff")

	// The initial list arrives as ADDED events; once one is printed the
	// watch starts from the list's resourceVersion and misses nothing.
	k.ok("create", "configmap", "extra", "-n", "default")
	w := k.watch("get", "configmaps", "-n", "demo", "-w", "--output-watch-events")
	w.waitFor(watchTimeout, "ADDED", "web-config")
	k.ok("create", "configmap", "seen", "--from-literal=a=1", "-n", "demo")
	w.waitFor(watchTimeout, "ADDED", "seen")
	k.ok("label", "configmap", "seen", "x=y", "-n", "demo")
	w.waitFor(watchTimeout, "MODIFIED", "seen")
	wantEqual(t, "delete", k.ok("delete", "configmap", "seen", "-n", "demo"), `configmap "seen" deleted`)
	w.waitFor(watchTimeout, "DELETED", "seen")
	wantEqual(t, "delete deployment", k.ok("delete", "deployment", "web", "-n", "demo"), `deployment.apps "web" deleted`)

	before := snapshot(k)
	if err := s.stop(); err != nil {
		t.Fatalf("stop with SIGTERM: %v", err)
	}
	s.restart(t)
	if after := snapshot(k); after != before {
		t.Errorf("objects changed across a restart:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	k.fail("get", "deployment", "web", "-n", "demo")
}
