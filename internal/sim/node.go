package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// What a simulated node says it runs.
const (
	KubeletVersion = "v1.32.13-skiff-sim"
	// SimLabel marks the nodes a sim registered.
	SimLabel      = "skiff.io/sim"
	kernelVersion = "6.1.0-skiff-sim"
	osImage       = "skiff simulated node"
	runtimeName   = "skiff-sim://1.0.0"
	kubeletPort   = 10250
)

// nodeObject is the Node the sim registers: labels as the kubelet sets
// them, the podCIDR, and a full status.
func nodeObject(n *simNode, c *Config, now time.Time) *corev1.Node {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: nodeLabels(n.name)},
		Spec:       corev1.NodeSpec{ProviderID: "skiff-sim://" + n.name},
		Status:     nodeStatus(n, c, now, now),
	}
	if n.setCIDR {
		node.Spec.PodCIDR = n.podCIDR.String()
		node.Spec.PodCIDRs = []string{node.Spec.PodCIDR}
	}
	return node
}

func nodeLabels(name string) map[string]string {
	return map[string]string{
		"kubernetes.io/hostname":  name,
		"kubernetes.io/os":        "linux",
		"kubernetes.io/arch":      "amd64",
		"beta.kubernetes.io/os":   "linux",
		"beta.kubernetes.io/arch": "amd64",
		SimLabel:                  "true",
	}
}

// nodeStatus is the node's whole status with the heartbeat at now; since
// is when the node became Ready (its registration by this sim).
func nodeStatus(n *simNode, c *Config, now, since time.Time) corev1.NodeStatus {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              c.CPU,
		corev1.ResourceMemory:           c.Memory,
		corev1.ResourcePods:             c.Pods,
		corev1.ResourceEphemeralStorage: c.EphemeralStorage,
		"hugepages-1Gi":                 resource.MustParse("0"),
		"hugepages-2Mi":                 resource.MustParse("0"),
	}
	return corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity.DeepCopy(),
		Conditions:  nodeConditions(metav1.NewTime(now), metav1.NewTime(since)),
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: n.ip.String()},
			{Type: corev1.NodeHostName, Address: n.name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: kubeletPort}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               fakeID("machine", n.name),
			SystemUUID:              fakeID("system", n.name),
			BootID:                  fakeID("boot", n.name),
			KernelVersion:           kernelVersion,
			OSImage:                 osImage,
			ContainerRuntimeVersion: runtimeName,
			KubeletVersion:          KubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            "amd64",
		},
	}
}

// nodeConditions are the kubelet's four, with its reasons and messages.
func nodeConditions(heartbeat, since metav1.Time) []corev1.NodeCondition {
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg,
			LastHeartbeatTime: heartbeat, LastTransitionTime: since}
	}
	return []corev1.NodeCondition{
		cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
	}
}

// fakeID is a stable 32-hex-digit id, like /etc/machine-id.
func fakeID(kind, name string) string {
	sum := sha256.Sum256([]byte(kind + "/" + name))
	return hex.EncodeToString(sum[:16])
}
