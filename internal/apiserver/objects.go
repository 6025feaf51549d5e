package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// clusterObjects reads the objects that proxying to kubelets and service
// account tokens depend on. Errors are API errors (NotFound as the store
// returns it). cached reads come from the watch cache, which may lag a
// write by a moment; the others read storage.
type clusterObjects interface {
	pod(ctx context.Context, namespace, name string, cached bool) (*corev1.Pod, error)
	node(ctx context.Context, name string, cached bool) (*corev1.Node, error)
	secret(ctx context.Context, namespace, name string, cached bool) (*corev1.Secret, error)
	serviceAccount(ctx context.Context, namespace, name string, cached bool) (*corev1.ServiceAccount, error)
}

var (
	gvrPods            = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	gvrNodes           = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	gvrSecrets         = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	gvrServiceAccounts = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
)

// storeObjects reads through the API's own stores.
type storeObjects struct{ a *API }

func (s storeObjects) pod(ctx context.Context, namespace, name string, cached bool) (*corev1.Pod, error) {
	return getTyped[*corev1.Pod](ctx, s.a, gvrPods, namespace, name, cached)
}

func (s storeObjects) node(ctx context.Context, name string, cached bool) (*corev1.Node, error) {
	return getTyped[*corev1.Node](ctx, s.a, gvrNodes, "", name, cached)
}

func (s storeObjects) secret(ctx context.Context, namespace, name string, cached bool) (*corev1.Secret, error) {
	return getTyped[*corev1.Secret](ctx, s.a, gvrSecrets, namespace, name, cached)
}

func (s storeObjects) serviceAccount(ctx context.Context, namespace, name string, cached bool) (*corev1.ServiceAccount, error) {
	return getTyped[*corev1.ServiceAccount](ctx, s.a, gvrServiceAccounts, namespace, name, cached)
}

func getTyped[T runtime.Object](ctx context.Context, a *API, gvr schema.GroupVersionResource, namespace, name string, cached bool) (T, error) {
	var zero T
	st := a.store(gvr)
	if st == nil {
		return zero, fmt.Errorf("this server does not serve %s", gvr.Resource)
	}
	opts := metav1.GetOptions{}
	if cached {
		opts.ResourceVersion = "0"
	}
	obj, err := st.Get(ctx, namespace, name, opts)
	if err != nil {
		return zero, err
	}
	out, ok := obj.(T)
	if !ok {
		return zero, fmt.Errorf("%s %s/%s: unexpected type %T", gvr.Resource, namespace, name, obj)
	}
	return out, nil
}
