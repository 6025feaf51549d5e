package garbagecollector

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stypes "k8s.io/apimachinery/pkg/types"
	fakediscovery "k8s.io/client-go/discovery/fake"
	metafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

var (
	rsGVR  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	podGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)

func object(apiVersion, kind, name, uid string, owners ...metav1.OwnerReference) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: apiVersion, Kind: kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: k8stypes.UID("uid-" + uid), OwnerReferences: owners, ResourceVersion: "1"},
	}
}

func ownedBy(name, uid string) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: name, UID: k8stypes.UID("uid-" + uid), BlockOwnerDeletion: ptr.To(true), Controller: ptr.To(true)}
}

// start builds a collector over a fake cluster and waits for its caches.
func start(t *testing.T, objs ...runtime.Object) (*Controller, *metafake.FakeMetadataClient) {
	t.Helper()
	scheme := metafake.NewTestScheme()
	metav1.AddMetaToScheme(scheme)
	meta := metafake.NewSimpleMetadataClient(scheme, objs...)
	disc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	verbs := metav1.Verbs{"get", "list", "watch", "delete", "patch"}
	disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: verbs}}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{{Name: "replicasets", Kind: "ReplicaSet", Namespaced: true, Verbs: verbs}}},
	}
	c, err := New(Config{Metadata: meta, Discovery: disc})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	if err := c.resync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.waitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	meta.ClearActions()
	return c, meta
}

func verbsOn(meta *metafake.FakeMetadataClient, resource string) []string {
	var out []string
	for _, a := range meta.Actions() {
		if a.GetResource().Resource == resource {
			out = append(out, a.GetVerb())
		}
	}
	return out
}

func TestCollectDeletesOrphanedPod(t *testing.T) {
	c, meta := start(t, object("v1", "Pod", "p", "p", ownedBy("rs", "rs")))
	if err := c.sync(context.Background(), item{gvr: podGVR, namespace: "ns", name: "p"}); err != nil {
		t.Fatal(err)
	}
	got := verbsOn(meta, "pods")
	if len(got) != 1 || got[0] != "delete" {
		t.Errorf("pod actions %v, want one delete", got)
	}
	if verbs := verbsOn(meta, "replicasets"); len(verbs) != 1 || verbs[0] != "get" {
		t.Errorf("owner looked up with %v, want one live get", verbs)
	}
}

func TestCollectKeepsOwnedPod(t *testing.T) {
	c, meta := start(t, object("apps/v1", "ReplicaSet", "rs", "rs"), object("v1", "Pod", "p", "p", ownedBy("rs", "rs")))
	if err := c.sync(context.Background(), item{gvr: podGVR, namespace: "ns", name: "p"}); err != nil {
		t.Fatal(err)
	}
	if got := meta.Actions(); len(got) != 0 {
		t.Errorf("actions %v, want none", got)
	}
}

func TestOrphanReleasesDependents(t *testing.T) {
	now := metav1.Now()
	rs := object("apps/v1", "ReplicaSet", "rs", "rs")
	rs.DeletionTimestamp = &now
	rs.Finalizers = []string{metav1.FinalizerOrphanDependents}
	c, meta := start(t, rs, object("v1", "Pod", "p", "p", ownedBy("rs", "rs")))
	if err := c.sync(context.Background(), item{gvr: rsGVR, namespace: "ns", name: "rs"}); err != nil {
		t.Fatal(err)
	}
	if got := verbsOn(meta, "pods"); len(got) != 1 || got[0] != "patch" {
		t.Errorf("pod actions %v, want one patch", got)
	}
	if got := verbsOn(meta, "replicasets"); len(got) != 1 || got[0] != "patch" {
		t.Errorf("owner actions %v, want the finalizer patch", got)
	}
}

func TestForegroundWaitsForBlockingDependents(t *testing.T) {
	now := metav1.Now()
	rs := object("apps/v1", "ReplicaSet", "rs", "rs")
	rs.DeletionTimestamp = &now
	rs.Finalizers = []string{metav1.FinalizerDeleteDependents}
	c, meta := start(t, rs, object("v1", "Pod", "p", "p", ownedBy("rs", "rs")))
	ctx := context.Background()
	if err := c.sync(ctx, item{gvr: rsGVR, namespace: "ns", name: "rs"}); err != nil {
		t.Fatal(err)
	}
	if got := verbsOn(meta, "replicasets"); len(got) != 0 {
		t.Errorf("owner changed with a blocking dependent left: %v", got)
	}
	// The pod was queued; its sync deletes it because its owner waits.
	if err := c.sync(ctx, item{gvr: podGVR, namespace: "ns", name: "p"}); err != nil {
		t.Fatal(err)
	}
	if got := verbsOn(meta, "pods"); len(got) != 1 || got[0] != "delete" {
		t.Errorf("pod actions %v, want one delete", got)
	}
	queued := false
	for c.queue.Len() > 0 {
		it, _ := c.queue.Get()
		queued = queued || it == item{gvr: podGVR, namespace: "ns", name: "p"}
		c.queue.Done(it)
	}
	if !queued {
		t.Error("the dependent was not queued")
	}
}
