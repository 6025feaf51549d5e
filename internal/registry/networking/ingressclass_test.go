package networking

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

func TestIngressClassDefaultAndValidate(t *testing.T) {
	params := func(scope *string, ns *string) *networkingv1.IngressClassParametersReference {
		return &networkingv1.IngressClassParametersReference{Kind: "Config", Name: "c", Scope: scope, Namespace: ns}
	}
	cases := []struct {
		name       string
		spec       networkingv1.IngressClassSpec
		wantScope  string
		wantErrors []string
	}{
		{"valid", networkingv1.IngressClassSpec{Controller: "example.com/ingress"}, "", nil},
		{"no controller", networkingv1.IngressClassSpec{}, "", []string{"FieldValueRequired spec.controller"}},
		{"not domain prefixed", networkingv1.IngressClassSpec{Controller: "nginx"}, "", []string{"FieldValueInvalid spec.controller"}},
		{"scope defaulted", networkingv1.IngressClassSpec{Controller: "a.io/b", Parameters: params(nil, nil)}, "Cluster", nil},
		{"namespace scope needs ns", networkingv1.IngressClassSpec{Controller: "a.io/b", Parameters: params(ptr("Namespace"), nil)},
			"Namespace", []string{"FieldValueRequired spec.parameters.namespace"}},
		{"cluster scope forbids ns", networkingv1.IngressClassSpec{Controller: "a.io/b", Parameters: params(nil, ptr("x"))},
			"Cluster", []string{"FieldValueForbidden spec.parameters.namespace"}},
		{"bad scope", networkingv1.IngressClassSpec{Controller: "a.io/b", Parameters: params(ptr("World"), nil)},
			"World", []string{"FieldValueNotSupported spec.parameters.scope"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := &networkingv1.IngressClass{Spec: c.spec}
			s := IngressClassStrategy{}
			s.Default(ic)
			if c.wantScope != "" && *ic.Spec.Parameters.Scope != c.wantScope {
				t.Fatalf("scope = %s, want %s", *ic.Spec.Parameters.Scope, c.wantScope)
			}
			wantErrs(t, s.Validate(ic), c.wantErrors...)
		})
	}
}

func TestIngressClassUpdateAndCells(t *testing.T) {
	old := &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{Controller: "a.io/b"}}
	neu := old.DeepCopy()
	neu.Spec.Controller = "a.io/c"
	wantErrs(t, IngressClassStrategy{}.ValidateUpdate(neu, old), "FieldValueInvalid spec.controller")

	neu.Spec.Parameters = &networkingv1.IngressClassParametersReference{APIGroup: ptr("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb"}
	cells := IngressClassStrategy{}.Cells(neu)
	if cells[0] != "a.io/c" || cells[1] != "IngressParameters.k8s.example.com/external-lb" {
		t.Fatalf("cells = %#v", cells)
	}
	if got := (IngressClassStrategy{}).Cells(old)[1]; got != "<none>" {
		t.Fatalf("parameters cell = %v", got)
	}
}
