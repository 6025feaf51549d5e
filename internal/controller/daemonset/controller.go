package daemonset

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

// Controller runs DaemonSets.
type Controller struct {
	client   kubernetes.Interface
	dsList   appslisters.DaemonSetLister
	dsInf    cache.SharedIndexInformer
	podInf   cache.SharedIndexInformer
	revInf   cache.SharedIndexInformer
	nodes    corelisters.NodeLister
	nodeInf  cache.SharedIndexInformer
	recorder record.EventRecorder
	logger   *slog.Logger
	clock    clock.PassiveClock
	exp      *podcontrol.Expectations
	loop     *workloop.Loop
}

// New returns the DaemonSet controller.
func New(cfg Config) (*Controller, error) {
	cfg, err := cfg.WithDefaults("daemonset")
	if err != nil {
		return nil, err
	}
	f := cfg.Informers
	c := &Controller{
		client: cfg.Client, dsList: f.Apps().V1().DaemonSets().Lister(), dsInf: f.Apps().V1().DaemonSets().Informer(),
		podInf: f.Core().V1().Pods().Informer(), revInf: f.Apps().V1().ControllerRevisions().Informer(),
		nodes: f.Core().V1().Nodes().Lister(), nodeInf: f.Core().V1().Nodes().Informer(),
		recorder: cfg.Recorder, logger: cfg.Logger.With("controller", "daemonset"), clock: cfg.Clock,
		exp: podcontrol.NewExpectations(cfg.Clock),
	}
	c.loop = workloop.New("daemonset", c.sync, cfg.Logger)
	if err := c.register(); err != nil {
		return nil, err
	}
	return c, nil
}

// Run syncs DaemonSets with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.dsInf.HasSynced, c.podInf.HasSynced, c.revInf.HasSynced, c.nodeInf.HasSynced)
}

func (c *Controller) register() error {
	for _, inf := range []cache.SharedIndexInformer{c.podInf, c.revInf} {
		if err := podcontrol.AddControllerIndex(inf); err != nil {
			return err
		}
	}
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandlerFuncs
	}{
		{c.dsInf, cache.ResourceEventHandlerFuncs{AddFunc: c.loop.Enqueue, UpdateFunc: func(_, cur any) { c.loop.Enqueue(cur) }, DeleteFunc: c.dsDeleted}},
		{c.podInf, cache.ResourceEventHandlerFuncs{AddFunc: c.podAdded, UpdateFunc: c.podUpdated, DeleteFunc: c.podDeleted}},
		{c.nodeInf, cache.ResourceEventHandlerFuncs{AddFunc: c.enqueueAll, UpdateFunc: c.nodeUpdated, DeleteFunc: c.enqueueAll}},
	}
	for _, x := range handlers {
		if _, err := x.inf.AddEventHandler(x.h); err != nil {
			return fmt.Errorf("daemonset handler: %w", err)
		}
	}
	return nil
}

func (c *Controller) dsDeleted(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.exp.Delete(key)
	}
	c.loop.Enqueue(obj)
}

// ownerKey is the key of the pod's DaemonSet, or "".
func ownerKey(p *corev1.Pod) string {
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.Kind == "DaemonSet" {
		return p.Namespace + "/" + ref.Name
	}
	return ""
}

func (c *Controller) podAdded(obj any) {
	p := obj.(*corev1.Pod)
	if key := ownerKey(p); key != "" {
		c.exp.CreationObserved(key)
		c.loop.Add(key)
	}
}

func (c *Controller) podUpdated(old, cur any) {
	op, np := old.(*corev1.Pod), cur.(*corev1.Pod)
	if key := ownerKey(np); key != "" {
		if op.DeletionTimestamp == nil && np.DeletionTimestamp != nil {
			c.exp.DeletionObserved(key, np.Namespace+"/"+np.Name)
		}
		c.loop.Add(key)
	}
}

func (c *Controller) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok {
		if key := ownerKey(p); key != "" {
			c.exp.DeletionObserved(key, p.Namespace+"/"+p.Name)
			c.loop.Add(key)
		}
	}
}

// nodeUpdated wakes the DaemonSets only when what eligibility reads
// changed; heartbeats (status) do not.
func (c *Controller) nodeUpdated(old, cur any) {
	o, n := old.(*corev1.Node), cur.(*corev1.Node)
	if labels.Equals(o.Labels, n.Labels) && taintsEqual(o.Spec.Taints, n.Spec.Taints) && o.Spec.Unschedulable == n.Spec.Unschedulable {
		return
	}
	c.enqueueAll(cur)
}

func taintsEqual(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].MatchTaint(&b[i]) || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

func (c *Controller) enqueueAll(any) {
	all, err := c.dsList.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range all {
		c.loop.Add(ds.Namespace + "/" + ds.Name)
	}
}
