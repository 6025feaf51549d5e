package bench

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ensureNamespace creates ns, or reuses it if it exists and is active.
func ensureNamespace(ctx context.Context, c kubernetes.Interface, ns string) error {
	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{labelApp: appName}}}
	_, err := c.CoreV1().Namespaces().Create(ctx, nsObj, metav1.CreateOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	got, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get namespace %s: %w", ns, err)
	}
	if got.Status.Phase == corev1.NamespaceTerminating {
		return fmt.Errorf("namespace %s is terminating (its contents are gone once a namespace controller empties it); pick another with --namespace", ns)
	}
	return nil
}

// cleanup deletes this run's objects with one deletecollection, then the
// namespace without waiting: removing a namespace's contents is a
// controller's job, and the server under test may have none. It runs even
// when ctx was cancelled, with a deadline of its own.
func (r *run) cleanup(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	log := r.cfg.Logger
	if err := r.objs.deleteAll(ctx, labelRun+"="+r.runID); err != nil {
		log.Warn("bench clean-up: delete objects", "namespace", r.cfg.Namespace, "err", err)
	}
	err := r.cfg.Client.CoreV1().Namespaces().Delete(ctx, r.cfg.Namespace, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		log.Warn("bench clean-up: delete namespace", "namespace", r.cfg.Namespace, "err", err)
	}
}
