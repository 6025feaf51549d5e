package e2e

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// identityColumns print what must survive a restart unchanged.
const identityColumns = "custom-columns=KIND:.kind,NS:.metadata.namespace,NAME:.metadata.name,UID:.metadata.uid,RV:.metadata.resourceVersion"

// snapshot prints the identity of example objects no controller changes,
// so that a difference can only come from the restart.
func snapshot(k kubectl) string {
	k.t.Helper()
	return k.ok("get", "-n", "demo", "configmap/web-config", "secret/web-secret", "service/web", "service/web-nodeport",
		"service/db", "serviceaccount/reader", "role/pod-reader", "rolebinding/read-pods", "-o", identityColumns) +
		k.ok("get", "namespace/demo", "configmap/extra", "-n", "default", "-o", identityColumns)
}

// TestRestart stops the server with SIGTERM and starts it on the same data
// dir: every object is there with the same UID and resourceVersion, and
// the allocated Service addresses are still taken.
func TestRestart(t *testing.T) {
	s := newServer(t)
	k := s.kubectl(t)
	applyExamples(t, k)
	k.ok("create", "configmap", "extra", "--from-literal=a=1", "-n", "default")
	before := snapshot(k)
	ips := k.ok("get", "services", "-A", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.clusterIP}:{.spec.ports[0].nodePort};{end}")

	if err := s.stop(); err != nil {
		t.Fatalf("stop with SIGTERM: %v", err)
	}
	s.restart(t)

	if after := snapshot(k); after != before {
		t.Errorf("objects changed across a restart:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	wantEqual(t, "services", k.ok("get", "services", "-A", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.clusterIP}:{.spec.ports[0].nodePort};{end}"), ips)
	wantEqual(t, "apply after restart", k.ok("apply", "-f", "../../examples/00-namespace.yaml"), "namespace/demo unchanged")
	k.ok("create", "configmap", "later", "-n", "default")
	rvBefore := k.ok("get", "configmap", "extra", "-n", "default", "-o", "jsonpath={.metadata.resourceVersion}")
	rvAfter := k.ok("get", "configmap", "later", "-n", "default", "-o", "jsonpath={.metadata.resourceVersion}")
	if len(rvAfter) < len(rvBefore) || (len(rvAfter) == len(rvBefore) && rvAfter <= rvBefore) {
		t.Errorf("resourceVersion went back after the restart: %s then %s", rvBefore, rvAfter)
	}
}

// TestKillNoAckedWriteLost writes configmaps from several clients, kills
// the server with SIGKILL while they write, and checks after a restart
// that every write the server acknowledged with 201 is there.
func TestKillNoAckedWriteLost(t *testing.T) {
	s := newServer(t)
	s.kubectl(t).ok("create", "namespace", "writes")
	cs := clientset(t, s)

	acked := &ackLog{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			writeUntilError(ctx, cs, w, acked)
		}()
	}
	// Kill once writes flow, so that some are in flight when it happens.
	deadline := time.Now().Add(30 * time.Second)
	for acked.len() < 100 && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Millisecond):
		}
	}
	if acked.len() == 0 {
		t.Fatal("no write acknowledged before the kill")
	}
	s.kill()
	wg.Wait()
	names := acked.names()
	t.Logf("%d writes acknowledged before SIGKILL", len(names))

	s.restart(t)
	list, err := clientset(t, s).CoreV1().ConfigMaps("writes").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, cm := range list.Items {
		have[cm.Name] = true
	}
	var lost []string
	for _, n := range names {
		if !have[n] {
			lost = append(lost, n)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged writes lost after kill -9: %v", len(lost), len(names), lost)
	}
}

// ackLog records the names of acknowledged creates.
type ackLog struct {
	mu  sync.Mutex
	all []string
}

func (a *ackLog) add(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.all = append(a.all, name)
}

func (a *ackLog) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.all)
}

func (a *ackLog) names() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.all...)
}

// writeUntilError creates configmaps until one fails (the server died) or
// ctx ends, logging each one created.
func writeUntilError(ctx context.Context, cs kubernetes.Interface, writer int, acked *ackLog) {
	for i := 0; ctx.Err() == nil; i++ {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("w%d-%d", writer, i)},
			Data: map[string]string{"i": fmt.Sprint(i)}}
		if _, err := cs.CoreV1().ConfigMaps("writes").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			return
		}
		acked.add(cm.Name)
	}
}

// clientset is a client-go client from the server's admin kubeconfig,
// without client-side rate limits.
func clientset(t testing.TB, s *Server) *kubernetes.Clientset {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst, cfg.Timeout = 1000, 1000, 10*time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(errors.Join(errors.New("client from kubeconfig"), err))
	}
	return cs
}
