package networking

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestNetworkPolicyDefault(t *testing.T) {
	cases := []struct {
		name string
		spec networkingv1.NetworkPolicySpec
		want []networkingv1.PolicyType
	}{
		{"none", networkingv1.NetworkPolicySpec{}, []networkingv1.PolicyType{"Ingress"}},
		{"egress rules", networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{}}}, []networkingv1.PolicyType{"Ingress", "Egress"}},
		{"kept", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Egress"}}, []networkingv1.PolicyType{"Egress"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			np := &networkingv1.NetworkPolicy{Spec: c.spec}
			NetworkPolicyStrategy{}.Default(np)
			if len(np.Spec.PolicyTypes) != len(c.want) {
				t.Fatalf("policyTypes = %v, want %v", np.Spec.PolicyTypes, c.want)
			}
			for i := range c.want {
				if np.Spec.PolicyTypes[i] != c.want[i] {
					t.Fatalf("policyTypes = %v, want %v", np.Spec.PolicyTypes, c.want)
				}
			}
		})
	}
	np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{}}}},
	}}
	NetworkPolicyStrategy{}.Default(np)
	if p := np.Spec.Ingress[0].Ports[0].Protocol; p == nil || *p != corev1.ProtocolTCP {
		t.Fatalf("protocol = %v, want TCP", p)
	}
}

func TestNetworkPolicyValidate(t *testing.T) {
	port := func(p intstr.IntOrString, end *int32) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Port: &p, EndPort: end}
	}
	ingress := func(ports []networkingv1.NetworkPolicyPort, peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: ports, From: peers}}}
	}
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
	cases := []struct {
		name string
		spec networkingv1.NetworkPolicySpec
		want []string
	}{
		{"valid", ingress([]networkingv1.NetworkPolicyPort{port(intstr.FromInt32(80), ptr(int32(90)))}, networkingv1.NetworkPolicyPeer{PodSelector: sel}), nil},
		{"bad selector", networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"a": "-"}}},
			[]string{"FieldValueInvalid spec.podSelector.matchLabels"}},
		{"bad port", ingress([]networkingv1.NetworkPolicyPort{port(intstr.FromInt32(0), nil)}), []string{"FieldValueInvalid spec.ingress[0].ports[0].port"}},
		{"endPort below port", ingress([]networkingv1.NetworkPolicyPort{port(intstr.FromInt32(80), ptr(int32(70)))}),
			[]string{"FieldValueInvalid spec.ingress[0].ports[0].endPort"}},
		{"endPort with named port", ingress([]networkingv1.NetworkPolicyPort{port(intstr.FromString("http"), ptr(int32(70)))}),
			[]string{"FieldValueInvalid spec.ingress[0].ports[0].endPort"}},
		{"bad protocol", ingress([]networkingv1.NetworkPolicyPort{{Protocol: ptr(corev1.Protocol("ICMP"))}}),
			[]string{"FieldValueNotSupported spec.ingress[0].ports[0].protocol"}},
		{"empty peer", ingress(nil, networkingv1.NetworkPolicyPeer{}), []string{"FieldValueRequired spec.ingress[0].from[0]"}},
		{"ipBlock and selector", ingress(nil, networkingv1.NetworkPolicyPeer{PodSelector: sel, IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}}),
			[]string{"FieldValueForbidden spec.ingress[0].from[0]"}},
		{"except outside", ingress(nil, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16", "11.0.0.0/16"}}}),
			[]string{"FieldValueInvalid spec.ingress[0].from[0].ipBlock.except[1]"}},
		{"bad cidr", ingress(nil, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0"}}),
			[]string{"FieldValueInvalid spec.ingress[0].from[0].ipBlock.cidr"}},
		{"bad policy type", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Sideways"}},
			[]string{"FieldValueNotSupported spec.policyTypes[0]"}},
		{"egress to", networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{}}}}},
			[]string{"FieldValueRequired spec.egress[0].to[0]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErrs(t, NetworkPolicyStrategy{}.Validate(&networkingv1.NetworkPolicy{Spec: c.spec}), c.want...)
		})
	}
}

func TestNetworkPolicyCells(t *testing.T) {
	cases := []struct {
		sel  metav1.LabelSelector
		want string
	}{
		{metav1.LabelSelector{}, "<none>"},
		{metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}, "app=db"},
	}
	for _, c := range cases {
		np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{PodSelector: c.sel}}
		if got := (NetworkPolicyStrategy{}).Cells(np)[0]; got != c.want {
			t.Errorf("pod-selector = %v, want %v", got, c.want)
		}
	}
}

func TestResources(t *testing.T) {
	want := map[string]bool{"ingresses": true, "ingressclasses": false, "networkpolicies": false}
	for _, r := range Resources() {
		status, ok := want[r.GVR.Resource]
		if !ok || r.Status != status || r.GVR.Group != "networking.k8s.io" || r.GVR.Version != "v1" {
			t.Errorf("unexpected resource %+v", r.GVR)
		}
		if _, ok := r.New().(interface{ GetName() string }); !ok {
			t.Errorf("%s: New is not an object", r.GVR.Resource)
		}
		delete(want, r.GVR.Resource)
	}
	if len(want) != 0 {
		t.Errorf("missing %v", want)
	}
}
