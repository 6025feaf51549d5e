package kubelet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// Agent runs the pods bound to one node.
type Agent struct {
	cfg     Config
	log     *slog.Logger
	clock   clock.WithTicker
	rt      Runtime
	obs     *observer
	probes  Probes
	rec     record.EventRecorder
	events  record.EventBroadcaster // nil when the caller gave a Recorder
	factory informers.SharedInformerFactory
	pods    cache.SharedIndexInformer
	lister  corelisters.PodLister

	// runCtx is Run's context; workers started by handlers live in it.
	runCtx context.Context
	wg     sync.WaitGroup

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	// relistCh asks the relist loop for a relist now (an exit event of an
	// ID nobody knows, or a reconnected event stream).
	relistCh chan struct{}
}

// byUID indexes the pod cache by UID: workers are per pod UID, as a pod
// deleted and created again under the same name is another pod.
const byUID = "uid"

// New checks cfg and builds an Agent; Run starts it.
func New(cfg Config) (*Agent, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := &Agent{cfg: cfg, log: cfg.Logger, clock: cfg.Clock, rt: cfg.Runtime, obs: newObserver(cfg.Runtime),
		workers: map[types.UID]*podWorker{}, relistCh: make(chan struct{}, 1)}
	a.rec = cfg.Recorder
	if a.rec == nil {
		a.events = record.NewBroadcaster()
		a.rec = a.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: cfg.NodeName})
	}
	a.probes = cfg.NewProbes(a.rec, a.enqueue)
	if a.probes == nil {
		return nil, errors.New("kubelet config: NewProbes returned nil")
	}
	a.factory = informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", cfg.NodeName).String()
		}))
	podInformer := a.factory.Core().V1().Pods()
	a.pods, a.lister = podInformer.Informer(), podInformer.Lister()
	if err := a.pods.SetTransform(stripManagedFields); err != nil {
		return nil, fmt.Errorf("pod informer: %w", err)
	}
	if err := a.pods.AddIndexers(cache.Indexers{byUID: func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok {
			return []string{string(p.UID)}, nil
		}
		return nil, nil
	}}); err != nil {
		return nil, fmt.Errorf("pod informer: %w", err)
	}
	if _, err := a.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    a.podEvent,
		UpdateFunc: func(_, obj any) { a.podEvent(obj) },
		DeleteFunc: a.podEvent,
	}); err != nil {
		return nil, fmt.Errorf("pod informer: %w", err)
	}
	return a, nil
}

// Run runs the pods until ctx ends. It leaves them running when it returns:
// a restarted agent adopts them.
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if a.events != nil {
		a.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: a.cfg.Client.CoreV1().Events("")})
		defer a.events.Shutdown()
	}
	for _, dir := range []string{a.podsDir(), a.logsDir()} {
		if err := mkdirAll(dir); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.runCtx = ctx
	a.mu.Unlock()
	a.factory.Start(ctx.Done())
	defer func() {
		cancel()
		a.wg.Wait()
		a.factory.Shutdown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), a.pods.HasSynced) {
		return fmt.Errorf("pod informer did not sync: %w", ctx.Err())
	}
	a.wg.Add(1)
	go func() { defer a.wg.Done(); a.probes.Run(ctx) }()
	state, err := a.adopt(ctx)
	if err != nil {
		return err
	}
	if a.cfg.RuntimeSocket != "" {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); a.watchExits(ctx) }()
	} else {
		a.log.Warn("no runtime socket: container exits are noticed by the relist only", "period", a.cfg.RelistPeriod)
	}
	a.relistLoop(ctx, state)
	return nil
}

// podEvent queues the pod of an informer event; a pod that is now being
// deleted interrupts its worker's sync (an image pull or a postStart hook
// must not delay the stop).
func (a *Agent) podEvent(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	w := a.worker(pod.UID)
	if w == nil {
		return
	}
	if pod.DeletionTimestamp != nil {
		w.interrupt()
	}
	w.kick()
}

// enqueue queues a sync of the pod (probe results, exits, relists),
// starting its worker if it has none.
func (a *Agent) enqueue(uid types.UID) {
	if w := a.worker(uid); w != nil {
		w.kick()
	}
}

// podByUID returns the cached pod with uid, or nil.
func (a *Agent) podByUID(uid types.UID) *corev1.Pod {
	objs, err := a.pods.GetIndexer().ByIndex(byUID, string(uid))
	if err != nil || len(objs) == 0 {
		return nil
	}
	pod, _ := objs[0].(*corev1.Pod)
	return pod
}

func (a *Agent) podsDir() string { return filepath.Join(a.cfg.DataDir, "pods") }
func (a *Agent) logsDir() string { return filepath.Join(a.cfg.DataDir, "logs") }

// stripManagedFields keeps the cache small: the agent never reads them.
func stripManagedFields(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
