package nodelifecycle

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// sync checks one node's health, sets its conditions and taints, and
// evicts pods whose toleration ran out. It returns when to look again:
// when the node would turn silent, or when the next pod's toleration ends.
func (c *Controller) sync(ctx context.Context, name string) (time.Duration, error) {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(name)
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get node %s: %w", name, err)
	}
	now := c.clock.Now()
	p := c.observe(name, heartbeat(node, c.lease(name)), now)
	next := c.grace - p.silentFor(now) + time.Second
	if p.silentFor(now) > c.grace {
		next = c.grace // check again; a heartbeat event comes sooner if it returns
		if node, err = c.markSilent(ctx, node, now); err != nil {
			return 0, err
		}
	}
	if node, err = c.taint(ctx, node, now); err != nil {
		return 0, err
	}
	wait, err := c.evict(ctx, node, now)
	if err != nil {
		return 0, err
	}
	if wait > 0 && wait < next {
		next = wait
	}
	return next, nil
}

func (c *Controller) observe(name string, beat, now time.Time) probe {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, known := c.probes[name]
	p := observe(prev, known, beat, now)
	c.probes[name] = p
	return p
}

func (c *Controller) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.probes, name)
}

// markSilent sets the node's kubelet conditions to Unknown and its ready
// pods to not ready.
func (c *Controller) markSilent(ctx context.Context, node *corev1.Node, now time.Time) (*corev1.Node, error) {
	conds, changed := markUnknown(node.Status.Conditions, now)
	if !changed {
		return node, nil
	}
	next := node.DeepCopy()
	next.Status.Conditions = conds
	out, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, next, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("mark node %s unknown: %w", node.Name, err)
	}
	c.log.Info("node stopped posting status", "node", node.Name)
	c.recorder.Eventf(node, corev1.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", node.Name)
	return out, c.markPodsNotReady(ctx, node.Name, now)
}

func (c *Controller) markPodsNotReady(ctx context.Context, nodeName string, now time.Time) error {
	objs, err := c.pods.ByIndex(nodeIndex, nodeName)
	if err != nil {
		return fmt.Errorf("pods on node %s: %w", nodeName, err)
	}
	for _, obj := range objs {
		pod := obj.(*corev1.Pod)
		i := podReadyIndex(pod)
		if i < 0 || pod.Status.Conditions[i].Status != corev1.ConditionTrue {
			continue
		}
		next := pod.DeepCopy()
		next.Status.Conditions[i].Status = corev1.ConditionFalse
		next.Status.Conditions[i].LastTransitionTime = metav1.NewTime(now)
		_, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("mark pod %s/%s not ready: %w", pod.Namespace, pod.Name, err)
		}
	}
	return nil
}

func podReadyIndex(pod *corev1.Pod) int {
	for i, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return i
		}
	}
	return -1
}

// taint makes the node's taints match its Ready condition.
func (c *Controller) taint(ctx context.Context, node *corev1.Node, now time.Time) (*corev1.Node, error) {
	ready := corev1.ConditionUnknown
	if rc := readyCondition(node); rc != nil {
		ready = rc.Status
	}
	taints, changed := desiredTaints(node.Spec.Taints, ready, now)
	if !changed {
		return node, nil
	}
	next := node.DeepCopy()
	next.Spec.Taints = taints
	out, err := c.client.CoreV1().Nodes().Update(ctx, next, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("taint node %s: %w", node.Name, err)
	}
	return out, nil
}

// evict deletes the pods on node whose time is up and returns how long
// until the next one's is.
func (c *Controller) evict(ctx context.Context, node *corev1.Node, now time.Time) (time.Duration, error) {
	// Only NoExecute taints evict. Every lease renewal and every pod bound
	// syncs a node, so most syncs end here without reading its pods.
	if !slices.ContainsFunc(node.Spec.Taints, func(t corev1.Taint) bool { return t.Effect == corev1.TaintEffectNoExecute }) {
		return 0, nil
	}
	objs, err := c.pods.ByIndex(nodeIndex, node.Name)
	if err != nil {
		return 0, fmt.Errorf("pods on node %s: %w", node.Name, err)
	}
	var next time.Duration
	for _, obj := range objs {
		pod := obj.(*corev1.Pod)
		if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		at, ok := evictAt(pod, node.Spec.Taints, now)
		if !ok {
			continue
		}
		if wait := at.Sub(now); wait > 0 {
			if next == 0 || wait < next {
				next = wait
			}
			continue
		}
		if err := c.deletePod(ctx, pod); err != nil {
			return 0, err
		}
	}
	return next, nil
}

func (c *Controller) deletePod(ctx context.Context, pod *corev1.Pod) error {
	c.recorder.Eventf(pod, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s/%s", pod.Namespace, pod.Name)
	uid := pod.UID
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("evict pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}
