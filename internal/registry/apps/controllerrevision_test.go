package apps

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

func TestControllerRevisionValidate(t *testing.T) {
	data := runtime.RawExtension{Raw: []byte(`{"spec":{}}`)}
	tests := []struct {
		name string
		cr   appsv1.ControllerRevision
		want []string
	}{
		{"valid", appsv1.ControllerRevision{Data: data, Revision: 2}, nil},
		{"no data", appsv1.ControllerRevision{Revision: 1}, []string{"FieldValueRequired data"}},
		{"negative revision", appsv1.ControllerRevision{Data: data, Revision: -1}, []string{"FieldValueInvalid revision"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErrors(t, controllerRevisionStrategy{}.Validate(&tt.cr), tt.want)
		})
	}
	old := &appsv1.ControllerRevision{Data: data, Revision: 1}
	changed := old.DeepCopy()
	changed.Data = runtime.RawExtension{Raw: []byte(`{"spec":{"x":1}}`)}
	checkErrors(t, controllerRevisionStrategy{}.ValidateUpdate(changed, old), []string{"FieldValueInvalid data"})
	bumped := old.DeepCopy()
	bumped.Revision = 3
	checkErrors(t, controllerRevisionStrategy{}.ValidateUpdate(bumped, old), nil)
}

func TestControllerRevisionCells(t *testing.T) {
	owned := &appsv1.ControllerRevision{Revision: 4, ObjectMeta: metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{
		{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", Controller: ptr.To(true)},
	}}}
	checkColumns(t, controllerRevisionStrategy{}, owned, []string{"Controller", "Revision", "Age"},
		[]interface{}{"daemonset.apps/agent", int64(4), nil})
	checkColumns(t, controllerRevisionStrategy{}, &appsv1.ControllerRevision{Revision: 1}, []string{"Controller", "Revision", "Age"},
		[]interface{}{"<none>", int64(1), nil})
}
