package sim

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// kubelet plays the kubelet of every simulated node at once: one pod
// informer (pods bound to any node), dispatched by spec.nodeName to the
// nodes of this sim; pods of other nodes are ignored.
type kubelet struct {
	c      *Config
	nodes  map[string]*simNode
	ips    *podIPs
	queue  workqueue.TypedRateLimitingInterface[string]
	lister corelisters.PodLister
}

func newKubelet(c *Config, nodes map[string]*simNode) *kubelet {
	limiter := workqueue.NewTypedItemExponentialFailureRateLimiter[string](100*time.Millisecond, 30*time.Second)
	return &kubelet{c: c, nodes: nodes, ips: newPodIPs(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(limiter,
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "sim-pods", Clock: c.Clock})}
}

func (k *kubelet) run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactoryWithOptions(k.c.PodClient, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermNotEqualSelector("spec.nodeName", "").String()
		}))
	defer factory.Shutdown()
	pods := factory.Core().V1().Pods()
	inf := pods.Informer()
	if err := inf.SetTransform(dropManagedFields); err != nil {
		return fmt.Errorf("pod informer: %w", err)
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    k.enqueue,
		UpdateFunc: func(_, obj any) { k.enqueue(obj) },
		DeleteFunc: k.enqueue,
	}); err != nil {
		return fmt.Errorf("pod informer: %w", err)
	}
	k.lister = pods.Lister()
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return ctx.Err()
	}
	if err := k.claimIPs(); err != nil {
		return err
	}
	drain(ctx, k.queue, k.c.Workers, k.c.Logger, k.sync)
	return nil
}

// dropManagedFields keeps the cache small: thousands of pods' field
// managers are most of their bytes and the sim never reads them.
func dropManagedFields(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// enqueue takes the key of a pod on one of this sim's nodes; a deleted
// pod's tombstone is taken too, so its IP is freed.
func (k *kubelet) enqueue(obj any) {
	if pod, ok := obj.(*corev1.Pod); ok && k.nodes[pod.Spec.NodeName] == nil {
		return
	}
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		k.queue.Add(key)
	}
}

// claimIPs gives the pods that already run on these nodes (a restarted
// sim) their IPs back before any new pod is given one.
func (k *kubelet) claimIPs() error {
	pods, err := k.lister.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list cached pods: %w", err)
	}
	for _, pod := range pods {
		n := k.nodes[pod.Spec.NodeName]
		ip, err := netip.ParseAddr(pod.Status.PodIP)
		if n == nil || err != nil || pod.Spec.HostNetwork || terminal(pod.Status.Phase) {
			continue
		}
		key, _ := cache.MetaNamespaceKeyFunc(pod)
		if _, err := k.ips.assign(key, pod.UID, n.podCIDR, ip); err != nil {
			k.c.Logger.Warn("pod IP", "err", err)
		}
	}
	return nil
}

// sync brings one pod's status to what its kubelet would report now and
// schedules the key again for the next change (a start, exit or restart).
func (k *kubelet) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // not a key this queue puts in
	}
	pod, err := k.lister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		k.ips.release(key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("pod %s: %w", key, err)
	}
	n := k.nodes[pod.Spec.NodeName]
	switch {
	case n == nil:
		return nil
	case pod.DeletionTimestamp != nil:
		return k.stop(ctx, key, pod)
	case terminal(pod.Status.Phase):
		k.ips.release(key)
		return nil
	}
	return k.report(ctx, key, pod, n)
}

func (k *kubelet) report(ctx context.Context, key string, pod *corev1.Pod, n *simNode) error {
	ip := n.ip
	if !pod.Spec.HostNetwork {
		want, _ := netip.ParseAddr(pod.Status.PodIP)
		var err error
		if ip, err = k.ips.assign(key, pod.UID, n.podCIDR, want); err != nil {
			return err
		}
	}
	now := k.c.Clock.Now()
	st, wake := podStatus(pod, podInput{now: now, startDelay: k.c.PodStartDelay, podIP: ip, hostIP: n.ip})
	if !equality.Semantic.DeepEqual(st, pod.Status) {
		p := pod.DeepCopy()
		p.Status = st
		_, err := k.c.PodClient.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			// a conflict comes back through the queue, by then with the
			// newer pod in the cache
			return fmt.Errorf("pod %s status: %w", key, err)
		}
	}
	if terminal(st.Phase) {
		k.ips.release(key)
	}
	if !wake.IsZero() {
		k.queue.AddAfter(key, wake.Sub(now))
	}
	return nil
}

// stop plays a graceful deletion: the containers take min(grace period,
// PodStopDelay) to stop, then the pod is removed for good (grace 0, on
// this UID only, so a new pod of the same name is never hit).
func (k *kubelet) stop(ctx context.Context, key string, pod *corev1.Pod) error {
	grace := time.Duration(0)
	if pod.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	at := pod.DeletionTimestamp.Add(-grace).Add(min(grace, k.c.PodStopDelay))
	if now := k.c.Clock.Now(); now.Before(at) && !terminal(pod.Status.Phase) {
		k.queue.AddAfter(key, at.Sub(now))
		return nil
	}
	uid := pod.UID
	err := k.c.PodClient.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptrTo(int64(0)), Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete pod %s: %w", key, err)
	}
	k.ips.release(key)
	return nil
}

func terminal(p corev1.PodPhase) bool { return p == corev1.PodSucceeded || p == corev1.PodFailed }
