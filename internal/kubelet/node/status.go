package node

import (
	"maps"
	goruntime "runtime"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff/skiff/internal/version"
)

// What the Ready condition says, in the kubelet's words.
const (
	reasonReady    = "KubeletReady"
	reasonNotReady = "KubeletNotReady"
	messageReady   = "kubelet is posting ready status"
	// Before the agent has asked its runtime.
	messageNoRuntimeCheck = "container runtime status check may not have completed yet"
)

// labels are the node's labels: the kubelet's defaults, then cfg.Labels.
func (n *Node) labels() map[string]string {
	l := map[string]string{
		corev1.LabelHostname:      n.cfg.NodeName,
		corev1.LabelOSStable:      goruntime.GOOS,
		corev1.LabelArchStable:    goruntime.GOARCH,
		"beta.kubernetes.io/os":   goruntime.GOOS,
		"beta.kubernetes.io/arch": goruntime.GOARCH,
	}
	maps.Copy(l, n.cfg.Labels)
	return l
}

// readiness is the runtime state the Ready condition reports.
type readiness struct {
	ready   bool
	message string
}

// status is the node's whole status with heartbeats at now. since holds
// each condition's last transition; conditions new to it start now.
func (n *Node) status(host hostInfo, r readiness, since map[corev1.NodeConditionType]sinceStatus, now time.Time) corev1.NodeStatus {
	nodeInfo := host.info
	nodeInfo.ContainerRuntimeVersion = n.cfg.RuntimeVersion
	nodeInfo.KubeletVersion = version.Info().GitVersion
	return corev1.NodeStatus{
		Capacity:    host.capacity.DeepCopy(),
		Allocatable: host.capacity.DeepCopy(), // nothing is reserved for the system
		Conditions:  conditions(r, since, now),
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: n.cfg.NodeIP},
			{Type: corev1.NodeHostName, Address: n.cfg.NodeName},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: n.cfg.KubeletPort}},
		NodeInfo:        nodeInfo,
	}
}

// sinceStatus is when a condition took the status it has.
type sinceStatus struct {
	status corev1.ConditionStatus
	at     metav1.Time
}

// conditions are the kubelet's four, in its order. Pressure is never
// reported: the agent does not evict, so it claims none.
func conditions(r readiness, since map[corev1.NodeConditionType]sinceStatus, now time.Time) []corev1.NodeCondition {
	beat := metav1.NewTime(now)
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		prev, ok := since[t]
		if !ok || prev.status != s {
			prev = sinceStatus{status: s, at: beat}
			since[t] = prev
		}
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg,
			LastHeartbeatTime: beat, LastTransitionTime: prev.at}
	}
	readyStatus, reason, msg := corev1.ConditionTrue, reasonReady, messageReady
	if !r.ready {
		readyStatus, reason, msg = corev1.ConditionFalse, reasonNotReady, r.message
		if msg == "" {
			msg = messageNoRuntimeCheck
		}
	}
	return []corev1.NodeCondition{
		cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		cond(corev1.NodeReady, readyStatus, reason, msg),
	}
}

// sinceFrom remembers the transitions of an existing node's conditions,
// so that an agent restart does not look like a change.
func sinceFrom(node *corev1.Node) map[corev1.NodeConditionType]sinceStatus {
	m := map[corev1.NodeConditionType]sinceStatus{}
	for _, c := range node.Status.Conditions {
		m[c.Type] = sinceStatus{status: c.Status, at: c.LastTransitionTime}
	}
	return m
}

// podCIDRs are the node's pod ranges: spec.podCIDRs, or the older single
// spec.podCIDR.
func podCIDRs(node *corev1.Node) []string {
	if len(node.Spec.PodCIDRs) > 0 {
		return node.Spec.PodCIDRs
	}
	if node.Spec.PodCIDR != "" {
		return []string{node.Spec.PodCIDR}
	}
	return nil
}
