package podcontrol

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var rsKind = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}

func pod(name string, lbl map[string]string, ctrl types.UID, deleting bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: lbl, ResourceVersion: "7"}}
	if ctrl != "" {
		t := true
		p.OwnerReferences = []metav1.OwnerReference{{UID: ctrl, Name: "o", Kind: "ReplicaSet", Controller: &t}}
	}
	if deleting {
		now := metav1.Now()
		p.DeletionTimestamp = &now
	}
	return p
}

func names(ps []*corev1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestPlanClaims(t *testing.T) {
	app := map[string]string{"app": "web"}
	other := map[string]string{"app": "db"}
	cands := []*corev1.Pod{
		pod("mine", app, "me", false),
		pod("mine-moved", other, "me", false),
		pod("mine-moved-dying", other, "me", true),
		pod("orphan", app, "", false),
		pod("orphan-dying", app, "", true),
		pod("orphan-other", other, "", false),
		pod("theirs", app, "them", false),
	}
	tests := []struct {
		name                  string
		ownerDeleting         bool
		owned, adopt, release []string
	}{
		{"live owner", false, []string{"mine"}, []string{"orphan"}, []string{"mine-moved"}},
		{"deleting owner neither adopts nor releases", true, []string{"mine"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			owner := pod("o", nil, "", tc.ownerDeleting)
			owner.UID = "me"
			p := PlanClaims(owner, labels.SelectorFromSet(app), cands)
			if !slices.Equal(names(p.Owned), tc.owned) || !slices.Equal(names(p.Adopt), tc.adopt) || !slices.Equal(names(p.Release), tc.release) {
				t.Fatalf("got owned %v adopt %v release %v", names(p.Owned), names(p.Adopt), names(p.Release))
			}
		})
	}
}

func TestClaimPatches(t *testing.T) {
	owner := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "o", Namespace: "ns", UID: "me"}}
	patched := map[string][]metav1.OwnerReference{}
	c := Claimer{Owner: owner, Kind: rsKind, Patch: func(_ context.Context, _, name string, data []byte) error {
		var p struct {
			Metadata struct {
				OwnerReferences []metav1.OwnerReference `json:"ownerReferences"`
				ResourceVersion string                  `json:"resourceVersion"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(data, &p); err != nil {
			t.Fatal(err)
		}
		if p.Metadata.ResourceVersion != "7" {
			t.Errorf("patch of %s lacks resourceVersion precondition", name)
		}
		patched[name] = p.Metadata.OwnerReferences
		return nil
	}}
	plan := ClaimPlan[*corev1.Pod]{
		Owned:   []*corev1.Pod{pod("a", nil, "me", false)},
		Adopt:   []*corev1.Pod{pod("b", nil, "", false)},
		Release: []*corev1.Pod{pod("c", nil, "me", false)},
	}
	owned, err := Claim(context.Background(), c, plan)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(owned); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("owned = %v", got)
	}
	if r := patched["b"]; len(r) != 1 || r[0].UID != "me" || r[0].Controller == nil || !*r[0].Controller || r[0].Kind != "ReplicaSet" {
		t.Fatalf("adopt refs = %+v", r)
	}
	if r, ok := patched["c"]; !ok || len(r) != 0 {
		t.Fatalf("release refs = %+v (patched %v)", r, ok)
	}
}
