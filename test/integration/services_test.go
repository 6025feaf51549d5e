package integration

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func serviceTests() []suiteTest {
	return []suiteTest{
		{name: "services/cluster-ips", fn: testClusterIPs},
		{name: "services/node-ports", fn: testNodePorts},
		{name: "services/allocations-survive-restart", storage: true, own: true, fn: testAllocationsSurviveRestart},
	}
}

// serviceCIDR is the fixture's Service range (the server's default).
const serviceCIDR = "10.43.0.0/16"

func newService(name string, typ corev1.ServiceType) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80}},
		},
	}
}

// createServices creates n services concurrently and returns them by name.
func createServices(t *testing.T, c *Cluster, ns, prefix string, n int, typ corev1.ServiceType) map[string]*corev1.Service {
	t.Helper()
	ctx := testContext(t)
	var mu sync.Mutex
	out := map[string]*corev1.Service{}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			svc, err := c.Client.CoreV1().Services(ns).Create(ctx, newService(fmt.Sprintf("%s-%03d", prefix, i), typ), metav1.CreateOptions{})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			out[svc.Name] = svc
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("create service: %v", err)
	}
	return out
}

// uniqueIPs fails unless every service has its own cluster IP in range,
// other than the kubernetes Service's first address.
func uniqueIPs(t *testing.T, svcs map[string]*corev1.Service, taken map[string]string) {
	t.Helper()
	cidr := netip.MustParsePrefix(serviceCIDR)
	for _, svc := range svcs {
		ip, err := netip.ParseAddr(svc.Spec.ClusterIP)
		if err != nil || !cidr.Contains(ip) || ip == cidr.Addr().Next() {
			t.Fatalf("%s: cluster IP %q not a free address of %s", svc.Name, svc.Spec.ClusterIP, serviceCIDR)
		}
		if len(svc.Spec.ClusterIPs) != 1 || svc.Spec.ClusterIPs[0] != svc.Spec.ClusterIP {
			t.Errorf("%s: clusterIPs %v, want [%s]", svc.Name, svc.Spec.ClusterIPs, svc.Spec.ClusterIP)
		}
		if other, dup := taken[svc.Spec.ClusterIP]; dup {
			t.Fatalf("%s and %s share cluster IP %s", svc.Name, other, svc.Spec.ClusterIP)
		}
		taken[svc.Spec.ClusterIP] = svc.Name
	}
}

// testClusterIPs: 200 services get 200 distinct IPs of the range; a
// deleted service's IP can be asked for again; a taken one is 422.
func testClusterIPs(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	svcs := createServices(t, c, ns, "s", 200, corev1.ServiceTypeClusterIP)
	uniqueIPs(t, svcs, map[string]string{})
	victim, other := svcs["s-000"], svcs["s-001"]
	taken := newService("taken", corev1.ServiceTypeClusterIP)
	taken.Spec.ClusterIP = other.Spec.ClusterIP
	_, err := c.Client.CoreV1().Services(ns).Create(ctx, taken, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("service asking for %s (held by %s): %v, want 422", other.Spec.ClusterIP, other.Name, err)
	}
	if err := c.Client.CoreV1().Services(ns).Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	reuse := newService("reuse", corev1.ServiceTypeClusterIP)
	reuse.Spec.ClusterIP = victim.Spec.ClusterIP
	got, err := c.Client.CoreV1().Services(ns).Create(ctx, reuse, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("reuse released IP %s: %v", victim.Spec.ClusterIP, err)
	}
	if got.Spec.ClusterIP != victim.Spec.ClusterIP {
		t.Fatalf("asked for %s, got %s", victim.Spec.ClusterIP, got.Spec.ClusterIP)
	}
	headless := newService("headless", corev1.ServiceTypeClusterIP)
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	if got, err = c.Client.CoreV1().Services(ns).Create(ctx, headless, metav1.CreateOptions{}); err != nil || got.Spec.ClusterIP != "None" {
		t.Fatalf("headless service: %v %v", err, got)
	}
}

// testNodePorts: NodePort services get distinct ports in 30000-32767;
// a taken port is 422; a deleted service's port is free again.
func testNodePorts(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	svcs := createServices(t, c, ns, "np", 20, corev1.ServiceTypeNodePort)
	seen := map[int32]string{}
	for _, svc := range svcs {
		p := svc.Spec.Ports[0].NodePort
		if p < 30000 || p > 32767 {
			t.Fatalf("%s: node port %d outside 30000-32767", svc.Name, p)
		}
		if other, dup := seen[p]; dup {
			t.Fatalf("%s and %s share node port %d", svc.Name, other, p)
		}
		seen[p] = svc.Name
	}
	first := svcs["np-000"]
	port := first.Spec.Ports[0].NodePort
	clash := newService("clash", corev1.ServiceTypeNodePort)
	clash.Spec.Ports[0].NodePort = port
	if _, err := c.Client.CoreV1().Services(ns).Create(ctx, clash, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("service asking for taken node port %d: %v, want 422", port, err)
	}
	if err := c.Client.CoreV1().Services(ns).Delete(ctx, first.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Client.CoreV1().Services(ns).Create(ctx, clash, metav1.CreateOptions{})
	if err != nil || got.Spec.Ports[0].NodePort != port {
		t.Fatalf("reuse released node port %d: %v", port, err)
	}
}

// testAllocationsSurviveRestart: after a restart new services never get
// an IP or port that an existing service holds, and asking for one is
// still refused.
func testAllocationsSurviveRestart(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	before := createServices(t, c, ns, "before", 15, corev1.ServiceTypeNodePort)
	c.Restart()
	after := createServices(t, c, ns, "after", 15, corev1.ServiceTypeNodePort)
	ips := map[string]string{}
	uniqueIPs(t, before, ips)
	uniqueIPs(t, after, ips)
	ports := map[int32]string{}
	for _, set := range []map[string]*corev1.Service{before, after} {
		for _, svc := range set {
			p := svc.Spec.Ports[0].NodePort
			if other, dup := ports[p]; dup {
				t.Fatalf("%s and %s share node port %d across a restart", svc.Name, other, p)
			}
			ports[p] = svc.Name
		}
	}
	clash := newService("clash", corev1.ServiceTypeClusterIP)
	clash.Spec.ClusterIP = before["before-003"].Spec.ClusterIP
	if _, err := c.Client.CoreV1().Services(ns).Create(ctx, clash, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("after restart, asking for %s held by before-003: %v, want 422", clash.Spec.ClusterIP, err)
	}
}
