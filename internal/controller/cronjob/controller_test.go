package cronjob

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	testclock "k8s.io/utils/clock/testing"
)

func TestSyncStartsDueJob(t *testing.T) {
	tests := []struct {
		name     string
		policy   batchv1.ConcurrencyPolicy
		active   bool // an unfinished job of an earlier start exists
		wantJobs int
		wantWait time.Duration
	}{
		{"allow", batchv1.AllowConcurrent, true, 2, 4*time.Minute + 100*time.Millisecond},
		{"forbid skips while one runs", batchv1.ForbidConcurrent, true, 1, 4*time.Minute + 100*time.Millisecond},
		{"replace deletes the running one", batchv1.ReplaceConcurrent, true, 1, 4*time.Minute + 100*time.Millisecond},
		{"forbid starts when idle", batchv1.ForbidConcurrent, false, 1, 4*time.Minute + 100*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := cronJob("*/5 * * * *", func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = tt.policy })
			client := fake.NewSimpleClientset(cj)
			factory := informers.NewSharedInformerFactory(client, 0)
			c, err := New(Config{Client: client, Informers: factory, Recorder: record.NewFakeRecorder(10), Clock: testclock.NewFakeClock(t0.Add(6 * time.Minute))})
			if err != nil {
				t.Fatal(err)
			}
			factory.Batch().V1().CronJobs().Informer().GetIndexer().Add(cj)
			if tt.active {
				old := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cj-old", UID: "old",
					OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))}}}
				client.BatchV1().Jobs("ns").Create(context.Background(), old, metav1.CreateOptions{})
				factory.Batch().V1().Jobs().Informer().GetIndexer().Add(old)
			}
			wait, err := c.sync(context.Background(), "ns/cj")
			if err != nil {
				t.Fatal(err)
			}
			if wait != tt.wantWait {
				t.Errorf("wait %v, want %v", wait, tt.wantWait)
			}
			jobs, _ := client.BatchV1().Jobs("ns").List(context.Background(), metav1.ListOptions{})
			if len(jobs.Items) != tt.wantJobs {
				t.Errorf("%d jobs, want %d", len(jobs.Items), tt.wantJobs)
			}
			got, _ := client.BatchV1().CronJobs("ns").Get(context.Background(), "cj", metav1.GetOptions{})
			started := tt.policy != batchv1.ForbidConcurrent || !tt.active
			if started != (got.Status.LastScheduleTime != nil && got.Status.LastScheduleTime.Time.Equal(t0.Add(5*time.Minute))) {
				t.Errorf("lastScheduleTime %v, started=%v", got.Status.LastScheduleTime, started)
			}
			if started {
				if _, err := client.BatchV1().Jobs("ns").Get(context.Background(), jobName(cj, t0.Add(5*time.Minute)), metav1.GetOptions{}); err != nil {
					t.Errorf("job of the start time missing: %v", err)
				}
			}
		})
	}
}
