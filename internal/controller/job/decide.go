package job

import (
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
)

// Back-off before pods replacing failed ones are created: it doubles with
// every failure, as in Kubernetes.
const (
	backoffBase = 10 * time.Second
	backoffMax  = 6 * time.Minute
)

// snapshot is everything one decision looks at.
type snapshot struct {
	job  *batchv1.Job // the live object, so status.uncountedTerminatedPods is current
	pods []*corev1.Pod
	now  time.Time
	// deleting holds pods this controller asked to delete that the cache
	// still shows as active.
	deleting sets.Set[types.UID]
}

// event is one event to record on the job.
type event struct{ kind, reason, message string }

// plan is what the controller does about one job, in order: write
// status, remove tracking finalizers, delete pods, create pods.
type plan struct {
	status  batchv1.JobStatus
	untrack []*corev1.Pod // pods to drop the tracking finalizer from
	remove  []*corev1.Pod // active pods to delete
	create  []int         // indexes of pods to create, -1 for non-indexed
	requeue time.Duration // look again after this long (0: no need)
	events  []event
}

// decide is the job controller's whole judgement for a job that has not
// finished: it accounts for finished pods, picks a terminal condition,
// and sizes the set of running pods.
func decide(s snapshot) plan {
	p := plan{status: *s.job.Status.DeepCopy()}
	acct := account(s.job, s.pods, &p)
	target := terminalTarget(s, &p, acct)
	switch {
	case target != nil:
		finish(s, &p, acct, *target)
	case ptr.Deref(s.job.Spec.Suspend, false):
		suspend(s, &p, acct)
	default:
		run(s, &p, acct)
	}
	return p
}

// accounting is what the pods add up to.
type accounting struct {
	active, terminating []*corev1.Pod
	succeeded, failed   int32 // counted plus uncounted
	completed           indexSet
	failJob             string // message of a matched FailJob rule
	lastFailure         time.Time
}

// account moves finished pods through status.uncountedTerminatedPods:
// a finished pod with the tracking finalizer is recorded there (written
// before its finalizer goes, so a crash cannot lose it), and once its
// finalizer is gone it moves into the succeeded or failed counter.
func account(job *batchv1.Job, pods []*corev1.Pod, p *plan) accounting {
	indexed := isIndexed(job)
	completions := int(ptr.Deref(job.Spec.Completions, 0))
	a := accounting{completed: parseIndexes(job.Status.CompletedIndexes, completions)}
	un := p.status.UncountedTerminatedPods
	if un == nil {
		un = &batchv1.UncountedTerminatedPods{}
	}
	okUIDs, failUIDs := sets.New(un.Succeeded...), sets.New(un.Failed...)
	seen := sets.New[types.UID]()
	for _, pod := range pods {
		seen.Insert(pod.UID)
		class := classify(job, pod)
		switch class {
		case podActive:
			a.active = append(a.active, pod)
			continue
		case podTerminating:
			a.terminating = append(a.terminating, pod)
			continue
		case podFailed:
			if terminating(pod) {
				a.terminating = append(a.terminating, pod)
			}
			if t := finishedAt(pod); t.After(a.lastFailure) {
				a.lastFailure = t
			}
		}
		inOK, inFail := okUIDs.Has(pod.UID), failUIDs.Has(pod.UID)
		switch {
		case !tracked(pod) && inOK:
			okUIDs.Delete(pod.UID)
			p.status.Succeeded++
		case !tracked(pod) && inFail:
			failUIDs.Delete(pod.UID)
			p.status.Failed++
		case !tracked(pod):
			// counted earlier, or never tracked
		case inOK || inFail:
			p.untrack = append(p.untrack, pod) // finalizer removal failed before: again
		case class == podSucceeded:
			p.untrack = append(p.untrack, pod)
			if idx := completionIndex(pod); indexed && (idx < 0 || idx >= completions || has(a.completed, idx)) {
				continue // a duplicate or stray success counts nothing
			} else if indexed {
				a.completed[idx] = struct{}{}
			}
			okUIDs.Insert(pod.UID)
		default:
			p.untrack = append(p.untrack, pod)
			if rule, ok := matchFailurePolicy(job.Spec.PodFailurePolicy, pod); ok {
				switch rule.action {
				case batchv1.PodFailurePolicyActionIgnore:
					continue
				case batchv1.PodFailurePolicyActionFailJob:
					if a.failJob == "" {
						a.failJob = rule.message
					}
				}
			}
			failUIDs.Insert(pod.UID)
		}
	}
	// Recorded pods that are gone finished long ago: count them now.
	for uid := range okUIDs {
		if !seen.Has(uid) {
			okUIDs.Delete(uid)
			p.status.Succeeded++
		}
	}
	for uid := range failUIDs {
		if !seen.Has(uid) {
			failUIDs.Delete(uid)
			p.status.Failed++
		}
	}
	p.status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{Succeeded: sortedUIDs(okUIDs), Failed: sortedUIDs(failUIDs)}
	a.succeeded = p.status.Succeeded + int32(okUIDs.Len())
	a.failed = p.status.Failed + int32(failUIDs.Len())
	if indexed {
		p.status.CompletedIndexes = a.completed.String()
	}
	return a
}

