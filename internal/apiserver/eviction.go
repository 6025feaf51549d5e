package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff/skiff/internal/registry/store"
)

// pdbEvictions checks evictions against PodDisruptionBudgets the way
// Kubernetes' eviction subresource does: an eviction spends one of the
// budget's allowed disruptions, recorded in its status, or is refused with
// 429 TooManyRequests.
type pdbEvictions struct {
	pdbs *store.Store
}

var gvrPDBs = schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}

func (e pdbEvictions) CheckEviction(ctx context.Context, pod *corev1.Pod) error {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodPending {
		return nil // not running: evicting it disrupts nothing
	}
	pdb, err := e.budgetOf(ctx, pod)
	if err != nil || pdb == nil {
		return err
	}
	if !podReady(pod) && unhealthyMayGo(pdb) {
		return nil // an unready pod is no part of the healthy count
	}
	fn := func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		b := cur.(*policyv1.PodDisruptionBudget)
		if err := refusal(b); err != nil {
			return nil, err
		}
		b.Status.DisruptionsAllowed--
		if b.Status.DisruptedPods == nil {
			b.Status.DisruptedPods = map[string]metav1.Time{}
		}
		b.Status.DisruptedPods[pod.Name] = metav1.Now()
		return b, nil
	}
	_, _, err = e.pdbs.Update(ctx, pdb.Namespace, pdb.Name, fn, store.UpdateOptions{Subresource: "status", FieldManager: managerName})
	return err
}

// unhealthyMayGo applies a budget's unhealthyPodEvictionPolicy to a
// running but unready pod: AlwaysAllow lets it go; IfHealthyBudget (the
// default) only while the application has its desired healthy pods.
func unhealthyMayGo(b *policyv1.PodDisruptionBudget) bool {
	if p := b.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
		return true
	}
	return b.Status.ObservedGeneration >= b.Generation &&
		b.Status.DesiredHealthy > 0 && b.Status.CurrentHealthy >= b.Status.DesiredHealthy
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// budgetOf returns the one budget selecting pod, nil if none.
func (e pdbEvictions) budgetOf(ctx context.Context, pod *corev1.Pod) (*policyv1.PodDisruptionBudget, error) {
	list, err := e.pdbs.List(ctx, pod.Namespace, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, err
	}
	var found []*policyv1.PodDisruptionBudget
	for i := range list.(*policyv1.PodDisruptionBudgetList).Items {
		b := &list.(*policyv1.PodDisruptionBudgetList).Items[i]
		sel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		found = append(found, b)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	return nil, apierrors.NewInternalError(fmt.Errorf("this pod has more than one PodDisruptionBudget, which the eviction subresource does not support"))
}

// refusal says why a budget allows no disruption now, or nil.
func refusal(b *policyv1.PodDisruptionBudget) error {
	var msg string
	switch {
	case b.Status.ObservedGeneration < b.Generation:
		msg = fmt.Sprintf("The disruption budget %s is still being processed by the server.", b.Name)
	case b.Status.DisruptionsAllowed <= 0:
		msg = fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", b.Name, b.Status.DesiredHealthy, b.Status.CurrentHealthy)
	default:
		return nil
	}
	err := statusError(http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests, "Cannot evict pod as it would violate the pod's disruption budget.")
	err.ErrStatus.Details = &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: policyv1.DisruptionBudgetCause, Message: msg}}}
	return err
}
