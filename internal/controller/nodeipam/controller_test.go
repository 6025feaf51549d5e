package nodeipam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

func node(name string, cidrs ...string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)}}
	if len(cidrs) > 0 {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = cidrs[0], cidrs
	}
	return n
}

// harness runs the controller against a fake clientset until the test
// ends.
type harness struct {
	client *fake.Clientset
	events *record.FakeRecorder
}

func start(t *testing.T, cfg Config, objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	events := record.NewFakeRecorder(16)
	cfg.Client, cfg.Informers, cfg.Recorder = client, factory, events
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, 2) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		factory.Shutdown()
	})
	return &harness{client: client, events: events}
}

// cidrs returns the node's podCIDRs as the API has them.
func (h *harness) cidrs(t *testing.T, name string) []string {
	t.Helper()
	n, err := h.client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Spec.PodCIDRs) > 0 && n.Spec.PodCIDR != n.Spec.PodCIDRs[0] {
		t.Errorf("node %s: podCIDR %s is not podCIDRs[0] of %v", name, n.Spec.PodCIDR, n.Spec.PodCIDRs)
	}
	return n.Spec.PodCIDRs
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func (h *harness) waitCIDRs(t *testing.T, name string, want ...string) {
	t.Helper()
	var got []string
	waitFor(t, fmt.Sprintf("node %s podCIDRs %v", name, want), func() bool {
		got = h.cidrs(t, name)
		return slices.Equal(got, want)
	})
}

func (h *harness) create(t *testing.T, n *corev1.Node) {
	t.Helper()
	if _, err := h.client.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestAllocatesAroundExistingNodes(t *testing.T) {
	h := start(t, Config{},
		node("a", "10.42.0.0/24"), node("b"), node("c", "10.42.1.0/24"), node("sim", "10.244.0.0/24"))
	// b waits for the ranges of a and c to be marked, so it cannot take
	// either of them.
	h.waitCIDRs(t, "b", "10.42.2.0/24")
	h.create(t, node("d"))
	h.waitCIDRs(t, "d", "10.42.3.0/24")
	h.waitCIDRs(t, "sim", "10.244.0.0/24")
	h.waitCIDRs(t, "a", "10.42.0.0/24")
}

func TestExhaustionWarnsAndFreedRangeIsReused(t *testing.T) {
	h := start(t, Config{ClusterCIDR: "10.42.0.0/23"}, node("a"), node("b"))
	waitFor(t, "a and b assigned", func() bool { return len(h.cidrs(t, "a")) == 1 && len(h.cidrs(t, "b")) == 1 })
	aRange := h.cidrs(t, "a")[0]
	h.create(t, node("c"))
	select {
	case ev := <-h.events.Events:
		if want := "Warning CIDRNotAvailable Node c status is now: CIDRNotAvailable"; ev != want {
			t.Errorf("event %q, want %q", ev, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no CIDRNotAvailable event")
	}
	// Updates of the starved node do not repeat the warning.
	n, _ := h.client.CoreV1().Nodes().Get(context.Background(), "c", metav1.GetOptions{})
	n.Labels = map[string]string{"touched": "yes"}
	if _, err := h.client.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := h.client.CoreV1().Nodes().Delete(context.Background(), "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitCIDRs(t, "c", aRange)
	select {
	case ev := <-h.events.Events:
		t.Errorf("extra event %q", ev)
	default:
	}
}

func TestDualStack(t *testing.T) {
	h := start(t, Config{ClusterCIDR: "10.42.0.0/16,fd00:42::/56"}, node("a"))
	h.waitCIDRs(t, "a", "10.42.0.0/24", "fd00:42::/64")
}

func TestPatchFailureIsRetriedWithTheSameRange(t *testing.T) {
	client := fake.NewSimpleClientset(node("a"))
	fails := 2
	client.PrependReactor("patch", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		if fails > 0 {
			fails--
			return true, nil, errors.New("etcd is having a moment")
		}
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Informers: factory, Recorder: record.NewFakeRecorder(4),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	factory.Core().V1().Nodes().Informer().GetIndexer().Add(node("a"))
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := c.sync(ctx, "a"); err == nil || !strings.Contains(err.Error(), "etcd is having a moment") {
			t.Fatalf("sync %d: %v", i, err)
		}
	}
	if err := c.sync(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	n, _ := client.CoreV1().Nodes().Get(ctx, "a", metav1.GetOptions{})
	if !slices.Equal(n.Spec.PodCIDRs, []string{"10.42.0.0/24"}) {
		t.Errorf("podCIDRs %v: a retry took another range", n.Spec.PodCIDRs)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	client := fake.NewSimpleClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(1)
	for name, cfg := range map[string]Config{
		"no client":    {Informers: factory, Recorder: rec},
		"bad CIDR":     {Client: client, Informers: factory, Recorder: rec, ClusterCIDR: "10.42.0.0"},
		"mask too big": {Client: client, Informers: factory, Recorder: rec, ClusterCIDR: "10.0.0.0/8", NodeMaskSizeIPv4: 28},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