func has(s indexSet, i int) bool { _, ok := s[i]; return ok }

func sortedUIDs(s sets.Set[types.UID]) []types.UID {
	if s.Len() == 0 {
		return nil
	}
	out := s.UnsortedList()
	slices.Sort(out)
	return out
}

func isIndexed(job *batchv1.Job) bool {
	return ptr.Deref(job.Spec.CompletionMode, batchv1.NonIndexedCompletion) == batchv1.IndexedCompletion
}

// terminalTarget returns the FailureTarget or SuccessCriteriaMet condition
// the job has or now earns, or nil. Failure wins over success, as in
// Kubernetes.
func terminalTarget(s snapshot, p *plan, a accounting) *batchv1.JobCondition {
	for _, c := range p.status.Conditions {
		if (c.Type == batchv1.JobFailureTarget || c.Type == batchv1.JobSuccessCriteriaMet) && c.Status == corev1.ConditionTrue {
			return &c
		}
	}
	var t batchv1.JobConditionType
	var reason, message string
	job := s.job
	switch {
	case a.failJob != "":
		t, reason, message = batchv1.JobFailureTarget, batchv1.JobReasonPodFailurePolicy, a.failJob
	case a.failed > ptr.Deref(job.Spec.BackoffLimit, 6):
		t, reason, message = batchv1.JobFailureTarget, batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"
	case deadlineLeft(job, p.status, s.now) == 0:
		t, reason, message = batchv1.JobFailureTarget, batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline"
	case succeeded(job, a):
		t, reason, message = batchv1.JobSuccessCriteriaMet, batchv1.JobReasonCompletionsReached, "Reached expected number of succeeded pods"
	default:
		return nil
	}
	c := setCondition(&p.status, t, corev1.ConditionTrue, reason, message, s.now)
	return &c
}

// deadlineLeft is the time until activeDeadlineSeconds runs out, 0 when
// it has, -1 when there is none.
func deadlineLeft(job *batchv1.Job, st batchv1.JobStatus, now time.Time) time.Duration {
	if job.Spec.ActiveDeadlineSeconds == nil || st.StartTime == nil || ptr.Deref(job.Spec.Suspend, false) {
		return -1
	}
	left := st.StartTime.Add(time.Duration(*job.Spec.ActiveDeadlineSeconds) * time.Second).Sub(now)
	return max(left, 0)
}

func succeeded(job *batchv1.Job, a accounting) bool {
	switch {
	case job.Spec.Completions == nil:
		// A work queue is done when one pod succeeded and none runs.
		return a.succeeded > 0 && len(a.active) == 0
	case isIndexed(job):
		return int32(len(a.completed)) >= *job.Spec.Completions
	}
	return a.succeeded >= *job.Spec.Completions
}

// setCondition sets a condition, keeping its transition time when its
// status stays, and returns it.
func setCondition(st *batchv1.JobStatus, t batchv1.JobConditionType, status corev1.ConditionStatus, reason, message string, now time.Time) batchv1.JobCondition {
	c := batchv1.JobCondition{Type: t, Status: status, Reason: reason, Message: message,
		LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
	for i := range st.Conditions {
		if st.Conditions[i].Type != t {
			continue
		}
		if st.Conditions[i].Status == status {
			c.LastTransitionTime = st.Conditions[i].LastTransitionTime
			if st.Conditions[i].Reason == reason && st.Conditions[i].Message == message {
				c.LastProbeTime = st.Conditions[i].LastProbeTime
			}
		}
		st.Conditions[i] = c
		return c
	}
	st.Conditions = append(st.Conditions, c)
	return c
}

func hasTrueCondition(st batchv1.JobStatus, t batchv1.JobConditionType) bool {
	for _, c := range st.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
