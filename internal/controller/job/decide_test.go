package job

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func newJob(mut ...func(*batchv1.Job)) *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "j", UID: "job-uid"},
		Spec: batchv1.JobSpec{
			Completions: ptr.To[int32](3), Parallelism: ptr.To[int32](2), BackoffLimit: ptr.To[int32](1),
			CompletionMode: ptr.To(batchv1.NonIndexedCompletion), Suspend: ptr.To(false),
			PodReplacementPolicy: ptr.To(batchv1.TerminatingOrFailed),
		},
		Status: batchv1.JobStatus{StartTime: ptr.To(metav1.NewTime(t0))},
	}
	for _, m := range mut {
		m(j)
	}
	return j
}

// pod makes a pod in a phase; "ok" and "fail" pods are terminated with
// exit code 0 and 1 at t0.
func pod(name string, phase corev1.PodPhase, mut ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(name), Finalizers: []string{batchv1.JobTrackingFinalizer}},
		Status:     corev1.PodStatus{Phase: phase},
	}
	if phase == corev1.PodSucceeded || phase == corev1.PodFailed {
		code := int32(0)
		if phase == corev1.PodFailed {
			code = 1
		}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: code, FinishedAt: metav1.NewTime(t0)}}}}
	}
	for _, m := range mut {
		m(p)
	}
	return p
}

func untracked(p *corev1.Pod) { p.Finalizers = nil }

func indexed(i string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Annotations = map[string]string{batchv1.JobCompletionIndexAnnotation: i}
	}
}

