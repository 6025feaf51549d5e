package core

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName
}

func needsNodePort(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort ||
		(svc.Spec.Type == corev1.ServiceTypeLoadBalancer &&
			(svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts))
}

func needsHealthCheckNodePort(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer &&
		svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// keepAllocatedValues copies cluster IPs and node ports from the stored
// service where the update leaves them empty.
func keepAllocatedValues(svc, old *corev1.Service) {
	if needsClusterIP(old) && needsClusterIP(svc) {
		if svc.Spec.ClusterIP == "" {
			svc.Spec.ClusterIP = old.Spec.ClusterIP
		}
		if len(svc.Spec.ClusterIPs) == 0 && len(old.Spec.ClusterIPs) > 0 && svc.Spec.ClusterIP == old.Spec.ClusterIPs[0] {
			svc.Spec.ClusterIPs = old.Spec.ClusterIPs
		}
		if svc.Spec.IPFamilyPolicy == nil {
			svc.Spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
		}
		if len(svc.Spec.IPFamilies) == 0 {
			svc.Spec.IPFamilies = old.Spec.IPFamilies
		}
	}
	if needsNodePort(old) && needsNodePort(svc) {
		keepNodePorts(svc, old)
	}
	if needsHealthCheckNodePort(old) && needsHealthCheckNodePort(svc) && svc.Spec.HealthCheckNodePort == 0 {
		svc.Spec.HealthCheckNodePort = old.Spec.HealthCheckNodePort
	}
}

// keepNodePorts gives each port without a node port the one its old
// (port, protocol) twin had, unless another port uses it already.
func keepNodePorts(svc, old *corev1.Service) {
	used := map[int32]bool{}
	for _, p := range svc.Spec.Ports {
		used[p.NodePort] = true
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if p.NodePort != 0 {
			continue
		}
		for _, o := range old.Spec.Ports {
			if o.Port == p.Port && o.Protocol == p.Protocol && !used[o.NodePort] {
				p.NodePort = o.NodePort
				used[o.NodePort] = true
				break
			}
		}
	}
}

// dropTypeDependentFields clears what a type change makes meaningless,
// when the client left it as it was.
func dropTypeDependentFields(svc, old *corev1.Service) {
	if needsClusterIP(old) && !needsClusterIP(svc) && svc.Spec.ClusterIP == old.Spec.ClusterIP {
		svc.Spec.ClusterIP = ""
		svc.Spec.ClusterIPs = nil
		svc.Spec.IPFamilies = nil
		svc.Spec.IPFamilyPolicy = nil
	}
	if needsNodePort(old) && !needsNodePort(svc) {
		for i := range svc.Spec.Ports {
			if i < len(old.Spec.Ports) && svc.Spec.Ports[i].NodePort == old.Spec.Ports[i].NodePort {
				svc.Spec.Ports[i].NodePort = 0
			}
		}
	}
	if needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(svc) && svc.Spec.HealthCheckNodePort == old.Spec.HealthCheckNodePort {
		svc.Spec.HealthCheckNodePort = 0
	}
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		if svc.Spec.AllocateLoadBalancerNodePorts != nil && old.Spec.AllocateLoadBalancerNodePorts != nil &&
			*svc.Spec.AllocateLoadBalancerNodePorts == *old.Spec.AllocateLoadBalancerNodePorts {
			svc.Spec.AllocateLoadBalancerNodePorts = nil
		}
		if svc.Spec.ExternalTrafficPolicy == old.Spec.ExternalTrafficPolicy && svc.Spec.Type != corev1.ServiceTypeNodePort {
			svc.Spec.ExternalTrafficPolicy = ""
		}
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName && old.Spec.Type != corev1.ServiceTypeExternalName &&
		svc.Spec.InternalTrafficPolicy != nil && old.Spec.InternalTrafficPolicy != nil &&
		*svc.Spec.InternalTrafficPolicy == *old.Spec.InternalTrafficPolicy {
		svc.Spec.InternalTrafficPolicy = nil
	}
}

// validateServiceUpdate: the primary cluster IP never changes, except
// when the service turns into or out of ExternalName.
func validateServiceUpdate(svc, old *corev1.Service) field.ErrorList {
	if svc.Spec.Type == corev1.ServiceTypeExternalName || old.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	path := field.NewPath("spec", "clusterIPs")
	oldIPs, newIPs := old.Spec.ClusterIPs, svc.Spec.ClusterIPs
	if len(oldIPs) == 0 {
		return nil
	}
	if len(newIPs) == 0 {
		return field.ErrorList{field.Invalid(path.Index(0), newIPs, "primary clusterIP can not be unset")}
	}
	if oldIPs[0] != newIPs[0] {
		return field.ErrorList{field.Invalid(path.Index(0), newIPs, "may not change once set")}
	}
	if len(oldIPs) == len(newIPs) && len(newIPs) > 1 && oldIPs[1] != newIPs[1] {
		return field.ErrorList{field.Invalid(path.Index(1), newIPs, "may not change once set")}
	}
	return nil
}
