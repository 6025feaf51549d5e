package store

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/scheme"
	"github.com/skiff/skiff/internal/storage"
)

// newStoreWithHooks runs a store for res with hooks on a fresh embedded etcd.
func newStoreWithHooks(t *testing.T, res resource.Resource, hooks Hooks) *Store {
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
	s, err := New(Config{Resource: res, Backend: b, Codec: scheme.Codecs(sch).CodecForVersions(proto, proto, gv, gv), Hooks: hooks})
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

// Admit sees every create, dry runs included, before the name is
// generated and before validation; what it adds is stored; updates skip it.
func TestAdmitHook(t *testing.T) {
	var seen []string // the names admission saw
	admit := func(_ context.Context, obj runtime.Object) error {
		c := obj.(*corev1.ConfigMap)
		seen = append(seen, c.Name)
		if c.Labels["refuse"] != "" {
			return apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, c.Name, errors.New("refused"))
		}
		if c.Data == nil {
			c.Data = map[string]string{}
		}
		c.Data["admitted"] = "yes"
		return nil
	}
	s := newStoreWithHooks(t, configMaps, Hooks{Admit: admit})
	ctx := context.Background()
	tests := []struct {
		name       string
		obj        *corev1.ConfigMap
		dryRun     bool
		wantSeen   string
		wantErr    func(error) bool
		wantStored bool
	}{
		{name: "create", obj: cm("a", nil), wantSeen: "a", wantStored: true},
		{name: "dry run", obj: cm("b", nil), dryRun: true, wantSeen: "b"},
		{name: "generated name", obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-", Namespace: "ns"}}, wantSeen: "", wantStored: true},
		{name: "refused before validation", obj: cm("Bad_Name", map[string]string{"refuse": "x"}), wantSeen: "Bad_Name", wantErr: apierrors.IsForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			out, err := s.Create(ctx, tt.obj, CreateOptions{DryRun: tt.dryRun})
			if len(seen) != 1 || seen[0] != tt.wantSeen {
				t.Errorf("admission saw %q, want [%q]", seen, tt.wantSeen)
			}
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := out.(*corev1.ConfigMap)
			if c.Data["admitted"] != "yes" {
				t.Errorf("result not admitted: %v", c.Data)
			}
			got, err := s.Get(ctx, "ns", c.Name, metav1.GetOptions{})
			if !tt.wantStored {
				if !apierrors.IsNotFound(err) {
					t.Errorf("dry run stored: %v", err)
				}
				return
			}
			if err != nil || got.(*corev1.ConfigMap).Data["admitted"] != "yes" {
				t.Errorf("stored %v, %v; want admitted", got, err)
			}
		})
	}
	seen = nil
	upd := cm("a", nil)
	upd.Data = map[string]string{"k": "changed"}
	out, _, err := s.Update(ctx, "ns", "a", replace(upd), UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 || out.(*corev1.ConfigMap).Data["admitted"] != "" {
		t.Errorf("update admitted: saw %q, data %v", seen, out.(*corev1.ConfigMap).Data)
	}
}
