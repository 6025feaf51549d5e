package cronjob

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// scheduledTimestampAnnotation records on a Job the start time it runs for.
const scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

// sync updates a CronJob's status from its jobs, trims its history and
// starts the job that is due, then returns the wait until the next start.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := splitKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.cronJobs.CronJobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get cronjob %s: %w", key, err)
	}
	cj := cached.DeepCopy()
	jobs := c.jobsOf(key, cj)
	c.track(cj, jobs)
	if err := c.trimHistory(ctx, cj, jobs); err != nil {
		return 0, err
	}
	next, err := c.startDue(ctx, cj, jobs)
	if err != nil {
		return 0, err
	}
	if !equality.Semantic.DeepEqual(cached.Status, cj.Status) {
		if _, err := c.client.BatchV1().CronJobs(ns).UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil {
			return 0, fmt.Errorf("update status of cronjob %s: %w", key, err)
		}
	}
	return next, nil
}

func (c *Controller) jobsOf(key string, cj *batchv1.CronJob) []*batchv1.Job {
	objs, _ := c.jobs.ByIndex(cronJobIndex, key)
	out := make([]*batchv1.Job, 0, len(objs))
	for _, obj := range objs {
		job := obj.(*batchv1.Job)
		if ref := metav1.GetControllerOf(job); ref != nil && ref.UID == cj.UID {
			out = append(out, job)
		}
	}
	return out
}

// finishedAs returns Complete or Failed for a finished job, "" otherwise.
func finishedAs(job *batchv1.Job) batchv1.JobConditionType {
	for _, c := range job.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type
		}
	}
	return ""
}

// track rebuilds status.active from the jobs that run and moves
// lastSuccessfulTime forward.
func (c *Controller) track(cj *batchv1.CronJob, jobs []*batchv1.Job) {
	was := map[string]bool{}
	for _, ref := range cj.Status.Active {
		was[ref.Name] = true
	}
	var active []corev1.ObjectReference
	for _, job := range jobs {
		switch finishedAs(job) {
		case "":
			active = append(active, jobRef(job))
		case batchv1.JobComplete:
			if t := job.Status.CompletionTime; t != nil && (cj.Status.LastSuccessfulTime == nil || t.After(cj.Status.LastSuccessfulTime.Time)) {
				cj.Status.LastSuccessfulTime = t.DeepCopy()
			}
			fallthrough
		default:
			if was[job.Name] {
				c.recorder.Eventf(cj, corev1.EventTypeNormal, "SawCompletedJob", "Saw completed job: %s, condition: %s", job.Name, finishedAs(job))
			}
		}
	}
	sort.Slice(active, func(i, j int) bool { return active[i].Name < active[j].Name })
	cj.Status.Active = active
}

func jobRef(job *batchv1.Job) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: "Job", Namespace: job.Namespace, Name: job.Name, UID: job.UID,
		APIVersion: "batch/v1", ResourceVersion: job.ResourceVersion}
}

// trimHistory deletes the oldest finished jobs beyond the history limits.
func (c *Controller) trimHistory(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) error {
	var ok, failed []*batchv1.Job
	for _, job := range jobs {
		switch finishedAs(job) {
		case batchv1.JobComplete:
			ok = append(ok, job)
		case batchv1.JobFailed:
			failed = append(failed, job)
		}
	}
	for _, job := range append(surplus(ok, ptr.Deref(cj.Spec.SuccessfulJobsHistoryLimit, 3)),
		surplus(failed, ptr.Deref(cj.Spec.FailedJobsHistoryLimit, 1))...) {
		if err := c.deleteJob(ctx, cj, job); err != nil {
			return err
		}
	}
	return nil
}

// surplus returns the oldest jobs beyond limit.
func surplus(jobs []*batchv1.Job, limit int32) []*batchv1.Job {
	if int32(len(jobs)) <= limit {
		return nil
	}
	sort.Slice(jobs, func(i, j int) bool { return startOf(jobs[i]).Before(startOf(jobs[j])) })
	return jobs[:int32(len(jobs))-limit]
}

