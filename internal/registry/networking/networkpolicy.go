package networking

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// NetworkPolicyStrategy holds the rules of networking.k8s.io/v1
// networkpolicies (no status subresource since Kubernetes 1.28).
type NetworkPolicyStrategy struct{ resource.Base }

// Default fills policyTypes from the rules present (Ingress always, Egress
// when there are egress rules) and gives ports the TCP protocol.
func (NetworkPolicyStrategy) Default(obj runtime.Object) {
	spec := &obj.(*networkingv1.NetworkPolicy).Spec
	if len(spec.PolicyTypes) == 0 {
		spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(spec.Egress) != 0 {
			spec.PolicyTypes = append(spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	for i := range spec.Ingress {
		defaultPorts(spec.Ingress[i].Ports)
	}
	for i := range spec.Egress {
		defaultPorts(spec.Egress[i].Ports)
	}
}

func defaultPorts(ports []networkingv1.NetworkPolicyPort) {
	for i := range ports {
		if ports[i].Protocol == nil {
			tcp := corev1.ProtocolTCP
			ports[i].Protocol = &tcp
		}
	}
}

func (NetworkPolicyStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*networkingv1.NetworkPolicy).Generation = 1
}

func (NetworkPolicyStrategy) PrepareForUpdate(obj, old runtime.Object) {
	np, prev := obj.(*networkingv1.NetworkPolicy), old.(*networkingv1.NetworkPolicy)
	bumpGeneration(&np.ObjectMeta, prev.ObjectMeta, np.Spec, prev.Spec)
}

func (NetworkPolicyStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateNetworkPolicySpec(&obj.(*networkingv1.NetworkPolicy).Spec, field.NewPath("spec"))
}

func (s NetworkPolicyStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func (NetworkPolicyStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.", 0),
		resource.AgeColumn,
	}
}

func (NetworkPolicyStrategy) Cells(obj runtime.Object) []interface{} {
	np := obj.(*networkingv1.NetworkPolicy)
	return []interface{}{metav1.FormatLabelSelector(&np.Spec.PodSelector), resource.Age(np)}
}
