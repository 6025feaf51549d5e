package batch

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// fakePods stands in for the core group's pod rules: like them it
// defaults restartPolicy to Always, and it requires containers.
var fakePods = PodTemplateRules{
	Default: func(t *corev1.PodTemplateSpec) {
		if t.Spec.RestartPolicy == "" {
			t.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}
	},
	Validate: func(t *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
		if len(t.Spec.Containers) == 0 {
			return field.ErrorList{field.Required(path.Child("spec", "containers"), "")}
		}
		return nil
	},
}

func piTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "pi"}},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "pi", Image: "perl:5.34"}},
		},
	}
}

func checkErrors(t *testing.T, errs field.ErrorList, want []string) {
	t.Helper()
	got := []string{}
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%s %s", string(e.Type), e.Field))
	}
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q\nwant %q\nfull: %v", got, want, errs)
	}
}

// checkCells compares every cell but AGE, which depends on the clock.
func checkCells(t *testing.T, cols []metav1.TableColumnDefinition, cells []interface{}, want map[string]interface{}) {
	t.Helper()
	if len(cells) != len(cols) {
		t.Fatalf("%d cells for %d columns", len(cells), len(cols))
	}
	for i, c := range cols {
		if c.Name == "Age" {
			continue
		}
		w, ok := want[c.Name]
		if !ok {
			t.Errorf("unexpected column %q", c.Name)
			continue
		}
		if !reflect.DeepEqual(cells[i], w) {
			t.Errorf("cell %s = %#v, want %#v", c.Name, cells[i], w)
		}
	}
}
