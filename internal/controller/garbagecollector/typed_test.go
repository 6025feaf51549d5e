package garbagecollector

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	metafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
)

// TestTypedInformersServeBuiltins checks that with a typed informer
// factory the collector reads built-in resources from it, opening no
// metadata watch of its own, keeps a metadata informer for a resource the
// factory does not know, and still collects an orphan.
func TestTypedInformersServeBuiltins(t *testing.T) {
	orphan := object("v1", "Pod", "orphan", "orphan", ownedBy("gone", "gone"))
	owned := object("v1", "Pod", "owned", "owned", ownedBy("rs", "rs"))
	scheme := metafake.NewTestScheme()
	metav1.AddMetaToScheme(scheme)
	meta := metafake.NewSimpleMetadataClient(scheme, orphan, owned)
	typed := fake.NewSimpleClientset(
		&corev1.Pod{ObjectMeta: orphan.ObjectMeta},
		&corev1.Pod{ObjectMeta: owned.ObjectMeta},
	)
	factory := informers.NewSharedInformerFactory(typed, 0)
	disc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	verbs := metav1.Verbs{"get", "list", "watch", "delete", "patch"}
	disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: verbs}}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{{Name: "replicasets", Kind: "ReplicaSet", Namespaced: true, Verbs: verbs}}},
		{GroupVersion: "example.com/v1", APIResources: []metav1.APIResource{{Name: "widgets", Kind: "Widget", Namespaced: true, Verbs: verbs}}},
	}
	c, err := New(Config{Metadata: meta, Informers: factory, Discovery: disc})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer func() { cancel(); factory.Shutdown() }()
	if err := c.resync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.waitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := verbsOn(meta, "pods"); len(got) != 0 {
		t.Errorf("metadata client used for pods (%v); the typed informer should serve them", got)
	}
	if got := verbsOn(meta, "widgets"); len(got) == 0 {
		t.Error("no metadata informer for a resource the typed factory does not know")
	}
	deps := c.dependentsOf("uid-rs")
	if len(deps) != 1 || deps[0].item.name != "owned" {
		t.Fatalf("dependents of rs = %v, want the pod owned", deps)
	}
	if m, ok := c.cached(podGVR, "ns", "orphan"); !ok || m.UID != orphan.UID {
		t.Fatalf("cached orphan = %v, %v", m, ok)
	}
	meta.ClearActions()
	if err := c.sync(ctx, item{gvr: podGVR, namespace: "ns", name: "orphan"}); err != nil {
		t.Fatal(err)
	}
	if got := verbsOn(meta, "pods"); len(got) != 1 || got[0] != "delete" {
		t.Errorf("orphan pod actions %v, want one delete", got)
	}
}
