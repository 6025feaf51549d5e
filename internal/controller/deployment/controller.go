package deployment

import (
	"context"
	"fmt"
	"log/slog"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/controller/podcontrol"
	"github.com/skiff/skiff/internal/controller/workloop"
)

// Config is what the controller needs; Client and Informers are required.
type Config = podcontrol.Config

// Controller rolls Deployments out.
type Controller struct {
	client   kubernetes.Interface
	dLister  appslisters.DeploymentLister
	dInf     cache.SharedIndexInformer
	rsLister appslisters.ReplicaSetLister
	rsInf    cache.SharedIndexInformer
	podInf   cache.SharedIndexInformer
	recorder record.EventRecorder
	logger   *slog.Logger
	clock    clock.PassiveClock
	loop     *workloop.Loop
}

// New returns the Deployment controller.
func New(cfg Config) (*Controller, error) {
	cfg, err := cfg.WithDefaults("deployment")
	if err != nil {
		return nil, err
	}
	d, rs := cfg.Informers.Apps().V1().Deployments(), cfg.Informers.Apps().V1().ReplicaSets()
	c := &Controller{
		client: cfg.Client, dLister: d.Lister(), dInf: d.Informer(), rsLister: rs.Lister(), rsInf: rs.Informer(),
		podInf: cfg.Informers.Core().V1().Pods().Informer(), recorder: cfg.Recorder,
		logger: cfg.Logger.With("controller", "deployment"), clock: cfg.Clock,
	}
	c.loop = workloop.New("deployment", c.sync, cfg.Logger)
	for _, inf := range []cache.SharedIndexInformer{c.rsInf, c.podInf} {
		if err := podcontrol.AddControllerIndex(inf); err != nil {
			return nil, err
		}
	}
	if err := c.register(); err != nil {
		return nil, err
	}
	return c, nil
}

// Run syncs Deployments with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.dInf.HasSynced, c.rsInf.HasSynced, c.podInf.HasSynced)
}

func (c *Controller) register() error {
	if _, err := c.dInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.loop.Enqueue, UpdateFunc: func(_, cur any) { c.loop.Enqueue(cur) }, DeleteFunc: c.loop.Enqueue,
	}); err != nil {
		return fmt.Errorf("deployment handler: %w", err)
	}
	if _, err := c.rsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.rsChanged,
		UpdateFunc: func(old, cur any) { c.rsChanged(old); c.rsChanged(cur) },
		DeleteFunc: c.rsChanged,
	}); err != nil {
		return fmt.Errorf("replicaset handler: %w", err)
	}
	if _, err := c.podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: c.podDeleted}); err != nil {
		return fmt.Errorf("pod handler: %w", err)
	}
	return nil
}

// rsChanged wakes the ReplicaSet's Deployment, or for an orphan every
// Deployment that could adopt it.
func (c *Controller) rsChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOfNoCopy(rs); ref != nil {
		if ref.Kind == "Deployment" {
			c.loop.Add(rs.Namespace + "/" + ref.Name)
		}
		return
	}
	ds, err := c.dLister.Deployments(rs.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, d := range ds {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(rs.Labels)) {
			c.loop.Add(d.Namespace + "/" + d.Name)
		}
	}
}

// podDeleted matters to Recreate, which waits for the old pods to go.
func (c *Controller) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	rs, err := c.rsLister.ReplicaSets(p.Namespace).Get(ref.Name)
	if err != nil {
		return
	}
	if dref := metav1.GetControllerOfNoCopy(rs); dref != nil && dref.Kind == "Deployment" {
		if d, err := c.dLister.Deployments(p.Namespace).Get(dref.Name); err == nil && !isRolling(d) {
			c.loop.Add(p.Namespace + "/" + d.Name)
		}
	}
}
