package apps

import (
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func validStatefulSet() *appsv1.StatefulSet {
	set := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{Selector: webSelector(), Template: webTemplate(), ServiceName: "db",
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}},
	}
	statefulSetStrategy{pods: fakePods}.Default(set)
	return set
}

func TestStatefulSetDefault(t *testing.T) {
	tests := []struct {
		name         string
		in           appsv1.StatefulSetUpdateStrategy
		wantStrategy appsv1.StatefulSetUpdateStrategy
	}{
		{"empty", appsv1.StatefulSetUpdateStrategy{},
			appsv1.StatefulSetUpdateStrategy{Type: "RollingUpdate", RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)}}},
		{"explicit rolling update without details", appsv1.StatefulSetUpdateStrategy{Type: "RollingUpdate"},
			appsv1.StatefulSetUpdateStrategy{Type: "RollingUpdate"}},
		{"partition kept", appsv1.StatefulSetUpdateStrategy{RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](2)}},
			appsv1.StatefulSetUpdateStrategy{Type: "RollingUpdate", RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](2)}}},
		{"on delete", appsv1.StatefulSetUpdateStrategy{Type: "OnDelete"}, appsv1.StatefulSetUpdateStrategy{Type: "OnDelete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{UpdateStrategy: tt.in,
				VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{}}}}
			statefulSetStrategy{pods: fakePods}.Default(set)
			spec := set.Spec
			if !reflect.DeepEqual(spec.UpdateStrategy, tt.wantStrategy) {
				t.Errorf("updateStrategy = %+v, want %+v", spec.UpdateStrategy, tt.wantStrategy)
			}
			retain := appsv1.RetainPersistentVolumeClaimRetentionPolicyType
			wantPolicy := &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: retain, WhenScaled: retain}
			if *spec.Replicas != 1 || *spec.RevisionHistoryLimit != 10 || spec.PodManagementPolicy != appsv1.OrderedReadyPodManagement ||
				!reflect.DeepEqual(spec.PersistentVolumeClaimRetentionPolicy, wantPolicy) {
				t.Errorf("defaults missing: %+v", spec)
			}
			claim := spec.VolumeClaimTemplates[0]
			if ptr.Deref(claim.Spec.VolumeMode, "") != corev1.PersistentVolumeFilesystem || claim.Status.Phase != corev1.ClaimPending {
				t.Errorf("claim template not defaulted: %+v", claim)
			}
		})
	}
}

func TestStatefulSetValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []string
	}{
		{"valid", func(*appsv1.StatefulSet) {}, nil},
		{"no service name is fine in 1.32", func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "" }, nil},
		{"bad pod management", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Random" },
			[]string{"FieldValueInvalid spec.podManagementPolicy"}},
		{"no update strategy", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{} },
			[]string{"FieldValueRequired spec.updateStrategy"}},
		{"on delete with rolling update", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = "OnDelete" },
			[]string{"FieldValueInvalid spec.updateStrategy.rollingUpdate"}},
		{"negative partition", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](-1) },
			[]string{"FieldValueInvalid spec.updateStrategy.rollingUpdate.partition"}},
		{"zero max unavailable", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("0%"))
		}, []string{"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{"bad retention", func(s *appsv1.StatefulSet) { s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Keep" },
			[]string{"FieldValueNotSupported spec.persistentVolumeClaimRetentionPolicy.whenScaled"}},
		{"negative ordinal start", func(s *appsv1.StatefulSet) { s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: -1} },
			[]string{"FieldValueInvalid spec.ordinals.start"}},
		{"empty selector", func(s *appsv1.StatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} },
			[]string{"FieldValueInvalid spec.selector"}},
		{"restart on failure", func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := validStatefulSet()
			tt.mutate(set)
			checkErrors(t, statefulSetStrategy{pods: fakePods}.Validate(set), tt.want)
		})
	}
}

func TestStatefulSetValidateUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []string
	}{
		{"allowed fields", func(s *appsv1.StatefulSet) {
			s.Spec.Replicas = ptr.To[int32](5)
			s.Spec.Template.Spec.Containers[0].Image = "postgres:17"
			s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: "OnDelete"}
			s.Spec.MinReadySeconds = 10
			s.Spec.RevisionHistoryLimit = ptr.To[int32](3)
			s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 1}
			s.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = "Delete"
		}, nil},
		{"service name", func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "other" }, []string{"FieldValueForbidden spec"}},
		{"claim templates", func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates[0].Name = "logs" }, []string{"FieldValueForbidden spec"}},
		{"pod management", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Parallel" }, []string{"FieldValueForbidden spec"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := validStatefulSet()
			set := old.DeepCopy()
			tt.mutate(set)
			errs := statefulSetStrategy{pods: fakePods}.ValidateUpdate(set, old)
			checkErrors(t, errs, tt.want)
			if len(errs) > 0 && !strings.Contains(errs[0].Error(), "updates to statefulset spec for fields other than 'replicas', 'ordinals'") {
				t.Errorf("message = %q", errs[0].Error())
			}
		})
	}
}

func TestStatefulSetName(t *testing.T) {
	r := statefulSetResource(fakePods)
	if len(r.ValidateName("web.v1", false)) == 0 {
		t.Error("dotted name accepted; pods need DNS-label hostnames")
	}
	if errs := r.ValidateName("web-v1", false); len(errs) != 0 {
		t.Errorf("valid name rejected: %v", errs)
	}
}

func TestStatefulSetCells(t *testing.T) {
	set := validStatefulSet()
	set.Spec.Replicas = ptr.To[int32](3)
	set.Status.ReadyReplicas = 3
	checkColumns(t, statefulSetStrategy{}, set,
		[]string{"Ready", "Age", "Containers", "Images"},
		[]interface{}{"3/3", nil, "nginx,sidecar", "nginx:1.27,busybox:1.36"})
}

func TestTemplateWithClaims(t *testing.T) {
	claim := func(n string) corev1.PersistentVolumeClaim {
		return corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: n}}
	}
	tests := []struct {
		name   string
		own    []string
		claims []corev1.PersistentVolumeClaim
		want   []string
	}{
		{"no claims", []string{"www"}, nil, []string{"www"}},
		{"claims appended", []string{"www"}, []corev1.PersistentVolumeClaim{claim("data"), claim("logs")}, []string{"www", "data", "logs"}},
		{"own volume wins", []string{"data"}, []corev1.PersistentVolumeClaim{claim("data")}, []string{"data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := &corev1.PodTemplateSpec{}
			for _, n := range tt.own {
				tmpl.Spec.Volumes = append(tmpl.Spec.Volumes, corev1.Volume{Name: n})
			}
			got := templateWithClaims(tmpl, tt.claims)
			var names []string
			for _, v := range got.Spec.Volumes {
				names = append(names, v.Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("volumes = %v, want %v", names, tt.want)
			}
			if len(tmpl.Spec.Volumes) != len(tt.own) {
				t.Errorf("input template modified: %v", tmpl.Spec.Volumes)
			}
		})
	}
}
