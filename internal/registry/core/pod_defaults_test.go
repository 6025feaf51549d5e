package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDefaultPullPolicy(t *testing.T) {
	tests := []struct {
		image string
		want  corev1.PullPolicy
	}{
		{"nginx", corev1.PullAlways},
		{"nginx:latest", corev1.PullAlways},
		{"nginx:1.27", corev1.PullIfNotPresent},
		{"localhost:5000/app", corev1.PullAlways},
		{"localhost:5000/app:v1", corev1.PullIfNotPresent},
		{"nginx@sha256:abcd", corev1.PullIfNotPresent},
		{"nginx:latest@sha256:abcd", corev1.PullAlways},
	}
	for _, tt := range tests {
		if got := defaultPullPolicy(tt.image); got != tt.want {
			t.Errorf("defaultPullPolicy(%q) = %s, want %s", tt.image, got, tt.want)
		}
	}
}

func TestPodDefaults(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name:  "app",
			Image: "busybox",
			Ports: []corev1.ContainerPort{{ContainerPort: 80}},
			Env: []corev1.EnvVar{{Name: "POD", ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("500m")}},
		}},
		Volumes: []corev1.Volume{
			{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
			{Name: "scratch"},
			{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp"}}},
		},
	}}
	podStrategy{}.Default(pod)
	spec := pod.Spec
	c := spec.Containers[0]
	checks := []struct {
		name string
		ok   bool
	}{
		{"restartPolicy", spec.RestartPolicy == corev1.RestartPolicyAlways},
		{"dnsPolicy", spec.DNSPolicy == corev1.DNSClusterFirst},
		{"grace", *spec.TerminationGracePeriodSeconds == 30},
		{"scheduler", spec.SchedulerName == "default-scheduler"},
		{"securityContext", spec.SecurityContext != nil},
		{"serviceLinks", *spec.EnableServiceLinks},
		{"serviceAccount", spec.ServiceAccountName == "default" && spec.DeprecatedServiceAccount == "default"},
		{"priority", *spec.Priority == 0 && *spec.PreemptionPolicy == corev1.PreemptLowerPriority},
		{"tolerations", len(spec.Tolerations) == 2 && *spec.Tolerations[0].TolerationSeconds == 300 &&
			spec.Tolerations[0].Key == corev1.TaintNodeNotReady && spec.Tolerations[1].Key == corev1.TaintNodeUnreachable},
		{"pullPolicy", c.ImagePullPolicy == corev1.PullAlways},
		{"terminationMessage", c.TerminationMessagePath == "/dev/termination-log" && c.TerminationMessagePolicy == corev1.TerminationMessageReadFile},
		{"portProtocol", c.Ports[0].Protocol == corev1.ProtocolTCP},
		{"fieldRef", c.Env[0].ValueFrom.FieldRef.APIVersion == "v1"},
		{"probe", c.LivenessProbe.TimeoutSeconds == 1 && c.LivenessProbe.PeriodSeconds == 10 &&
			c.LivenessProbe.SuccessThreshold == 1 && c.LivenessProbe.FailureThreshold == 3},
		{"httpGet", c.LivenessProbe.HTTPGet.Scheme == corev1.URISchemeHTTP && c.LivenessProbe.HTTPGet.Path == "/"},
		{"requests", c.Resources.Requests.Cpu().String() == "500m"},
		{"configMapMode", *spec.Volumes[0].ConfigMap.DefaultMode == 420},
		{"emptyDir", spec.Volumes[1].EmptyDir != nil},
		{"hostPathType", *spec.Volumes[2].HostPath.Type == corev1.HostPathUnset},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("default %s not applied", c.name)
		}
	}
}

func TestPodDefaultsIdempotent(t *testing.T) {
	pods := []*corev1.Pod{
		{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "x"}}}},
		{Spec: corev1.PodSpec{
			HostNetwork: true,
			Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers: []corev1.Container{{Name: "a", Image: "x:1", Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}},
			Volumes: []corev1.Volume{{Name: "p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "t"}}}}}}},
		}},
	}
	for i, pod := range pods {
		podStrategy{}.Default(pod)
		once := pod.DeepCopy()
		podStrategy{}.Default(pod)
		if !equality.Semantic.DeepEqual(once, pod) {
			t.Errorf("pod %d: second Default changed the pod", i)
		}
	}
	// A toleration of everything makes the default ones unnecessary.
	if n := len(pods[1].Spec.Tolerations); n != 1 {
		t.Errorf("tolerations = %d, want 1", n)
	}
	if hp := pods[1].Spec.Containers[0].Ports[0].HostPort; hp != 8080 {
		t.Errorf("hostNetwork hostPort = %d, want 8080", hp)
	}
}

func TestTemplateDefaultsSkipPodOnlyRules(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "a", Image: "x:1",
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}},
	}}}}
	DefaultPodTemplateSpec(tmpl)
	s := tmpl.Spec
	if s.RestartPolicy != corev1.RestartPolicyAlways || s.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("template spec defaults missing: %+v", s)
	}
	if s.ServiceAccountName != "" || s.Tolerations != nil || s.Priority != nil || s.EnableServiceLinks != nil {
		t.Errorf("template got pod-only or admission defaults: %+v", s)
	}
	if s.Containers[0].Resources.Requests != nil {
		t.Errorf("template requests defaulted from limits")
	}
}

func TestPriorityClasses(t *testing.T) {
	tests := []struct {
		class string
		want  *int32
	}{
		{"", ptr(int32(0))},
		{"system-node-critical", ptr(int32(2000001000))},
		{"system-cluster-critical", ptr(int32(2000000000))},
		{"custom", nil},
	}
	for _, tt := range tests {
		spec := corev1.PodSpec{PriorityClassName: tt.class}
		admitPriority(&spec)
		if (spec.Priority == nil) != (tt.want == nil) || (tt.want != nil && *spec.Priority != *tt.want) {
			t.Errorf("class %q: priority %v, want %v", tt.class, spec.Priority, tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
