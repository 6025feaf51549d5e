// Package serviceaccount gives every active namespace its "default"
// ServiceAccount and the "kube-root-ca.crt" ConfigMap holding the cluster
// CA, and puts either back when it is deleted or changed.
package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff/skiff/internal/controller/workloop"
)

// Names and texts Kubernetes uses.
const (
	DefaultAccount        = "default"
	RootCAConfigMap       = "kube-root-ca.crt"
	rootCAKey             = "ca.crt"
	rootCADescription     = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
	descriptionAnnotation = "kubernetes.io/description"
)

// Config is what the controller needs; all but Logger are required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// RootCA is the cluster CA certificate (PEM) published in every
	// namespace.
	RootCA []byte
	Logger *slog.Logger
}

// Controller keeps the default ServiceAccount and root CA ConfigMap.
type Controller struct {
	client     kubernetes.Interface
	namespaces corelisters.NamespaceLister
	accounts   corelisters.ServiceAccountLister
	configMaps corelisters.ConfigMapLister
	rootCA     string
	synced     []cache.InformerSynced
	loop       *workloop.Loop
}

// New registers handlers on the shared namespace, service account and
// config map informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || len(cfg.RootCA) == 0 {
		return nil, errors.New("serviceaccount controller: Client, Informers and RootCA are required")
	}
	core := cfg.Informers.Core().V1()
	c := &Controller{
		client:     cfg.Client,
		namespaces: core.Namespaces().Lister(),
		accounts:   core.ServiceAccounts().Lister(),
		configMaps: core.ConfigMaps().Lister(),
		rootCA:     string(cfg.RootCA),
		synced: []cache.InformerSynced{core.Namespaces().Informer().HasSynced,
			core.ServiceAccounts().Informer().HasSynced, core.ConfigMaps().Informer().HasSynced},
	}
	c.loop = workloop.New("serviceaccount", c.sync, cfg.Logger)
	if _, err := core.Namespaces().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.Enqueue,
		UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("serviceaccount controller: %w", err)
	}
	if _, err := core.ServiceAccounts().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.namespaceOf(DefaultAccount),
	}); err != nil {
		return nil, fmt.Errorf("serviceaccount controller: %w", err)
	}
	if _, err := core.ConfigMaps().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { c.namespaceOf(RootCAConfigMap)(obj) },
		DeleteFunc: c.namespaceOf(RootCAConfigMap),
	}); err != nil {
		return nil, fmt.Errorf("serviceaccount controller: %w", err)
	}
	return c, nil
}

// namespaceOf returns a handler that queues the namespace of an object
// named name.
func (c *Controller) namespaceOf(name string) func(any) {
	return func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if m, ok := obj.(metav1.Object); ok && m.GetName() == name {
			c.loop.Add(m.GetNamespace())
		}
	}
}

// Run syncs namespaces until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.synced...)
}

func (c *Controller) sync(ctx context.Context, name string) error {
	ns, err := c.namespaces.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get namespace %s: %w", name, err)
	}
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return nil // creating in a terminating namespace is refused anyway
	}
	if err := c.ensureAccount(ctx, name); err != nil {
		return err
	}
	return c.ensureRootCA(ctx, name)
}

func (c *Controller) ensureAccount(ctx context.Context, ns string) error {
	if _, err := c.accounts.ServiceAccounts(ns).Get(DefaultAccount); err == nil {
		return nil
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: DefaultAccount}}
	_, err := c.client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) && !apierrors.IsForbidden(err) {
		return fmt.Errorf("create default service account in %s: %w", ns, err)
	}
	return nil
}

func (c *Controller) ensureRootCA(ctx context.Context, ns string) error {
	cur, err := c.configMaps.ConfigMaps(ns).Get(RootCAConfigMap)
	if apierrors.IsNotFound(err) {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: RootCAConfigMap,
				Annotations: map[string]string{descriptionAnnotation: rootCADescription}},
			Data: map[string]string{rootCAKey: c.rootCA},
		}
		_, err = c.client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) && !apierrors.IsForbidden(err) {
			return fmt.Errorf("create %s in %s: %w", RootCAConfigMap, ns, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("get %s in %s: %w", RootCAConfigMap, ns, err)
	}
	if len(cur.Data) == 1 && cur.Data[rootCAKey] == c.rootCA && len(cur.BinaryData) == 0 &&
		cur.Annotations[descriptionAnnotation] == rootCADescription {
		return nil
	}
	next := cur.DeepCopy()
	next.Data = map[string]string{rootCAKey: c.rootCA}
	next.BinaryData = nil
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	next.Annotations[descriptionAnnotation] = rootCADescription
	if _, err := c.client.CoreV1().ConfigMaps(ns).Update(ctx, next, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("update %s in %s: %w", RootCAConfigMap, ns, err)
	}
	return nil
}
