package replicaset

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// manage acts on the replica plan: expectations are raised before the
// first request so that the informer's events, which may arrive before
// the responses, are counted.
func (c *Controller) manage(ctx context.Context, o *owner, key string, active []*corev1.Pod) error {
	plan := planReplicas(active, o.replicas)
	switch {
	case plan.create > 0:
		return c.createPods(ctx, o, key, plan.create)
	case len(plan.delete) > 0:
		return c.deletePods(ctx, o, key, plan.delete)
	}
	return nil
}

func (c *Controller) createPods(ctx context.Context, o *owner, key string, n int) error {
	if o.template == nil {
		return fmt.Errorf("%s has no pod template", key)
	}
	c.exp.ExpectCreations(key, n)
	ok, attempted, err := podcontrol.SlowStart(ctx, n, func(ctx context.Context, _ int) error {
		pod := podcontrol.PodFromTemplate(o.template, o.obj, c.kind.gvk(), "")
		created, err := c.client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			// A timed-out create may still happen; the informer will tell.
			if apierrors.IsTimeout(err) {
				return nil
			}
			c.exp.CreationObserved(key)
			c.recorder.Eventf(o.obj, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			return err
		}
		c.recorder.Eventf(o.obj, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
		return nil
	})
	if skipped := n - attempted; skipped > 0 {
		c.exp.LowerCreations(key, skipped)
	}
	if err != nil {
		return fmt.Errorf("created %d of %d pods for %s: %w", ok, n, key, err)
	}
	return nil
}

func (c *Controller) deletePods(ctx context.Context, o *owner, key string, pods []*corev1.Pod) error {
	keys := make([]string, len(pods))
	for i, p := range pods {
		keys[i] = p.Namespace + "/" + p.Name
	}
	c.exp.ExpectDeletions(key, keys)
	errs := make([]error, len(pods))
	var wg sync.WaitGroup
	for i, p := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.deletePod(ctx, o, key, p)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("delete pods of %s: %w", key, err)
		}
	}
	return nil
}

func (c *Controller) deletePod(ctx context.Context, o *owner, key string, p *corev1.Pod) error {
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &p.UID},
	})
	switch {
	case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
		// Already gone (or replaced by a namesake): nothing to wait for.
		c.exp.DeletionObserved(key, p.Namespace+"/"+p.Name)
		return nil
	case err != nil:
		c.exp.DeletionObserved(key, p.Namespace+"/"+p.Name)
		c.recorder.Eventf(o.obj, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		return err
	}
	c.recorder.Eventf(o.obj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	return nil
}
