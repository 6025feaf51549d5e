// Package networking holds the rules of the networking.k8s.io/v1 resources:
// ingresses, ingressclasses and networkpolicies.
package networking

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns the networking.k8s.io/v1 resources as Kubernetes 1.32
// serves them.
func Resources() []resource.Resource {
	gv := networkingv1.SchemeGroupVersion
	return []resource.Resource{
		{
			GVR:        gv.WithResource("ingresses"),
			Kind:       "Ingress",
			Singular:   "ingress",
			Namespaced: true,
			ShortNames: []string{"ing"},
			New:        func() runtime.Object { return &networkingv1.Ingress{} },
			NewList:    func() runtime.Object { return &networkingv1.IngressList{} },
			Strategy:   IngressStrategy{},
			Status:     true,
		},
		{
			GVR:      gv.WithResource("ingressclasses"),
			Kind:     "IngressClass",
			Singular: "ingressclass",
			New:      func() runtime.Object { return &networkingv1.IngressClass{} },
			NewList:  func() runtime.Object { return &networkingv1.IngressClassList{} },
			Strategy: IngressClassStrategy{},
		},
		{
			GVR:        gv.WithResource("networkpolicies"),
			Kind:       "NetworkPolicy",
			Singular:   "networkpolicy",
			Namespaced: true,
			ShortNames: []string{"netpol"},
			New:        func() runtime.Object { return &networkingv1.NetworkPolicy{} },
			NewList:    func() runtime.Object { return &networkingv1.NetworkPolicyList{} },
			Strategy:   NetworkPolicyStrategy{},
		},
	}
}
