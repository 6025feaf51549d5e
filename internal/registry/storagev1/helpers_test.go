package storagev1

import (
	"testing"

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

func ptr[T any](v T) *T { return &v }

func cellsEqual(t *testing.T, got, want []interface{}) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("cells = %#v, want %#v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cells = %#v, want %#v", got, want)
		}
	}
}
