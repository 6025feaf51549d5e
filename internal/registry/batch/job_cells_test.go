package batch

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestJobCells(t *testing.T) {
	start := metav1.NewTime(time.Now().Add(-5 * time.Hour))
	end := metav1.NewTime(start.Add(90 * time.Second))
	cond := func(ty batchv1.JobConditionType, st corev1.ConditionStatus) []batchv1.JobCondition {
		return []batchv1.JobCondition{{Type: ty, Status: st}}
	}
	tests := []struct {
		name                          string
		mutate                        func(*batchv1.Job)
		status, completions, duration string
	}{
		{"new", func(*batchv1.Job) {}, "Running", "0/1", ""},
		{"complete", func(j *batchv1.Job) {
			j.Status = batchv1.JobStatus{Succeeded: 1, StartTime: &start, CompletionTime: &end, Conditions: cond(batchv1.JobComplete, corev1.ConditionTrue)}
		}, "Complete", "1/1", "90s"},
		{"failed", func(j *batchv1.Job) { j.Status.Conditions = cond(batchv1.JobFailed, corev1.ConditionTrue) }, "Failed", "0/1", ""},
		{"suspended", func(j *batchv1.Job) { j.Status.Conditions = cond(batchv1.JobSuspended, corev1.ConditionTrue) }, "Suspended", "0/1", ""},
		{"false condition ignored", func(j *batchv1.Job) { j.Status.Conditions = cond(batchv1.JobSuspended, corev1.ConditionFalse) }, "Running", "0/1", ""},
		{"terminating", func(j *batchv1.Job) { j.DeletionTimestamp = &end }, "Terminating", "0/1", ""},
		{"work queue", func(j *batchv1.Job) { j.Spec.Completions = nil; j.Spec.Parallelism = ptr.To[int32](3) }, "Running", "0/1 of 3", ""},
		{"still running", func(j *batchv1.Job) {
			j.Status.StartTime = &start
			j.Spec.Completions = ptr.To[int32](5)
			j.Status.Succeeded = 2
		}, "Running", "2/5", "5h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := createdJob(nil)
			tt.mutate(job)
			s := jobStrategy{}
			checkCells(t, s.Columns(), s.Cells(job), map[string]interface{}{
				"Status": tt.status, "Completions": tt.completions, "Duration": tt.duration,
				"Containers": "pi", "Images": "perl:5.34", "Selector": "batch.kubernetes.io/controller-uid=uid-1",
			})
		})
	}
}

func TestJobFields(t *testing.T) {
	job := &batchv1.Job{Status: batchv1.JobStatus{Succeeded: 3}}
	if got := (jobStrategy{}).Fields(job)["status.successful"]; got != "3" {
		t.Errorf("status.successful = %q, want 3", got)
	}
	if _, ok := (jobStrategy{}).Fields(&batchv1.Job{})["status.successful"]; !ok {
		t.Error("empty job lacks the status.successful key")
	}
}
