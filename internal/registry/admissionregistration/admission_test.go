package admissionregistration

import (
	"testing"

	v1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ptr[T any](v T) *T { return &v }

func wantErrs(t *testing.T, got field.ErrorList, want ...string) {
	t.Helper()
	var keys []string
	for _, e := range got {
		keys = append(keys, string(e.Type)+" "+e.Field)
	}
	if len(keys) != len(want) {
		t.Fatalf("errors = %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("errors = %v, want %v", keys, want)
		}
	}
}

func validHook() v1.ValidatingWebhook {
	return v1.ValidatingWebhook{
		Name:         "check.example.com",
		ClientConfig: v1.WebhookClientConfig{Service: &v1.ServiceReference{Namespace: "ns", Name: "svc"}},
		Rules: []v1.RuleWithOperations{{Operations: []v1.OperationType{v1.Create},
			Rule: v1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
		SideEffects:             ptr(v1.SideEffectClassNone),
		AdmissionReviewVersions: []string{"v1"},
	}
}

func TestWebhookDefaults(t *testing.T) {
	m := &v1.MutatingWebhookConfiguration{Webhooks: []v1.MutatingWebhook{{ClientConfig: v1.WebhookClientConfig{Service: &v1.ServiceReference{}},
		Rules: []v1.RuleWithOperations{{}}}}}
	MutatingWebhookStrategy{}.Default(m)
	h := m.Webhooks[0]
	if *h.FailurePolicy != v1.Fail || *h.MatchPolicy != v1.Equivalent || h.NamespaceSelector == nil || h.ObjectSelector == nil ||
		*h.TimeoutSeconds != 10 || *h.ReinvocationPolicy != v1.NeverReinvocationPolicy || *h.Rules[0].Scope != v1.AllScopes ||
		*h.ClientConfig.Service.Port != 443 || h.SideEffects != nil {
		t.Fatalf("defaults = %+v", h)
	}
}

func TestWebhookValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*v1.ValidatingWebhook)
		want   []string
	}{
		{"valid", func(*v1.ValidatingWebhook) {}, nil},
		{"short name", func(h *v1.ValidatingWebhook) { h.Name = "check" }, []string{"FieldValueInvalid webhooks[0].name"}},
		{"no review versions", func(h *v1.ValidatingWebhook) { h.AdmissionReviewVersions = nil },
			[]string{"FieldValueRequired webhooks[0].admissionReviewVersions"}},
		{"no side effects", func(h *v1.ValidatingWebhook) { h.SideEffects = nil }, []string{"FieldValueRequired webhooks[0].sideEffects"}},
		{"unknown side effects", func(h *v1.ValidatingWebhook) { h.SideEffects = ptr(v1.SideEffectClassSome) },
			[]string{"FieldValueNotSupported webhooks[0].sideEffects"}},
		{"url and service", func(h *v1.ValidatingWebhook) { h.ClientConfig.URL = ptr("https://a") },
			[]string{"FieldValueRequired webhooks[0].clientConfig"}},
		{"http url", func(h *v1.ValidatingWebhook) { h.ClientConfig = v1.WebhookClientConfig{URL: ptr("http://a/b")} },
			[]string{"FieldValueInvalid webhooks[0].clientConfig.url"}},
		{"long timeout", func(h *v1.ValidatingWebhook) { h.TimeoutSeconds = ptr(int32(31)) }, []string{"FieldValueInvalid webhooks[0].timeoutSeconds"}},
		{"no operations", func(h *v1.ValidatingWebhook) { h.Rules[0].Operations = nil }, []string{"FieldValueRequired webhooks[0].rules[0].operations"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := validHook()
			c.mutate(&h)
			cfg := &v1.ValidatingWebhookConfiguration{Webhooks: []v1.ValidatingWebhook{h}}
			wantErrs(t, ValidatingWebhookStrategy{}.Validate(cfg), c.want...)
		})
	}
	dup := &v1.ValidatingWebhookConfiguration{Webhooks: []v1.ValidatingWebhook{validHook(), validHook()}}
	wantErrs(t, ValidatingWebhookStrategy{}.Validate(dup), "FieldValueDuplicate webhooks[1].name")
	if c := (ValidatingWebhookStrategy{}).Cells(dup); c[0] != int64(2) {
		t.Fatalf("cells = %#v", c)
	}
}

func TestPolicyAndBinding(t *testing.T) {
	p := &v1.ValidatingAdmissionPolicy{Spec: v1.ValidatingAdmissionPolicySpec{
		MatchConstraints: &v1.MatchResources{ResourceRules: []v1.NamedRuleWithOperations{{RuleWithOperations: v1.RuleWithOperations{
			Operations: []v1.OperationType{v1.Create}, Rule: v1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}}}}}},
		Validations: []v1.Validation{{Expression: "object.spec.replicas <= 5"}},
		ParamKind:   &v1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"},
	}}
	PolicyStrategy{}.Default(p)
	if *p.Spec.FailurePolicy != v1.Fail || *p.Spec.MatchConstraints.MatchPolicy != v1.Equivalent {
		t.Fatalf("policy defaults = %+v", p.Spec)
	}
	wantErrs(t, PolicyStrategy{}.Validate(p))
	if c := (PolicyStrategy{}).Cells(p); c[0] != int64(1) || c[1] != "v1/ConfigMap" {
		t.Fatalf("cells = %#v", c)
	}
	wantErrs(t, PolicyStrategy{}.Validate(&v1.ValidatingAdmissionPolicy{}),
		"FieldValueRequired spec.matchConstraints", "FieldValueRequired spec.validations")

	b := &v1.ValidatingAdmissionPolicyBinding{Spec: v1.ValidatingAdmissionPolicyBindingSpec{
		PolicyName: "p", ValidationActions: []v1.ValidationAction{v1.Deny}, ParamRef: &v1.ParamRef{Name: "cfg"}}}
	BindingStrategy{}.Default(b)
	wantErrs(t, BindingStrategy{}.Validate(b))
	if c := (BindingStrategy{}).Cells(b); c[0] != "p" || c[1] != "*/cfg" {
		t.Fatalf("cells = %#v", c)
	}
	b.Spec.ValidationActions = []v1.ValidationAction{v1.Deny, v1.Warn, "Shout"}
	b.Spec.PolicyName = ""
	wantErrs(t, BindingStrategy{}.Validate(b), "FieldValueRequired spec.policyName",
		"FieldValueNotSupported spec.validationActions[2]", "FieldValueInvalid spec.validationActions")
	for _, r := range Resources() {
		if len(r.Categories) != 1 || r.Categories[0] != "api-extensions" {
			t.Errorf("%s categories = %v", r.GVR.Resource, r.Categories)
		}
	}
}
