// Package endpoints keeps an Endpoints object for every Service with a
// selector, listing the IPs and ports of the pods it selects, ready or
// not. It also exports the pod-to-service matching and port resolution
// the EndpointSlice controller shares.
package endpoints

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// Controller is the Endpoints controller.
type Controller struct {
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	synced    []cache.InformerSynced
	loop      *workloop.Loop
}

// New registers the controller's handlers on the shared informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("endpoints controller: Client and Informers are required")
	}
	core := cfg.Informers.Core().V1()
	c := &Controller{
		client:    cfg.Client,
		services:  core.Services().Lister(),
		pods:      core.Pods().Lister(),
		endpoints: core.Endpoints().Lister(),
		synced: []cache.InformerSynced{core.Services().Informer().HasSynced,
			core.Pods().Informer().HasSynced, core.Endpoints().Informer().HasSynced},
	}
	c.loop = workloop.New("endpoints", c.sync, cfg.Logger)
	if err := WatchServicesAndPods(cfg.Informers, c.services, c.loop.Enqueue, c.loop.Add); err != nil {
		return nil, fmt.Errorf("endpoints controller: %w", err)
	}
	// An Endpoints object changed by someone else is put back.
	if _, err := core.Endpoints().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
		DeleteFunc: c.loop.Enqueue,
	}); err != nil {
		return nil, fmt.Errorf("endpoints controller: %w", err)
	}
	return c, nil
}

// Run syncs services until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.synced...)
}

// sync writes the Endpoints of one service, or deletes them when the
// service is gone.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.deleteOrphan(ctx, ns, name)
	}
	if err != nil {
		return fmt.Errorf("get service %s: %w", key, err)
	}
	if !Managed(svc) {
		return nil
	}
	pods, err := PodsFor(c.pods, svc)
	if err != nil {
		return fmt.Errorf("list pods of service %s: %w", key, err)
	}
	want := desired(svc, Subsets(svc, pods))
	cur, err := c.endpoints.Endpoints(ns).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		_, err = c.client.CoreV1().Endpoints(ns).Create(ctx, want, metav1.CreateOptions{})
	case err != nil:
		return fmt.Errorf("get endpoints %s: %w", key, err)
	case equality.Semantic.DeepEqual(cur.Subsets, want.Subsets) && equality.Semantic.DeepEqual(cur.Labels, want.Labels):
		return nil
	default:
		next := cur.DeepCopy()
		next.Subsets, next.Labels = want.Subsets, want.Labels
		_, err = c.client.CoreV1().Endpoints(ns).Update(ctx, next, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("write endpoints %s: %w", key, err)
	}
	return nil
}

// desired is the Endpoints object for svc: its name, the service's labels
// (plus the headless marker) and the subsets.
func desired(svc *corev1.Service, subsets []corev1.EndpointSubset) *corev1.Endpoints {
	lbls := map[string]string{}
	for k, v := range svc.Labels {
		lbls[k] = v
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		lbls[corev1.IsHeadlessService] = ""
	}
	if len(lbls) == 0 {
		lbls = nil
	}
	if len(subsets) == 0 {
		subsets = nil
	}
	return &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name, Labels: lbls},
		Subsets:    subsets,
	}
}

// deleteOrphan removes the Endpoints of a deleted service; Endpoints
// without a service of that name that the controller never managed (a
// selector-less service's, kept by hand) are gone with their service too,
// as in Kubernetes.
func (c *Controller) deleteOrphan(ctx context.Context, ns, name string) error {
	if _, err := c.endpoints.Endpoints(ns).Get(name); apierrors.IsNotFound(err) {
		return nil
	}
	if ns == metaDefault && name == "kubernetes" {
		return nil
	}
	err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete endpoints %s/%s: %w", ns, name, err)
	}
	return nil
}
