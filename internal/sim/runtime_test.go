package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
)

func testConfig(t *testing.T, objs ...any) (*Config, *fake.Clientset, *clocktesting.FakeClock) {
	t.Helper()
	client := fake.NewClientset()
	for _, o := range objs {
		if err := client.Tracker().Add(o.(*corev1.Pod)); err != nil {
			t.Fatal(err)
		}
	}
	clk := clocktesting.NewFakeClock(t0)
	c := &Config{Client: client, Nodes: 2, Clock: clk}
	c.defaults()
	return c, client, clk
}

func TestRegisterAndRenewLease(t *testing.T) {
	ctx := context.Background()
	c, client, clk := testConfig(t)
	nodes, err := planNodes(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHeartbeats(c, nodes)
	defer h.queue.ShutDown()
	if err := h.sync(ctx, beatKey{beatRegister, 1}); err != nil {
		t.Fatal(err)
	}
	node, err := client.CoreV1().Nodes().Get(ctx, "sim-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if node.Spec.PodCIDR != "10.244.1.0/24" || node.Status.NodeInfo.KubeletVersion != KubeletVersion {
		t.Errorf("node spec %+v, kubelet %q", node.Spec, node.Status.NodeInfo.KubeletVersion)
	}
	if ready := node.Status.Conditions[3]; ready.Type != corev1.NodeReady || ready.Status != corev1.ConditionTrue || !ready.LastHeartbeatTime.Equal(&metav1.Time{Time: t0}) {
		t.Errorf("ready condition %+v", ready)
	}
	for i, at := range []time.Time{t0, t0.Add(10 * time.Second)} {
		clk.SetTime(at)
		if err := h.sync(ctx, beatKey{beatLease, 1}); err != nil {
			t.Fatal(err)
		}
		lease, err := client.CoordinationV1().Leases(LeaseNamespace).Get(ctx, "sim-1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !lease.Spec.RenewTime.Time.Equal(at) || *lease.Spec.HolderIdentity != "sim-1" || *lease.Spec.LeaseDurationSeconds != 40 {
			t.Errorf("renewal %d: lease spec %+v", i, lease.Spec)
		}
	}
	clk.SetTime(t0.Add(40 * time.Second))
	if err := h.sync(ctx, beatKey{beatStatus, 1}); err != nil {
		t.Fatal(err)
	}
	node, _ = client.CoreV1().Nodes().Get(ctx, "sim-1", metav1.GetOptions{})
	if ready := node.Status.Conditions[3]; !ready.LastHeartbeatTime.Time.Equal(t0.Add(40*time.Second)) || !ready.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("after a report: %+v", ready)
	}
}

// A deleted pod is removed once its containers have stopped: not before
// min(grace, PodStopDelay), and then for good, on its UID only.
func TestGracefulDeletion(t *testing.T) {
	ctx := context.Background()
	pod := simPod(corev1.RestartPolicyAlways)
	pod.DeletionTimestamp = &metav1.Time{Time: t0.Add(30 * time.Second)}
	pod.DeletionGracePeriodSeconds = ptrTo(int64(30))
	c, client, clk := testConfig(t, pod)
	c.PodStopDelay = 2 * time.Second
	nodes, _ := planNodes(c, nil)
	k := newKubelet(c, map[string]*simNode{"sim-0": nodes[0]})
	defer k.queue.ShutDown()
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := indexer.Add(pod); err != nil {
		t.Fatal(err)
	}
	k.lister = corelisters.NewPodLister(indexer)
	deletes := func() (out []k8stesting.DeleteActionImpl) {
		for _, a := range client.Actions() {
			if d, ok := a.(k8stesting.DeleteActionImpl); ok {
				out = append(out, d)
			}
		}
		return out
	}
	clk.SetTime(t0.Add(time.Second))
	if err := k.sync(ctx, "ns/p"); err != nil || len(deletes()) != 0 {
		t.Fatalf("deleted before the containers stopped: err %v, %d deletes", err, len(deletes()))
	}
	clk.SetTime(t0.Add(2 * time.Second))
	if err := k.sync(ctx, "ns/p"); err != nil {
		t.Fatal(err)
	}
	d := deletes()
	if len(d) != 1 {
		t.Fatalf("%d deletes, want 1", len(d))
	}
	o := d[0].DeleteOptions
	if o.GracePeriodSeconds == nil || *o.GracePeriodSeconds != 0 || o.Preconditions == nil || *o.Preconditions.UID != "u1" {
		t.Errorf("delete options %+v", o)
	}
}

// A restarted sim adopts its nodes: no create, no label or spec write when
// they are as it left them, only the status report.
func TestAdoptExistingNode(t *testing.T) {
	ctx := context.Background()
	c, client, _ := testConfig(t)
	existing := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "sim-0", Labels: nodeLabels("sim-0")},
		Spec: corev1.NodeSpec{PodCIDR: "10.244.9.0/24"}}
	if _, err := client.CoreV1().Nodes().Create(ctx, &existing, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nodes, err := planNodes(c, []corev1.Node{existing})
	if err != nil {
		t.Fatal(err)
	}
	h := newHeartbeats(c, nodes)
	defer h.queue.ShutDown()
	client.ClearActions()
	if err := h.sync(ctx, beatKey{beatRegister, 0}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range client.Actions() {
		got = append(got, a.GetVerb()+" "+a.GetResource().Resource+"/"+a.GetSubresource())
	}
	if strings.Join(got, ", ") != "patch nodes/status" {
		t.Errorf("actions %q, want only the status patch", got)
	}
	if nodes[0].podCIDR.String() != "10.244.9.0/24" {
		t.Errorf("planned podCIDR %s, want the node's own", nodes[0].podCIDR)
	}
}
