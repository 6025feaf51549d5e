package core

import (
	corev1 "k8s.io/api/core/v1"
)

// Values the admission plugins of a real cluster add to every pod.
const (
	defaultServiceAccount         = "default"
	defaultTolerationSeconds      = int64(300)
	systemClusterCritical         = "system-cluster-critical"
	systemNodeCritical            = "system-node-critical"
	systemClusterCriticalPriority = int32(2000000000)
	systemNodeCriticalPriority    = int32(2000001000)
)

// defaultPod applies the defaults Kubernetes gives pods but not pod
// templates, then the spec defaults shared with templates.
func defaultPod(pod *corev1.Pod) {
	spec := &pod.Spec
	DefaultPodSpec(spec)
	if spec.EnableServiceLinks == nil {
		v := true
		spec.EnableServiceLinks = &v
	}
	defaultRequestsFromLimits(spec)
	if spec.HostNetwork {
		defaultHostNetworkPorts(spec.InitContainers)
		defaultHostNetworkPorts(spec.Containers)
	}
}

// defaultRequestsFromLimits gives each container a request equal to its
// limit for every resource it limits without requesting.
func defaultRequestsFromLimits(spec *corev1.PodSpec) {
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			r := &cs[i].Resources
			for name, limit := range r.Limits {
				if _, ok := r.Requests[name]; ok {
					continue
				}
				if r.Requests == nil {
					r.Requests = corev1.ResourceList{}
				}
				r.Requests[name] = limit.DeepCopy()
			}
		}
	}
}

// defaultHostNetworkPorts makes hostPort equal containerPort for pods on
// the host network, where the two are one and the same.
func defaultHostNetworkPorts(cs []corev1.Container) {
	for i := range cs {
		for j := range cs[i].Ports {
			if cs[i].Ports[j].HostPort == 0 {
				cs[i].Ports[j].HostPort = cs[i].Ports[j].ContainerPort
			}
		}
	}
}

// admitPod adds what the default admission plugins of a cluster add:
// ServiceAccount (the account name; the token volume is left to the
// kubelet side), DefaultTolerationSeconds and Priority.
func admitPod(pod *corev1.Pod) {
	spec := &pod.Spec
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = defaultServiceAccount
		spec.DeprecatedServiceAccount = defaultServiceAccount
	}
	addDefaultToleration(spec, corev1.TaintNodeNotReady)
	addDefaultToleration(spec, corev1.TaintNodeUnreachable)
	admitPriority(spec)
}

// addDefaultToleration tolerates a NoExecute node taint for five minutes
// unless the pod already tolerates it.
func addDefaultToleration(spec *corev1.PodSpec, key string) {
	for _, t := range spec.Tolerations {
		if (t.Key == key || t.Key == "") && (t.Effect == corev1.TaintEffectNoExecute || t.Effect == "") {
			return
		}
	}
	secs := defaultTolerationSeconds
	spec.Tolerations = append(spec.Tolerations, corev1.Toleration{
		Key:               key,
		Operator:          corev1.TolerationOpExists,
		Effect:            corev1.TaintEffectNoExecute,
		TolerationSeconds: &secs,
	})
}

// admitPriority resolves the built-in priority classes; pods without a
// class get priority 0. Other classes need a PriorityClass lookup, which
// is not this package's to do, so their priority is left alone.
func admitPriority(spec *corev1.PodSpec) {
	if spec.Priority == nil {
		var p int32
		switch spec.PriorityClassName {
		case "":
		case systemClusterCritical:
			p = systemClusterCriticalPriority
		case systemNodeCritical:
			p = systemNodeCriticalPriority
		default:
			return
		}
		spec.Priority = &p
	}
	if spec.PreemptionPolicy == nil {
		pp := corev1.PreemptLowerPriority
		spec.PreemptionPolicy = &pp
	}
}
