package endpoints

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// Subsets computes the Endpoints subsets of svc from its pods: ready pods
// are addresses, others notReadyAddresses (all are addresses when the
// service publishes not-ready addresses), grouped by how their ports
// resolve. Pods being deleted are left out, as Kubernetes does for the
// Endpoints API. The result is sorted so equal inputs give equal output.
func Subsets(svc *corev1.Service, pods []*corev1.Pod) []corev1.EndpointSubset {
	type group struct {
		ports    []Port
		ready    []corev1.EndpointAddress
		notReady []corev1.EndpointAddress
	}
	groups := map[string]*group{}
	for _, pod := range pods {
		if !Eligible(pod) || pod.DeletionTimestamp != nil {
			continue
		}
		ports := ResolvePorts(svc, pod)
		if len(ports) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		key := PortsKey(ports)
		g, ok := groups[key]
		if !ok {
			g = &group{ports: ports}
			groups[key] = g
		}
		addr := address(svc, pod)
		if Ready(pod) || svc.Spec.PublishNotReadyAddresses {
			g.ready = append(g.ready, addr)
		} else {
			g.notReady = append(g.notReady, addr)
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]corev1.EndpointSubset, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		out = append(out, corev1.EndpointSubset{
			Addresses:         sortAddresses(g.ready),
			NotReadyAddresses: sortAddresses(g.notReady),
			Ports:             endpointPorts(g.ports),
		})
	}
	return out
}

func address(svc *corev1.Service, pod *corev1.Pod) corev1.EndpointAddress {
	a := corev1.EndpointAddress{
		IP: pod.Status.PodIP,
		TargetRef: &corev1.ObjectReference{
			Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
		},
	}
	if pod.Spec.NodeName != "" {
		node := pod.Spec.NodeName
		a.NodeName = &node
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name {
		a.Hostname = pod.Spec.Hostname
	}
	return a
}

func sortAddresses(a []corev1.EndpointAddress) []corev1.EndpointAddress {
	sort.Slice(a, func(i, j int) bool { return a[i].IP+a[i].TargetRef.Name < a[j].IP+a[j].TargetRef.Name })
	return a
}

func endpointPorts(ports []Port) []corev1.EndpointPort {
	out := make([]corev1.EndpointPort, 0, len(ports))
	for _, p := range ports {
		out = append(out, corev1.EndpointPort{Name: p.Name, Port: p.Port, Protocol: protocolOf(p.Protocol), AppProtocol: p.AppProtocol})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
