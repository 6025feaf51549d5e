package integration

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func deleteTests() []suiteTest {
	return []suiteTest{
		{name: "delete/preconditions", storage: true, fn: testDeletePreconditions},
		{name: "delete/finalizers", storage: true, fn: testFinalizers},
		{name: "delete/propagation-policy", fn: testPropagationPolicy},
		{name: "delete/pod-grace-period", fn: testPodGracePeriod},
		{name: "delete/collection", storage: true, fn: testDeleteCollection},
	}
}

// testDeletePreconditions: a delete whose uid or resourceVersion
// precondition does not match is 409 Conflict and deletes nothing.
func testDeletePreconditions(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	cm := mustCreateCM(t, c, ns, "a", nil)
	stale := cm.ResourceVersion
	mustUpdateCM(t, c, ns, "a", "2")
	for _, pre := range []metav1.Preconditions{
		{UID: ptr.To(types.UID("not-the-uid"))},
		{ResourceVersion: &stale},
	} {
		err := cms.Delete(ctx, "a", metav1.DeleteOptions{Preconditions: &pre})
		if !apierrors.IsConflict(err) {
			t.Errorf("delete with preconditions %+v: %v, want 409", pre, err)
		}
	}
	if _, err := cms.Get(ctx, "a", metav1.GetOptions{}); err != nil {
		t.Fatalf("object gone after refused deletes: %v", err)
	}
	if err := cms.Delete(ctx, "a", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cm.UID}}); err != nil {
		t.Fatalf("delete with the right uid: %v", err)
	}
}

// testFinalizers: an object with finalizers gets a deletionTimestamp and
// stays until its last finalizer is removed.
func testFinalizers(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "f", Finalizers: []string{"example.com/keep"}}}
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "f", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := cms.Get(ctx, "f", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("object with a finalizer gone at once: %v", err)
	}
	if got.DeletionTimestamp == nil || ptr.Deref(got.DeletionGracePeriodSeconds, -1) != 0 {
		t.Fatalf("deletionTimestamp %v, grace %v; want set and 0", got.DeletionTimestamp, got.DeletionGracePeriodSeconds)
	}
	// A second delete changes nothing; a new finalizer may not be added.
	if err := cms.Delete(ctx, "f", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got.Finalizers = append(got.Finalizers, "example.com/another")
	if _, err := cms.Update(ctx, got, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) && !apierrors.IsForbidden(err) {
		t.Errorf("adding a finalizer to a deleted object: %v, want 422", err)
	}
	if got, err = cms.Get(ctx, "f", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	got.Finalizers = nil
	if _, err := cms.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove finalizers: %v", err)
	}
	if _, err := cms.Get(ctx, "f", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after the last finalizer went: %v, want 404", err)
	}
}

// testPropagationPolicy: Orphan and Foreground deletes leave the object
// with the orphan or foregroundDeletion finalizer for the garbage
// collector; Background deletes at once.
func testPropagationPolicy(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	deps := c.Client.AppsV1().Deployments(ns)
	cases := []struct {
		policy    metav1.DeletionPropagation
		finalizer string
	}{
		{metav1.DeletePropagationOrphan, metav1.FinalizerOrphanDependents},
		{metav1.DeletePropagationForeground, metav1.FinalizerDeleteDependents},
		{metav1.DeletePropagationBackground, ""},
	}
	for _, tc := range cases {
		d := newDeployment(toDNS("d-"+string(tc.policy)), 1)
		if _, err := deps.Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := deps.Delete(ctx, d.Name, metav1.DeleteOptions{PropagationPolicy: &tc.policy}); err != nil {
			t.Fatalf("%s delete: %v", tc.policy, err)
		}
		got, err := deps.Get(ctx, d.Name, metav1.GetOptions{})
		if tc.finalizer == "" {
			if !apierrors.IsNotFound(err) {
				t.Errorf("%s delete: object still there (%v)", tc.policy, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s delete removed the object at once: %v", tc.policy, err)
		}
		if got.DeletionTimestamp == nil || len(got.Finalizers) != 1 || got.Finalizers[0] != tc.finalizer {
			t.Errorf("%s delete: deletionTimestamp %v finalizers %v, want [%s]", tc.policy, got.DeletionTimestamp, got.Finalizers, tc.finalizer)
		}
	}
}

// testPodGracePeriod: a pod bound to a node is Terminating for its grace
// period (the kubelet finishes it); a delete with grace 0 removes it. An
// unbound pod goes at once.
func testPodGracePeriod(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	pods := c.Client.CoreV1().Pods(ns)
	mustCreatePod(t, c, ns, "bound", "")
	binding := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "bound"}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-a"}}
	if err := pods.Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := pods.Get(ctx, "bound", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("bound pod gone at once: %v", err)
	}
	if got.Spec.NodeName != "node-a" || got.DeletionTimestamp == nil || ptr.Deref(got.DeletionGracePeriodSeconds, -1) != 30 {
		t.Errorf("terminating pod: node %q deletionTimestamp %v grace %v; want node-a, set, 30",
			got.Spec.NodeName, got.DeletionTimestamp, got.DeletionGracePeriodSeconds)
	}
	if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "bound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after grace-0 delete: %v, want 404", err)
	}
	mustCreatePod(t, c, ns, "unbound", "")
	if err := pods.Delete(ctx, "unbound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "unbound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("unscheduled pod after delete: %v, want 404", err)
	}
}

// testDeleteCollection: deletecollection removes exactly the objects its
// label selector picks.
func testDeleteCollection(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	for _, n := range []string{"a1", "a2", "a3"} {
		mustCreateCM(t, c, ns, n, map[string]string{"group": "a"})
	}
	for _, n := range []string{"b1", "b2"} {
		mustCreateCM(t, c, ns, n, map[string]string{"group": "b"})
	}
	cms := c.Client.CoreV1().ConfigMaps(ns)
	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "group=a"}); err != nil {
		t.Fatal(err)
	}
	list, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cm := range list.Items {
		if cm.Name != "kube-root-ca.crt" {
			names = append(names, cm.Name)
		}
	}
	if len(names) != 2 || names[0] != "b1" || names[1] != "b2" {
		t.Fatalf("left after deletecollection group=a: %v, want [b1 b2]", names)
	}
}

// toDNS lowercases a name for use as an object name.
func toDNS(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}
