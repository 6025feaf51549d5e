package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPodValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []string
	}{
		{"valid", func(*corev1.Pod) {}, nil},
		{"no containers", func(p *corev1.Pod) { p.Spec.Containers = nil },
			[]string{"spec.containers: Required value"}},
		{"missing image and bad name", func(p *corev1.Pod) {
			p.Spec.Containers[0].Image = ""
			p.Spec.Containers[0].Name = "Bad_Name"
		}, []string{"spec.containers[0].image: Required value", "spec.containers[0].name: Invalid value"}},
		{"duplicate name across init and regular", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{p.Spec.Containers[0]}
		}, []string{"spec.containers[0].name: Duplicate value"}},
		{"port out of range and duplicate port name", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{
				{Name: "http", ContainerPort: 70000, Protocol: corev1.ProtocolTCP},
				{Name: "http", ContainerPort: 81, Protocol: "HTTP"},
			}
		}, []string{"spec.containers[0].ports[0].containerPort: Invalid value",
			"spec.containers[0].ports[1].name: Duplicate value",
			"spec.containers[0].ports[1].protocol: Unsupported value"}},
		{"enums", func(p *corev1.Pod) {
			p.Spec.RestartPolicy = "Sometimes"
			p.Spec.DNSPolicy = "Whatever"
			p.Spec.Containers[0].ImagePullPolicy = "Maybe"
		}, []string{"spec.restartPolicy: Unsupported value", "spec.dnsPolicy: Unsupported value",
			"spec.containers[0].imagePullPolicy: Unsupported value"}},
		{"request above limit", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
			}
		}, []string{"spec.containers[0].resources.requests: Invalid value"}},
		{"unknown resource name", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"gpu": resource.MustParse("1")}
		}, []string{"spec.containers[0].resources.limits[gpu]: Invalid value"}},
		{"volumes", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{
				{Name: "a", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "a", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "b", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{},
					HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}},
				{Name: "c"},
			}
		}, []string{"spec.volumes[1].name: Duplicate value", "spec.volumes[2].emptyDir: Forbidden",
			"spec.volumes[3]: Required value"}},
		{"mount of unknown volume", func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "nope", MountPath: "/data"}}
		}, []string{"spec.containers[0].volumeMounts[0].name: Not found"}},
		{"env", func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{
				{Name: ""},
				{Name: "A=B"},
				{Name: "X", Value: "v", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
				{Name: "Y", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.bogus"}}},
			}
		}, []string{"spec.containers[0].env[0].name: Required value", "spec.containers[0].env[1].name: Invalid value",
			"spec.containers[0].env[2].valueFrom: Invalid value",
			"spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Unsupported value"}},
		{"probe handlers", func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 2, FailureThreshold: 3}
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				Exec:      &corev1.ExecAction{Command: []string{"true"}},
				TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)},
			}, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
		}, []string{"spec.containers[0].livenessProbe: Required value",
			"spec.containers[0].livenessProbe.successThreshold: Invalid value",
			"spec.containers[0].readinessProbe.tcpSocket: Forbidden"}},
		{"init container probes", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "x", ImagePullPolicy: corev1.PullAlways,
				TerminationMessagePolicy: corev1.TerminationMessageReadFile,
				ReadinessProbe:           &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}}
		}, []string{"spec.initContainers[0].readinessProbe: Forbidden"}},
		{"tolerations", func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations,
				corev1.Toleration{Key: "k", Operator: corev1.TolerationOpExists, Value: "v"},
				corev1.Toleration{Key: "k", Operator: corev1.TolerationOpEqual, Effect: corev1.TaintEffectNoSchedule, TolerationSeconds: ptr(int64(5))},
			)
		}, []string{"spec.tolerations[2].operator: Invalid value", "spec.tolerations[3].effect: Invalid value"}},
		{"activeDeadlineSeconds", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(0)) },
			[]string{"spec.activeDeadlineSeconds: Invalid value"}},
		{"dnsPolicy None needs nameservers", func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSNone },
			[]string{"spec.dnsConfig.nameservers: Required value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := validPod()
			tt.mutate(pod)
			expectErrors(t, podStrategy{}.Validate(pod), tt.want...)
		})
	}
}

func TestPodValidateUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []string
	}{
		{"image change", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:1.28" }, nil},
		{"add toleration", func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "a", Operator: corev1.TolerationOpExists})
		}, nil},
		{"set activeDeadlineSeconds", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(60)) }, nil},
		{"remove toleration", func(p *corev1.Pod) { p.Spec.Tolerations = p.Spec.Tolerations[:1] },
			[]string{"spec.tolerations: Forbidden"}},
		{"change restartPolicy", func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever },
			[]string{"spec: Forbidden"}},
		{"add container", func(p *corev1.Pod) {
			c := p.Spec.Containers[0]
			c.Name = "b"
			p.Spec.Containers = append(p.Spec.Containers, c)
		}, []string{"spec: Forbidden"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := validPod()
			pod := old.DeepCopy()
			tt.mutate(pod)
			errs := podStrategy{}.ValidateUpdate(pod, old)
			expectErrors(t, errs, tt.want...)
			if len(tt.want) == 1 && tt.want[0] == "spec: Forbidden" {
				expectDetail(t, errs, "spec", "pod updates may not change fields other than `spec.containers[*].image`")
			}
		})
	}
}

func TestActiveDeadlineUpdate(t *testing.T) {
	old := validPod()
	old.Spec.ActiveDeadlineSeconds = ptr(int64(30))
	pod := old.DeepCopy()
	pod.Spec.ActiveDeadlineSeconds = ptr(int64(60))
	expectErrors(t, podStrategy{}.ValidateUpdate(pod, old), "spec.activeDeadlineSeconds: Invalid value")
	pod.Spec.ActiveDeadlineSeconds = nil
	expectErrors(t, podStrategy{}.ValidateUpdate(pod, old), "spec.activeDeadlineSeconds: Invalid value")
	pod.Spec.ActiveDeadlineSeconds = ptr(int64(10))
	expectErrors(t, podStrategy{}.ValidateUpdate(pod, old))
}

func TestPodStatusUpdate(t *testing.T) {
	old := validPod()
	old.Spec.NodeName = "n1"
	pod := old.DeepCopy()
	pod.Status.Phase = "Sleeping"
	pod.Status.PodIP = "10.0.0.1"
	pod.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady}, {Type: "bad type!"}}
	pod.Spec.NodeName = "n2"
	expectErrors(t, podStrategy{}.ValidateStatusUpdate(pod, old),
		"status.phase: Unsupported value", "status.nodeName: Forbidden",
		"status.podIPs: Invalid value", "status.conditions[1].Type: Invalid value")
}

func TestPodQOSClass(t *testing.T) {
	rl := func(cpu, mem string) corev1.ResourceList {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			l[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		return l
	}
	tests := []struct {
		name     string
		req, lim corev1.ResourceList
		want     corev1.PodQOSClass
	}{
		{"none", nil, nil, corev1.PodQOSBestEffort},
		{"equal", rl("1", "1Gi"), rl("1", "1Gi"), corev1.PodQOSGuaranteed},
		{"request below limit", rl("500m", "1Gi"), rl("1", "1Gi"), corev1.PodQOSBurstable},
		{"cpu only", rl("1", ""), rl("1", ""), corev1.PodQOSBurstable},
		{"zero", rl("0", ""), nil, corev1.PodQOSBestEffort},
	}
	for _, tt := range tests {
		pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Resources: corev1.ResourceRequirements{Requests: tt.req, Limits: tt.lim}}}}}
		if got := PodQOSClass(pod); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestPodPrepareForCreate(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		SchedulingGates: []corev1.PodSchedulingGate{{Name: "wait"}},
		Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}}}},
	}, Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "1.2.3.4"}}
	podStrategy{}.PrepareForCreate(pod)
	if pod.Status.Phase != corev1.PodPending || pod.Status.PodIP != "" {
		t.Errorf("status not reset: %+v", pod.Status)
	}
	if pod.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("qosClass = %s, want Guaranteed (requests default from limits)", pod.Status.QOSClass)
	}
	if len(pod.Status.Conditions) != 1 || pod.Status.Conditions[0].Reason != corev1.PodReasonSchedulingGated {
		t.Errorf("want SchedulingGated condition, got %+v", pod.Status.Conditions)
	}
}
