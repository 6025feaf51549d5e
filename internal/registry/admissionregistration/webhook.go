package admissionregistration

import (
	v1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// webhookTable prints the number of webhooks of a configuration.
type webhookTable struct{ resource.Base }

func (webhookTable) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Webhooks", Type: "integer", Description: "Webhooks indicates the number of webhooks registered in this configuration"},
		resource.AgeColumn,
	}
}

// MutatingWebhookStrategy holds the rules of mutatingwebhookconfigurations.
type MutatingWebhookStrategy struct{ webhookTable }

func (MutatingWebhookStrategy) Default(obj runtime.Object) {
	for i := range obj.(*v1.MutatingWebhookConfiguration).Webhooks {
		h := &obj.(*v1.MutatingWebhookConfiguration).Webhooks[i]
		defaultWebhook(&h.FailurePolicy, &h.MatchPolicy, &h.NamespaceSelector, &h.ObjectSelector, &h.TimeoutSeconds, h.Rules, &h.ClientConfig)
		if h.ReinvocationPolicy == nil {
			p := v1.NeverReinvocationPolicy
			h.ReinvocationPolicy = &p
		}
	}
}

func (MutatingWebhookStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*v1.MutatingWebhookConfiguration).Generation = 1
}

func (MutatingWebhookStrategy) PrepareForUpdate(obj, old runtime.Object) {
	c, prev := obj.(*v1.MutatingWebhookConfiguration), old.(*v1.MutatingWebhookConfiguration)
	bumpGeneration(&c.ObjectMeta, prev.ObjectMeta, c.Webhooks, prev.Webhooks)
}

func (MutatingWebhookStrategy) Validate(obj runtime.Object) field.ErrorList {
	hooks := obj.(*v1.MutatingWebhookConfiguration).Webhooks
	fld := field.NewPath("webhooks")
	var errs field.ErrorList
	seen := map[string]bool{}
	for i := range hooks {
		h := &hooks[i]
		p := fld.Index(i)
		errs = append(errs, validateWebhook(webhookOf(h.Name, h.Rules, h.FailurePolicy, h.MatchPolicy, h.SideEffects, h.TimeoutSeconds,
			h.NamespaceSelector, h.ObjectSelector, h.ClientConfig, h.AdmissionReviewVersions), p)...)
		if rp := h.ReinvocationPolicy; rp != nil && *rp != v1.NeverReinvocationPolicy && *rp != v1.IfNeededReinvocationPolicy {
			errs = append(errs, field.NotSupported(p.Child("reinvocationPolicy"), *rp, []string{"IfNeeded", "Never"}))
		}
		errs = append(errs, duplicateName(seen, h.Name, p)...)
	}
	return errs
}

func (s MutatingWebhookStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func (MutatingWebhookStrategy) Cells(obj runtime.Object) []interface{} {
	c := obj.(*v1.MutatingWebhookConfiguration)
	return []interface{}{int64(len(c.Webhooks)), resource.Age(c)}
}

// ValidatingWebhookStrategy holds the rules of
// validatingwebhookconfigurations.
type ValidatingWebhookStrategy struct{ webhookTable }

func (ValidatingWebhookStrategy) Default(obj runtime.Object) {
	for i := range obj.(*v1.ValidatingWebhookConfiguration).Webhooks {
		h := &obj.(*v1.ValidatingWebhookConfiguration).Webhooks[i]
		defaultWebhook(&h.FailurePolicy, &h.MatchPolicy, &h.NamespaceSelector, &h.ObjectSelector, &h.TimeoutSeconds, h.Rules, &h.ClientConfig)
	}
}

func (ValidatingWebhookStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*v1.ValidatingWebhookConfiguration).Generation = 1
}

func (ValidatingWebhookStrategy) PrepareForUpdate(obj, old runtime.Object) {
	c, prev := obj.(*v1.ValidatingWebhookConfiguration), old.(*v1.ValidatingWebhookConfiguration)
	bumpGeneration(&c.ObjectMeta, prev.ObjectMeta, c.Webhooks, prev.Webhooks)
}

func (ValidatingWebhookStrategy) Validate(obj runtime.Object) field.ErrorList {
	hooks := obj.(*v1.ValidatingWebhookConfiguration).Webhooks
	fld := field.NewPath("webhooks")
	var errs field.ErrorList
	seen := map[string]bool{}
	for i := range hooks {
		h := &hooks[i]
		p := fld.Index(i)
		errs = append(errs, validateWebhook(webhookOf(h.Name, h.Rules, h.FailurePolicy, h.MatchPolicy, h.SideEffects, h.TimeoutSeconds,
			h.NamespaceSelector, h.ObjectSelector, h.ClientConfig, h.AdmissionReviewVersions), p)...)
		errs = append(errs, duplicateName(seen, h.Name, p)...)
	}
	return errs
}

func (s ValidatingWebhookStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func (ValidatingWebhookStrategy) Cells(obj runtime.Object) []interface{} {
	c := obj.(*v1.ValidatingWebhookConfiguration)
	return []interface{}{int64(len(c.Webhooks)), resource.Age(c)}
}

func duplicateName(seen map[string]bool, name string, p *field.Path) field.ErrorList {
	if seen[name] {
		return field.ErrorList{field.Duplicate(p.Child("name"), name)}
	}
	seen[name] = true
	return nil
}

// defaultWebhook sets what v1 defaults on both kinds of webhook: fail
// closed, equivalent matching, match-all selectors, ten seconds, any
// scope, service port 443.
func defaultWebhook(fp **v1.FailurePolicyType, mp **v1.MatchPolicyType, ns, obj **metav1.LabelSelector, timeout **int32, rules []v1.RuleWithOperations, cc *v1.WebhookClientConfig) {
	if *fp == nil {
		p := v1.Fail
		*fp = &p
	}
	if *mp == nil {
		p := v1.Equivalent
		*mp = &p
	}
	if *ns == nil {
		*ns = &metav1.LabelSelector{}
	}
	if *obj == nil {
		*obj = &metav1.LabelSelector{}
	}
	if *timeout == nil {
		t := int32(10)
		*timeout = &t
	}
	defaultRules(rules)
	if cc.Service != nil && cc.Service.Port == nil {
		port := int32(443)
		cc.Service.Port = &port
	}
}

func defaultRules(rules []v1.RuleWithOperations) {
	for i := range rules {
		if rules[i].Scope == nil {
			s := v1.AllScopes
			rules[i].Scope = &s
		}
	}
}

func bumpGeneration(newMeta *metav1.ObjectMeta, oldMeta metav1.ObjectMeta, newSpec, oldSpec interface{}) {
	newMeta.Generation = oldMeta.Generation
	if !equality.Semantic.DeepEqual(newSpec, oldSpec) {
		newMeta.Generation++
	}
}
