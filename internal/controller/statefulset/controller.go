package statefulset

import (
	"context"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/controller/podcontrol"
	"github.com/skiff/skiff/internal/controller/workloop"
)

// Config is what the controller needs; Client and Informers are required.
type Config = podcontrol.Config

// Controller runs StatefulSets.
type Controller struct {
	client    kubernetes.Interface
	sets      appslisters.StatefulSetLister
	setInf    cache.SharedIndexInformer
	podInf    cache.SharedIndexInformer
	revInf    cache.SharedIndexInformer
	pvcs      corelisters.PersistentVolumeClaimLister
	pvcSynced cache.InformerSynced
	recorder  record.EventRecorder
	logger    *slog.Logger
	clock     clock.PassiveClock
	loop      *workloop.Loop
}

// New returns the StatefulSet controller.
func New(cfg Config) (*Controller, error) {
	cfg, err := cfg.WithDefaults("statefulset")
	if err != nil {
		return nil, err
	}
	f := cfg.Informers
	c := &Controller{
		client: cfg.Client, sets: f.Apps().V1().StatefulSets().Lister(), setInf: f.Apps().V1().StatefulSets().Informer(),
		podInf: f.Core().V1().Pods().Informer(), revInf: f.Apps().V1().ControllerRevisions().Informer(),
		pvcs: f.Core().V1().PersistentVolumeClaims().Lister(), pvcSynced: f.Core().V1().PersistentVolumeClaims().Informer().HasSynced,
		recorder: cfg.Recorder, logger: cfg.Logger.With("controller", "statefulset"), clock: cfg.Clock,
	}
	c.loop = workloop.New("statefulset", c.sync, cfg.Logger)
	for _, inf := range []cache.SharedIndexInformer{c.podInf, c.revInf} {
		if err := podcontrol.AddControllerIndex(inf); err != nil {
			return nil, err
		}
	}
	if _, err := c.setInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.loop.Enqueue, UpdateFunc: func(_, cur any) { c.loop.Enqueue(cur) }, DeleteFunc: c.loop.Enqueue,
	}); err != nil {
		return nil, fmt.Errorf("statefulset handler: %w", err)
	}
	if _, err := c.podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.podChanged, UpdateFunc: func(old, cur any) { c.podChanged(old); c.podChanged(cur) }, DeleteFunc: c.podChanged,
	}); err != nil {
		return nil, fmt.Errorf("pod handler: %w", err)
	}
	return c, nil
}

// Run syncs StatefulSets with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.setInf.HasSynced, c.podInf.HasSynced, c.revInf.HasSynced, c.pvcSynced)
}

// podChanged wakes the pod's StatefulSet, or for an orphan every set
// whose selector matches it.
func (c *Controller) podChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
		if ref.Kind == "StatefulSet" {
			c.loop.Add(p.Namespace + "/" + ref.Name)
		}
		return
	}
	sets, err := c.sets.StatefulSets(p.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range sets {
		if sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector); err == nil && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) {
			c.loop.Add(s.Namespace + "/" + s.Name)
		}
	}
}
