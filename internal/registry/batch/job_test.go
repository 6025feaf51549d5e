package batch

import (
	"math"
	"reflect"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// createdJob runs a job through the create path: default, then prepare
// (after the store assigned the UID).
func createdJob(mutate func(*batchv1.Job)) *batchv1.Job {
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default", UID: "uid-1"},
		Spec:       batchv1.JobSpec{Template: piTemplate()},
	}
	if mutate != nil {
		mutate(job)
	}
	s := jobStrategy{pods: fakePods}
	s.Default(job)
	s.PrepareForCreate(job)
	return job
}

func TestJobDefault(t *testing.T) {
	tests := []struct {
		name                           string
		in                             batchv1.JobSpec
		completions, parallelism, back *int32
		replacement                    batchv1.PodReplacementPolicy
	}{
		{"nothing set", batchv1.JobSpec{}, ptr.To[int32](1), ptr.To[int32](1), ptr.To[int32](6), batchv1.TerminatingOrFailed},
		{"work queue", batchv1.JobSpec{Parallelism: ptr.To[int32](3)}, nil, ptr.To[int32](3), ptr.To[int32](6), batchv1.TerminatingOrFailed},
		{"fixed count", batchv1.JobSpec{Completions: ptr.To[int32](5)}, ptr.To[int32](5), ptr.To[int32](1), ptr.To[int32](6), batchv1.TerminatingOrFailed},
		{"per-index backoff", batchv1.JobSpec{BackoffLimitPerIndex: ptr.To[int32](1)}, ptr.To[int32](1), ptr.To[int32](1), ptr.To[int32](math.MaxInt32), batchv1.TerminatingOrFailed},
		{"failure policy", batchv1.JobSpec{PodFailurePolicy: &batchv1.PodFailurePolicy{}}, ptr.To[int32](1), ptr.To[int32](1), ptr.To[int32](6), batchv1.Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := &batchv1.Job{Spec: tt.in}
			jobStrategy{pods: fakePods}.Default(job)
			s := job.Spec
			if !reflect.DeepEqual(s.Completions, tt.completions) || !reflect.DeepEqual(s.Parallelism, tt.parallelism) || !reflect.DeepEqual(s.BackoffLimit, tt.back) {
				t.Errorf("completions %v parallelism %v backoffLimit %v", ptr.Deref(s.Completions, -1), ptr.Deref(s.Parallelism, -1), ptr.Deref(s.BackoffLimit, -1))
			}
			if ptr.Deref(s.PodReplacementPolicy, "") != tt.replacement || ptr.Deref(s.CompletionMode, "") != batchv1.NonIndexedCompletion ||
				s.Suspend == nil || *s.Suspend || s.ManualSelector == nil || *s.ManualSelector {
				t.Errorf("defaults missing: %+v", s)
			}
		})
	}
}

func TestJobFailurePolicyConditionDefault(t *testing.T) {
	job := &batchv1.Job{Spec: batchv1.JobSpec{PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}}},
	}}}}
	jobStrategy{}.Default(job)
	if got := job.Spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status; got != corev1.ConditionTrue {
		t.Errorf("condition status = %q, want True", got)
	}
}

func TestJobGeneratedSelector(t *testing.T) {
	job := createdJob(func(j *batchv1.Job) { j.Status.Succeeded = 4 })
	want := map[string]string{
		"app": "pi", "controller-uid": "uid-1", "batch.kubernetes.io/controller-uid": "uid-1",
		"job-name": "pi", "batch.kubernetes.io/job-name": "pi",
	}
	if !reflect.DeepEqual(job.Spec.Template.Labels, want) {
		t.Errorf("template labels = %v", job.Spec.Template.Labels)
	}
	if !reflect.DeepEqual(job.Labels, want) {
		t.Errorf("job labels = %v, want the template's", job.Labels)
	}
	if got := job.Spec.Selector.MatchLabels; !reflect.DeepEqual(got, map[string]string{"batch.kubernetes.io/controller-uid": "uid-1"}) {
		t.Errorf("selector = %v", got)
	}
	if job.Status.Succeeded != 0 {
		t.Error("status kept on create")
	}
	checkErrors(t, jobStrategy{pods: fakePods}.Validate(job), nil)

	own := createdJob(func(j *batchv1.Job) { j.Labels = map[string]string{"team": "x"} })
	if !reflect.DeepEqual(own.Labels, map[string]string{"team": "x"}) {
		t.Errorf("user's job labels replaced: %v", own.Labels)
	}
	manual := createdJob(func(j *batchv1.Job) {
		j.Spec.ManualSelector = ptr.To(true)
		j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "pi"}}
	})
	if _, ok := manual.Spec.Template.Labels["controller-uid"]; ok {
		t.Error("labels generated for a manual selector")
	}
	checkErrors(t, jobStrategy{pods: fakePods}.Validate(manual), nil)
}

func TestJobValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*batchv1.Job) // applied before defaulting and create
		after  func(*batchv1.Job) // applied after
		want   []string
	}{
		{name: "valid"},
		{name: "restart always", mutate: func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = "" },
			want: []string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
		{name: "forged controller uid", mutate: func(j *batchv1.Job) { j.Spec.Template.Labels["controller-uid"] = "other" },
			want: []string{"FieldValueInvalid spec.template.metadata.labels[controller-uid]"}},
		{name: "forged selector", mutate: func(j *batchv1.Job) {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "other"}}
		}, want: []string{"FieldValueInvalid spec.selector", "FieldValueInvalid spec.template.metadata.labels"}},
		{name: "manual selector missing", mutate: func(j *batchv1.Job) { j.Spec.ManualSelector = ptr.To(true) },
			want: []string{"FieldValueRequired spec.selector", "FieldValueInvalid spec.template.metadata.labels"}},
		{name: "negative counts", after: func(j *batchv1.Job) {
			j.Spec.Parallelism = ptr.To[int32](-1)
			j.Spec.BackoffLimit = ptr.To[int32](-1)
			j.Spec.ActiveDeadlineSeconds = ptr.To[int64](-5)
		}, want: []string{"FieldValueInvalid spec.parallelism", "FieldValueInvalid spec.backoffLimit", "FieldValueInvalid spec.activeDeadlineSeconds"}},
		{name: "indexed without completions", after: func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.Completions = nil
		}, want: []string{"FieldValueRequired spec.completions"}},
		{name: "indexed too many", after: func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.Completions = ptr.To[int32](100001)
		}, want: []string{"FieldValueInvalid spec.completions"}},
		{name: "unknown completion mode", after: func(j *batchv1.Job) { j.Spec.CompletionMode = ptr.To(batchv1.CompletionMode("Sparse")) },
			want: []string{"FieldValueNotSupported spec.completionMode"}},
		{name: "per-index backoff needs Indexed", after: func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = ptr.To[int32](1) },
			want: []string{"FieldValueRequired spec.completionMode"}},
		{name: "failure policy with OnFailure", mutate: func(j *batchv1.Job) {
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{}
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		}, want: []string{"FieldValueInvalid spec.template.spec.restartPolicy"}},
		{name: "failure policy with TerminatingOrFailed", mutate: func(j *batchv1.Job) {
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{}
			j.Spec.PodReplacementPolicy = ptr.To(batchv1.TerminatingOrFailed)
		}, want: []string{"FieldValueNotSupported spec.podReplacementPolicy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := createdJob(tt.mutate)
			if tt.after != nil {
				tt.after(job)
			}
			checkErrors(t, jobStrategy{pods: fakePods}.Validate(job), tt.want)
		})
	}
}

func TestJobValidateUpdate(t *testing.T) {
	tests := []struct {
		name      string
		suspended bool
		started   bool
		mutate    func(*batchv1.Job)
		want      []string
	}{
		{name: "parallelism", mutate: func(j *batchv1.Job) { j.Spec.Parallelism = ptr.To[int32](4) }},
		{name: "completions", mutate: func(j *batchv1.Job) { j.Spec.Completions = ptr.To[int32](4) },
			want: []string{"FieldValueInvalid spec.completions"}},
		{name: "image of running job", mutate: func(j *batchv1.Job) { j.Spec.Template.Spec.Containers[0].Image = "perl:5.40" },
			want: []string{"FieldValueInvalid spec.template"}},
		{name: "node selector of suspended job", suspended: true, mutate: func(j *batchv1.Job) {
			j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
			j.Spec.Template.Annotations = map[string]string{"queue": "q1"}
		}},
		{name: "node selector of suspended job that ran", suspended: true, started: true, mutate: func(j *batchv1.Job) {
			j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
		}, want: []string{"FieldValueInvalid spec.template"}},
		{name: "image of suspended job", suspended: true, mutate: func(j *batchv1.Job) { j.Spec.Template.Spec.Containers[0].Image = "perl:5.40" },
			want: []string{"FieldValueInvalid spec.template"}},
		{name: "selector", mutate: func(j *batchv1.Job) { j.Spec.Selector.MatchLabels["app"] = "pi" },
			want: []string{"FieldValueInvalid spec.selector"}},
		{name: "completion mode", mutate: func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		}, want: []string{"FieldValueInvalid spec.completionMode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := createdJob(func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(tt.suspended) })
			if tt.started {
				old.Status.StartTime = &metav1.Time{Time: time.Now()}
			}
			job := old.DeepCopy()
			tt.mutate(job)
			checkErrors(t, jobStrategy{pods: fakePods}.ValidateUpdate(job, old), tt.want)
		})
	}
}

func TestJobElasticIndexed(t *testing.T) {
	old := createdJob(func(j *batchv1.Job) {
		j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		j.Spec.Completions = ptr.To[int32](3)
		j.Spec.Parallelism = ptr.To[int32](3)
	})
	job := old.DeepCopy()
	job.Spec.Completions, job.Spec.Parallelism = ptr.To[int32](5), ptr.To[int32](5)
	checkErrors(t, jobStrategy{pods: fakePods}.ValidateUpdate(job, old), nil)
	job.Spec.Parallelism = ptr.To[int32](2)
	checkErrors(t, jobStrategy{pods: fakePods}.ValidateUpdate(job, old), []string{"FieldValueInvalid spec.completions"})
}
