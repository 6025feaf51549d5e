package job

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// expire deletes a finished job whose ttlSecondsAfterFinished has passed,
// or says how long until it does.
func (c *Controller) expire(ctx context.Context, cached *batchv1.Job) (time.Duration, error) {
	left, ok := ttlLeft(cached, c.clock.Now())
	if !ok || left > 0 {
		return left, nil
	}
	// The TTL may have been changed since the cache saw the job: check the
	// live object before deleting it.
	job, err := c.client.BatchV1().Jobs(cached.Namespace).Get(ctx, cached.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get job %s/%s: %w", cached.Namespace, cached.Name, err)
	}
	if left, ok := ttlLeft(job, c.clock.Now()); !ok || left > 0 {
		return left, nil
	}
	policy := metav1.DeletePropagationForeground
	uid := job.UID
	err = c.client.BatchV1().Jobs(job.Namespace).Delete(ctx, job.Name, metav1.DeleteOptions{
		PropagationPolicy: &policy, Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return 0, fmt.Errorf("delete expired job %s/%s: %w", job.Namespace, job.Name, err)
	}
	c.log.Info("deleted finished job after its TTL", "job", job.Namespace+"/"+job.Name)
	return 0, nil
}

// ttlLeft is the time until a finished job expires; ok is false when it
// has no TTL or is already being deleted.
func ttlLeft(job *batchv1.Job, now time.Time) (time.Duration, bool) {
	if job.Spec.TTLSecondsAfterFinished == nil || job.DeletionTimestamp != nil {
		return 0, false
	}
	var at time.Time
	for _, c := range job.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == "True" {
			at = c.LastTransitionTime.Time
		}
	}
	if at.IsZero() {
		return 0, false
	}
	expire := at.Add(time.Duration(*job.Spec.TTLSecondsAfterFinished) * time.Second)
	return max(expire.Sub(now), 0), true
}