func condition(st batchv1.JobStatus, t batchv1.JobConditionType) string {
	for _, c := range st.Conditions {
		if c.Type == t {
			return string(c.Status) + "/" + c.Reason
		}
	}
	return ""
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name        string
		job         *batchv1.Job
		pods        []*corev1.Pod
		now         time.Time
		wantCreate  []int
		wantRemove  int
		wantUntrack int
		wantStatus  func(batchv1.JobStatus) string // "" when fine
	}{{
		name: "fresh job starts parallelism pods", job: newJob(func(j *batchv1.Job) { j.Status.StartTime = nil }),
		now: t0, wantCreate: []int{-1, -1},
		wantStatus: func(s batchv1.JobStatus) string {
			if s.StartTime == nil || s.Active != 2 {
				return "want startTime and 2 active"
			}
			return ""
		},
	}, {
		name: "no more pods than completions left", job: newJob(func(j *batchv1.Job) { j.Status.Succeeded = 2 }),
		pods: []*corev1.Pod{pod("a", corev1.PodRunning)}, now: t0,
	}, {
		name: "a success is recorded before its finalizer goes", job: newJob(),
		pods: []*corev1.Pod{pod("a", corev1.PodSucceeded), pod("b", corev1.PodRunning)}, now: t0,
		wantCreate: []int{-1}, wantUntrack: 1,
		wantStatus: func(s batchv1.JobStatus) string {
			if s.Succeeded != 0 || len(s.UncountedTerminatedPods.Succeeded) != 1 {
				return "want a in uncounted, not yet counted"
			}
			return ""
		},
	}, {
		name: "a released pod moves into the counter",
		job: newJob(func(j *batchv1.Job) {
			j.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{Succeeded: []types.UID{"a"}}
		}),
		pods: []*corev1.Pod{pod("a", corev1.PodSucceeded, untracked), pod("b", corev1.PodRunning), pod("c", corev1.PodRunning)}, now: t0,
		wantStatus: func(s batchv1.JobStatus) string {
			if s.Succeeded != 1 || len(s.UncountedTerminatedPods.Succeeded) != 0 {
				return "want a counted"
			}
			return ""
		},
	}, {
		name: "completions reached: success criteria met, then complete",
		job:  newJob(func(j *batchv1.Job) { j.Status.Succeeded = 3 }),
		pods: []*corev1.Pod{pod("a", corev1.PodSucceeded, untracked)}, now: t0,
		wantStatus: func(s batchv1.JobStatus) string {
			if condition(s, batchv1.JobSuccessCriteriaMet) != "True/CompletionsReached" || condition(s, batchv1.JobComplete) != "True/CompletionsReached" || s.CompletionTime == nil {
				return "want SuccessCriteriaMet and Complete"
			}
			return ""
		},
	}, {
		name: "complete waits for running pods to go",
		job:  newJob(func(j *batchv1.Job) { j.Status.Succeeded = 3 }),
		pods: []*corev1.Pod{pod("x", corev1.PodRunning)}, now: t0, wantRemove: 1,
		wantStatus: func(s batchv1.JobStatus) string {
			if condition(s, batchv1.JobSuccessCriteriaMet) == "" || condition(s, batchv1.JobComplete) != "" {
				return "want SuccessCriteriaMet only"
			}
			return ""
		},
	}, {
		name: "backoff limit exceeded fails the job",
		job:  newJob(func(j *batchv1.Job) { j.Status.Failed = 1 }),
		pods: []*corev1.Pod{pod("f", corev1.PodFailed)}, now: t0, wantUntrack: 1,
		wantStatus: func(s batchv1.JobStatus) string {
			if condition(s, batchv1.JobFailureTarget) != "True/BackoffLimitExceeded" || condition(s, batchv1.JobFailed) != "" {
				return "want FailureTarget, Failed only once counted"
			}
			return ""
		},
	}, {
		name: "failed after counting",
		job: newJob(func(j *batchv1.Job) {
			j.Status.Failed = 2
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded"}}
		}),
		pods: []*corev1.Pod{pod("f", corev1.PodFailed, untracked)}, now: t0,
		wantStatus: func(s batchv1.JobStatus) string {
			if condition(s, batchv1.JobFailed) != "True/BackoffLimitExceeded" || s.CompletionTime != nil {
				return "want Failed without completion time"
			}
			return ""
		},
	}, {
		name: "replacement waits for the back-off",
		job:  newJob(func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr.To[int32](6); j.Status.Failed = 2 }),
		pods: []*corev1.Pod{pod("f", corev1.PodFailed, untracked), pod("r", corev1.PodRunning)}, now: t0.Add(5 * time.Second),
	}, {
		name: "replacement after the back-off",
		job:  newJob(func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr.To[int32](6); j.Status.Failed = 2 }),
		pods: []*corev1.Pod{pod("f", corev1.PodFailed, untracked), pod("r", corev1.PodRunning)}, now: t0.Add(21 * time.Second),
		wantCreate: []int{-1},
	}, {
		name: "deadline exceeded",
		job:  newJob(func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = ptr.To[int64](10) }),
		pods: []*corev1.Pod{pod("r", corev1.PodRunning)}, now: t0.Add(11 * time.Second), wantRemove: 1,
		wantStatus: func(s batchv1.JobStatus) string {
			if condition(s, batchv1.JobFailureTarget) != "True/DeadlineExceeded" {
				return "want DeadlineExceeded"
			}
			return ""
		},
	}, {
		name: "suspended job deletes its pods",
		job:  newJob(func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) }),
		pods: []*corev1.Pod{pod("r", corev1.PodRunning)}, now: t0, wantRemove: 1,
		wantStatus: func(s batchv1.JobStatus) string {
			if condition(s, batchv1.JobSuspended) != "True/JobSuspended" || s.StartTime != nil {
				return "want Suspended and no start time"
			}
			return ""
		},
	}, {
		name: "indexed starts the lowest missing indexes",
		job: newJob(func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](5), ptr.To[int32](3)
			j.Status.CompletedIndexes = "0"
		}),
		pods: []*corev1.Pod{pod("p2", corev1.PodRunning, indexed("2"))}, now: t0, wantCreate: []int{1, 3},
	}, {
		name: "indexed duplicate is removed",
		job: newJob(func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](2), ptr.To[int32](2)
		}),
		pods: []*corev1.Pod{pod("a", corev1.PodRunning, indexed("0")), pod("b", corev1.PodRunning, indexed("0"))}, now: t0,
		wantCreate: []int{1}, wantRemove: 1,
	}, {
		name: "indexed success marks the index",
		job: newJob(func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](3), ptr.To[int32](1)
		}),
		pods: []*corev1.Pod{pod("a", corev1.PodSucceeded, indexed("1"))}, now: t0, wantCreate: []int{0}, wantUntrack: 1,
		wantStatus: func(s batchv1.JobStatus) string {
			if s.CompletedIndexes != "1" {
				return "want completedIndexes 1, got " + s.CompletedIndexes
			}
			return ""
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decide(snapshot{job: tt.job, pods: tt.pods, now: tt.now, deleting: sets.New[types.UID]()})
			if len(p.create) != len(tt.wantCreate) {
				t.Fatalf("create %v, want %v", p.create, tt.wantCreate)
			}
			for i := range p.create {
				if p.create[i] != tt.wantCreate[i] {
					t.Errorf("create %v, want %v", p.create, tt.wantCreate)
				}
			}
			if len(p.remove) != tt.wantRemove {
				t.Errorf("remove %d pods, want %d", len(p.remove), tt.wantRemove)
			}
			if len(p.untrack) != tt.wantUntrack {
				t.Errorf("untrack %d pods, want %d", len(p.untrack), tt.wantUntrack)
			}
			if tt.wantStatus != nil {
				if msg := tt.wantStatus(p.status); msg != "" {
					t.Errorf("%s; status %+v", msg, p.status)
				}
			}
		})
	}
}

