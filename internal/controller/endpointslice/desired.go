package endpointslice

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/controller/endpoints"
)

// group is the endpoints that share an address type and resolved ports:
// one or more slices hold them.
type group struct {
	addressType discoveryv1.AddressType
	ports       []discoveryv1.EndpointPort
	endpoints   []discoveryv1.Endpoint // sorted by address
}

// groupKey identifies a group by address type and ports.
func groupKey(t discoveryv1.AddressType, ports []discoveryv1.EndpointPort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		parts = append(parts, ptr.Deref(p.Name, "")+"/"+string(ptr.Deref(p.Protocol, corev1.ProtocolTCP))+"/"+strconv.Itoa(int(ptr.Deref(p.Port, 0)))+"/"+ptr.Deref(p.AppProtocol, ""))
	}
	sort.Strings(parts)
	return string(t) + "|" + strings.Join(parts, ",")
}

// desiredGroups computes the endpoints of svc from its pods. Pods being
// deleted stay as terminating endpoints (not ready, serving while their
// readiness says so).
func desiredGroups(svc *corev1.Service, pods []*corev1.Pod) map[string]*group {
	out := map[string]*group{}
	for _, pod := range pods {
		if !endpoints.Eligible(pod) {
			continue
		}
		resolved := endpoints.ResolvePorts(svc, pod)
		if len(resolved) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		t := discoveryv1.AddressTypeIPv4
		if strings.Contains(pod.Status.PodIP, ":") {
			t = discoveryv1.AddressTypeIPv6
		}
		ports := slicePorts(resolved)
		key := groupKey(t, ports)
		g, ok := out[key]
		if !ok {
			g = &group{addressType: t, ports: ports}
			out[key] = g
		}
		g.endpoints = append(g.endpoints, endpointFor(svc, pod))
	}
	for _, g := range out {
		sort.Slice(g.endpoints, func(i, j int) bool { return endpointID(g.endpoints[i]) < endpointID(g.endpoints[j]) })
	}
	return out
}

func slicePorts(ports []endpoints.Port) []discoveryv1.EndpointPort {
	out := make([]discoveryv1.EndpointPort, 0, len(ports))
	for _, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		out = append(out, discoveryv1.EndpointPort{Name: ptr.To(p.Name), Port: ptr.To(p.Port), Protocol: ptr.To(proto), AppProtocol: p.AppProtocol})
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Name < *out[j].Name })
	return out
}

func endpointFor(svc *corev1.Service, pod *corev1.Pod) discoveryv1.Endpoint {
	terminating := pod.DeletionTimestamp != nil
	serving := endpoints.Ready(pod) || svc.Spec.PublishNotReadyAddresses
	e := discoveryv1.Endpoint{
		Addresses: []string{pod.Status.PodIP},
		Conditions: discoveryv1.EndpointConditions{
			Ready:       ptr.To(serving && !terminating || svc.Spec.PublishNotReadyAddresses),
			Serving:     ptr.To(serving),
			Terminating: ptr.To(terminating),
		},
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		e.NodeName = ptr.To(pod.Spec.NodeName)
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name {
		e.Hostname = ptr.To(pod.Spec.Hostname)
	}
	return e
}

// endpointID names an endpoint across syncs: its pod, else its address.
func endpointID(e discoveryv1.Endpoint) string {
	if e.TargetRef != nil && e.TargetRef.UID != "" {
		return string(e.TargetRef.UID)
	}
	if len(e.Addresses) > 0 {
		return e.Addresses[0]
	}
	return ""
}
