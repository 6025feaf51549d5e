package node

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/skiff/skiff/internal/kubelet/cni"
	"github.com/skiff/skiff/internal/version"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// testNode is a Node on a fake host, a fake clock and a fake API.
func testNode(t *testing.T, client *fake.Clientset, mutate ...func(*Config)) (*Node, *clocktesting.FakeClock) {
	t.Helper()
	fc := clocktesting.NewFakeClock(t0)
	cfg := Config{
		Client: client, NodeName: "n1", NodeIP: "192.168.1.5", RuntimeVersion: "containerd://1.6.20",
		CNIConfDir: filepath.Join(t.TempDir(), "cni", "net.d"), Clock: fc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	n := New(cfg)
	n.files = fakeHost(t, nil)
	return n, fc
}

// assignOnCreate makes the fake API behave like a server whose IPAM
// assigns a podCIDR and a UID to every new node.
func assignOnCreate(client *fake.Clientset, cidr string) {
	client.PrependReactor("create", "nodes", func(a k8stesting.Action) (bool, runtime.Object, error) {
		node := a.(k8stesting.CreateAction).GetObject().(*corev1.Node)
		node.UID = types.UID("uid-" + node.Name)
		if cidr != "" {
			node.Spec.PodCIDR, node.Spec.PodCIDRs = cidr, []string{cidr}
		}
		return false, nil, nil // the tracker stores the changed object
	})
}

func getNode(t *testing.T, client *fake.Clientset) *corev1.Node {
	t.Helper()
	node, err := client.CoreV1().Nodes().Get(context.Background(), "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return node
}

func condition(node *corev1.Node, t corev1.NodeConditionType) corev1.NodeCondition {
	for _, c := range node.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.NodeCondition{}
}

func TestRegisterCreates(t *testing.T) {
	client := fake.NewClientset()
	assignOnCreate(client, "10.42.0.0/24")
	n, _ := testNode(t, client, func(c *Config) { c.Labels = map[string]string{"role": "edge"}; c.KubeletPort = 10251 })
	if err := n.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	node := getNode(t, client)
	for k, v := range map[string]string{"kubernetes.io/hostname": "n1", "kubernetes.io/os": "linux", "role": "edge",
		"kubernetes.io/arch": node.Status.NodeInfo.Architecture} {
		if node.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, node.Labels[k], v)
		}
	}
	if _, ok := node.Labels["node.kubernetes.io/instance-type"]; ok {
		t.Error("instance-type label set")
	}
	st := node.Status
	if c, a := st.Capacity[corev1.ResourceCPU], st.Allocatable[corev1.ResourceCPU]; c.String() != "3" || a.String() != "3" {
		t.Errorf("cpu capacity %s allocatable %s, want 3", c.String(), a.String())
	}
	if p := st.Capacity[corev1.ResourcePods]; p.String() != "110" {
		t.Errorf("pods %s", p.String())
	}
	wantAddrs := []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.5"}, {Type: corev1.NodeHostName, Address: "n1"}}
	if len(st.Addresses) != 2 || st.Addresses[0] != wantAddrs[0] || st.Addresses[1] != wantAddrs[1] {
		t.Errorf("addresses %v", st.Addresses)
	}
	if st.DaemonEndpoints.KubeletEndpoint.Port != 10251 {
		t.Errorf("kubelet port %d", st.DaemonEndpoints.KubeletEndpoint.Port)
	}
	if i := st.NodeInfo; i.ContainerRuntimeVersion != "containerd://1.6.20" || i.KubeletVersion != version.Info().GitVersion ||
		i.KubeProxyVersion != "" || i.BootID == "" {
		t.Errorf("node info %+v", i)
	}
	ready := condition(node, corev1.NodeReady)
	if ready.Status != corev1.ConditionFalse || ready.Reason != "KubeletNotReady" || ready.Message != messageNoRuntimeCheck ||
		!ready.LastHeartbeatTime.Time.Equal(t0) {
		t.Errorf("Ready before the runtime was checked: %+v", ready)
	}
	if mp := condition(node, corev1.NodeMemoryPressure); mp.Status != corev1.ConditionFalse || mp.Reason != "KubeletHasSufficientMemory" {
		t.Errorf("MemoryPressure %+v", mp)
	}
	if got := n.PodCIDRs(); len(got) != 1 || got[0] != "10.42.0.0/24" {
		t.Errorf("PodCIDRs = %v", got)
	}
	if a := n.Allocatable(); a.Memory().String() != "2000Mi" {
		t.Errorf("Allocatable memory %s", a.Memory().String())
	}
	conf, err := os.ReadFile(filepath.Join(n.cfg.CNIConfDir, cni.FileName))
	if err != nil || !strings.Contains(string(conf), `"subnet": "10.42.0.0/24"`) {
		t.Errorf("conflist: %v\n%s", err, conf)
	}
}

func TestRegisterAdoptsExisting(t *testing.T) {
	since := metav1.NewTime(t0.Add(-time.Hour))
	existing := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "old-uid", Labels: map[string]string{"keep": "me", "kubernetes.io/hostname": "stale"}},
		Spec:       corev1.NodeSpec{Unschedulable: true, PodCIDR: "10.42.3.0/24", PodCIDRs: []string{"10.42.3.0/24"}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastTransitionTime: since},
			{Type: corev1.NodeDiskPressure, Status: corev1.ConditionTrue, LastTransitionTime: since},
		}},
	}
	client := fake.NewClientset(existing)
	n, _ := testNode(t, client)
	n.SetRuntimeReady(true, "")
	if err := n.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	node := getNode(t, client)
	if !node.Spec.Unschedulable || node.Spec.PodCIDR != "10.42.3.0/24" {
		t.Errorf("spec changed: %+v", node.Spec)
	}
	if node.Labels["keep"] != "me" || node.Labels["kubernetes.io/hostname"] != "n1" {
		t.Errorf("labels %v", node.Labels)
	}
	if r := condition(node, corev1.NodeReady); r.Status != corev1.ConditionTrue || !r.LastTransitionTime.Equal(&since) || !r.LastHeartbeatTime.Time.Equal(t0) {
		t.Errorf("Ready %+v: want True since an hour ago, heartbeat now", r)
	}
	if d := condition(node, corev1.NodeDiskPressure); d.Status != corev1.ConditionFalse || !d.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("DiskPressure %+v: want False from now", d)
	}
	if cp := node.Status.Capacity[corev1.ResourceCPU]; cp.String() != "3" {
		t.Errorf("capacity not refreshed: %v", node.Status.Capacity)
	}
	if got := n.PodCIDRs(); len(got) != 1 || got[0] != "10.42.3.0/24" {
		t.Errorf("PodCIDRs = %v", got)
	}
}

// watchSignal makes node watches report when they start.
func watchSignal(client *fake.Clientset) <-chan struct{} {
	started := make(chan struct{}, 10)
	client.PrependWatchReactor("nodes", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w, err := client.Tracker().Watch(a.GetResource(), a.GetNamespace())
		started <- struct{}{}
		return true, w, err
	})
	return started
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestRegisterWaitsForPodCIDR(t *testing.T) {
	client := fake.NewClientset()
	assignOnCreate(client, "")
	watching := watchSignal(client)
	n, _ := testNode(t, client)
	done := make(chan error, 1)
	go func() { done <- n.Register(context.Background()) }()
	waitFor(t, watching, "the node watch")
	node := getNode(t, client)
	node.Labels["other"] = "change" // news without a CIDR: keep waiting
	if _, err := client.CoreV1().Nodes().Update(context.Background(), node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	node.Spec.PodCIDRs = []string{"10.42.9.0/24", "fd42:9::/64"}
	if _, err := client.CoreV1().Nodes().Update(context.Background(), node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Register did not see the podCIDRs")
	}
	if got := n.PodCIDRs(); len(got) != 2 || got[1] != "fd42:9::/64" {
		t.Errorf("PodCIDRs = %v", got)
	}
	if _, err := os.Stat(filepath.Join(n.cfg.CNIConfDir, cni.FileName)); err != nil {
		t.Error(err)
	}
}

func TestRegisterGivesUpWhenContextEnds(t *testing.T) {
	client := fake.NewClientset()
	watching := watchSignal(client)
	n, _ := testNode(t, client)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Register(ctx) }()
	waitFor(t, watching, "the node watch")
	cancel()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "assigned the node no podCIDR") || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(n.cfg.CNIConfDir, cni.FileName)); err == nil {
		t.Error("conflist written without a podCIDR")
	}
}

func TestRegisterRejectsConfig(t *testing.T) {
	cases := []struct {
		name string
		mut  func(*Config)
		err  string
	}{
		{"no client", func(c *Config) { c.Client = nil }, "no API client"},
		{"no name", func(c *Config) { c.NodeName = "" }, "no node name"},
		{"no CNI dir", func(c *Config) { c.CNIConfDir = "" }, "no CNI conf dir"},
		{"loopback IP", func(c *Config) { c.NodeIP = "127.0.0.1" }, "cannot be reached from other machines"},
		{"bad IP", func(c *Config) { c.NodeIP = "node" }, `node IP "node"`},
		{"short lease", func(c *Config) { c.LeaseDuration = time.Second }, "under 4s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := testNode(t, fake.NewClientset(), tc.mut)
			err := n.Register(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want one containing %q", err, tc.err)
			}
		})
	}
}