func startOf(job *batchv1.Job) time.Time {
	if job.Status.StartTime != nil {
		return job.Status.StartTime.Time
	}
	return job.CreationTimestamp.Time
}

func (c *Controller) deleteJob(ctx context.Context, cj *batchv1.CronJob, job *batchv1.Job) error {
	policy := metav1.DeletePropagationBackground
	err := c.client.BatchV1().Jobs(job.Namespace).Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if err != nil && !apierrors.IsNotFound(err) {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedDelete", "Deleted job: %v", err)
		return fmt.Errorf("delete job %s/%s: %w", job.Namespace, job.Name, err)
	}
	c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %s", job.Name)
	return nil
}

// startDue starts the most recent missed start time, if any and allowed,
// and returns the wait until the next one.
func (c *Controller) startDue(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) (time.Duration, error) {
	if cj.DeletionTimestamp != nil || ptr.Deref(cj.Spec.Suspend, false) {
		return 0, nil
	}
	s, err := parseSchedule(cj)
	if err != nil {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "UnparseableSchedule", "unparseable schedule: %q : %s", cj.Spec.Schedule, err)
		return 0, nil // retrying cannot help; an edit brings it back
	}
	now := c.clock.Now()
	m := mostRecent(s, cj, now)
	wait := time.Duration(0)
	if !m.next.IsZero() {
		wait = m.next.Sub(now) + 100*time.Millisecond
	}
	if m.latest.IsZero() {
		return wait, nil
	}
	if m.count > tooManyMissed {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "TooManyMissedTimes",
			"too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", m.count)
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && m.latest.Add(time.Duration(*d)*time.Second).Before(now) {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "MissSchedule", "Missed scheduled time to start a job: %s", m.latest.UTC().Format(time.RFC1123Z))
		return wait, nil
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(cj.Status.Active) > 0 {
			return wait, nil // Kubernetes waits; the start time stays missed
		}
	case batchv1.ReplaceConcurrent:
		for _, job := range jobs {
			if finishedAs(job) == "" {
				if err := c.deleteJob(ctx, cj, job); err != nil {
					return 0, err
				}
			}
		}
		cj.Status.Active = nil
	}
	job, err := c.createJob(ctx, cj, m.latest, s)
	if err != nil {
		return 0, err
	}
	cj.Status.Active = append(cj.Status.Active, jobRef(job))
	cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(m.latest))
	return wait, nil
}

// createJob creates the job of one start time; one that exists already
// (made before a restart) is taken as created.
func (c *Controller) createJob(ctx context.Context, cj *batchv1.CronJob, at time.Time, s schedule) (*batchv1.Job, error) {
	t := cj.Spec.JobTemplate
	annotations := maps.Clone(t.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[scheduledTimestampAnnotation] = at.In(s.loc).Format(time.RFC3339)
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: jobName(cj, at), Namespace: cj.Namespace,
			Labels: maps.Clone(t.Labels), Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	out, err := c.client.BatchV1().Jobs(cj.Namespace).Create(ctx, job, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		existing, gerr := c.client.BatchV1().Jobs(cj.Namespace).Get(ctx, job.Name, metav1.GetOptions{})
		if gerr != nil {
			return nil, fmt.Errorf("get job %s: %w", job.Name, gerr)
		}
		if ref := metav1.GetControllerOf(existing); ref == nil || ref.UID != cj.UID {
			return nil, fmt.Errorf("job %s exists and is not owned by cronjob %s", job.Name, cj.Name)
		}
		return existing, nil
	}
	if err != nil {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %v", err)
		return nil, fmt.Errorf("create job for cronjob %s/%s: %w", cj.Namespace, cj.Name, err)
	}
	c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job %s", out.Name)
	return out, nil
}
