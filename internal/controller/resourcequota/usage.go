package resourcequota

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// objects is what a namespace holds, as far as quota counts it.
type objects struct {
	pods       []*corev1.Pod
	services   []*corev1.Service
	configMaps int
	secrets    int
	pvcs       int
	rcs        int
	quotas     int
}

// usage computes status.used for the resources named in hard. Finished
// pods use nothing, as in Kubernetes.
func usage(hard corev1.ResourceList, o objects) corev1.ResourceList {
	live := livePods(o.pods)
	used := corev1.ResourceList{}
	for name := range hard {
		if q, ok := measure(name, live, o); ok {
			used[name] = q
		}
	}
	return used
}

func livePods(pods []*corev1.Pod) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, len(pods))
	for _, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	return out
}

func count(n int) resource.Quantity { return *resource.NewQuantity(int64(n), resource.DecimalSI) }

// measure computes one quota resource; ok is false for resources this
// controller does not track.
func measure(name corev1.ResourceName, pods []*corev1.Pod, o objects) (resource.Quantity, bool) {
	switch name {
	case corev1.ResourcePods, "count/pods":
		return count(len(pods)), true
	case corev1.ResourceServices, "count/services":
		return count(len(o.services)), true
	case corev1.ResourceConfigMaps, "count/configmaps":
		return count(o.configMaps), true
	case corev1.ResourceSecrets, "count/secrets":
		return count(o.secrets), true
	case corev1.ResourcePersistentVolumeClaims, "count/persistentvolumeclaims":
		return count(o.pvcs), true
	case corev1.ResourceReplicationControllers, "count/replicationcontrollers":
		return count(o.rcs), true
	case corev1.ResourceQuotas, "count/resourcequotas":
		return count(o.quotas), true
	case corev1.ResourceServicesNodePorts:
		return count(nodePorts(o.services)), true
	case corev1.ResourceServicesLoadBalancers:
		return count(servicesOfType(o.services, corev1.ServiceTypeLoadBalancer)), true
	case corev1.ResourceCPU, corev1.ResourceRequestsCPU:
		return sumPods(pods, corev1.ResourceCPU, requestsOf), true
	case corev1.ResourceMemory, corev1.ResourceRequestsMemory:
		return sumPods(pods, corev1.ResourceMemory, requestsOf), true
	case corev1.ResourceLimitsCPU:
		return sumPods(pods, corev1.ResourceCPU, limitsOf), true
	case corev1.ResourceLimitsMemory:
		return sumPods(pods, corev1.ResourceMemory, limitsOf), true
	}
	if r, ok := strings.CutPrefix(string(name), "requests."); ok { // extended resources
		return sumPods(pods, corev1.ResourceName(r), requestsOf), true
	}
	return resource.Quantity{}, false
}

func nodePorts(svcs []*corev1.Service) int {
	n := 0
	for _, s := range svcs {
		if s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer {
			for _, p := range s.Spec.Ports {
				if p.NodePort != 0 {
					n++
				}
			}
		}
	}
	return n
}

func servicesOfType(svcs []*corev1.Service, t corev1.ServiceType) int {
	n := 0
	for _, s := range svcs {
		if s.Spec.Type == t {
			n++
		}
	}
	return n
}

func requestsOf(r corev1.ResourceRequirements) corev1.ResourceList { return r.Requests }
func limitsOf(r corev1.ResourceRequirements) corev1.ResourceList   { return r.Limits }

// sumPods adds a resource over pods. A pod needs the larger of its
// containers' sum and its largest init container, plus its overhead.
func sumPods(pods []*corev1.Pod, name corev1.ResourceName, pick func(corev1.ResourceRequirements) corev1.ResourceList) resource.Quantity {
	total := resource.Quantity{Format: resource.DecimalSI}
	if name == corev1.ResourceMemory {
		total.Format = resource.BinarySI
	}
	for _, p := range pods {
		var sum resource.Quantity
		for _, c := range p.Spec.Containers {
			if q, ok := pick(c.Resources)[name]; ok {
				sum.Add(q)
			}
		}
		for _, c := range p.Spec.InitContainers {
			if q, ok := pick(c.Resources)[name]; ok && q.Cmp(sum) > 0 {
				sum = q.DeepCopy()
			}
		}
		if q, ok := p.Spec.Overhead[name]; ok {
			sum.Add(q)
		}
		total.Add(sum)
	}
	return total
}
