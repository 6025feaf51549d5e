package nodelifecycle

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func TestObserve(t *testing.T) {
	beat := t0.Add(-time.Hour)
	tests := []struct {
		name      string
		prev      probe
		known     bool
		beat, now time.Time
		silent    time.Duration
	}{
		{"first sight gives a full grace period", probe{}, false, beat, t0, 0},
		{"same heartbeat ages", probe{heartbeat: beat, observed: t0}, true, beat, t0.Add(41 * time.Second), 41 * time.Second},
		{"new heartbeat resets", probe{heartbeat: beat, observed: t0}, true, beat.Add(time.Second), t0.Add(41 * time.Second), 0},
	}
	for _, tt := range tests {
		if got := observe(tt.prev, tt.known, tt.beat, tt.now).silentFor(tt.now); got != tt.silent {
			t.Errorf("%s: silent for %v, want %v", tt.name, got, tt.silent)
		}
	}
}

func TestDesiredTaints(t *testing.T) {
	user := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	old := metav1.NewTime(t0.Add(-time.Minute))
	unreachable := unreachableNoExecute
	unreachable.TimeAdded = &old
	tests := []struct {
		name        string
		current     []corev1.Taint
		ready       corev1.ConditionStatus
		wantKeys    []string
		wantChanged bool
	}{
		{"ready node untouched", []corev1.Taint{user}, corev1.ConditionTrue, []string{"dedicated"}, false},
		{"unknown gets unreachable", []corev1.Taint{user}, corev1.ConditionUnknown,
			[]string{"dedicated", corev1.TaintNodeUnreachable + ":NoExecute", corev1.TaintNodeUnreachable + ":NoSchedule"}, true},
		{"false swaps to not-ready", []corev1.Taint{unreachable, unreachableNoSchedule}, corev1.ConditionFalse,
			[]string{corev1.TaintNodeNotReady + ":NoExecute", corev1.TaintNodeNotReady + ":NoSchedule"}, true},
		{"back to ready clears", []corev1.Taint{user, unreachable, unreachableNoSchedule}, corev1.ConditionTrue, []string{"dedicated"}, true},
		{"already tainted keeps time", []corev1.Taint{unreachable, unreachableNoSchedule}, corev1.ConditionUnknown,
			[]string{corev1.TaintNodeUnreachable + ":NoExecute", corev1.TaintNodeUnreachable + ":NoSchedule"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := desiredTaints(tt.current, tt.ready, t0)
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			var keys []string
			for _, tn := range got {
				k := tn.Key
				if owned(tn) {
					k += ":" + string(tn.Effect)
					if tn.Effect == corev1.TaintEffectNoExecute && tn.TimeAdded == nil {
						t.Errorf("NoExecute taint without timeAdded")
					}
				}
				keys = append(keys, k)
			}
			if len(keys) != len(tt.wantKeys) {
				t.Fatalf("taints %v, want %v", keys, tt.wantKeys)
			}
			for i := range keys {
				if keys[i] != tt.wantKeys[i] {
					t.Errorf("taints %v, want %v", keys, tt.wantKeys)
				}
			}
			for _, tn := range got {
				if tn.Key == corev1.TaintNodeUnreachable && tn.Effect == corev1.TaintEffectNoExecute && tt.name == "already tainted keeps time" && !tn.TimeAdded.Equal(&old) {
					t.Errorf("timeAdded changed")
				}
			}
		})
	}
}

func tolerating(secs *int64) corev1.Toleration {
	return corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs}
}

func TestEvictAt(t *testing.T) {
	added := metav1.NewTime(t0)
	taint := unreachableNoExecute
	taint.TimeAdded = &added
	tests := []struct {
		name   string
		tols   []corev1.Toleration
		taints []corev1.Taint
		wantAt time.Time
		wantOK bool
	}{
		{"no taint", nil, nil, time.Time{}, false},
		{"not tolerated goes now", nil, []corev1.Taint{taint}, t0.Add(time.Hour), true},
		{"default 300s", []corev1.Toleration{tolerating(ptr.To[int64](300))}, []corev1.Taint{taint}, t0.Add(300 * time.Second), true},
		{"shortest wins", []corev1.Toleration{tolerating(nil), tolerating(ptr.To[int64](30))}, []corev1.Taint{taint}, t0.Add(30 * time.Second), true},
		{"forever", []corev1.Toleration{tolerating(nil)}, []corev1.Taint{taint}, time.Time{}, false},
		{"NoSchedule ignored", nil, []corev1.Taint{unreachableNoSchedule}, time.Time{}, false},
	}
	for _, tt := range tests {
		pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: tt.tols}}
		now := t0.Add(time.Hour)
		at, ok := evictAt(pod, tt.taints, now)
		if ok != tt.wantOK || !at.Equal(tt.wantAt) {
			t.Errorf("%s: evictAt = %v %v, want %v %v", tt.name, at, ok, tt.wantAt, tt.wantOK)
		}
	}
}

// TestSilentNode drives a node whose lease stops: after the grace period
// it is Unknown and tainted, and its intolerant pod is deleted.
func TestSilentNode(t *testing.T) {
	beat := metav1.NewMicroTime(t0)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.NewTime(t0)}}}}
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: leaseNamespace, Name: "n1"}, Spec: coordinationv1.LeaseSpec{RenewTime: &beat}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "p"}, Spec: corev1.PodSpec{NodeName: "n1"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
	client := fake.NewSimpleClientset(node, lease, pod)
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := testclock.NewFakeClock(t0)
	c, err := New(Config{Client: client, Informers: factory, Recorder: record.NewFakeRecorder(10), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	factory.Core().V1().Nodes().Informer().GetIndexer().Add(node)
	factory.Coordination().V1().Leases().Informer().GetIndexer().Add(lease)
	factory.Core().V1().Pods().Informer().GetIndexer().Add(pod)
	ctx := context.Background()
	again, err := c.sync(ctx, "n1")
	if err != nil || again <= 0 || again > 41*time.Second {
		t.Fatalf("first sync: again=%v err=%v", again, err)
	}
	if n := len(client.Actions()); n != 0 {
		t.Fatalf("healthy node: %d actions, want none", n)
	}
	clk.Step(41 * time.Second)
	if _, err := c.sync(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	got, _ := client.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
	if rc := readyCondition(got); rc == nil || rc.Status != corev1.ConditionUnknown || rc.Reason != reasonUnknown {
		t.Errorf("ready condition %+v, want Unknown/NodeStatusUnknown", rc)
	}
	if !contains(got.Spec.Taints, unreachableNoExecute) {
		t.Errorf("taints %+v, want unreachable NoExecute", got.Spec.Taints)
	}
	if _, err := client.CoreV1().Pods("ns").Get(ctx, "p", metav1.GetOptions{}); err == nil {
		t.Errorf("intolerant pod not evicted")
	}
}
