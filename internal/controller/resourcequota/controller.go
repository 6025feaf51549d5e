// Package resourcequota keeps status.hard and status.used of every
// ResourceQuota: object counts (pods, services, configmaps, secrets,
// persistentvolumeclaims, replicationcontrollers, resourcequotas,
// count/<resource> for those) and the cpu and memory requests and limits
// of the namespace's pods that have not finished.
package resourcequota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff/skiff/internal/controller/workloop"
)

// Config is what the controller needs; Client and Informers are required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Logger    *slog.Logger
}

// Controller is the resource quota controller.
type Controller struct {
	client     kubernetes.Interface
	quotas     corelisters.ResourceQuotaLister
	pods       corelisters.PodLister
	services   corelisters.ServiceLister
	configMaps corelisters.ConfigMapLister
	secrets    corelisters.SecretLister
	pvcs       corelisters.PersistentVolumeClaimLister
	rcs        corelisters.ReplicationControllerLister
	synced     []cache.InformerSynced
	loop       *workloop.Loop
}

// New registers the controller's handlers on the shared informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("resourcequota controller: Client and Informers are required")
	}
	core := cfg.Informers.Core().V1()
	c := &Controller{
		client: cfg.Client, quotas: core.ResourceQuotas().Lister(), pods: core.Pods().Lister(),
		services: core.Services().Lister(), configMaps: core.ConfigMaps().Lister(), secrets: core.Secrets().Lister(),
		pvcs: core.PersistentVolumeClaims().Lister(), rcs: core.ReplicationControllers().Lister(),
	}
	c.loop = workloop.New("resourcequota", c.sync, cfg.Logger)
	if _, err := core.ResourceQuotas().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.loop.Enqueue, UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("resourcequota controller: %w", err)
	}
	// Any counted object queues the quotas of its namespace.
	byNamespace := cache.ResourceEventHandlerFuncs{
		AddFunc:    c.queueNamespace,
		UpdateFunc: c.onUpdate,
		DeleteFunc: c.queueNamespace,
	}
	for _, inf := range []cache.SharedIndexInformer{core.Pods().Informer(), core.Services().Informer(),
		core.ConfigMaps().Informer(), core.Secrets().Informer(), core.PersistentVolumeClaims().Informer(),
		core.ReplicationControllers().Informer(), core.ResourceQuotas().Informer()} {
		c.synced = append(c.synced, inf.HasSynced)
		if _, err := inf.AddEventHandler(byNamespace); err != nil {
			return nil, fmt.Errorf("resourcequota controller: %w", err)
		}
	}
	return c, nil
}

// onUpdate requeues only for pod changes that alter usage: a pod's phase
// (finishing frees its resources). Other objects count by existence.
func (c *Controller) onUpdate(oldObj, newObj any) {
	if old, ok := oldObj.(*corev1.Pod); ok {
		if cur := newObj.(*corev1.Pod); old.Status.Phase != cur.Status.Phase {
			c.queueNamespace(cur)
		}
	}
}

func (c *Controller) queueNamespace(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	quotas, err := c.quotas.ResourceQuotas(m.GetNamespace()).List(labels.Everything())
	if err != nil {
		return
	}
	for _, q := range quotas {
		c.loop.Add(q.Namespace + "/" + q.Name)
	}
}

// Run syncs quotas until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.synced...)
}

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	q, err := c.quotas.ResourceQuotas(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get quota %s: %w", key, err)
	}
	o, err := c.objects(ns)
	if err != nil {
		return err
	}
	st := corev1.ResourceQuotaStatus{Hard: q.Spec.Hard.DeepCopy(), Used: usage(q.Spec.Hard, o)}
	if equality.Semantic.DeepEqual(st, q.Status) {
		return nil
	}
	next := q.DeepCopy()
	next.Status = st
	if _, err := c.client.CoreV1().ResourceQuotas(ns).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update status of quota %s: %w", key, err)
	}
	return nil
}

func (c *Controller) objects(ns string) (objects, error) {
	all := labels.Everything()
	pods, err1 := c.pods.Pods(ns).List(all)
	svcs, err2 := c.services.Services(ns).List(all)
	cms, err3 := c.configMaps.ConfigMaps(ns).List(all)
	secrets, err4 := c.secrets.Secrets(ns).List(all)
	pvcs, err5 := c.pvcs.PersistentVolumeClaims(ns).List(all)
	rcs, err6 := c.rcs.ReplicationControllers(ns).List(all)
	quotas, err7 := c.quotas.ResourceQuotas(ns).List(all)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		return objects{}, fmt.Errorf("list namespace %s: %w", ns, err)
	}
	return objects{pods: pods, services: svcs, configMaps: len(cms), secrets: len(secrets),
		pvcs: len(pvcs), rcs: len(rcs), quotas: len(quotas)}, nil
}
