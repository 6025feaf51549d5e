// Package volumebinding binds PersistentVolumeClaims to PersistentVolumes
// the way kube-controller-manager's persistentvolume controller does for
// statically created volumes, and releases volumes whose claims are gone.
//
// A claim without a volume gets the best Available volume: access modes
// that include the claim's (fewest extra first), the claim's storage class
// ("" only matches volumes without class), volume mode, label selector,
// then the smallest capacity that covers the request. Volumes and claims
// pre-bound by the user (pv.spec.claimRef, pvc.spec.volumeName) are
// honoured. A binding is written volume first (claimRef, then phase
// Bound), then claim (volumeName and the bind-completed annotation, then
// phase, capacity and access modes); every step is computed from what the
// objects show, so a binding cut short anywhere is finished by the next
// sync. A volume whose bound claim is deleted becomes Released and then
// follows its reclaim policy: Retain keeps it, Delete deletes a hostPath
// or local volume's object (never files on the node). A bound claim whose
// volume is gone becomes Lost.
//
// It does not provision volumes. For a claim whose class names an
// external provisioner it does what Kubernetes does (the provisioner
// annotations and the ExternalProvisioning event) and binds the volume
// the provisioner creates. WaitForFirstConsumer claims are bound once a
// pod using them has a node, to a volume whose node affinity admits that
// node (in Kubernetes the scheduler does this before it places the pod;
// skiff's scheduler does not look at volumes). It has no recycler, no
// volume expansion and no CSI migration, and does not give claims the
// default class after the fact.
package volumebinding

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/controller/workloop"
)

// DefaultResyncPeriod is how often every claim and volume is looked at
// again (kube-controller-manager's pvclaimbinder-sync-period).
const DefaultResyncPeriod = 15 * time.Second

// conflictRetry is how soon a key whose write met a newer object is looked
// at again: the cache is about to catch up.
const conflictRetry = 100 * time.Millisecond

// Config is what the controller needs; Client, Informers and Recorder are
// required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// Recorder reports as "persistentvolume-controller".
	Recorder record.EventRecorder
	Logger   *slog.Logger
	Clock    clock.WithTicker
	// ResyncPeriod is DefaultResyncPeriod when zero.
	ResyncPeriod time.Duration
}

// Controller binds claims to volumes.
type Controller struct {
	client   kubernetes.Interface
	volumes  corelisters.PersistentVolumeLister
	claims   corelisters.PersistentVolumeClaimLister
	classes  storagelisters.StorageClassLister
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	synced   []cache.InformerSynced
	recorder record.EventRecorder
	log      *slog.Logger
	clock    clock.WithTicker
	resync   time.Duration
	loop     *workloop.Loop
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.Recorder == nil {
		return nil, errors.New("volumebinding controller: Client, Informers and Recorder are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.ResyncPeriod <= 0 {
		cfg.ResyncPeriod = DefaultResyncPeriod
	}
	core := cfg.Informers.Core().V1()
	pvs, pvcs, pods, nodes := core.PersistentVolumes(), core.PersistentVolumeClaims(), core.Pods(), core.Nodes()
	classes := cfg.Informers.Storage().V1().StorageClasses()
	c := &Controller{
		client: cfg.Client, volumes: pvs.Lister(), claims: pvcs.Lister(), classes: classes.Lister(),
		pods: pods.Lister(), nodes: nodes.Lister(), recorder: cfg.Recorder,
		log: cfg.Logger.With("controller", "persistentvolume-binder"), clock: cfg.Clock, resync: cfg.ResyncPeriod,
		synced: []cache.InformerSynced{pvs.Informer().HasSynced, pvcs.Informer().HasSynced,
			classes.Informer().HasSynced, pods.Informer().HasSynced, nodes.Informer().HasSynced},
	}
	// One queue for claims and volumes: with one worker no two syncs race
	// for the same volume (Kubernetes runs one worker per queue for that).
	c.loop = workloop.NewAfter("persistentvolume-binder", c.sync, cfg.Logger, workloop.WithClock(cfg.Clock))
	handlers := []struct {
		informer cache.SharedIndexInformer
		funcs    cache.ResourceEventHandlerFuncs
	}{
		{pvcs.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.claimChanged,
			UpdateFunc: func(_, obj any) { c.claimChanged(obj) },
			DeleteFunc: c.claimDeleted,
		}},
		{pvs.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.volumeChanged,
			UpdateFunc: func(_, obj any) { c.volumeChanged(obj) },
			DeleteFunc: c.volumeDeleted,
		}},
		{classes.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.classChanged,
			UpdateFunc: func(_, obj any) { c.classChanged(obj) },
		}},
		{pods.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { c.podScheduled(nil, obj) },
			UpdateFunc: c.podScheduled,
		}},
	}
	for _, h := range handlers {
		if _, err := h.informer.AddEventHandler(h.funcs); err != nil {
			return nil, fmt.Errorf("volumebinding controller: %w", err)
		}
	}
	return c, nil
}

