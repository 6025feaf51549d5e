package batch

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func validCronJob() *batchv1.CronJob {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "backup", Namespace: "default"},
		Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: piTemplate()}}},
	}
	cronJobStrategy{pods: fakePods}.Default(cj)
	return cj
}

func TestCronJobDefault(t *testing.T) {
	cj := &batchv1.CronJob{}
	cronJobStrategy{pods: fakePods}.Default(cj)
	s := cj.Spec
	if s.ConcurrencyPolicy != batchv1.AllowConcurrent || ptr.Deref(s.Suspend, true) ||
		ptr.Deref(s.SuccessfulJobsHistoryLimit, 0) != 3 || ptr.Deref(s.FailedJobsHistoryLimit, 0) != 1 {
		t.Errorf("defaults missing: %+v", s)
	}
	if s.JobTemplate.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Error("pod template defaults not applied")
	}
	if s.JobTemplate.Spec.BackoffLimit != nil || s.JobTemplate.Spec.Completions != nil {
		t.Error("job fields of the template defaulted; the created Job does that")
	}
	kept := &batchv1.CronJob{Spec: batchv1.CronJobSpec{ConcurrencyPolicy: batchv1.ForbidConcurrent, Suspend: ptr.To(true), FailedJobsHistoryLimit: ptr.To[int32](0)}}
	cronJobStrategy{}.Default(kept)
	if kept.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent || !*kept.Spec.Suspend || *kept.Spec.FailedJobsHistoryLimit != 0 {
		t.Errorf("set values overwritten: %+v", kept.Spec)
	}
}

func TestCronJobValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*batchv1.CronJob)
		want   []string
		detail string // substring of the first error, when set
	}{
		{name: "valid", mutate: func(*batchv1.CronJob) {}},
		{name: "macro and zone", mutate: func(c *batchv1.CronJob) { c.Spec.Schedule = "@daily"; c.Spec.TimeZone = ptr.To("Europe/Berlin") }},
		{name: "no schedule", mutate: func(c *batchv1.CronJob) { c.Spec.Schedule = "" }, want: []string{"FieldValueRequired spec.schedule"}},
		{name: "bad schedule", mutate: func(c *batchv1.CronJob) { c.Spec.Schedule = "every day" },
			want: []string{"FieldValueInvalid spec.schedule"}, detail: "expected exactly 5 fields"},
		{name: "zone in schedule", mutate: func(c *batchv1.CronJob) { c.Spec.Schedule = "CRON_TZ=UTC 0 * * * *" },
			want: []string{"FieldValueInvalid spec.schedule"}, detail: "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"},
		{name: "unknown zone", mutate: func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("Mars/Olympus") },
			want: []string{"FieldValueInvalid spec.timeZone"}, detail: "unknown time zone Mars/Olympus"},
		{name: "path in zone", mutate: func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("../etc/passwd") },
			want: []string{"FieldValueInvalid spec.timeZone"}, detail: "unknown time zone"},
		{name: "local zone", mutate: func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("Local") },
			want: []string{"FieldValueInvalid spec.timeZone"}, detail: "explicit time zone"},
		{name: "empty zone", mutate: func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("") },
			want: []string{"FieldValueInvalid spec.timeZone"}},
		{name: "bad concurrency", mutate: func(c *batchv1.CronJob) { c.Spec.ConcurrencyPolicy = "Sometimes" },
			want: []string{"FieldValueNotSupported spec.concurrencyPolicy"}},
		{name: "negative limits", mutate: func(c *batchv1.CronJob) {
			c.Spec.StartingDeadlineSeconds = ptr.To[int64](-1)
			c.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](-1)
		}, want: []string{"FieldValueInvalid spec.startingDeadlineSeconds", "FieldValueInvalid spec.successfulJobsHistoryLimit"}},
		{name: "restart always", mutate: func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		},
			want: []string{"FieldValueNotSupported spec.jobTemplate.spec.template.spec.restartPolicy"}},
		{name: "manual selector", mutate: func(c *batchv1.CronJob) { c.Spec.JobTemplate.Spec.ManualSelector = ptr.To(true) },
			want: []string{"FieldValueNotSupported spec.jobTemplate.spec.manualSelector"}},
		{name: "pod rules applied", mutate: func(c *batchv1.CronJob) { c.Spec.JobTemplate.Spec.Template.Spec.Containers = nil },
			want: []string{"FieldValueRequired spec.jobTemplate.spec.template.spec.containers"}},
		{name: "long name", mutate: func(c *batchv1.CronJob) { c.Name = strings.Repeat("a", 53) },
			want: []string{"FieldValueInvalid metadata.name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := validCronJob()
			tt.mutate(cj)
			errs := cronJobStrategy{pods: fakePods}.Validate(cj)
			checkErrors(t, errs, tt.want)
			if tt.detail != "" && len(errs) > 0 && !strings.Contains(errs[0].Error(), tt.detail) {
				t.Errorf("error %q lacks %q", errs[0].Error(), tt.detail)
			}
		})
	}
}

func TestCronJobValidateUpdateKeepsLegacyZone(t *testing.T) {
	old := validCronJob()
	old.Spec.Schedule = "CRON_TZ=UTC 0 * * * *"
	cj := old.DeepCopy()
	cj.Spec.Schedule = "TZ=UTC 30 * * * *"
	checkErrors(t, cronJobStrategy{pods: fakePods}.ValidateUpdate(cj, old), nil)
	cj.Spec.TimeZone = ptr.To("UTC")
	checkErrors(t, cronJobStrategy{pods: fakePods}.ValidateUpdate(cj, old), []string{"FieldValueInvalid spec.schedule"})
	fresh := validCronJob()
	cj = fresh.DeepCopy()
	cj.Spec.Schedule = "TZ=UTC 30 * * * *"
	checkErrors(t, cronJobStrategy{pods: fakePods}.ValidateUpdate(cj, fresh), []string{"FieldValueInvalid spec.schedule"})
}

func TestCronJobPrepareAndCells(t *testing.T) {
	cj := validCronJob()
	cj.Status.Active = []corev1.ObjectReference{{Name: "backup-1"}}
	cronJobStrategy{}.PrepareForCreate(cj)
	if len(cj.Status.Active) != 0 {
		t.Error("status kept on create")
	}
	s := cronJobStrategy{}
	checkCells(t, s.Columns(), s.Cells(cj), map[string]interface{}{
		"Schedule": "*/5 * * * *", "Timezone": "<none>", "Suspend": "False", "Active": int64(0), "Last Schedule": "<none>",
		"Containers": "pi", "Images": "perl:5.34", "Selector": "",
	})
	last := metav1.NewTime(time.Now().Add(-3 * time.Minute))
	cj.Status = batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "a"}, {Name: "b"}}, LastScheduleTime: &last}
	cj.Spec.TimeZone = ptr.To("Asia/Tokyo")
	cj.Spec.Suspend = nil
	checkCells(t, s.Columns(), s.Cells(cj), map[string]interface{}{
		"Schedule": "*/5 * * * *", "Timezone": "Asia/Tokyo", "Suspend": "<unset>", "Active": int64(2), "Last Schedule": "3m",
		"Containers": "pi", "Images": "perl:5.34", "Selector": "",
	})
	cj.Spec.Suspend = ptr.To(true)
	checkCells(t, s.Columns(), s.Cells(cj), map[string]interface{}{
		"Schedule": "*/5 * * * *", "Timezone": "Asia/Tokyo", "Suspend": "True", "Active": int64(2), "Last Schedule": "3m",
		"Containers": "pi", "Images": "perl:5.34", "Selector": "",
	})
}
