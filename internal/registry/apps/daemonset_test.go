package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func validDaemonSet() *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube-system"},
		Spec:       appsv1.DaemonSetSpec{Selector: webSelector(), Template: webTemplate()},
	}
	daemonSetStrategy{pods: fakePods}.Default(ds)
	return ds
}

func TestDaemonSetDefault(t *testing.T) {
	tests := []struct {
		name string
		in   appsv1.DaemonSetUpdateStrategy
		want appsv1.DaemonSetUpdateStrategy
	}{
		{"empty", appsv1.DaemonSetUpdateStrategy{}, appsv1.DaemonSetUpdateStrategy{Type: "RollingUpdate",
			RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1)), MaxSurge: ptr.To(intstr.FromInt32(0))}}},
		{"surge kept", appsv1.DaemonSetUpdateStrategy{RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxSurge: ptr.To(intstr.FromString("10%"))}},
			appsv1.DaemonSetUpdateStrategy{Type: "RollingUpdate",
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1)), MaxSurge: ptr.To(intstr.FromString("10%"))}}},
		{"on delete", appsv1.DaemonSetUpdateStrategy{Type: "OnDelete"}, appsv1.DaemonSetUpdateStrategy{Type: "OnDelete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{UpdateStrategy: tt.in}}
			daemonSetStrategy{pods: fakePods}.Default(ds)
			if !reflect.DeepEqual(ds.Spec.UpdateStrategy, tt.want) {
				t.Errorf("updateStrategy = %+v, want %+v", ds.Spec.UpdateStrategy, tt.want)
			}
			if ptr.Deref(ds.Spec.RevisionHistoryLimit, 0) != 10 || ds.Spec.Template.Spec.RestartPolicy != "Always" {
				t.Errorf("defaults missing: %+v", ds.Spec)
			}
		})
	}
}

func TestDaemonSetValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.DaemonSet)
		want   []string
	}{
		{"valid", func(*appsv1.DaemonSet) {}, nil},
		{"surge instead of unavailable", func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromString("20%"))}
		}, nil},
		{"both non-zero", func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(1))
		},
			[]string{"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxSurge"}},
		{"both zero", func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("0%"))
		},
			[]string{"FieldValueRequired spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{"surge over 100%", func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromString("150%"))}
		}, []string{"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxSurge"}},
		{"unknown strategy", func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: "Canary"} },
			[]string{"FieldValueNotSupported spec.updateStrategy.type"}},
		{"rolling update missing", func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.RollingUpdate = nil },
			[]string{"FieldValueRequired spec.updateStrategy.rollingUpdate"}},
		{"deadline", func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](1) },
			[]string{"FieldValueInvalid spec.template.spec.activeDeadlineSeconds"}},
		{"selector misses template", func(ds *appsv1.DaemonSet) { ds.Spec.Template.Labels = map[string]string{"app": "other"} },
			[]string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"empty selector", func(ds *appsv1.DaemonSet) { ds.Spec.Selector = &metav1.LabelSelector{} },
			[]string{"FieldValueInvalid spec.selector"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := validDaemonSet()
			tt.mutate(ds)
			checkErrors(t, daemonSetStrategy{pods: fakePods}.Validate(ds), tt.want)
		})
	}
}

func TestDaemonSetSelectorImmutable(t *testing.T) {
	old := validDaemonSet()
	ds := old.DeepCopy()
	ds.Spec.Selector.MatchLabels["tier"] = "front"
	checkErrors(t, daemonSetStrategy{pods: fakePods}.ValidateUpdate(ds, old), []string{"FieldValueInvalid spec.selector"})
}

func TestDaemonSetCells(t *testing.T) {
	ds := validDaemonSet()
	ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 1, NumberAvailable: 2}
	columns := []string{"Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"}
	checkColumns(t, daemonSetStrategy{}, ds, columns,
		[]interface{}{int64(3), int64(3), int64(2), int64(1), int64(2), "<none>", nil, "nginx,sidecar", "nginx:1.27,busybox:1.36", "app=web"})
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
	if got := (daemonSetStrategy{}).Cells(ds)[5]; got != "kubernetes.io/os=linux" {
		t.Errorf("node selector cell = %v", got)
	}
}