// Run syncs claims and volumes until ctx ends, looking at all of them
// again every resync period.
func (c *Controller) Run(ctx context.Context, workers int) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.resyncLoop(ctx)
	}()
	return c.loop.Run(ctx, workers, c.synced...)
}

func (c *Controller) resyncLoop(ctx context.Context) {
	t := c.clock.NewTicker(c.resync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			c.enqueueAll()
		}
	}
}

func (c *Controller) enqueueAll() {
	claims, _ := c.claims.List(labels.Everything())
	for _, claim := range claims {
		c.loop.Add(claimKey(claim.Namespace, claim.Name))
	}
	volumes, _ := c.volumes.List(labels.Everything())
	for _, v := range volumes {
		c.loop.Add(volumeKey(v.Name))
	}
}

// Queue keys: "claim/<namespace>/<name>" and "volume/<name>".
func claimKey(namespace, name string) string { return "claim/" + namespace + "/" + name }
func volumeKey(name string) string           { return "volume/" + name }

func (c *Controller) claimChanged(obj any) {
	if claim, ok := obj.(*corev1.PersistentVolumeClaim); ok {
		c.loop.Add(claimKey(claim.Namespace, claim.Name))
	}
}

// claimDeleted looks at the volumes the claim held (by name, or by a
// claimRef the claim never confirmed), to release them now rather than
// at the next resync.
func (c *Controller) claimDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	claim, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return
	}
	if claim.Spec.VolumeName != "" {
		c.loop.Add(volumeKey(claim.Spec.VolumeName))
	}
	volumes, _ := c.volumes.List(labels.Everything())
	for _, v := range volumes {
		if ref := v.Spec.ClaimRef; ref != nil && ref.UID == claim.UID && ref.Namespace == claim.Namespace {
			c.loop.Add(volumeKey(v.Name))
		}
	}
}

// volumeChanged looks at the volume, the claim it names, and, when the
// volume is Available, at every claim still waiting for one (Kubernetes
// leaves them to the periodic resync).
func (c *Controller) volumeChanged(obj any) {
	v, ok := obj.(*corev1.PersistentVolume)
	if !ok {
		return
	}
	c.loop.Add(volumeKey(v.Name))
	if ref := v.Spec.ClaimRef; ref != nil {
		c.loop.Add(claimKey(ref.Namespace, ref.Name))
	}
	if v.Status.Phase == corev1.VolumeAvailable {
		c.enqueueUnboundClaims(func(*corev1.PersistentVolumeClaim) bool { return true })
	}
}

// volumeDeleted looks at the claim the volume was bound to, which is now
// Lost.
func (c *Controller) volumeDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if v, ok := obj.(*corev1.PersistentVolume); ok && v.Spec.ClaimRef != nil {
		c.loop.Add(claimKey(v.Spec.ClaimRef.Namespace, v.Spec.ClaimRef.Name))
	}
}

// classChanged looks at the waiting claims of a class that appeared or
// changed.
func (c *Controller) classChanged(obj any) {
	if class, ok := obj.(*storagev1.StorageClass); ok {
		c.enqueueUnboundClaims(func(claim *corev1.PersistentVolumeClaim) bool { return claimClass(claim) == class.Name })
	}
}

// podScheduled looks at the waiting claims of a pod that just got a node:
// WaitForFirstConsumer claims bind then.
func (c *Controller) podScheduled(old, obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return
	}
	if prev, ok := old.(*corev1.Pod); ok && prev.Spec.NodeName != "" {
		return
	}
	for _, name := range podClaimNames(pod) {
		claim, err := c.claims.PersistentVolumeClaims(pod.Namespace).Get(name)
		if err == nil && !metav1.HasAnnotation(claim.ObjectMeta, annBindCompleted) {
			c.loop.Add(claimKey(claim.Namespace, claim.Name))
		}
	}
}

func (c *Controller) enqueueUnboundClaims(match func(*corev1.PersistentVolumeClaim) bool) {
	claims, _ := c.claims.List(labels.Everything())
	for _, claim := range claims {
		if !metav1.HasAnnotation(claim.ObjectMeta, annBindCompleted) && match(claim) {
			c.loop.Add(claimKey(claim.Namespace, claim.Name))
		}
	}
}

// sync dispatches a key. A write that meets a newer version of its object
// is not a failure: the cache is behind, and the key is looked at again
// shortly without back-off or noise.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	kind, rest, _ := strings.Cut(key, "/")
	var err error
	switch kind {
	case "claim":
		ns, name, _ := strings.Cut(rest, "/")
		err = c.syncClaim(ctx, ns, name)
	case "volume":
		err = c.syncVolume(ctx, rest)
	default:
		c.log.Error("unknown key", "key", key)
		return 0, nil
	}
	if isConflict(err) {
		c.log.Debug("object changed meanwhile, looking again", "key", key, "err", err)
		return conflictRetry, nil
	}
	return 0, err
}
