package node

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestConditionsKeepTransitions(t *testing.T) {
	since := map[corev1.NodeConditionType]sinceStatus{}
	steps := []struct {
		r              readiness
		wantStatus     corev1.ConditionStatus
		wantMessage    string
		wantTransition time.Duration // after t0
	}{
		{readiness{}, corev1.ConditionFalse, messageNoRuntimeCheck, 0},
		{readiness{message: "runtime down"}, corev1.ConditionFalse, "runtime down", 0}, // same status: same transition
		{readiness{ready: true}, corev1.ConditionTrue, messageReady, 2 * time.Second},
		{readiness{ready: true}, corev1.ConditionTrue, messageReady, 2 * time.Second},
		{readiness{}, corev1.ConditionFalse, messageNoRuntimeCheck, 4 * time.Second},
	}
	for i, s := range steps {
		now := t0.Add(time.Duration(i) * time.Second)
		conds := conditions(s.r, since, now)
		if len(conds) != 4 {
			t.Fatalf("%d conditions", len(conds))
		}
		for _, c := range conds[:3] {
			if c.Status != corev1.ConditionFalse || !c.LastTransitionTime.Time.Equal(t0) || !c.LastHeartbeatTime.Time.Equal(now) {
				t.Errorf("step %d: %s %+v", i, c.Type, c)
			}
		}
		ready := conds[3]
		if ready.Type != corev1.NodeReady || ready.Status != s.wantStatus || ready.Message != s.wantMessage ||
			!ready.LastTransitionTime.Time.Equal(t0.Add(s.wantTransition)) {
			t.Errorf("step %d: Ready %+v", i, ready)
		}
	}
}
