package replicaset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// sync converges one owner: claim its pods, create or delete to match
// replicas (unless earlier actions are still unobserved), write status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	o, err := c.kind.get(ns, name)
	if apierrors.IsNotFound(err) {
		c.exp.Delete(key)
		return nil
	}
	if err != nil {
		return err
	}
	satisfied := c.exp.Satisfied(key)
	pods, err := c.claimPods(ctx, o)
	if err != nil {
		return err
	}
	active := make([]*corev1.Pod, 0, len(pods))
	for _, p := range pods {
		if podcontrol.IsActive(p) {
			active = append(active, p)
		}
	}
	var manageErr error
	creating := len(active) < int(o.replicas)
	if satisfied && o.obj.GetDeletionTimestamp() == nil {
		manageErr = c.manage(ctx, o, key, active)
	}
	st := computeStatus(o, active, manageErr, creating, c.clock.Now())
	if err := c.writeStatus(ctx, o, st); err != nil {
		return err
	}
	if manageErr == nil && o.minReadySeconds > 0 && st.ReadyReplicas == o.replicas && st.AvailableReplicas != o.replicas {
		c.loop.AddAfter(key, time.Duration(o.minReadySeconds)*time.Second)
	}
	return manageErr
}

// claimPods returns the pods the owner controls after adopting matching
// orphans and releasing pods that stopped matching.
func (c *Controller) claimPods(ctx context.Context, o *owner) ([]*corev1.Pod, error) {
	cands, err := podcontrol.Candidates[*corev1.Pod](c.pods.GetIndexer(), o.obj.GetNamespace(), o.obj.GetUID())
	if err != nil {
		return nil, err
	}
	plan := podcontrol.PlanClaims(o.obj, o.selector, cands)
	// Finished pods are not worth adopting.
	adopt := plan.Adopt[:0]
	for _, p := range plan.Adopt {
		if podcontrol.IsActive(p) {
			adopt = append(adopt, p)
		}
	}
	plan.Adopt = adopt
	claimer := podcontrol.Claimer{
		Owner: o.obj, Kind: c.kind.gvk(),
		Patch: func(ctx context.Context, ns, name string, data []byte) error {
			_, err := c.client.CoreV1().Pods(ns).Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{})
			return err
		},
		Recheck: func(ctx context.Context) error { return c.recheck(ctx, o) },
	}
	return podcontrol.Claim(ctx, claimer, plan)
}

// recheck makes sure, from the API rather than the cache, that the owner
// still exists and is not being deleted before it adopts anything.
func (c *Controller) recheck(ctx context.Context, o *owner) error {
	cur, err := c.kind.fresh(ctx, o.obj.GetNamespace(), o.obj.GetName())
	if err != nil {
		return err
	}
	if cur.GetUID() != o.obj.GetUID() || cur.GetDeletionTimestamp() != nil {
		return fmt.Errorf("%s/%s is gone or being deleted", o.obj.GetNamespace(), o.obj.GetName())
	}
	return nil
}

func (c *Controller) writeStatus(ctx context.Context, o *owner, st appsv1.ReplicaSetStatus) error {
	if apiequality.Semantic.DeepEqual(o.status, st) {
		return nil
	}
	err := c.kind.updateStatus(ctx, o, st)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
