package core

import (
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// summarize renders errors as sorted "field: Type" strings, the part of
// a validation error clients match on.
func summarize(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Field+": "+e.Type.String())
	}
	sort.Strings(out)
	return out
}

// expectErrors fails unless errs are exactly want (as "field: Type").
func expectErrors(t *testing.T, errs field.ErrorList, want ...string) {
	t.Helper()
	got := summarize(errs)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got  %q\n want %q\n full: %v", got, want, errs.ToAggregate())
	}
}

// expectDetail fails unless some error on path has detail containing s.
func expectDetail(t *testing.T, errs field.ErrorList, path, s string) {
	t.Helper()
	for _, e := range errs {
		if e.Field == path && strings.Contains(e.Detail, s) {
			return
		}
	}
	t.Errorf("no error on %s with detail %q in %v", path, s, errs.ToAggregate())
}

// validPod returns a defaulted pod that passes validation.
func validPod() *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}},
		},
	}
	podStrategy{}.Default(pod)
	return pod
}

func resourceMust(s string) resource.Quantity { return resource.MustParse(s) }
