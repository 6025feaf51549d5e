package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/scheme"
)

// TestFieldConvertorCopies checks that what the field manager may change
// on a converted object (its managedFields and kind) never reaches the
// object it converted, typed or unstructured.
func TestFieldConvertorCopies(t *testing.T) {
	sch, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	conv := fieldConvertor{sch}
	managed := []metav1.ManagedFieldsEntry{{Manager: "m", Operation: metav1.ManagedFieldsOperationUpdate}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", ManagedFields: managed, Labels: map[string]string{"a": "b"}},
		Spec:       corev1.PodSpec{NodeName: "n"},
	}
	before := pod.DeepCopy()
	out, err := conv.ConvertToVersion(pod, corev1.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	if out == pod {
		t.Fatal("converted pod is the input itself")
	}
	if gvk := out.GetObjectKind().GroupVersionKind(); gvk != corev1.SchemeGroupVersion.WithKind("Pod") {
		t.Errorf("converted kind %v", gvk)
	}
	if got := out.(*corev1.Pod); got.Spec.NodeName != "n" || got.Labels["a"] != "b" {
		t.Errorf("converted pod lost content: %+v", got)
	}
	clearManagedFields(t, out)
	if !equality.Semantic.DeepEqual(pod, before) {
		t.Errorf("changing the converted pod changed the input: %+v", pod)
	}

	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "c", "managedFields": []any{map[string]any{"manager": "m"}}},
	}}
	uBefore := u.DeepCopy()
	uOut, err := conv.ConvertToVersion(u, corev1.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	clearManagedFields(t, uOut)
	if !equality.Semantic.DeepEqual(u, uBefore) {
		t.Errorf("changing the converted unstructured object changed the input: %v", u.Object)
	}
}

// clearManagedFields does to obj what the field manager does to the
// objects it converts.
func clearManagedFields(t *testing.T, obj runtime.Object) {
	t.Helper()
	m, err := meta.Accessor(obj)
	if err != nil {
		t.Fatal(err)
	}
	m.SetManagedFields(nil)
}
