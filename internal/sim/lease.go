package sim

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// LeaseNamespace holds one Lease per node, the kubelet's heartbeat.
const LeaseNamespace = corev1.NamespaceNodeLease

// renewLease sets what the kubelet sets on every renewal: holder, duration,
// renewTime and an owner reference to the Node, so the lease goes with it.
func renewLease(l *coordinationv1.Lease, node string, nodeUID types.UID, duration time.Duration, now time.Time) {
	l.Name, l.Namespace = node, LeaseNamespace
	secs := int32(duration / time.Second)
	renew := metav1.NewMicroTime(now)
	l.Spec.HolderIdentity = &node
	l.Spec.LeaseDurationSeconds = &secs
	l.Spec.RenewTime = &renew
	if nodeUID != "" && len(l.OwnerReferences) == 0 {
		l.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "Node", Name: node, UID: nodeUID,
		}}
	}
}
