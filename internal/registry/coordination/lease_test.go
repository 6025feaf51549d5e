package coordination

import (
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
)

func ptr[T any](v T) *T { return &v }

func TestLeaseValidate(t *testing.T) {
	cases := []struct {
		name string
		spec coordinationv1.LeaseSpec
		want []string
	}{
		{"valid", coordinationv1.LeaseSpec{HolderIdentity: ptr("a"), LeaseDurationSeconds: ptr(int32(15)), LeaseTransitions: ptr(int32(0))}, nil},
		{"zero duration", coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr(int32(0))}, []string{"FieldValueInvalid spec.leaseDurationSeconds"}},
		{"negative transitions", coordinationv1.LeaseSpec{LeaseTransitions: ptr(int32(-1))}, []string{"FieldValueInvalid spec.leaseTransitions"}},
		{"preferred without strategy", coordinationv1.LeaseSpec{PreferredHolder: ptr("b")}, []string{"FieldValueForbidden spec.preferredHolder"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := LeaseStrategy{}.ValidateUpdate(&coordinationv1.Lease{Spec: c.spec}, &coordinationv1.Lease{})
			if len(errs) != len(c.want) {
				t.Fatalf("errors = %v, want %v", errs, c.want)
			}
			for i, e := range errs {
				if got := string(e.Type) + " " + e.Field; got != c.want[i] {
					t.Fatalf("error %d = %s, want %s", i, got, c.want[i])
				}
			}
		})
	}
}

func TestLeaseCells(t *testing.T) {
	cases := []struct {
		holder *string
		want   string
	}{{nil, ""}, {ptr("node-1"), "node-1"}}
	for _, c := range cases {
		cells := LeaseStrategy{}.Cells(&coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{HolderIdentity: c.holder}})
		if len(cells) != 2 || cells[0] != c.want || cells[1] != "<unknown>" {
			t.Errorf("cells = %#v, want holder %q", cells, c.want)
		}
	}
	if r := Resources()[0]; r.GVR.Group != "coordination.k8s.io" || r.Status || !r.Namespaced {
		t.Errorf("resource = %+v", r)
	}
}
