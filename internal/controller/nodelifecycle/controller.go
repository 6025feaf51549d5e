// Package nodelifecycle watches node heartbeats (the node Lease and the
// Ready condition). A node silent for the grace period (40s) gets Ready
// and its other kubelet conditions set to Unknown ("Kubelet stopped
// posting node status."), its pods marked not ready, and the unreachable
// taints; a node reporting Ready=False gets the not-ready taints. Pods on
// a node with a NoExecute taint they do not tolerate are deleted at once,
// and those that tolerate it for tolerationSeconds when that runs out.
// The taints go when the node is Ready again.
package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/controller/workloop"
)

// leaseNamespace holds the node Leases.
const leaseNamespace = corev1.NamespaceNodeLease

// Config is what the controller needs; Client, Informers and Recorder are
// required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Recorder  record.EventRecorder
	Logger    *slog.Logger
	Clock     clock.WithTicker
	// GracePeriod is how long a node may be silent before it is Unknown.
	// Defaults to 40s.
	GracePeriod time.Duration
}

// Controller is the node lifecycle controller.
type Controller struct {
	client   kubernetes.Interface
	nodes    corelisters.NodeLister
	leases   coordinationlisters.LeaseLister
	pods     cache.Indexer
	synced   []cache.InformerSynced
	recorder record.EventRecorder
	log      *slog.Logger
	clock    clock.WithTicker
	grace    time.Duration
	loop     *workloop.Loop

	mu     sync.Mutex
	probes map[string]probe
}

// nodeIndex indexes pods by the node they are bound to.
const nodeIndex = "skiff.nodelifecycle/node"

// New registers the controller's informers and handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.Recorder == nil {
		return nil, errors.New("node lifecycle controller: Client, Informers and Recorder are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.GracePeriod <= 0 {
		cfg.GracePeriod = 40 * time.Second
	}
	nodeInf := cfg.Informers.Core().V1().Nodes()
	leaseInf := cfg.Informers.Coordination().V1().Leases()
	podInf := cfg.Informers.Core().V1().Pods().Informer()
	if _, ok := podInf.GetIndexer().GetIndexers()[nodeIndex]; !ok {
		if err := podInf.AddIndexers(cache.Indexers{nodeIndex: indexByNode}); err != nil {
			return nil, fmt.Errorf("node lifecycle controller: index pods: %w", err)
		}
	}
	c := &Controller{
		client: cfg.Client, nodes: nodeInf.Lister(), leases: leaseInf.Lister(), pods: podInf.GetIndexer(),
		synced:   []cache.InformerSynced{nodeInf.Informer().HasSynced, leaseInf.Informer().HasSynced, podInf.HasSynced},
		recorder: cfg.Recorder, log: cfg.Logger.With("controller", "nodelifecycle"), clock: cfg.Clock,
		grace: cfg.GracePeriod, probes: map[string]probe{},
	}
	c.loop = workloop.NewAfter("nodelifecycle", c.sync, cfg.Logger,
		workloop.WithClock(cfg.Clock), workloop.WithBackoff(100*time.Millisecond, 30*time.Second))
	return c, c.watch(nodeInf.Informer(), leaseInf.Informer(), podInf)
}

func indexByNode(obj any) ([]string, error) {
	if pod, ok := obj.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
		return []string{pod.Spec.NodeName}, nil
	}
	return nil, nil
}

// watch queues a node on its own changes, its Lease's, and when a pod
// lands on it.
func (c *Controller) watch(nodes, leases, pods cache.SharedIndexInformer) error {
	byName := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		switch o := obj.(type) {
		case *corev1.Node:
			c.loop.Add(o.Name)
		case *coordinationv1.Lease:
			if o.Namespace == leaseNamespace {
				c.loop.Add(o.Name)
			}
		}
	}
	h := cache.ResourceEventHandlerFuncs{AddFunc: byName, UpdateFunc: func(_, obj any) { byName(obj) }, DeleteFunc: byName}
	if _, err := nodes.AddEventHandler(h); err != nil {
		return fmt.Errorf("node lifecycle controller: %w", err)
	}
	if _, err := leases.AddEventHandler(h); err != nil {
		return fmt.Errorf("node lifecycle controller: %w", err)
	}
	_, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if pod, ok := obj.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
				c.loop.Add(pod.Spec.NodeName)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, cur := oldObj.(*corev1.Pod), newObj.(*corev1.Pod)
			if cur.Spec.NodeName != "" && old.Spec.NodeName != cur.Spec.NodeName {
				c.loop.Add(cur.Spec.NodeName)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("node lifecycle controller: %w", err)
	}
	return nil
}

// Run processes nodes until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.synced...)
}

func (c *Controller) lease(name string) *coordinationv1.Lease {
	l, err := c.leases.Leases(leaseNamespace).Get(name)
	if err != nil {
		return nil
	}
	return l
}
