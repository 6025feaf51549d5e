package autoscaling

import (
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/utils/ptr"
)

// TestManagedFieldsAcrossVersions updates through v2 an object whose
// managedFields hold an autoscaling/v1 entry, as after `kubectl
// autoscale`: the field manager must convert it to v1, which only works
// with the view's conversions registered.
func TestManagedFieldsAcrossVersions(t *testing.T) {
	for _, withFuncs := range []bool{false, true} {
		s := runtime.NewScheme()
		if err := autoscalingv1.AddToScheme(s); err != nil {
			t.Fatal(err)
		}
		if err := autoscalingv2.AddToScheme(s); err != nil {
			t.Fatal(err)
		}
		if withFuncs {
			v1 := hpaV1Resource()
			if err := v1.View.Register(s, v1.New()); err != nil {
				t.Fatal(err)
			}
		}
		gvk := autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler")
		fm, err := managedfields.NewDefaultFieldManager(applyconfigurations.NewTypeConverter(s), s, s, s, gvk, gvk.GroupVersion(), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		live := validHPA()
		live.APIVersion, live.Kind = gvk.GroupVersion().String(), gvk.Kind
		live.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl-autoscale", Operation: metav1.ManagedFieldsOperationUpdate,
			APIVersion: "autoscaling/v1", FieldsType: "FieldsV1",
			FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:maxReplicas":{},"f:minReplicas":{}}}`)}}}
		updated := live.DeepCopy()
		updated.Labels = map[string]string{"tier": "front"}
		updated.Spec.MinReplicas = ptr.To[int32](2)
		_, err = fm.Update(live, updated, "kubectl-label")
		switch {
		case withFuncs && err != nil:
			t.Errorf("update with conversions: %v", err)
		case !withFuncs && (err == nil || !strings.Contains(err.Error(), "conversion")):
			t.Errorf("update without conversions = %v; the test no longer shows why they are needed", err)
		}
	}
}
