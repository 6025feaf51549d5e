package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/scheme"
	"github.com/skiff/skiff/internal/storage"
)

var (
	configMaps = resource.Resource{
		GVR: corev1.SchemeGroupVersion.WithResource("configmaps"), Kind: "ConfigMap", Namespaced: true,
		New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
		Strategy: resource.Base{},
	}
	deployments = resource.Resource{
		GVR: appsv1.SchemeGroupVersion.WithResource("deployments"), Kind: "Deployment", Namespaced: true, Status: true,
		New: func() runtime.Object { return &appsv1.Deployment{} }, NewList: func() runtime.Object { return &appsv1.DeploymentList{} },
		Strategy: resource.Base{},
	}
)

// newStore runs a store for res on a fresh embedded etcd.
func newStore(t *testing.T, res resource.Resource) *Store {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := storage.OpenEmbedded(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sch, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	proto := protobuf.NewSerializer(sch, sch)
	gv := res.GVR.GroupVersion()
	s, err := New(Config{Resource: res, Backend: b, Codec: scheme.Codecs(sch).CodecForVersions(proto, proto, gv, gv)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; b.Close() })
	if err := s.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func cm(name string, labels map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: labels}, Data: map[string]string{"k": "v"}}
}

func replace(obj runtime.Object) UpdateFunc {
	return func(context.Context, runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil }
}

func TestCreateSetsServerMetadata(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, configMaps)
	out, err := s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-", Namespace: "ns", UID: "forged"}}, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := out.(*corev1.ConfigMap)
	if len(m.Name) != len("gen-")+5 || m.UID == "" || m.UID == "forged" || m.CreationTimestamp.IsZero() || m.ResourceVersion == "" || m.Generation != 0 {
		t.Fatalf("server metadata not set: %+v", m.ObjectMeta)
	}
	if _, err := s.Create(ctx, cm(m.Name, nil), CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v, want AlreadyExists", err)
	}
	if _, err := s.Create(ctx, cm("Bad_Name", nil), CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("bad name: %v, want Invalid", err)
	}
	if _, err := s.Create(ctx, cm("dry", nil), CreateOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "ns", "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("dry run wrote: %v", err)
	}
}

func TestUpdateConcurrencyAndGeneration(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, deployments)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}, Status: appsv1.DeploymentStatus{Replicas: 9}}
	created, err := s.Create(ctx, d, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v1 := created.(*appsv1.Deployment)
	if v1.Generation != 1 {
		t.Fatalf("generation %d, want 1", v1.Generation)
	}
	tests := []struct {
		name    string
		change  func(*appsv1.Deployment)
		sub     string
		wantGen int64
		wantRep int32 // status.replicas after the update
	}{
		{"label only", func(d *appsv1.Deployment) { d.Labels = map[string]string{"a": "b"} }, "", 1, 9},
		{"spec change", func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 5 }, "", 2, 9},
		{"status via main resource is ignored", func(d *appsv1.Deployment) { d.Status.Replicas = 1 }, "", 2, 9},
		{"status via status", func(d *appsv1.Deployment) { d.Status.Replicas = 3; d.Spec.MinReadySeconds = 50 }, "status", 2, 3},
	}
	for _, tt := range tests {
		cur, err := s.Get(ctx, "ns", "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		next := cur.DeepCopyObject().(*appsv1.Deployment)
		tt.change(next)
		out, _, err := s.Update(ctx, "ns", "web", replace(next), UpdateOptions{Subresource: tt.sub})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := out.(*appsv1.Deployment)
		if got.Generation != tt.wantGen || got.Status.Replicas != tt.wantRep || (tt.sub == "status" && got.Spec.MinReadySeconds == 50) {
			t.Errorf("%s: generation %d replicas %d minReady %d", tt.name, got.Generation, got.Status.Replicas, got.Spec.MinReadySeconds)
		}
	}
	_, _, err = s.Update(ctx, "ns", "web", replace(v1), UpdateOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v, want Conflict", err)
	}
	cur, _ := s.Get(ctx, "ns", "web", metav1.GetOptions{})
	same, _, err := s.Update(ctx, "ns", "web", replace(cur), UpdateOptions{})
	if err != nil || same.(*appsv1.Deployment).ResourceVersion != cur.(*appsv1.Deployment).ResourceVersion {
		t.Fatalf("no-op update changed the resourceVersion: %v", err)
	}
}

