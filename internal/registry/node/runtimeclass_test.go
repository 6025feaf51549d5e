package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestRuntimeClass(t *testing.T) {
	cases := []struct {
		name string
		rc   nodev1.RuntimeClass
		want []string
	}{
		{"valid", nodev1.RuntimeClass{Handler: "runc"}, nil},
		{"empty handler", nodev1.RuntimeClass{}, []string{"FieldValueInvalid handler"}},
		{"bad handler", nodev1.RuntimeClass{Handler: "Run_C"}, []string{"FieldValueInvalid handler"}},
		{"negative overhead", nodev1.RuntimeClass{Handler: "kata", Overhead: &nodev1.Overhead{
			PodFixed: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("-1")}}}, []string{"FieldValueInvalid overhead.podFixed[cpu]"}},
		{"bad node selector", nodev1.RuntimeClass{Handler: "kata", Scheduling: &nodev1.Scheduling{
			NodeSelector: map[string]string{"a": "b c"}}}, []string{"FieldValueInvalid scheduling.nodeSelector"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := RuntimeClassStrategy{}.Validate(&c.rc)
			if len(errs) != len(c.want) {
				t.Fatalf("errors = %v, want %v", errs, c.want)
			}
			for i, e := range errs {
				if got := string(e.Type) + " " + e.Field; got != c.want[i] {
					t.Fatalf("error = %s, want %s", got, c.want[i])
				}
			}
		})
	}
	old := &nodev1.RuntimeClass{Handler: "runc"}
	neu := &nodev1.RuntimeClass{Handler: "kata"}
	if errs := (RuntimeClassStrategy{}).ValidateUpdate(neu, old); len(errs) != 1 || errs[0].Field != "handler" {
		t.Fatalf("update errors = %v", errs)
	}
	if cells := (RuntimeClassStrategy{}).Cells(old); cells[0] != "runc" || cells[1] != "<unknown>" {
		t.Fatalf("cells = %#v", cells)
	}
}