func TestBackoffLeft(t *testing.T) {
	tests := []struct {
		failed int32
		since  time.Duration
		want   time.Duration
	}{
		{0, 0, 0},
		{1, 0, 10 * time.Second},
		{1, 4 * time.Second, 6 * time.Second},
		{3, 0, 40 * time.Second},
		{20, 0, 6 * time.Minute},
		{2, time.Minute, 0},
	}
	for _, tt := range tests {
		got := backoffLeft(accounting{failed: tt.failed, lastFailure: t0}, t0.Add(tt.since))
		if got != tt.want {
			t.Errorf("backoffLeft(%d failed, %v later) = %v, want %v", tt.failed, tt.since, got, tt.want)
		}
	}
}

func TestIndexSet(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""}, {"3", "3"}, {"1,2", "1-2"}, {"0-2,4,6-7", "0-2,4,6-7"}, {"5,1,2,3", "1-3,5"}, {"8-12", "8-9"},
	} {
		if got := parseIndexes(tt.in, 10).String(); got != tt.want {
			t.Errorf("parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchFailurePolicy(t *testing.T) {
	exit := func(code int32) *corev1.Pod {
		return pod("p", corev1.PodFailed, func(p *corev1.Pod) { p.Status.ContainerStatuses[0].State.Terminated.ExitCode = code })
	}
	policy := &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
		{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
			{Type: corev1.DisruptionTarget}}},
		{Action: batchv1.PodFailurePolicyActionCount, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpNotIn, Values: []int32{1}}},
	}}
	disrupted := exit(137)
	disrupted.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
	tests := []struct {
		name   string
		pod    *corev1.Pod
		want   batchv1.PodFailurePolicyAction
		wantOK bool
	}{
		{"exit 42 fails the job", exit(42), batchv1.PodFailurePolicyActionFailJob, true},
		{"disruption is ignored", disrupted, batchv1.PodFailurePolicyActionIgnore, true},
		{"exit 2 counts", exit(2), batchv1.PodFailurePolicyActionCount, true},
		{"exit 1 matches nothing", exit(1), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := matchFailurePolicy(policy, tt.pod)
			if ok != tt.wantOK || got.action != tt.want {
				t.Errorf("match = %v %v, want %v %v", got.action, ok, tt.want, tt.wantOK)
			}
		})
	}
	if got, _ := matchFailurePolicy(policy, exit(42)); got.message != "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0" {
		t.Errorf("message %q", got.message)
	}
}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }
