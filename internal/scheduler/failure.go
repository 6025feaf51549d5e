package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// handleFailure runs preemption, tells the user why the pod waits (event
// and PodScheduled condition), and parks the pod in the queue.
func (s *Scheduler) handleFailure(ctx context.Context, qp *queuedPod, diag *Diagnosis, nominated Nominated) {
	pod := qp.pod
	nominatedNode, msg, plan := pod.Status.NominatedNodeName, "no nodes available to schedule pods", (*preemptionPlan)(nil)
	if diag.NumAllNodes > 0 {
		plan, diag.PostFilterMsg = s.algo.preempt(s.snapshot, pod, diag, nominated)
		msg = diag.Message()
	}
	switch {
	case plan != nil:
		nominatedNode = plan.Node
		s.nominator.set(pod, plan.Node)
	case nominatedNode != "" && !victimsTerminating(s.snapshot, pod):
		// the room it was promised is gone; another pod may preempt it
		nominatedNode = ""
		s.nominator.remove(pod)
	}
	s.queue.Unschedulable(qp, diag.plugins())
	s.goAsync(ctx, func(ctx context.Context) {
		if plan != nil {
			s.evict(ctx, pod, plan)
		}
		s.recorder.Event(pod, v1.EventTypeWarning, "FailedScheduling", msg)
		if err := s.patchUnschedulable(ctx, pod, msg, nominatedNode); err != nil && !apierrors.IsNotFound(err) {
			s.log.Info("update pod status", "pod", klogRef(pod), "err", err)
		}
	})
}

// patchUnschedulable sets PodScheduled=False (reason Unschedulable) and the
// nominated node, unless the pod already says exactly that.
func (s *Scheduler) patchUnschedulable(ctx context.Context, pod *v1.Pod, msg, nominatedNode string) error {
	if c := podCondition(pod, v1.PodScheduled); c != nil && c.Status == v1.ConditionFalse &&
		c.Reason == v1.PodReasonUnschedulable && c.Message == msg && pod.Status.NominatedNodeName == nominatedNode {
		return nil
	}
	status := map[string]any{"conditions": []map[string]any{{
		"type": v1.PodScheduled, "status": v1.ConditionFalse, "reason": v1.PodReasonUnschedulable,
		"message": msg, "lastProbeTime": nil, "lastTransitionTime": transitionTime(pod, v1.PodScheduled, v1.ConditionFalse, s.cfg.Clock.Now()),
	}}}
	if nominatedNode != pod.Status.NominatedNodeName {
		status["nominatedNodeName"] = nullIfEmpty(nominatedNode)
	}
	return s.patchStatus(ctx, pod, status)
}

// evict deletes plan's victims, first marking each with the
// DisruptionTarget condition, as Kubernetes' preemption does.
func (s *Scheduler) evict(ctx context.Context, preemptor *v1.Pod, plan *preemptionPlan) {
	for _, victim := range plan.Victims {
		cond := map[string]any{"conditions": []map[string]any{{
			"type": v1.DisruptionTarget, "status": v1.ConditionTrue, "reason": v1.PodReasonPreemptionByScheduler,
			"message":            fmt.Sprintf("%s: preempting to accommodate a higher priority pod", s.cfg.SchedulerName),
			"lastTransitionTime": metav1.NewTime(s.cfg.Clock.Now()).Rfc3339Copy(),
		}}}
		if err := s.patchStatus(ctx, victim, cond); err != nil && !apierrors.IsNotFound(err) {
			s.log.Info("mark preemption victim", "pod", klogRef(victim), "err", err)
		}
		err := s.client.CoreV1().Pods(victim.Namespace).Delete(ctx, victim.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &victim.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			s.log.Info("delete preemption victim", "pod", klogRef(victim), "err", err)
			continue
		}
		s.recorder.Eventf(victim, v1.EventTypeNormal, "Preempted", "Preempted by pod %s on node %s", preemptor.UID, plan.Node)
	}
}

// patchStatus applies a strategic merge patch to pods/status: conditions
// merge by type, so other writers' conditions are left alone.
func (s *Scheduler) patchStatus(ctx context.Context, pod *v1.Pod, status map[string]any) error {
	body, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return fmt.Errorf("encode status patch: %w", err)
	}
	_, err = s.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("patch status of %s: %w", klogRef(pod), err)
	}
	return nil
}

func podCondition(pod *v1.Pod, t v1.PodConditionType) *v1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// transitionTime keeps the old time when the status does not change.
func transitionTime(pod *v1.Pod, t v1.PodConditionType, st v1.ConditionStatus, now time.Time) metav1.Time {
	if c := podCondition(pod, t); c != nil && c.Status == st && !c.LastTransitionTime.IsZero() {
		return c.LastTransitionTime
	}
	return metav1.NewTime(now).Rfc3339Copy()
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
