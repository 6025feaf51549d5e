package policy

import (
	"fmt"
	"reflect"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func keys(errs field.ErrorList) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, fmt.Sprintf("%s %s", string(e.Type), e.Field))
	}
	return out
}

func TestValidate(t *testing.T) {
	count := func(v intstr.IntOrString) *intstr.IntOrString { return &v }
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tests := []struct {
		name string
		spec policyv1.PodDisruptionBudgetSpec
		want []string
	}{
		{"min available", policyv1.PodDisruptionBudgetSpec{Selector: sel, MinAvailable: count(intstr.FromInt32(2))}, nil},
		{"max unavailable percent", policyv1.PodDisruptionBudgetSpec{Selector: sel, MaxUnavailable: count(intstr.FromString("20%"))}, nil},
		{"neither", policyv1.PodDisruptionBudgetSpec{Selector: sel}, nil},
		{"both", policyv1.PodDisruptionBudgetSpec{Selector: sel, MinAvailable: count(intstr.FromInt32(1)), MaxUnavailable: count(intstr.FromInt32(1))},
			[]string{"FieldValueInvalid spec"}},
		{"negative", policyv1.PodDisruptionBudgetSpec{MinAvailable: count(intstr.FromInt32(-1))}, []string{"FieldValueInvalid spec.minAvailable"}},
		{"over 100%", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: count(intstr.FromString("120%"))}, []string{"FieldValueInvalid spec.maxUnavailable"}},
		{"bad eviction policy", policyv1.PodDisruptionBudgetSpec{UnhealthyPodEvictionPolicy: ptr.To(policyv1.UnhealthyPodEvictionPolicyType("Never"))},
			[]string{"FieldValueNotSupported spec.unhealthyPodEvictionPolicy"}},
		{"bad selector", policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a b": "c"}}},
			[]string{"FieldValueInvalid spec.selector.matchLabels"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdb := &policyv1.PodDisruptionBudget{Spec: tt.spec}
			want := tt.want
			if want == nil {
				want = []string{}
			}
			if got := keys(pdbStrategy{}.Validate(pdb)); !reflect.DeepEqual(got, want) {
				t.Errorf("errors = %q, want %q", got, want)
			}
		})
	}
}

func TestValidateStatusUpdate(t *testing.T) {
	pdb := &policyv1.PodDisruptionBudget{Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: -1, ExpectedPods: 3}}
	if got := keys(pdbStrategy{}.ValidateStatusUpdate(pdb, pdb)); !reflect.DeepEqual(got, []string{"FieldValueInvalid status.disruptionsAllowed"}) {
		t.Errorf("errors = %q", got)
	}
}

func TestCells(t *testing.T) {
	tests := []struct {
		name string
		pdb  policyv1.PodDisruptionBudget
		want []interface{}
	}{
		{"min available", policyv1.PodDisruptionBudget{Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(2))},
			Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1}}, []interface{}{"2", "N/A", int64(1)}},
		{"max unavailable", policyv1.PodDisruptionBudget{Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromString("25%"))}},
			[]interface{}{"N/A", "25%", int64(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := pdbStrategy{}.Cells(&tt.pdb)
			if len(cells) != len(pdbStrategy{}.Columns()) || !reflect.DeepEqual(cells[:3], tt.want) {
				t.Errorf("cells = %#v, want %#v", cells, tt.want)
			}
		})
	}
}

func TestPrepareForCreate(t *testing.T) {
	pdb := &policyv1.PodDisruptionBudget{Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 5}}
	pdbStrategy{}.PrepareForCreate(pdb)
	if pdb.Status.DisruptionsAllowed != 0 {
		t.Error("status kept on create")
	}
}
