package serviceaccount

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

func TestSync(t *testing.T) {
	now := metav1.Now()
	active := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	dying := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "d", DeletionTimestamp: &now}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	stale := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "s", Name: RootCAConfigMap}, Data: map[string]string{"ca.crt": "old"}}
	withStale := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	tests := []struct {
		ns       string
		wantSA   bool
		wantCA   string
		existing []runtime.Object
	}{
		{"a", true, "PEM", nil},
		{"d", false, "", nil},
		{"s", true, "PEM", []runtime.Object{stale}},
	}
	for _, tt := range tests {
		t.Run(tt.ns, func(t *testing.T) {
			objs := append([]runtime.Object{active, dying, withStale}, tt.existing...)
			client := fake.NewSimpleClientset(objs...)
			factory := informers.NewSharedInformerFactory(client, 0)
			c, err := New(Config{Client: client, Informers: factory, RootCA: []byte("PEM")})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				switch o := o.(type) {
				case *corev1.Namespace:
					factory.Core().V1().Namespaces().Informer().GetIndexer().Add(o)
				case *corev1.ConfigMap:
					factory.Core().V1().ConfigMaps().Informer().GetIndexer().Add(o)
				}
			}
			if err := c.sync(context.Background(), tt.ns); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			_, err = client.CoreV1().ServiceAccounts(tt.ns).Get(ctx, DefaultAccount, metav1.GetOptions{})
			if gotSA := err == nil; gotSA != tt.wantSA {
				t.Errorf("default service account exists = %v, want %v", gotSA, tt.wantSA)
			}
			cm, err := client.CoreV1().ConfigMaps(tt.ns).Get(ctx, RootCAConfigMap, metav1.GetOptions{})
			got := ""
			if err == nil {
				got = cm.Data["ca.crt"]
			}
			if got != tt.wantCA {
				t.Errorf("ca.crt = %q, want %q", got, tt.wantCA)
			}
		})
	}
}
