package apps

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// fakePods stands in for the core group's pod rules: it defaults the
// restart policy and requires containers, so tests see both were called.
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

var webLabels = map[string]string{"app": "web"}

func webSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
}

func webTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "nginx", Image: "nginx:1.27"},
			{Name: "sidecar", Image: "busybox:1.36"},
		}},
	}
}

// errorKeys reduces errors to "type path" for comparison.
func errorKeys(errs field.ErrorList) []string {
	keys := []string{}
	for _, e := range errs {
		keys = append(keys, fmt.Sprintf("%s %s", string(e.Type), e.Field))
	}
	return keys
}

func checkErrors(t *testing.T, errs field.ErrorList, want []string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := errorKeys(errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q\nwant %q\nfull: %v", got, want, errs)
	}
}

// checkColumns verifies cells and columns line up and have the types
// Kubernetes uses.
func checkColumns(t *testing.T, s resource.Strategy, obj runtime.Object, wantNames []string, wantCells []interface{}) {
	t.Helper()
	cols := s.Columns()
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("columns = %q, want %q", names, wantNames)
	}
	cells := s.Cells(obj)
	if len(cells) != len(cols) {
		t.Fatalf("%d cells for %d columns", len(cells), len(cols))
	}
	for i, c := range cols {
		if c.Name == "Age" {
			continue // time-dependent; checked by the resource package
		}
		if !reflect.DeepEqual(cells[i], wantCells[i]) {
			t.Errorf("cell %s = %#v, want %#v", c.Name, cells[i], wantCells[i])
		}
		if c.Type == "integer" {
			if _, ok := cells[i].(int64); !ok {
				t.Errorf("integer column %s holds %T", c.Name, cells[i])
			}
		}
	}
}

func TestResources(t *testing.T) {
	want := map[string]struct {
		kind, short string
		status      bool
		scale       bool
	}{
		"deployments":         {"Deployment", "deploy", true, true},
		"replicasets":         {"ReplicaSet", "rs", true, true},
		"statefulsets":        {"StatefulSet", "sts", true, true},
		"daemonsets":          {"DaemonSet", "ds", true, false},
		"controllerrevisions": {"ControllerRevision", "", false, false},
	}
	rs := Resources(fakePods)
	if len(rs) != len(want) {
		t.Fatalf("%d resources, want %d", len(rs), len(want))
	}
	for _, r := range rs {
		w, ok := want[r.GVR.Resource]
		if !ok || r.GVR.Group != "apps" || r.GVR.Version != "v1" {
			t.Errorf("unexpected resource %v", r.GVR)
			continue
		}
		short := ""
		if len(r.ShortNames) > 0 {
			short = r.ShortNames[0]
		}
		if r.Kind != w.kind || short != w.short || r.Status != w.status || (r.Scale != nil) != w.scale || !r.Namespaced {
			t.Errorf("%s: got kind %s short %q status %v scale %v", r.GVR.Resource, r.Kind, short, r.Status, r.Scale != nil)
		}
		if obj := r.New(); reflect.TypeOf(obj).Elem().Name() != r.Kind {
			t.Errorf("%s: New() returns %T", r.GVR.Resource, obj)
		}
	}
}
