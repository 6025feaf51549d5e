// Package admissionregistration holds the rules of the
// admissionregistration.k8s.io/v1 resources: webhook configurations and
// validating admission policies with their bindings.
package admissionregistration

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// category is the one Kubernetes gives the resources that extend the API.
const category = "api-extensions"

// Resources returns the admissionregistration.k8s.io/v1 resources as
// Kubernetes 1.32 serves them.
func Resources() []resource.Resource {
	gv := admissionregistrationv1.SchemeGroupVersion
	cat := []string{category}
	return []resource.Resource{
		{
			GVR: gv.WithResource("mutatingwebhookconfigurations"), Kind: "MutatingWebhookConfiguration",
			Singular: "mutatingwebhookconfiguration", Categories: cat,
			New:      func() runtime.Object { return &admissionregistrationv1.MutatingWebhookConfiguration{} },
			NewList:  func() runtime.Object { return &admissionregistrationv1.MutatingWebhookConfigurationList{} },
			Strategy: MutatingWebhookStrategy{},
		},
		{
			GVR: gv.WithResource("validatingwebhookconfigurations"), Kind: "ValidatingWebhookConfiguration",
			Singular: "validatingwebhookconfiguration", Categories: cat,
			New:      func() runtime.Object { return &admissionregistrationv1.ValidatingWebhookConfiguration{} },
			NewList:  func() runtime.Object { return &admissionregistrationv1.ValidatingWebhookConfigurationList{} },
			Strategy: ValidatingWebhookStrategy{},
		},
		{
			GVR: gv.WithResource("validatingadmissionpolicies"), Kind: "ValidatingAdmissionPolicy",
			Singular: "validatingadmissionpolicy", Categories: cat,
			New:      func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicy{} },
			NewList:  func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyList{} },
			Strategy: PolicyStrategy{},
			Status:   true,
		},
		{
			GVR: gv.WithResource("validatingadmissionpolicybindings"), Kind: "ValidatingAdmissionPolicyBinding",
			Singular: "validatingadmissionpolicybinding", Categories: cat,
			New:      func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{} },
			NewList:  func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyBindingList{} },
			Strategy: BindingStrategy{},
		},
	}
}
