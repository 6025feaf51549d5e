package namespace

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	metafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
	testclock "k8s.io/utils/clock/testing"
)

func TestConditions(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	deps := schema.GroupResource{Group: "apps", Resource: "deployments"}
	tests := []struct {
		name string
		res  contentResult
		want map[corev1.NamespaceConditionType]string // type -> status/reason/message
	}{
		{"all gone", contentResult{}, map[corev1.NamespaceConditionType]string{
			corev1.NamespaceDeletionDiscoveryFailure: "False/ResourcesDiscovered/All resources successfully discovered",
			corev1.NamespaceContentRemaining:         "False/ContentRemoved/All content successfully removed",
			corev1.NamespaceFinalizersRemaining:      "False/ContentHasNoFinalizers/All content-preserving finalizers finished",
		}},
		{"content left", contentResult{
			remaining:  map[schema.GroupResource]int{pods: 3, deps: 1},
			finalizers: map[string]int{"example.com/keep": 1},
		}, map[corev1.NamespaceConditionType]string{
			corev1.NamespaceContentRemaining:    "True/SomeResourcesRemain/Some resources are remaining: deployments.apps has 1 resource instances, pods has 3 resource instances",
			corev1.NamespaceFinalizersRemaining: "True/SomeFinalizersRemain/Some content in the namespace has finalizers remaining: example.com/keep in 1 resource instances",
		}},
		{"discovery failed", contentResult{discoveryErr: errors.New("boom")}, map[corev1.NamespaceConditionType]string{
			corev1.NamespaceDeletionDiscoveryFailure: "True/DiscoveryFailed/Discovery failed for some groups, 1 failing: boom",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[corev1.NamespaceConditionType]string{}
			for _, c := range tt.res.conditions() {
				got[c.Type] = string(c.Status) + "/" + c.Reason + "/" + c.Message
			}
			if len(got) != 5 {
				t.Errorf("got %d conditions, want 5", len(got))
			}
			for typ, want := range tt.want {
				if got[typ] != want {
					t.Errorf("%s = %q, want %q", typ, got[typ], want)
				}
			}
		})
	}
}

func TestMergeConditions(t *testing.T) {
	then := metav1.NewTime(time.Unix(100, 0))
	now := metav1.NewTime(time.Unix(200, 0))
	old := []corev1.NamespaceCondition{
		{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "a", LastTransitionTime: then},
		{Type: "Other", Status: corev1.ConditionTrue, LastTransitionTime: then},
	}
	tests := []struct {
		name        string
		fresh       corev1.NamespaceCondition
		wantChanged bool
		wantTime    metav1.Time
	}{
		{"same", corev1.NamespaceCondition{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "a"}, false, then},
		{"new message", corev1.NamespaceCondition{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "b"}, true, then},
		{"flipped", corev1.NamespaceCondition{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionFalse, Reason: "ContentRemoved"}, true, now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changed := mergeConditions(old, []corev1.NamespaceCondition{tt.fresh}, now)
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			if len(out) != 2 || out[1].Type != "Other" {
				t.Fatalf("other conditions lost: %+v", out)
			}
			if !out[0].LastTransitionTime.Equal(&tt.wantTime) {
				t.Errorf("transition time %v, want %v", out[0].LastTransitionTime, tt.wantTime)
			}
		})
	}
}

// TestSyncDeletesThenFinalizes drives one Terminating namespace: the first
// pass deletes its pod and waits, the second finds nothing left and
// finalizes.
func TestSyncDeletesThenFinalizes(t *testing.T) {
	now := metav1.Now()
	ns := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "x", DeletionTimestamp: &now},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
	}
	client := fake.NewSimpleClientset(ns)
	client.Resources = []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{{Name: "pods", Namespaced: true, Kind: "Pod", Verbs: []string{"list", "delete"}}},
	}}
	scheme := metafake.NewTestScheme()
	metav1.AddMetaToScheme(scheme)
	pod := &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "p", UID: "u1"},
	}
	meta := metafake.NewSimpleMetadataClient(scheme, []runtime.Object{pod}...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Informers: factory, Metadata: meta, Clock: testclock.NewFakeClock(now.Time)})
	if err != nil {
		t.Fatal(err)
	}
	if err := factory.Core().V1().Namespaces().Informer().GetIndexer().Add(ns); err != nil {
		t.Fatal(err)
	}
	again, err := c.sync(context.Background(), "x")
	if err != nil || !again {
		t.Fatalf("first sync = %v, %v; want to look again", again, err)
	}
	if again, err = c.sync(context.Background(), "x"); err != nil || again {
		t.Fatalf("second sync = %v, %v; want done", again, err)
	}
	var deleted, finalized bool
	for _, a := range meta.Actions() {
		deleted = deleted || a.GetVerb() == "delete"
	}
	for _, a := range client.Actions() {
		if ca, ok := a.(clienttesting.CreateAction); ok && ca.GetSubresource() == "finalize" {
			finalized = len(ca.GetObject().(*corev1.Namespace).Spec.Finalizers) == 0
		}
	}
	if !deleted || !finalized {
		t.Errorf("deleted=%v finalized=%v, want both", deleted, finalized)
	}
}
