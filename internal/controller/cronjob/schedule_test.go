package cronjob

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func cronJob(spec string, mut ...func(*batchv1.CronJob)) *batchv1.CronJob {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cj", UID: "cj-uid", CreationTimestamp: metav1.NewTime(t0)},
		Spec:       batchv1.CronJobSpec{Schedule: spec, TimeZone: ptr.To("UTC")},
	}
	for _, m := range mut {
		m(cj)
	}
	return cj
}

func TestMostRecent(t *testing.T) {
	last := func(d time.Duration) func(*batchv1.CronJob) {
		return func(cj *batchv1.CronJob) { cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(t0.Add(d))) }
	}
	deadline := func(s int64) func(*batchv1.CronJob) {
		return func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptr.To(s) }
	}
	tests := []struct {
		name       string
		cj         *batchv1.CronJob
		now        time.Time
		wantLatest time.Time
		wantCount  int
		wantNext   time.Time
	}{
		{"nothing due yet", cronJob("*/5 * * * *"), t0.Add(4 * time.Minute), time.Time{}, 0, t0.Add(5 * time.Minute)},
		{"one due", cronJob("*/5 * * * *"), t0.Add(6 * time.Minute), t0.Add(5 * time.Minute), 1, t0.Add(10 * time.Minute)},
		{"after the last run", cronJob("*/5 * * * *", last(5*time.Minute)), t0.Add(6 * time.Minute), time.Time{}, 0, t0.Add(10 * time.Minute)},
		{"many missed", cronJob("* * * * *"), t0.Add(150*time.Minute + 30*time.Second), t0.Add(150 * time.Minute), 150, t0.Add(151 * time.Minute)},
		{"deadline limits the look back", cronJob("* * * * *", deadline(120)), t0.Add(150*time.Minute + 30*time.Second), t0.Add(150 * time.Minute), 2, t0.Add(151 * time.Minute)},
		{"time zone", cronJob("0 12 * * *", func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Europe/Paris") }),
			t0.Add(2 * time.Hour), t0.Add(time.Hour), 1, t0.Add(25 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseSchedule(tt.cj)
			if err != nil {
				t.Fatal(err)
			}
			m := mostRecent(s, tt.cj, tt.now)
			if !m.latest.Equal(tt.wantLatest) || m.count != tt.wantCount || !m.next.Equal(tt.wantNext) {
				t.Errorf("mostRecent = %v (%d), next %v; want %v (%d), next %v", m.latest, m.count, m.next, tt.wantLatest, tt.wantCount, tt.wantNext)
			}
		})
	}
}

func TestJobName(t *testing.T) {
	if got := jobName(cronJob("* * * * *"), t0); got != "cj-29013720" {
		t.Errorf("jobName = %s", got)
	}
}

func TestParseScheduleErrors(t *testing.T) {
	if _, err := parseSchedule(cronJob("bogus")); err == nil {
		t.Error("bad schedule accepted")
	}
	if _, err := parseSchedule(cronJob("* * * * *", func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Mars/Olympus") })); err == nil {
		t.Error("bad time zone accepted")
	}
}
