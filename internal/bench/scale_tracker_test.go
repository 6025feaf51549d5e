package bench

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

func trackedPodState(uid, node string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: types.UID(uid)},
		Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: phase}}
}

func TestPodTracker(t *testing.T) {
	type step struct {
		pod    *corev1.Pod
		delete bool
	}
	tests := []struct {
		name                  string
		steps                 []step
		wantAt                [numStages][]time.Duration
		wantPresent, wantRuns int
	}{
		{"a pod's life counts each stage once",
			[]step{{pod: trackedPodState("a", "", "")}, {pod: trackedPodState("a", "n1", corev1.PodPending)},
				{pod: trackedPodState("a", "n1", corev1.PodRunning)}, {pod: trackedPodState("a", "n1", corev1.PodRunning)}},
			[numStages][]time.Duration{secList(1), secList(2), secList(3)}, 1, 1},
		{"first seen already running reaches every stage at once",
			[]step{{pod: trackedPodState("a", "n1", corev1.PodRunning)}},
			[numStages][]time.Duration{secList(1), secList(1), secList(1)}, 1, 1},
		{"a pod that stops running leaves the running count, not the stage",
			[]step{{pod: trackedPodState("a", "n1", corev1.PodRunning)}, {pod: trackedPodState("a", "n1", corev1.PodFailed)}},
			[numStages][]time.Duration{secList(1), secList(1), secList(1)}, 1, 0},
		{"a deleted running pod leaves both counts",
			[]step{{pod: trackedPodState("a", "n1", corev1.PodRunning)}, {pod: trackedPodState("b", "", "")},
				{pod: trackedPodState("a", "n1", corev1.PodRunning), delete: true}},
			[numStages][]time.Duration{secList(1, 2), secList(1), secList(1)}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := time.Unix(1000, 0)
			now := base.Add(-time.Hour) // before the clock starts
			tr := newPodTracker(func() time.Time { return now })
			now = base
			tr.startClock()
			h := tr.handler()
			for i, s := range tt.steps {
				now = base.Add(time.Duration(i+1) * time.Second) // step i happens at +(i+1)s
				if s.delete {
					h.OnDelete(cache.DeletedFinalStateUnknown{Key: "x", Obj: s.pod})
					continue
				}
				h.OnUpdate(nil, s.pod)
			}
			if got := tr.reached(); !reflect.DeepEqual(got, tt.wantAt) {
				t.Errorf("reached = %v, want %v", got, tt.wantAt)
			}
			if p, r := tr.counts(); p != tt.wantPresent || r != tt.wantRuns {
				t.Errorf("counts = %d present, %d running; want %d, %d", p, r, tt.wantPresent, tt.wantRuns)
			}
		})
	}
}

func TestSlimPodKeepsWhatTheTrackerReads(t *testing.T) {
	full := trackedPodState("u", "n1", corev1.PodRunning)
	full.Name, full.Namespace, full.ResourceVersion = "p", "ns", "7"
	full.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "m"}}
	full.Spec.Containers = []corev1.Container{{Name: "c", Image: "i"}}
	got, err := slimPod(full)
	if err != nil {
		t.Fatal(err)
	}
	want := trackedPodState("u", "n1", corev1.PodRunning)
	want.Name, want.Namespace, want.ResourceVersion = "p", "ns", "7"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("slimPod = %+v, want %+v", got, want)
	}
}
