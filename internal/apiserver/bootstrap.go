package apiserver

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/skiff/skiff/internal/registry/store"
)

// systemNamespaces exist in every cluster from the start.
var systemNamespaces = []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease}

const managerName = "skiff-apiserver"

var (
	gvrNamespaces     = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	gvrServices       = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	gvrEndpoints      = schema.GroupVersionResource{Version: "v1", Resource: "endpoints"}
	gvrEndpointSlices = schema.GroupVersionResource{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices"}
)

// bootstrap creates the system namespaces and the kubernetes Service when
// they are missing. It is idempotent: every start runs it.
func (s *Server) bootstrap(ctx context.Context) error {
	for _, name := range systemNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if err := s.createIfMissing(ctx, gvrNamespaces, ns); err != nil {
			return err
		}
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: s.services.ipRange.First(),
			Ports: []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP,
				TargetPort: intstr.FromInt32(int32(s.cfg.AdvertisePort))}},
			SessionAffinity: corev1.ServiceAffinityNone,
		},
	}
	return s.createIfMissing(ctx, gvrServices, svc)
}

func (s *Server) createIfMissing(ctx context.Context, gvr schema.GroupVersionResource, obj runtime.Object) error {
	_, err := s.api.store(gvr).Create(ctx, obj, store.CreateOptions{FieldManager: managerName})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("bootstrap %s: %w", gvr.Resource, err)
	}
	return nil
}

// reconcileEndpoints keeps the kubernetes Service's Endpoints and
// EndpointSlice naming this server, until ctx ends.
func (s *Server) reconcileEndpoints(ctx context.Context) error {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		if err := s.ensureEndpoints(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("reconcile kubernetes endpoints", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (s *Server) ensureEndpoints(ctx context.Context) error {
	port := int32(s.cfg.AdvertisePort)
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: s.cfg.AdvertiseIP}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: port, Protocol: corev1.ProtocolTCP}},
		}},
	}
	if err := s.ensure(ctx, gvrEndpoints, ep, func(cur runtime.Object) bool {
		c := cur.(*corev1.Endpoints)
		return equality.Semantic.DeepEqual(c.Subsets, ep.Subsets) && equality.Semantic.DeepEqual(c.Labels, ep.Labels)
	}); err != nil {
		return err
	}
	ready, name, proto := true, "https", corev1.ProtocolTCP
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes", discoveryv1.LabelManagedBy: "skiff-apiserver"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{s.cfg.AdvertiseIP}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port, Protocol: &proto}},
	}
	return s.ensure(ctx, gvrEndpointSlices, slice, func(cur runtime.Object) bool {
		c := cur.(*discoveryv1.EndpointSlice)
		return equality.Semantic.DeepEqual(c.Endpoints, slice.Endpoints) && equality.Semantic.DeepEqual(c.Ports, slice.Ports)
	})
}

// ensure writes want unless the stored object already matches it.
func (s *Server) ensure(ctx context.Context, gvr schema.GroupVersionResource, want runtime.Object, same func(runtime.Object) bool) error {
	st := s.api.store(gvr)
	if st == nil {
		return nil
	}
	fn := func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		if cur != nil && same(cur) {
			return cur, nil
		}
		return want.DeepCopyObject(), nil
	}
	m := want.(metav1.Object)
	_, _, err := st.Update(ctx, m.GetNamespace(), m.GetName(), fn, store.UpdateOptions{CreateIfMissing: true, FieldManager: managerName})
	return err
}
