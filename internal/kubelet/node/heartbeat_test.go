package node

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/skiff/skiff/internal/kubelet/cni"
)

type event struct {
	name string
	err  error
}

// running registers a node and starts Run; events reports what Run did
// (each after Run set its next timer, so stepping the clock then is safe).
func running(t *testing.T, client *fake.Clientset) (*Node, *clocktesting.FakeClock, <-chan event) {
	t.Helper()
	n, fc := testNode(t, client)
	if err := n.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	events := make(chan event, 100)
	n.hook = func(name string, err error) { events <- event{name, err} }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	next(t, events, "started")
	return n, fc, events
}

// next waits for Run's next event, which must be name.
func next(t *testing.T, events <-chan event, name string) event {
	t.Helper()
	select {
	case e := <-events:
		if e.name != name {
			t.Fatalf("event %s (%v), want %s", e.name, e.err, name)
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", name)
	}
	return event{}
}

// both waits for the two events one clock step fires, in either order.
func both(t *testing.T, events <-chan event) map[string]error {
	t.Helper()
	got := map[string]error{}
	for len(got) < 2 {
		select {
		case e := <-events:
			got[e.name] = e.err
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out; have %v", got)
		}
	}
	return got
}

func getLease(t *testing.T, client *fake.Clientset) *coordinationv1.Lease {
	t.Helper()
	l, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(context.Background(), "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRunRenewsLeaseAndPostsStatus(t *testing.T) {
	client := fake.NewClientset()
	assignOnCreate(client, "10.42.0.0/24")
	n, fc, events := running(t, client)

	l := getLease(t, client)
	if *l.Spec.HolderIdentity != "n1" || *l.Spec.LeaseDurationSeconds != 40 || !l.Spec.RenewTime.Time.Equal(t0) {
		t.Errorf("lease spec %+v", l.Spec)
	}
	if len(l.OwnerReferences) != 1 || l.OwnerReferences[0].Kind != "Node" || l.OwnerReferences[0].UID != "uid-n1" {
		t.Errorf("lease owners %+v", l.OwnerReferences)
	}

	fc.Step(10 * time.Second) // both the renewal and the status post are due
	if got := both(t, events); got["lease"] != nil || got["status"] != nil {
		t.Fatalf("events %v", got)
	}
	if l := getLease(t, client); !l.Spec.RenewTime.Time.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("renewTime %v, want t0+10s", l.Spec.RenewTime)
	}
	ready := condition(getNode(t, client), corev1.NodeReady)
	if !ready.LastHeartbeatTime.Time.Equal(t0.Add(10*time.Second)) || !ready.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("Ready after a heartbeat: %+v", ready)
	}

	// Readiness changes are posted at once, not at the next period.
	fc.Step(time.Second)
	n.SetRuntimeReady(true, "")
	next(t, events, "status")
	ready = condition(getNode(t, client), corev1.NodeReady)
	if ready.Status != corev1.ConditionTrue || ready.Reason != "KubeletReady" || ready.Message != "kubelet is posting ready status" ||
		!ready.LastTransitionTime.Time.Equal(t0.Add(11*time.Second)) {
		t.Errorf("Ready %+v", ready)
	}
	n.SetRuntimeReady(true, "") // no change, no post
	n.SetRuntimeReady(false, "container runtime is down")
	next(t, events, "status")
	if r := condition(getNode(t, client), corev1.NodeReady); r.Status != corev1.ConditionFalse || r.Message != "container runtime is down" {
		t.Errorf("Ready %+v", r)
	}
	select {
	case e := <-events:
		t.Errorf("unexpected event %v", e)
	default:
	}
}

func TestRunRetriesFailedRenewals(t *testing.T) {
	client := fake.NewClientset()
	assignOnCreate(client, "10.42.0.0/24")
	var failures atomic.Int32
	failures.Store(2)
	client.PrependReactor("update", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
		if failures.Add(-1) >= 0 {
			return true, nil, apierrors.NewServiceUnavailable("apiserver restarting")
		}
		return false, nil, nil
	})
	_, fc, events := running(t, client)
	fc.Step(10 * time.Second)
	if got := both(t, events); got["lease"] == nil {
		t.Fatal("the first renewal should have failed")
	}
	fc.Step(retryBase) // first back-off: the lease is read again, the update fails again
	if e := next(t, events, "lease"); e.err == nil {
		t.Fatal("the second renewal should have failed")
	}
	fc.Step(2 * retryBase)
	if e := next(t, events, "lease"); e.err != nil {
		t.Fatalf("third renewal: %v", e.err)
	}
	if l := getLease(t, client); !l.Spec.RenewTime.Time.Equal(t0.Add(10*time.Second + 3*retryBase)) {
		t.Errorf("renewTime %v", l.Spec.RenewTime)
	}
}

func TestRunRegistersADeletedNodeAgain(t *testing.T) {
	client := fake.NewClientset()
	assignOnCreate(client, "10.42.5.0/24") // a new node may get another range
	n, fc, events := running(t, client)
	if err := client.CoreV1().Nodes().Delete(context.Background(), "n1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	fc.Step(10 * time.Second)
	if got := both(t, events); got["status"] != nil {
		t.Fatalf("status: %v", got["status"])
	}
	node := getNode(t, client)
	if node.Labels["kubernetes.io/hostname"] != "n1" || len(node.Status.Conditions) != 4 {
		t.Errorf("re-registered node %+v", node)
	}
	if got := n.PodCIDRs(); got[0] != "10.42.5.0/24" {
		t.Errorf("PodCIDRs %v", got)
	}
}

func TestRunFollowsAPodCIDRChange(t *testing.T) {
	client := fake.NewClientset()
	assignOnCreate(client, "10.42.0.0/24")
	n, fc, events := running(t, client)
	node := getNode(t, client)
	node.Spec.PodCIDR, node.Spec.PodCIDRs = "10.42.7.0/24", []string{"10.42.7.0/24"}
	if _, err := client.CoreV1().Nodes().Update(context.Background(), node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	fc.Step(10 * time.Second)
	both(t, events)
	if got := n.PodCIDRs(); got[0] != "10.42.7.0/24" {
		t.Errorf("PodCIDRs %v", got)
	}
	conf, err := os.ReadFile(filepath.Join(n.cfg.CNIConfDir, cni.FileName))
	if err != nil || !strings.Contains(string(conf), "10.42.7.0/24") {
		t.Errorf("conflist %v\n%s", err, conf)
	}
}

func TestRunNeedsRegister(t *testing.T) {
	n, _ := testNode(t, fake.NewClientset())
	if err := n.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "Run before Register") {
		t.Fatalf("err = %v", err)
	}
}
