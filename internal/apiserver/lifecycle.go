package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff/skiff/internal/registry/store"
)

// namespaceLifecycle refuses new objects in namespaces that do not exist or
// are being deleted, as Kubernetes' NamespaceLifecycle admission does.
type namespaceLifecycle struct {
	namespaces func() *store.Store
}

func (n namespaceLifecycle) CheckCreate(ctx context.Context, namespace string, gr schema.GroupResource, name string) error {
	obj, err := n.namespaces().Get(ctx, "", namespace, metav1.GetOptions{ResourceVersion: "0"})
	if apierrors.IsNotFound(err) {
		// The cache may lag a namespace created a moment ago.
		obj, err = n.namespaces().Get(ctx, "", namespace, metav1.GetOptions{})
	}
	if err != nil {
		return err
	}
	ns := obj.(*corev1.Namespace)
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return apierrors.NewForbidden(gr, name,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", namespace))
	}
	return nil
}

// namespaceDeletion keeps a deleted namespace, Terminating, until the
// namespace controller has emptied it and removed spec.finalizers.
type namespaceDeletion struct{}

func (namespaceDeletion) PrepareDelete(obj runtime.Object, _ *metav1.DeleteOptions) bool {
	ns := obj.(*corev1.Namespace)
	ns.Status.Phase = corev1.NamespaceTerminating
	return len(ns.Spec.Finalizers) > 0
}

func (namespaceDeletion) Pending(obj runtime.Object) bool {
	return len(obj.(*corev1.Namespace).Spec.Finalizers) > 0
}

// podDeletion gives pods on a node their grace period: the pod gets a
// deletionTimestamp and stays until its kubelet has stopped it and deletes
// it with a zero grace period. Pods on no node, or already finished, go at
// once.
type podDeletion struct{}

func (podDeletion) PrepareDelete(obj runtime.Object, opts *metav1.DeleteOptions) bool {
	pod := obj.(*corev1.Pod)
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if opts.GracePeriodSeconds != nil {
		grace = *opts.GracePeriodSeconds
	}
	if cur := pod.DeletionGracePeriodSeconds; cur != nil && *cur < grace {
		grace = *cur // a deletion in progress may only get shorter
	}
	if grace <= 0 {
		return false
	}
	pod.DeletionGracePeriodSeconds = &grace
	return true
}

func (podDeletion) Pending(obj runtime.Object) bool {
	g := obj.(*corev1.Pod).DeletionGracePeriodSeconds
	return g != nil && *g > 0
}
