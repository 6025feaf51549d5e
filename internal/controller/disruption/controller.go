// Package disruption keeps the status of PodDisruptionBudgets: how many
// pods are expected, healthy and needed, how many may be disrupted now,
// and the DisruptionAllowed condition that the eviction API reads.
package disruption

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/controller/workloop"
)

// Config is what the controller needs; Client and Informers are required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Logger    *slog.Logger
	Clock     clock.PassiveClock
}

// Controller is the disruption controller.
type Controller struct {
	client       kubernetes.Interface
	pdbs         policylisters.PodDisruptionBudgetLister
	pods         corelisters.PodLister
	replicaSets  appslisters.ReplicaSetLister
	deployments  appslisters.DeploymentLister
	statefulSets appslisters.StatefulSetLister
	rcs          corelisters.ReplicationControllerLister
	synced       []cache.InformerSynced
	clock        clock.PassiveClock
	loop         *workloop.Loop
}

// New registers the controller's handlers on the shared informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("disruption controller: Client and Informers are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	f := cfg.Informers
	c := &Controller{
		client: cfg.Client, clock: cfg.Clock,
		pdbs: f.Policy().V1().PodDisruptionBudgets().Lister(), pods: f.Core().V1().Pods().Lister(),
		replicaSets: f.Apps().V1().ReplicaSets().Lister(), deployments: f.Apps().V1().Deployments().Lister(),
		statefulSets: f.Apps().V1().StatefulSets().Lister(), rcs: f.Core().V1().ReplicationControllers().Lister(),
		synced: []cache.InformerSynced{
			f.Policy().V1().PodDisruptionBudgets().Informer().HasSynced, f.Core().V1().Pods().Informer().HasSynced,
			f.Apps().V1().ReplicaSets().Informer().HasSynced, f.Apps().V1().Deployments().Informer().HasSynced,
			f.Apps().V1().StatefulSets().Informer().HasSynced, f.Core().V1().ReplicationControllers().Informer().HasSynced,
		},
	}
	c.loop = workloop.New("disruption", c.sync, cfg.Logger)
	if _, err := f.Policy().V1().PodDisruptionBudgets().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.loop.Enqueue, UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("disruption controller: %w", err)
	}
	if _, err := f.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.onPod, UpdateFunc: func(_, obj any) { c.onPod(obj) }, DeleteFunc: c.onPod,
	}); err != nil {
		return nil, fmt.Errorf("disruption controller: %w", err)
	}
	return c, nil
}

// onPod queues the budgets that select the pod.
func (c *Controller) onPod(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	pdbs, err := c.pdbs.PodDisruptionBudgets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, pdb := range pdbs {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err == nil && pdb.Spec.Selector != nil && sel.Matches(labels.Set(pod.Labels)) {
			c.loop.Add(pdb.Namespace + "/" + pdb.Name)
		}
	}
}

// Run syncs budgets until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.synced...)
}

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pdb, err := c.pdbs.PodDisruptionBudgets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get pdb %s: %w", key, err)
	}
	pods, err := c.selected(pdb)
	if err != nil {
		return err
	}
	now := c.clock.Now()
	st := desiredStatus(pdb, pods, computeBudget(pdb, pods, c.scale(pods), now), now)
	if equality.Semantic.DeepEqual(st, pdb.Status) {
		return c.recheckDisruptions(key, pdb, now)
	}
	next := pdb.DeepCopy()
	next.Status = st
	if _, err := c.client.PolicyV1().PodDisruptionBudgets(ns).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update status of pdb %s: %w", key, err)
	}
	return c.recheckDisruptions(key, next, now)
}

// recheckDisruptions comes back when a recorded eviction times out.
func (c *Controller) recheckDisruptions(key string, pdb *policyv1.PodDisruptionBudget, now time.Time) error {
	for _, t := range pdb.Status.DisruptedPods {
		c.loop.AddAfter(key, t.Add(disruptedPodTimeout).Sub(now)+time.Second)
	}
	return nil
}

// selected lists the pods a budget selects; a nil selector selects none.
func (c *Controller) selected(pdb *policyv1.PodDisruptionBudget) ([]*corev1.Pod, error) {
	if pdb.Spec.Selector == nil {
		return nil, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return nil, nil // invalid selectors are refused by validation
	}
	pods, err := c.pods.Pods(pdb.Namespace).List(sel)
	if err != nil {
		return nil, fmt.Errorf("list pods of pdb %s/%s: %w", pdb.Namespace, pdb.Name, err)
	}
	return pods, nil
}

// scale sums the replicas of the controllers of pods, each counted once;
// a pod without a known controller counts as one.
func (c *Controller) scale(pods []*corev1.Pod) int32 {
	seen := map[types.UID]bool{}
	var total int32
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			total++
			continue
		}
		uid, n, ok := c.controllerScale(pod.Namespace, ref)
		if !ok {
			total++
			continue
		}
		if !seen[uid] {
			seen[uid] = true
			total += n
		}
	}
	return total
}

// controllerScale finds a controller's replicas; a ReplicaSet of a
// Deployment answers with the Deployment's.
func (c *Controller) controllerScale(ns string, ref *metav1.OwnerReference) (types.UID, int32, bool) {
	switch ref.Kind {
	case "ReplicaSet":
		rs, err := c.replicaSets.ReplicaSets(ns).Get(ref.Name)
		if err != nil || rs.UID != ref.UID {
			return "", 0, false
		}
		if dref := metav1.GetControllerOf(rs); dref != nil && dref.Kind == "Deployment" {
			if d, err := c.deployments.Deployments(ns).Get(dref.Name); err == nil && d.UID == dref.UID {
				return d.UID, ptr.Deref(d.Spec.Replicas, 1), true
			}
		}
		return rs.UID, ptr.Deref(rs.Spec.Replicas, 1), true
	case "StatefulSet":
		ss, err := c.statefulSets.StatefulSets(ns).Get(ref.Name)
		if err != nil || ss.UID != ref.UID {
			return "", 0, false
		}
		return ss.UID, ptr.Deref(ss.Spec.Replicas, 1), true
	case "ReplicationController":
		rc, err := c.rcs.ReplicationControllers(ns).Get(ref.Name)
		if err != nil || rc.UID != ref.UID {
			return "", 0, false
		}
		return rc.UID, ptr.Deref(rc.Spec.Replicas, 1), true
	}
	return "", 0, false
}
