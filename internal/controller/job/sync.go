package job

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// sync brings one job closer to its spec and returns how soon it needs
// another look even if nothing changes (back-off, deadline, TTL).
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.forget(key)
		return 0, c.release(ctx, c.podsOf(key, ""))
	}
	if err != nil {
		return 0, fmt.Errorf("get job %s: %w", key, err)
	}
	if finished(cached) {
		return c.finished(ctx, key, cached)
	}
	now := c.clock.Now()
	if !c.expect.satisfied(key, now) {
		return 0, nil // the pods' add events bring the job back
	}
	// The live job, because its uncountedTerminatedPods must be current:
	// on a stale copy a counted pod whose finalizer is gone would be lost.
	job, err := c.client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get job %s: %w", key, err)
	}
	if finished(job) {
		return c.finished(ctx, key, job)
	}
	pods := c.podsOf(key, job.UID)
	deleting := c.expect.deleting(key, deletedIn(pods))
	p := decide(snapshot{job: job, pods: pods, now: now, deleting: deleting})
	return p.requeue, c.apply(ctx, key, job, p)
}

func finished(job *batchv1.Job) bool {
	return hasTrueCondition(job.Status, batchv1.JobComplete) || hasTrueCondition(job.Status, batchv1.JobFailed)
}

// finished releases what a finished job still holds and runs its TTL.
func (c *Controller) finished(ctx context.Context, key string, job *batchv1.Job) (time.Duration, error) {
	c.expect.forget(key)
	if err := c.release(ctx, c.podsOf(key, job.UID)); err != nil {
		return 0, err
	}
	return c.expire(ctx, job)
}

// podsOf returns the pods controlled by job key (of this UID, if given).
func (c *Controller) podsOf(key string, uid types.UID) []*corev1.Pod {
	objs, err := c.pods.ByIndex(jobIndex, key)
	if err != nil {
		return nil
	}
	out := make([]*corev1.Pod, 0, len(objs))
	for _, obj := range objs {
		pod := obj.(*corev1.Pod)
		if ref := metav1.GetControllerOf(pod); uid == "" || (ref != nil && ref.UID == uid) {
			out = append(out, pod)
		}
	}
	return out
}

// deletedIn reports, for the pods of one job, whether the cache shows a
// pod gone or being deleted.
func deletedIn(pods []*corev1.Pod) func(types.UID) bool {
	byUID := make(map[types.UID]*corev1.Pod, len(pods))
	for _, pod := range pods {
		byUID[pod.UID] = pod
	}
	return func(uid types.UID) bool {
		pod, ok := byUID[uid]
		return !ok || pod.DeletionTimestamp != nil
	}
}

// apply carries out a plan. Status goes first: finished pods are on
// record before their finalizers go.
func (c *Controller) apply(ctx context.Context, key string, job *batchv1.Job, p plan) error {
	if !equality.Semantic.DeepEqual(job.Status, p.status) {
		next := job.DeepCopy()
		next.Status = p.status
		if _, err := c.client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("update status of job %s: %w", key, err)
		}
	}
	for _, e := range p.events {
		c.recorder.Event(job, e.kind, e.reason, e.message)
	}
	if err := c.release(ctx, p.untrack); err != nil {
		return err
	}
	if err := c.deletePods(ctx, key, job, p.remove); err != nil {
		return err
	}
	return c.createPods(ctx, key, job, p.create)
}

// releaseFinalizer is a strategic merge patch that drops the tracking
// finalizer whatever else the list holds, so it never conflicts.
var releaseFinalizer = []byte(`{"metadata":{"$deleteFromPrimitiveList/finalizers":["` + batchv1.JobTrackingFinalizer + `"]}}`)

// release removes the tracking finalizer from pods that still carry it.
func (c *Controller) release(ctx context.Context, pods []*corev1.Pod) error {
	for _, pod := range pods {
		if !tracked(pod) {
			continue
		}
		_, err := c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, releaseFinalizer, metav1.PatchOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("remove tracking finalizer of pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
	}
	return nil
}

func (c *Controller) deletePods(ctx context.Context, key string, job *batchv1.Job, pods []*corev1.Pod) error {
	for _, pod := range pods {
		c.expect.expectDelete(key, pod.UID)
		uid := pod.UID
		err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			c.recorder.Eventf(job, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			return fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		c.recorder.Eventf(job, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", pod.Name)
	}
	return nil
}

// createPods creates pods for the given indexes, a few at a time.
func (c *Controller) createPods(ctx context.Context, key string, job *batchv1.Job, indexes []int) error {
	if len(indexes) == 0 {
		return nil
	}
	c.expect.expectCreates(key, len(indexes), c.clock.Now())
	errs := make(chan error, len(indexes))
	sem := make(chan struct{}, 16)
	for _, idx := range indexes {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errs <- c.createPod(ctx, key, job, idx)
		}()
	}
	var first error
	for range indexes {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (c *Controller) createPod(ctx context.Context, key string, job *batchv1.Job, idx int) error {
	pod, err := c.client.CoreV1().Pods(job.Namespace).Create(ctx, podFor(job, idx), metav1.CreateOptions{})
	if err != nil {
		c.expect.creationFailed(key)
		c.recorder.Eventf(job, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return fmt.Errorf("create pod for job %s: %w", key, err)
	}
	c.recorder.Eventf(job, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", pod.Name)
	return nil
}
