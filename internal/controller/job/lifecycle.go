package job

import (
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// finish stops a job that met its success criteria or failure target:
// running pods are deleted, and once every pod has ended and been counted
// the Complete or Failed condition follows (Kubernetes 1.32 delays the
// terminal condition until then).
func finish(s snapshot, p *plan, a accounting, target batchv1.JobCondition) {
	p.remove = notDeleting(s, a.active)
	setCounters(s, p, a, nil)
	un := p.status.UncountedTerminatedPods
	if len(a.active) > 0 || len(a.terminating) > 0 || len(p.untrack) > 0 ||
		len(un.Succeeded) > 0 || len(un.Failed) > 0 {
		return
	}
	if target.Type == batchv1.JobSuccessCriteriaMet {
		setCondition(&p.status, batchv1.JobComplete, corev1.ConditionTrue, target.Reason, target.Message, s.now)
		p.status.CompletionTime = ptr.To(metav1.NewTime(s.now))
		p.events = append(p.events, event{corev1.EventTypeNormal, "Completed", "Job completed"})
		return
	}
	setCondition(&p.status, batchv1.JobFailed, corev1.ConditionTrue, target.Reason, target.Message, s.now)
	p.events = append(p.events, event{corev1.EventTypeWarning, target.Reason, target.Message})
}

// suspend deletes the job's running pods and says so in a condition.
func suspend(s snapshot, p *plan, a accounting) {
	p.remove = notDeleting(s, a.active)
	if !hasTrueCondition(p.status, batchv1.JobSuspended) {
		setCondition(&p.status, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", s.now)
		p.events = append(p.events, event{corev1.EventTypeNormal, "Suspended", "Job suspended"})
	}
	p.status.StartTime = nil
	setCounters(s, p, a, nil)
}

// run keeps the right number of pods going: it resumes a suspended job,
// starts the clock, deletes surplus pods and creates missing ones once the
// failure back-off allows.
func run(s snapshot, p *plan, a accounting) {
	if hasTrueCondition(p.status, batchv1.JobSuspended) {
		setCondition(&p.status, batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed", s.now)
		p.events = append(p.events, event{corev1.EventTypeNormal, "Resumed", "Job resumed"})
		p.status.StartTime = nil
	}
	if p.status.StartTime == nil {
		p.status.StartTime = ptr.To(metav1.NewTime(s.now))
	}
	active := notDeleting(s, a.active)
	var create []int
	if isIndexed(s.job) {
		create, p.remove = sizeIndexed(s.job, active, a)
	} else {
		create, p.remove = sizeNonIndexed(s.job, active, a)
	}
	if len(create) > 0 {
		if wait := backoffLeft(a, s.now); wait > 0 {
			create, p.requeue = nil, wait
		}
	}
	p.create = create
	if left := deadlineLeft(s.job, p.status, s.now); left > 0 && (p.requeue == 0 || left < p.requeue) {
		p.requeue = left
	}
	setCounters(s, p, a, active)
}

// notDeleting drops pods whose deletion this controller already asked for.
func notDeleting(s snapshot, pods []*corev1.Pod) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, len(pods))
	for _, pod := range pods {
		if !s.deleting.Has(pod.UID) {
			out = append(out, pod)
		}
	}
	return out
}

// sizeNonIndexed compares running pods with what parallelism and the
// remaining completions allow.
func sizeNonIndexed(job *batchv1.Job, active []*corev1.Pod, a accounting) ([]int, []*corev1.Pod) {
	want := ptr.Deref(job.Spec.Parallelism, 1)
	switch {
	case job.Spec.Completions != nil:
		want = min(want, *job.Spec.Completions-a.succeeded)
	case a.succeeded > 0:
		// A work queue with a success starts nothing new.
		want = min(want, int32(len(active)))
	}
	want = max(want, 0)
	have := int32(len(active))
	if onlyReplaceFailed(job) {
		have += int32(len(a.terminating))
	}
	if int32(len(active)) > want {
		sorted := slices.Clone(active)
		slices.SortFunc(sorted, deletionOrder)
		return nil, sorted[:int32(len(active))-want]
	}
	create := make([]int, 0, max(want-have, 0))
	for range max(want-have, 0) {
		create = append(create, -1)
	}
	return create, nil
}

// sizeIndexed starts the lowest indexes that are neither complete nor
// running, within parallelism, and deletes duplicates, pods of completed
// indexes and the highest indexes beyond parallelism.
func sizeIndexed(job *batchv1.Job, active []*corev1.Pod, a accounting) ([]int, []*corev1.Pod) {
	completions := int(ptr.Deref(job.Spec.Completions, 0))
	parallelism := int(ptr.Deref(job.Spec.Parallelism, 1))
	var remove, keep []*corev1.Pod
	running := indexSet{}
	sorted := slices.Clone(active)
	slices.SortFunc(sorted, func(x, y *corev1.Pod) int { return completionIndex(x) - completionIndex(y) })
	for _, pod := range sorted {
		idx := completionIndex(pod)
		if idx < 0 || idx >= completions || has(a.completed, idx) || has(running, idx) {
			remove = append(remove, pod)
			continue
		}
		running[idx] = struct{}{}
		keep = append(keep, pod)
	}
	if len(keep) > parallelism {
		remove = append(remove, keep[parallelism:]...)
		keep = keep[:parallelism]
	}
	if onlyReplaceFailed(job) {
		for _, pod := range a.terminating {
			running[completionIndex(pod)] = struct{}{}
		}
	}
	var create []int
	for i := 0; i < completions && len(keep)+len(create) < parallelism; i++ {
		if !has(a.completed, i) && !has(running, i) {
			create = append(create, i)
		}
	}
	return create, remove
}

// backoffLeft is how long pod creation must still wait after the last
// failure: 10s doubled per failure, at most 6 minutes.
func backoffLeft(a accounting, now time.Time) time.Duration {
	if a.failed == 0 || a.lastFailure.IsZero() {
		return 0
	}
	delay := backoffBase
	for i := int32(1); i < a.failed && delay < backoffMax; i++ {
		delay *= 2
	}
	delay = min(delay, backoffMax)
	return max(a.lastFailure.Add(delay).Sub(now), 0)
}

// setCounters fills active, ready and terminating as they will be once the
// plan is carried out.
func setCounters(s snapshot, p *plan, a accounting, active []*corev1.Pod) {
	if active == nil {
		active = notDeleting(s, a.active)
	}
	var readyCount int32
	for _, pod := range active {
		if ready(pod) && !slices.Contains(p.remove, pod) {
			readyCount++
		}
	}
	p.status.Active = int32(len(active) - len(p.remove) + len(p.create))
	p.status.Ready = ptr.To(readyCount)
	p.status.Terminating = ptr.To(int32(len(a.terminating) + len(a.active) - len(active) + len(p.remove)))
}
