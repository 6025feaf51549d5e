package bench

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/apiserver"
	"github.com/skiff/skiff/internal/pki"
	"github.com/skiff/skiff/internal/registry/builtin"
	"github.com/skiff/skiff/internal/storage"
)

const fakeNode = "fake-node"

// startAPIServer runs skiff's API server on embedded etcd in this process
// on a loopback port, as test/integration's fixture does, until the test
// ends, and returns an admin client made from the kubeconfig it writes.
// No scheduler or controllers run: startFakeNode plays what the test
// needs of them.
func startAPIServer(t *testing.T) kubernetes.Interface {
	t.Helper()
	dir := t.TempDir()
	bundle, err := pki.Ensure(filepath.Join(dir, "pki"), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := storage.OpenEmbedded(ctx, filepath.Join(dir, "etcd"))
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv, err := apiserver.New(apiserver.Config{
		Backend: st, Resources: builtin.Resources(), ServiceCIDR: pki.DefaultServiceCIDR,
		TLS: bundle.ServerTLSConfig(), AdvertiseIP: "192.0.2.10", AdvertisePort: ln.Addr().(*net.TCPAddr).Port,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		ln.Close()
		st.Close()
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Run(runCtx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-stopped; err != nil {
			t.Errorf("API server: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("close storage: %v", err)
		}
	})
	certPEM, keyPEM := bundle.AdminCert()
	path := filepath.Join(dir, "kubeconfig.yaml")
	if err := pki.WriteKubeconfig(path, "https://"+ln.Addr().String(), bundle.CAPEM(), certPEM, keyPEM, "skiff", "admin"); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 1000, 1000
	client := kubernetes.NewForConfigOrDie(cfg)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			return client
		}
		select {
		case err := <-stopped:
			t.Fatalf("API server stopped: %v", err)
		case <-ctx.Done():
			t.Fatal("API server not ready")
		case <-tick.C:
		}
	}
}

// startFakeNode plays, until the test ends, the parts of a cluster the
// benchmark meets: the ServiceAccount controller (a default ServiceAccount
// in each namespace), the scheduler (unbound benchmark pods are bound to
// fakeNode) and that node's kubelet (bound pods are marked Running with
// their container running, or, for an image named "missing", left
// waiting in ErrImagePull; pods being deleted are deleted for good, as a
// kubelet does once it has stopped them). It polls every few
// milliseconds rather than watching, so that the benchmark's watch is the
// only one on the pods.
func startFakeNode(t *testing.T, client kubernetes.Interface) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runFakeNode(ctx, client) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fake node: %v", err)
		}
	})
}

func runFakeNode(ctx context.Context, client kubernetes.Interface) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := fakeNodeStep(ctx, client); err != nil && ctx.Err() == nil {
			return err
		}
	}
}

// fakeNodeStep acts once on everything that needs it; races with the
// benchmark's own writes (a pod deleted meanwhile, a conflict) are left
// for the next step.
func fakeNodeStep(ctx context.Context, client kubernetes.Interface) error {
	// Paged lists, which the server reads from etcd: objects from its
	// watch cache are shared with the benchmark's watch, and the server
	// races on them (see the report of the change that added this test).
	nss, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{Limit: 1000})
	if err != nil {
		return err
	}
	for _, ns := range nss.Items {
		if ns.Status.Phase == corev1.NamespaceTerminating {
			continue
		}
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
		if _, err := client.CoreV1().ServiceAccounts(ns.Name).Create(ctx, sa, metav1.CreateOptions{}); ignorable(err) != nil {
			return err
		}
	}
	pods, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: labelApp + "=" + appName, Limit: 1000})
	if err != nil {
		return err
	}
	for i := range pods.Items {
		if err := syncFakePod(ctx, client, &pods.Items[i]); ignorable(err) != nil {
			return err
		}
	}
	return nil
}

func ignorable(err error) error {
	if apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsForbidden(err) {
		return nil
	}
	return err
}

func syncFakePod(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod) error {
	pods := client.CoreV1().Pods(pod.Namespace)
	switch {
	case pod.DeletionTimestamp != nil:
		zero := int64(0)
		return pods.Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero,
			Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	case pod.Spec.NodeName == "":
		return pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: pod.Name, UID: pod.UID},
			Target: corev1.ObjectReference{Kind: "Node", Name: fakeNode}}, metav1.CreateOptions{})
	case pod.Status.Phase != corev1.PodPending || len(pod.Status.ContainerStatuses) > 0:
		return nil
	}
	now := metav1.Now()
	c := pod.Spec.Containers[0]
	st := corev1.ContainerStatus{Name: c.Name, Image: c.Image}
	if c.Image == "example.com/missing:1" {
		st.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: "not found"}
	} else {
		pod.Status.Phase = corev1.PodRunning
		st.Ready, st.State.Running = true, &corev1.ContainerStateRunning{StartedAt: now}
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{st}
	pod.Status.StartTime = &now
	_, err := pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	return err
}
