package endpoints

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// Port is a service port resolved against one pod's containers.
type Port struct {
	Name        string
	Port        int32
	Protocol    corev1.Protocol
	AppProtocol *string
}

// Managed reports whether the endpoints of svc are computed from pods:
// it has a selector, and it is not the API server's own "kubernetes"
// Service, whose endpoints the API server keeps.
func Managed(svc *corev1.Service) bool {
	if svc.Namespace == metaDefault && svc.Name == "kubernetes" {
		return false
	}
	return len(svc.Spec.Selector) > 0 && svc.Spec.Type != corev1.ServiceTypeExternalName
}

const metaDefault = "default"

// Eligible reports whether pod can be an endpoint at all: it has an IP
// and has not finished. A pod being deleted stays, as a terminating
// endpoint.
func Eligible(pod *corev1.Pod) bool {
	return pod.Status.PodIP != "" && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

// Ready reports whether the pod's Ready condition is True.
func Ready(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// ResolvePorts maps each service port to a port on pod. A named target
// port the pod does not declare leaves that port out for this pod.
func ResolvePorts(svc *corev1.Service, pod *corev1.Pod) []Port {
	out := make([]Port, 0, len(svc.Spec.Ports))
	for _, sp := range svc.Spec.Ports {
		port, ok := targetPort(sp, pod)
		if !ok {
			continue
		}
		out = append(out, Port{Name: sp.Name, Port: port, Protocol: sp.Protocol, AppProtocol: sp.AppProtocol})
	}
	return out
}

func targetPort(sp corev1.ServicePort, pod *corev1.Pod) (int32, bool) {
	switch {
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == sp.TargetPort.StrVal && protocolOf(cp.Protocol) == protocolOf(sp.Protocol) {
					return cp.ContainerPort, true
				}
			}
		}
		return 0, false
	case sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal, true
	}
	return sp.Port, true
}

func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// PortsKey is a stable text form of a port list, to group pods whose
// ports resolve alike.
func PortsKey(ports []Port) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		app := ""
		if p.AppProtocol != nil {
			app = *p.AppProtocol
		}
		parts = append(parts, fmt.Sprintf("%s/%d/%s/%s", p.Name, p.Port, p.Protocol, app))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// ServicesFor lists the managed services in pod's namespace that select
// it.
func ServicesFor(services corelisters.ServiceLister, pod *corev1.Pod) []*corev1.Service {
	all, err := services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*corev1.Service
	set := labels.Set(pod.Labels)
	for _, svc := range all {
		if Managed(svc) && labels.SelectorFromSet(svc.Spec.Selector).Matches(set) {
			out = append(out, svc)
		}
	}
	return out
}

// PodsFor lists the pods svc selects, from the cache.
func PodsFor(pods corelisters.PodLister, svc *corev1.Service) ([]*corev1.Pod, error) {
	return pods.Pods(svc.Namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
}