func TestDeleteWithFinalizersAndPreconditions(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, configMaps)
	obj := cm("held", nil)
	obj.Finalizers = []string{"example.com/hold"}
	created, err := s.Create(ctx, obj, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wrongUID := created.(*corev1.ConfigMap).UID + "x"
	if _, _, err := s.Delete(ctx, "ns", "held", &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrongUID}}); !apierrors.IsConflict(err) {
		t.Fatalf("uid precondition: %v, want Conflict", err)
	}
	out, gone, err := s.Delete(ctx, "ns", "held", nil)
	if err != nil || gone || out.(*corev1.ConfigMap).DeletionTimestamp == nil {
		t.Fatalf("delete with finalizer: gone=%v err=%v", gone, err)
	}
	cur, _ := s.Get(ctx, "ns", "held", metav1.GetOptions{})
	next := cur.DeepCopyObject().(*corev1.ConfigMap)
	next.Finalizers = nil
	if _, _, err := s.Update(ctx, "ns", "held", replace(next), UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "ns", "held", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("removing the last finalizer should delete: %v", err)
	}
	orphan := metav1.DeletePropagationOrphan
	if _, err := s.Create(ctx, cm("orphaned", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, _, err = s.Delete(ctx, "ns", "orphaned", &metav1.DeleteOptions{PropagationPolicy: &orphan})
	if err != nil || len(out.(*corev1.ConfigMap).Finalizers) != 1 || out.(*corev1.ConfigMap).Finalizers[0] != FinalizerOrphan {
		t.Fatalf("orphan propagation: %v %v", out, err)
	}
}

func TestListPagingAndSelectors(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, configMaps)
	for i := 0; i < 25; i++ {
		labels := map[string]string{"parity": []string{"even", "odd"}[i%2]}
		if _, err := s.Create(ctx, cm(fmt.Sprintf("cm-%02d", i), labels), CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	seen, cont, pages := map[string]bool{}, "", 0
	for {
		list, err := s.List(ctx, "ns", metav1.ListOptions{Limit: 4, Continue: cont, LabelSelector: "parity=odd"})
		if err != nil {
			t.Fatal(err)
		}
		l := list.(*corev1.ConfigMapList)
		pages++
		for _, item := range l.Items {
			if seen[item.Name] || item.Labels["parity"] != "odd" {
				t.Fatalf("page %d: %s repeated or not selected", pages, item.Name)
			}
			seen[item.Name] = true
		}
		if cont = l.Continue; cont == "" {
			break
		}
		// Writes between pages must not show up: the pages read one revision.
		if _, err := s.Create(ctx, cm(fmt.Sprintf("late-%d", pages), map[string]string{"parity": "odd"}), CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A full last page may still carry a continue token when unselected keys
	// follow it (as in Kubernetes): then one empty page ends the list.
	if len(seen) != 12 || pages < 3 || pages > 4 {
		t.Fatalf("saw %d odd objects in %d pages, want 12 in 3 or 4", len(seen), pages)
	}
	if _, err := s.List(ctx, "ns", metav1.ListOptions{FieldSelector: "spec.nodeName=x"}); !apierrors.IsBadRequest(err) {
		t.Fatalf("unsupported field selector: %v, want BadRequest", err)
	}
	list, err := s.List(ctx, "ns", metav1.ListOptions{FieldSelector: "metadata.name=cm-03"})
	if err != nil || len(list.(*corev1.ConfigMapList).Items) != 1 {
		t.Fatalf("field selector metadata.name: %v", err)
	}
}

func TestWatchFromRevision(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := newStore(t, configMaps)
	first, err := s.Create(ctx, cm("a", nil), CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, cm("b", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ws, err := s.Watch(ctx, "ns", metav1.ListOptions{ResourceVersion: first.(*corev1.ConfigMap).ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws.Initial) != 0 {
		t.Fatalf("watch from a revision sent %d initial objects", len(ws.Initial))
	}
	select {
	case ev := <-ws.Watcher.Events():
		if ev.Type != watch.Added || ev.Object.(*corev1.ConfigMap).Name != "b" {
			t.Fatalf("first event %s %v, want ADDED b", ev.Type, ev.Object)
		}
	case <-ctx.Done():
		t.Fatal("no event")
	}
	ws2, err := s.Watch(ctx, "ns", metav1.ListOptions{})
	if err != nil || len(ws2.Initial) != 2 {
		t.Fatalf("watch without revision: %d initial objects, err %v; want 2", len(ws2.Initial), err)
	}
}

func TestConcurrentUnconditionalUpdates(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, configMaps)
	if _, err := s.Create(ctx, cm("counter", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 10
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		go func() {
			for i := 0; i < each; i++ {
				_, _, err := s.Update(ctx, "ns", "counter", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
					c := cur.(*corev1.ConfigMap)
					c.ResourceVersion = "" // unconditional: the store retries races itself
					c.Data["n"] += "x"
					return c, nil
				}, UpdateOptions{})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < writers; w++ {
		if err := <-errs; err != nil {
			t.Fatalf("update: %v", err)
		}
	}
	got, err := s.Get(ctx, "ns", "counter", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.(*corev1.ConfigMap).Data["n"]); n != writers*each {
		t.Fatalf("counter = %d, want %d: updates were lost", n, writers*each)
	}
}
