package scheduling

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func keys(errs field.ErrorList) []string {
	var k []string
	for _, e := range errs {
		k = append(k, string(e.Type)+" "+e.Field)
	}
	return k
}

func TestPriorityClassValidate(t *testing.T) {
	pc := func(name string, value int32, def bool) *schedulingv1.PriorityClass {
		return &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value, GlobalDefault: def}
	}
	cases := []struct {
		name string
		pc   *schedulingv1.PriorityClass
		want []string
	}{
		{"user", pc("high", 1000000000, true), nil},
		{"user too high", pc("high", 1000000001, false), []string{"FieldValueForbidden value"}},
		{"system known", pc("system-node-critical", 2000001000, false), nil},
		{"system wrong value", pc("system-cluster-critical", 5, false), []string{"FieldValueForbidden metadata.name"}},
		{"system unknown", pc("system-mine", 5, false), []string{"FieldValueForbidden metadata.name"}},
		{"bad policy", func() *schedulingv1.PriorityClass {
			p := pc("x", 1, false)
			never := corev1.PreemptionPolicy("Sometimes")
			p.PreemptionPolicy = &never
			return p
		}(), []string{"FieldValueNotSupported preemptionPolicy"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			PriorityClassStrategy{}.Default(c.pc)
			got := keys(PriorityClassStrategy{}.Validate(c.pc))
			if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
				t.Fatalf("errors = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPriorityClassUpdateAndCells(t *testing.T) {
	old := &schedulingv1.PriorityClass{Value: 10}
	PriorityClassStrategy{}.Default(old)
	neu := old.DeepCopy()
	neu.Value = 11
	never := corev1.PreemptNever
	neu.PreemptionPolicy = &never
	got := keys(PriorityClassStrategy{}.ValidateUpdate(neu, old))
	if len(got) != 2 || got[0] != "FieldValueForbidden value" || got[1] != "FieldValueInvalid preemptionPolicy" {
		t.Fatalf("errors = %v", got)
	}
	cells := PriorityClassStrategy{}.Cells(old)
	want := []interface{}{int64(10), false, "<unknown>", "PreemptLowerPriority"}
	if len(cells) != len(PriorityClassStrategy{}.Columns()) {
		t.Fatalf("%d cells", len(cells))
	}
	for i := range want {
		if cells[i] != want[i] {
			t.Fatalf("cells = %#v, want %#v", cells, want)
		}
	}
}
