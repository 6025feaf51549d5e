package flowcontrol

import (
	"testing"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

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

func TestFlowSchema(t *testing.T) {
	rule := flowcontrolv1.PolicyRulesWithSubjects{
		Subjects:      []flowcontrolv1.Subject{{Kind: flowcontrolv1.SubjectKindGroup, Group: &flowcontrolv1.GroupSubject{Name: "system:nodes"}}},
		ResourceRules: []flowcontrolv1.ResourcePolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
	}
	cases := []struct {
		name string
		spec flowcontrolv1.FlowSchemaSpec
		want []string
	}{
		{"valid", flowcontrolv1.FlowSchemaSpec{PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "global"},
			Rules: []flowcontrolv1.PolicyRulesWithSubjects{rule}}, nil},
		{"no level", flowcontrolv1.FlowSchemaSpec{}, []string{"FieldValueRequired spec.priorityLevelConfiguration.name"}},
		{"precedence too high", flowcontrolv1.FlowSchemaSpec{MatchingPrecedence: 20000, PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "g"}},
			[]string{"FieldValueInvalid spec.matchingPrecedence"}},
		{"empty rule", flowcontrolv1.FlowSchemaSpec{PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "g"},
			Rules: []flowcontrolv1.PolicyRulesWithSubjects{{}}}, []string{"FieldValueRequired spec.rules[0].subjects", "FieldValueRequired spec.rules[0]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := &flowcontrolv1.FlowSchema{Spec: c.spec}
			FlowSchemaStrategy{}.Default(fs)
			wantErrs(t, FlowSchemaStrategy{}.Validate(fs), c.want...)
		})
	}
	fs := &flowcontrolv1.FlowSchema{Spec: cases[0].spec}
	FlowSchemaStrategy{}.Default(fs)
	got := FlowSchemaStrategy{}.Cells(fs)
	want := []interface{}{"global", int64(1000), "<none>", "<unknown>", "?"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cells = %#v, want %#v", got, want)
		}
	}
	fs.Status.Conditions = []flowcontrolv1.FlowSchemaCondition{{Type: flowcontrolv1.FlowSchemaConditionDangling, Status: flowcontrolv1.ConditionFalse}}
	if c := (FlowSchemaStrategy{}).Cells(fs); c[4] != "False" {
		t.Fatalf("missingPL = %v", c[4])
	}
}

func TestPriorityLevel(t *testing.T) {
	limited := &flowcontrolv1.PriorityLevelConfiguration{Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
		Type: flowcontrolv1.PriorityLevelEnablementLimited,
		Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{LimitResponse: flowcontrolv1.LimitResponse{
			Type: flowcontrolv1.LimitResponseTypeQueue, Queuing: &flowcontrolv1.QueuingConfiguration{}}},
	}}
	PriorityLevelStrategy{}.Default(limited)
	l := limited.Spec.Limited
	if *l.NominalConcurrencyShares != 30 || *l.LendablePercent != 0 || l.LimitResponse.Queuing.HandSize != 8 ||
		l.LimitResponse.Queuing.Queues != 64 || l.LimitResponse.Queuing.QueueLengthLimit != 50 {
		t.Fatalf("defaults = %+v %+v", l, l.LimitResponse.Queuing)
	}
	wantErrs(t, PriorityLevelStrategy{}.Validate(limited))
	got := PriorityLevelStrategy{}.Cells(limited)
	want := []interface{}{"Limited", int32(30), int32(64), int32(8), int32(50), "<unknown>"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cells = %#v, want %#v", got, want)
		}
	}

	cases := []struct {
		name string
		spec flowcontrolv1.PriorityLevelConfigurationSpec
		want []string
	}{
		{"bad type", flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Sometimes"}, []string{"FieldValueNotSupported spec.type"}},
		{"limited missing", flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Limited"}, []string{"FieldValueRequired spec.limited"}},
		{"queue without queuing", flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Limited",
			Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{LimitResponse: flowcontrolv1.LimitResponse{Type: "Queue"}}},
			[]string{"FieldValueRequired spec.limited.limitResponse.queuing"}},
		{"exempt", flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Exempt"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErrs(t, PriorityLevelStrategy{}.Validate(&flowcontrolv1.PriorityLevelConfiguration{Spec: c.spec}), c.want...)
		})
	}
	exempt := &flowcontrolv1.PriorityLevelConfiguration{Spec: flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Exempt"}}
	if c := (PriorityLevelStrategy{}).Cells(exempt); c[1] != "<none>" || c[2] != "<none>" {
		t.Fatalf("cells = %#v", c)
	}
}
