package job

import (
	"context"
	"fmt"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// TestSyncCreatesIndexedPods runs one sync against a fake API server and
// checks the pods it made and the events it recorded.
func TestSyncCreatesIndexedPods(t *testing.T) {
	job := newJob(func(j *batchv1.Job) {
		j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		j.Status = batchv1.JobStatus{}
		j.Spec.Template.Spec.Containers = []corev1.Container{{Name: "main", Image: "busybox"}}
	})
	client := fake.NewSimpleClientset(job)
	n := 0
	client.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		p := a.(clienttesting.CreateAction).GetObject().(*corev1.Pod)
		n++
		p.Name = fmt.Sprintf("%s%d", p.GenerateName, n) // the fake does not generate names
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(10)
	c, err := New(Config{Client: client, Informers: factory, Recorder: rec, Clock: testclock.NewFakeClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := factory.Batch().V1().Jobs().Informer().GetIndexer().Add(job); err != nil {
		t.Fatal(err)
	}
	if _, err := c.sync(context.Background(), "ns/j"); err != nil {
		t.Fatal(err)
	}
	pods, err := client.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 2 {
		t.Fatalf("%d pods, want 2 (parallelism)", len(pods.Items))
	}
	seen := map[string]bool{}
	for _, p := range pods.Items {
		idx := p.Annotations[batchv1.JobCompletionIndexAnnotation]
		seen[idx] = true
		if p.Spec.Hostname != "j-"+idx || p.GenerateName != "j-"+idx+"-" || !tracked(&p) {
			t.Errorf("pod %+v: want hostname, name prefix and finalizer for index %s", p.ObjectMeta, idx)
		}
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != job.UID {
			t.Errorf("pod not controlled by the job: %+v", p.OwnerReferences)
		}
		if env := p.Spec.Containers[0].Env; len(env) != 1 || env[0].Name != indexEnv {
			t.Errorf("env %+v, want %s", env, indexEnv)
		}
	}
	if !seen["0"] || !seen["1"] {
		t.Errorf("indexes %v, want 0 and 1", seen)
	}
	if len(rec.Events) != 2 {
		t.Errorf("%d events, want 2 SuccessfulCreate", len(rec.Events))
	}
	// The creations are not in the cache yet: a second sync creates none.
	if _, err := c.sync(context.Background(), "ns/j"); err != nil {
		t.Fatal(err)
	}
	pods, _ = client.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
	if len(pods.Items) != 2 {
		t.Errorf("%d pods after a second sync, want still 2", len(pods.Items))
	}
}

func TestTTLLeft(t *testing.T) {
	done := func(ttl *int32) *batchv1.Job {
		return newJob(func(j *batchv1.Job) {
			j.Spec.TTLSecondsAfterFinished = ttl
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}}
		})
	}
	tests := []struct {
		name   string
		job    *batchv1.Job
		now    int
		want   int
		wantOK bool
	}{
		{"no ttl", done(nil), 0, 0, false},
		{"not yet", done(ptr.To[int32](100)), 40, 60, true},
		{"expired", done(ptr.To[int32](100)), 200, 0, true},
		{"zero ttl", done(ptr.To[int32](0)), 0, 0, true},
	}
	for _, tt := range tests {
		left, ok := ttlLeft(tt.job, t0.Add(secs(tt.now)))
		if ok != tt.wantOK || left != secs(tt.want) {
			t.Errorf("%s: ttlLeft = %v %v, want %v %v", tt.name, left, ok, secs(tt.want), tt.wantOK)
		}
	}
}
