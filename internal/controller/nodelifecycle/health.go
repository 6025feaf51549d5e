package nodelifecycle

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kubernetes' words for a silent node.
const (
	reasonUnknown  = "NodeStatusUnknown"
	messageUnknown = "Kubelet stopped posting node status."
)

// probe is what the controller last saw of a node's heartbeat, and when it
// saw it change. Staleness is measured on this controller's own clock
// from that moment, so clock skew between machines does not matter and a
// restarted controller gives every node a full grace period.
type probe struct {
	heartbeat time.Time
	observed  time.Time
}

// heartbeat is the newest sign of life: the node Lease's renewTime or the
// Ready condition's lastHeartbeatTime.
func heartbeat(node *corev1.Node, lease *coordinationv1.Lease) time.Time {
	var t time.Time
	if c := readyCondition(node); c != nil {
		t = c.LastHeartbeatTime.Time
	}
	if lease != nil && lease.Spec.RenewTime != nil && lease.Spec.RenewTime.After(t) {
		t = lease.Spec.RenewTime.Time
	}
	return t
}

// observe updates a probe with the heartbeat seen now.
func observe(prev probe, known bool, beat, now time.Time) probe {
	if !known || !beat.Equal(prev.heartbeat) {
		return probe{heartbeat: beat, observed: now}
	}
	return prev
}

// silentFor is how long a node has shown no new heartbeat.
func (p probe) silentFor(now time.Time) time.Duration { return now.Sub(p.observed) }

func readyCondition(node *corev1.Node) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == corev1.NodeReady {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// kubeletConditions are the conditions a kubelet reports; a silent node's
// are all Unknown.
var kubeletConditions = []corev1.NodeConditionType{
	corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure,
}

// markUnknown returns the node's conditions with every kubelet condition
// Unknown, and whether anything changed.
func markUnknown(conds []corev1.NodeCondition, now time.Time) ([]corev1.NodeCondition, bool) {
	out := make([]corev1.NodeCondition, len(conds))
	copy(out, conds)
	changed := false
	for _, t := range kubeletConditions {
		i := indexOf(out, t)
		if i < 0 {
			out = append(out, corev1.NodeCondition{Type: t})
			i = len(out) - 1
		}
		if out[i].Status == corev1.ConditionUnknown && out[i].Reason == reasonUnknown {
			continue
		}
		out[i].Status = corev1.ConditionUnknown
		out[i].Reason = reasonUnknown
		out[i].Message = messageUnknown
		out[i].LastTransitionTime = metav1.NewTime(now)
		changed = true
	}
	return out, changed
}

func indexOf(conds []corev1.NodeCondition, t corev1.NodeConditionType) int {
	for i := range conds {
		if conds[i].Type == t {
			return i
		}
	}
	return -1
}

// The taints this controller owns.
var (
	unreachableNoExecute  = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	notReadyNoExecute     = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
	unreachableNoSchedule = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}
	notReadyNoSchedule    = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}
	ownedTaints           = []corev1.Taint{unreachableNoExecute, notReadyNoExecute, unreachableNoSchedule, notReadyNoSchedule}
)

// desiredTaints returns the node's taints as its Ready status asks for:
// unreachable when Unknown, not-ready when False, neither when True. A
// taint that stays keeps its timeAdded, which eviction counts from.
func desiredTaints(current []corev1.Taint, ready corev1.ConditionStatus, now time.Time) ([]corev1.Taint, bool) {
	var want []corev1.Taint
	switch ready {
	case corev1.ConditionUnknown:
		want = []corev1.Taint{unreachableNoExecute, unreachableNoSchedule}
	case corev1.ConditionFalse:
		want = []corev1.Taint{notReadyNoExecute, notReadyNoSchedule}
	}
	var out []corev1.Taint
	changed := false
	for _, t := range current {
		if owned(t) && !contains(want, t) {
			changed = true
			continue
		}
		out = append(out, t)
	}
	for _, w := range want {
		if contains(current, w) {
			continue
		}
		if w.Effect == corev1.TaintEffectNoExecute {
			w.TimeAdded = &metav1.Time{Time: now}
		}
		out = append(out, w)
		changed = true
	}
	return out, changed
}

func owned(t corev1.Taint) bool { return contains(ownedTaints, t) }

func contains(ts []corev1.Taint, t corev1.Taint) bool {
	for _, x := range ts {
		if x.Key == t.Key && x.Effect == t.Effect {
			return true
		}
	}
	return false
}
