package networking

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// wantErrs compares errors by type and field path only: the messages are
// Kubernetes' own texts, checked where they matter.
func wantErrs(t *testing.T, got field.ErrorList, want ...string) {
	t.Helper()
	var gotKeys []string
	for _, e := range got {
		gotKeys = append(gotKeys, string(e.Type)+" "+e.Field)
	}
	if len(gotKeys) != len(want) {
		t.Fatalf("errors = %v, want %v", gotKeys, want)
	}
	for i := range want {
		if gotKeys[i] != want[i] {
			t.Fatalf("errors = %v, want %v", gotKeys, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func corev1TypedRef() corev1.TypedLocalObjectReference {
	return corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "b"}
}
