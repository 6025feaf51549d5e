package namespace

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// sync moves one Terminating namespace towards removal. It reports
// whether the namespace needs another look later (content still going).
func (c *Controller) sync(ctx context.Context, name string) (bool, error) {
	ns, err := c.namespaces.Get(name)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get namespace %s: %w", name, err)
	}
	if ns.DeletionTimestamp == nil || !hasKubernetesFinalizer(ns) {
		return false, nil
	}
	res := c.deleteContent(ctx, name)
	if err := c.updateConditions(ctx, ns, res); err != nil {
		return false, err
	}
	if err := res.err(); err != nil {
		return false, err
	}
	if !res.empty() {
		return true, nil
	}
	return false, c.finalize(ctx, ns)
}

func hasKubernetesFinalizer(ns *corev1.Namespace) bool {
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return true
		}
	}
	return false
}

// finalize drops the "kubernetes" finalizer; the API server deletes the
// namespace once no finalizer is left.
func (c *Controller) finalize(ctx context.Context, ns *corev1.Namespace) error {
	next := ns.DeepCopy()
	next.Spec.Finalizers = nil
	for _, f := range ns.Spec.Finalizers {
		if f != corev1.FinalizerKubernetes {
			next.Spec.Finalizers = append(next.Spec.Finalizers, f)
		}
	}
	_, err := c.client.CoreV1().Namespaces().Finalize(ctx, next, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("finalize namespace %s: %w", ns.Name, err)
	}
	c.log.Info("namespace emptied and finalized", "namespace", ns.Name)
	return nil
}

// updateConditions writes the deletion conditions when they changed.
func (c *Controller) updateConditions(ctx context.Context, ns *corev1.Namespace, res contentResult) error {
	now := metav1.NewTime(c.clock.Now())
	merged, changed := mergeConditions(ns.Status.Conditions, res.conditions(), now)
	if !changed {
		return nil
	}
	next := ns.DeepCopy()
	next.Status.Conditions = merged
	_, err := c.client.CoreV1().Namespaces().UpdateStatus(ctx, next, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("update status of namespace %s: %w", ns.Name, err)
	}
	return nil
}
