package apiserver

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/allocator"
	"github.com/skiff/skiff/internal/registry/store"
)

// serviceAllocations gives Services their cluster IPs and node ports,
// through reservations kept in storage.
type serviceAllocations struct {
	ipRange *allocator.IPRange
	cidr    string
	ips     *allocator.Allocator
	ports   *allocator.Allocator
	portsLo int
	portsHi int
}

var serviceGK = corev1.SchemeGroupVersion.WithKind("Service").GroupKind()

func (s *serviceAllocations) hooks() store.Hooks {
	return store.Hooks{BeforeCreate: s.beforeCreate, BeforeUpdate: s.beforeUpdate, AfterUpdate: s.afterUpdate, AfterDelete: s.afterDelete}
}

// undoList collects the releases that undo a half-done allocation.
type undoList []func()

func (u undoList) run() {
	for _, f := range u {
		f()
	}
}

func owner(svc *corev1.Service) string { return svc.Namespace + "/" + svc.Name }

func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP != corev1.ClusterIPNone
}

func needsNodePorts(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
}

func (s *serviceAllocations) beforeCreate(ctx context.Context, obj runtime.Object) (func(), error) {
	svc := obj.(*corev1.Service)
	var undo undoList
	if err := s.allocateIP(ctx, svc, &undo); err != nil {
		undo.run()
		return nil, err
	}
	if err := s.allocatePorts(ctx, svc, nil, &undo); err != nil {
		undo.run()
		return nil, err
	}
	return undo.run, nil
}

func (s *serviceAllocations) allocateIP(ctx context.Context, svc *corev1.Service, undo *undoList) error {
	switch {
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
		return nil
	case svc.Spec.ClusterIP == corev1.ClusterIPNone:
		svc.Spec.ClusterIPs = []string{corev1.ClusterIPNone}
		return nil
	}
	ip := svc.Spec.ClusterIP
	if ip == "" && len(svc.Spec.ClusterIPs) > 0 {
		ip = svc.Spec.ClusterIPs[0]
	}
	var err error
	if ip == "" {
		if ip, err = s.ips.Allocate(ctx, owner(svc)); err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %w", err))
		}
	} else if err = s.ips.Reserve(ctx, ip, owner(svc)); err != nil {
		return apierrors.NewInvalid(serviceGK, svc.Name, field.ErrorList{field.Invalid(field.NewPath("spec", "clusterIPs").Index(0), []string{ip}, s.ipError(ip, err))})
	}
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip, []string{ip}
	*undo = append(*undo, func() { _ = s.ips.Release(context.WithoutCancel(ctx), ip) })
	return nil
}

func (s *serviceAllocations) ipError(ip string, err error) string {
	switch {
	case errors.Is(err, allocator.ErrAllocated):
		return fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", ip)
	case errors.Is(err, allocator.ErrOutOfRange):
		return fmt.Sprintf("failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", ip, ip, s.cidr)
	}
	return fmt.Sprintf("failed to allocate IP %s: %v", ip, err)
}

// allocatePorts gives every port of a NodePort or LoadBalancer service a
// node port; ports old already held are kept.
func (s *serviceAllocations) allocatePorts(ctx context.Context, svc, old *corev1.Service, undo *undoList) error {
	if !needsNodePorts(svc) {
		for i := range svc.Spec.Ports {
			svc.Spec.Ports[i].NodePort = 0
		}
		return nil
	}
	held := nodePorts(old)
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if p.NodePort != 0 && held[p.NodePort] {
			continue
		}
		path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		if p.NodePort == 0 {
			v, err := s.ports.Allocate(ctx, owner(svc))
			if err != nil {
				return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %w", err))
			}
			n, _ := strconv.Atoi(v)
			p.NodePort = int32(n)
		} else if err := s.ports.Reserve(ctx, strconv.Itoa(int(p.NodePort)), owner(svc)); err != nil {
			msg := "provided port is already allocated"
			if errors.Is(err, allocator.ErrOutOfRange) {
				msg = fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", s.portsLo, s.portsHi)
			}
			return apierrors.NewInvalid(serviceGK, svc.Name, field.ErrorList{field.Invalid(path, p.NodePort, msg)})
		}
		port := strconv.Itoa(int(p.NodePort))
		*undo = append(*undo, func() { _ = s.ports.Release(context.WithoutCancel(ctx), port) })
	}
	return nil
}

func nodePorts(svc *corev1.Service) map[int32]bool {
	out := map[int32]bool{}
	if svc == nil || !needsNodePorts(svc) {
		return out
	}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			out[p.NodePort] = true
		}
	}
	return out
}

// beforeUpdate allocates what an update newly needs; afterUpdate releases
// what it dropped once the update is stored.
func (s *serviceAllocations) beforeUpdate(ctx context.Context, obj, oldObj runtime.Object) (func(), error) {
	svc, old := obj.(*corev1.Service), oldObj.(*corev1.Service)
	var undo undoList
	if needsClusterIP(svc) && !needsClusterIP(old) || (old.Spec.ClusterIP == "" && needsClusterIP(svc)) {
		if err := s.allocateIP(ctx, svc, &undo); err != nil {
			undo.run()
			return nil, err
		}
	}
	if err := s.allocatePorts(ctx, svc, old, &undo); err != nil {
		undo.run()
		return nil, err
	}
	return undo.run, nil
}

func (s *serviceAllocations) afterUpdate(ctx context.Context, obj, old runtime.Object) {
	s.releaseDropped(context.WithoutCancel(ctx), obj.(*corev1.Service), old.(*corev1.Service))
}

// releaseDropped gives back node ports and the cluster IP an update stops
// using.
func (s *serviceAllocations) releaseDropped(ctx context.Context, svc, old *corev1.Service) {
	keep := nodePorts(svc)
	for p := range nodePorts(old) {
		if !keep[p] {
			_ = s.ports.Release(ctx, strconv.Itoa(int(p)))
		}
	}
	if needsClusterIP(old) && !needsClusterIP(svc) && old.Spec.ClusterIP != "" {
		_ = s.ips.Release(ctx, old.Spec.ClusterIP)
	}
}

func (s *serviceAllocations) afterDelete(ctx context.Context, obj runtime.Object) {
	svc := obj.(*corev1.Service)
	ctx = context.WithoutCancel(ctx)
	if needsClusterIP(svc) && svc.Spec.ClusterIP != "" {
		_ = s.ips.Release(ctx, svc.Spec.ClusterIP)
	}
	for p := range nodePorts(svc) {
		_ = s.ports.Release(ctx, strconv.Itoa(int(p)))
	}
}

// repair makes the reservations match the stored Services after a crash
// between a reservation and the write of its Service.
func (s *serviceAllocations) repair(ctx context.Context, services *store.Store) error {
	list, err := services.List(ctx, "", metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return fmt.Errorf("list services for repair: %w", err)
	}
	ips, ports := map[string]string{}, map[string]string{}
	for i := range list.(*corev1.ServiceList).Items {
		svc := &list.(*corev1.ServiceList).Items[i]
		if needsClusterIP(svc) && svc.Spec.ClusterIP != "" {
			ips[svc.Spec.ClusterIP] = owner(svc)
		}
		for p := range nodePorts(svc) {
			ports[strconv.Itoa(int(p))] = owner(svc)
		}
	}
	if err := s.ips.Repair(ctx, ips); err != nil {
		return err
	}
	return s.ports.Repair(ctx, ports)
}
