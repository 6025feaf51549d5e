package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func validDeployment() *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       appsv1.DeploymentSpec{Selector: webSelector(), Template: webTemplate()},
	}
	deploymentStrategy{pods: fakePods}.Default(d)
	return d
}

func TestDeploymentDefault(t *testing.T) {
	pct := func(s string) *intstr.IntOrString { return ptr.To(intstr.FromString(s)) }
	tests := []struct {
		name string
		in   appsv1.DeploymentSpec
		want appsv1.DeploymentSpec
	}{
		{
			name: "empty",
			want: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](1),
				Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: pct("25%"), MaxSurge: pct("25%")}},
				RevisionHistoryLimit: ptr.To[int32](10), ProgressDeadlineSeconds: ptr.To[int32](600),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways}},
			},
		},
		{
			name: "recreate gets no rolling update; set values kept",
			in: appsv1.DeploymentSpec{Replicas: ptr.To[int32](0), Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
				RevisionHistoryLimit: ptr.To[int32](2), ProgressDeadlineSeconds: ptr.To[int32](30)},
			want: appsv1.DeploymentSpec{Replicas: ptr.To[int32](0), Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
				RevisionHistoryLimit: ptr.To[int32](2), ProgressDeadlineSeconds: ptr.To[int32](30),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways}}},
		},
		{
			name: "partial rolling update",
			in: appsv1.DeploymentSpec{Strategy: appsv1.DeploymentStrategy{
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: ptr.To(intstr.FromInt32(0))}}},
			want: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](1),
				Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: pct("25%"), MaxSurge: ptr.To(intstr.FromInt32(0))}},
				RevisionHistoryLimit: ptr.To[int32](10), ProgressDeadlineSeconds: ptr.To[int32](600),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &appsv1.Deployment{Spec: tt.in}
			s := deploymentStrategy{pods: fakePods}
			s.Default(d)
			if !reflect.DeepEqual(d.Spec, tt.want) {
				t.Errorf("defaulted spec:\n%+v\nwant\n%+v", d.Spec, tt.want)
			}
			again := d.DeepCopy()
			s.Default(again)
			if !reflect.DeepEqual(again, d) {
				t.Error("Default is not idempotent")
			}
		})
	}
}

func TestDeploymentValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []string
	}{
		{"valid", func(*appsv1.Deployment) {}, nil},
		{"negative replicas", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](-1) }, []string{"FieldValueInvalid spec.replicas"}},
		{"no selector", func(d *appsv1.Deployment) { d.Spec.Selector = nil },
			[]string{"FieldValueRequired spec.selector", "FieldValueInvalid spec.template.metadata.labels"}},
		{"empty selector", func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} }, []string{"FieldValueInvalid spec.selector"}},
		{"selector misses template", func(d *appsv1.Deployment) { d.Spec.Selector.MatchLabels["app"] = "db" },
			[]string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"bad selector operator", func(d *appsv1.Deployment) {
			d.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Near"}}
		}, []string{"FieldValueInvalid spec.selector.matchExpressions[0].operator"}},
		{"pod rules applied", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers = nil },
			[]string{"FieldValueRequired spec.template.spec.containers"}},
		{"restart never", func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
		{"deadline", func(d *appsv1.Deployment) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](5) },
			[]string{"FieldValueForbidden spec.template.spec.activeDeadlineSeconds"}},
		{"unknown strategy", func(d *appsv1.Deployment) { d.Spec.Strategy = appsv1.DeploymentStrategy{Type: "Blue"} },
			[]string{"FieldValueNotSupported spec.strategy.type"}},
		{"recreate with rolling update", func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType },
			[]string{"FieldValueForbidden spec.strategy.rollingUpdate"}},
		{"surge and unavailable both zero", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromString("0%"))
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(0))
		}, []string{"FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable"}},
		{"bad percent", func(d *appsv1.Deployment) { d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromString("ten")) },
			[]string{"FieldValueInvalid spec.strategy.rollingUpdate.maxSurge"}},
		{"over 100 percent unavailable", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("101%"))
		}, []string{"FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable"}},
		{"negative surge", func(d *appsv1.Deployment) { d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(-1)) },
			[]string{"FieldValueInvalid spec.strategy.rollingUpdate.maxSurge"}},
		{"deadline not above min ready", func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 },
			[]string{"FieldValueInvalid spec.progressDeadlineSeconds"}},
		{"negative history", func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = ptr.To[int32](-1) },
			[]string{"FieldValueInvalid spec.revisionHistoryLimit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDeployment()
			tt.mutate(d)
			checkErrors(t, deploymentStrategy{pods: fakePods}.Validate(d), tt.want)
		})
	}
}

func TestDeploymentSelectorMessage(t *testing.T) {
	d := validDeployment()
	d.Spec.Selector.MatchLabels["app"] = "db"
	errs := deploymentStrategy{pods: fakePods}.Validate(d)
	want := "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\", \"tier\":\"front\"}: `selector` does not match template `labels`"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("got %v\nwant %s", errs, want)
	}
}

func TestDeploymentValidateUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []string
	}{
		{"scale and new image", func(d *appsv1.Deployment) {
			d.Spec.Replicas = ptr.To[int32](5)
			d.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
		}, nil},
		{"selector changed", func(d *appsv1.Deployment) {
			d.Spec.Selector.MatchLabels["tier"] = "front"
		}, []string{"FieldValueInvalid spec.selector"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := validDeployment()
			d := old.DeepCopy()
			tt.mutate(d)
			checkErrors(t, deploymentStrategy{pods: fakePods}.ValidateUpdate(d, old), tt.want)
		})
	}
}

func TestDeploymentPrepareForCreate(t *testing.T) {
	d := validDeployment()
	d.Status.Replicas = 3
	deploymentStrategy{}.PrepareForCreate(d)
	if !reflect.DeepEqual(d.Status, appsv1.DeploymentStatus{}) {
		t.Errorf("status kept: %+v", d.Status)
	}
}

func TestDeploymentCells(t *testing.T) {
	d := validDeployment()
	d.Spec.Replicas = ptr.To[int32](3)
	d.Status = appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 1}
	checkColumns(t, deploymentStrategy{}, d,
		[]string{"Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"},
		[]interface{}{"2/3", int64(3), int64(1), nil, "nginx,sidecar", "nginx:1.27,busybox:1.36", "app=web"})
}
